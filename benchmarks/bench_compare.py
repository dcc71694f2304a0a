"""The comparison core on two 10-million-element float arrays vs a bare ``np.allclose``.

Goal (issue #4): within 3x of np.allclose, same run.
Run: pytest benchmarks/bench_compare.py -s
"""

from __future__ import annotations

import numpy as np

from mltest.compare import array_difference, deep_differences
from mltest.perf import best_time


def test_compare_core_vs_allclose():
    rng = np.random.default_rng(0)
    a = rng.normal(size=10_000_000)
    b = a * (1 + 1e-12)  # close, not bitwise equal: the slow path
    floor = best_time(lambda: np.allclose(a, b, rtol=1e-7, atol=1e-7), rounds=5)
    ours = best_time(lambda: array_difference(a, b, rtol=1e-7, atol=1e-7), rounds=5)
    nested = best_time(
        lambda: deep_differences({"w": [a]}, {"w": [b]}, rtol=1e-7, atol=1e-7), rounds=5
    )
    print(
        f"\nnp.allclose {floor:.3f}s, array_difference {ours:.3f}s ({ours / floor:.2f}x), "
        f"deep_differences {nested:.3f}s ({nested / floor:.2f}x); goal <= 3x"
    )
    assert ours / floor <= 3
    assert nested / floor <= 3

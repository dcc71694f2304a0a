"""The comparison core on two 10-million-element float arrays vs a bare ``np.allclose``.

Goal (issue #4): within 3x of np.allclose, same run.
Run: pytest benchmarks/bench_compare.py -s
"""

from __future__ import annotations

import time

import numpy as np

from mltest.compare import array_difference, deep_differences


def _best(fn, rounds=5):
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return min(out)


def test_compare_core_vs_allclose():
    rng = np.random.default_rng(0)
    a = rng.normal(size=10_000_000)
    b = a * (1 + 1e-12)  # close, not bitwise equal: the slow path
    floor = _best(lambda: np.allclose(a, b, rtol=1e-7, atol=1e-7))
    ours = _best(lambda: array_difference(a, b, rtol=1e-7, atol=1e-7))
    nested = _best(lambda: deep_differences({"w": [a]}, {"w": [b]}, rtol=1e-7, atol=1e-7))
    print(
        f"\nnp.allclose {floor:.3f}s, array_difference {ours:.3f}s ({ours / floor:.2f}x), "
        f"deep_differences {nested:.3f}s ({nested / floor:.2f}x); goal <= 3x"
    )
    assert ours / floor <= 3
    assert nested / floor <= 3

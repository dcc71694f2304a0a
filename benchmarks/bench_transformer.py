"""check_transformer(StandardScaler()) against scikit-learn's check_estimator, same run.

Goal (issue #2): at most 10x check_estimator's time while checking far more.
Run: pytest benchmarks/bench_transformer.py --benchmark-only -s
"""

from __future__ import annotations

from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import mltest
from mltest.perf import best_time


def test_check_transformer_vs_check_estimator(benchmark):
    check_estimator(StandardScaler())  # warm both up: imports and first-call costs
    mltest.check_transformer(StandardScaler(), max_examples=5)
    peer = best_time(lambda: check_estimator(StandardScaler()), rounds=5)
    ours = benchmark.pedantic(
        mltest.check_transformer, args=(StandardScaler(),), rounds=5, iterations=1
    )
    assert ours.passed
    ratio = benchmark.stats.stats.min / peer
    benchmark.extra_info.update(check_estimator_s=peer, ratio=ratio)
    print(
        f"\ncheck_transformer {benchmark.stats.stats.min:.3f}s, "
        f"check_estimator {peer:.3f}s, ratio {ratio:.2f}x (goal <= 10x)"
    )
    assert ratio <= 10

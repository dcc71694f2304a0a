"""check_transformer on scikit-learn scalers against scikit-learn's check_estimator, same run.

Goal (issues #2, #9): at most 10x check_estimator's time for StandardScaler and for
MinMaxScaler, while checking far more.
Run: pytest benchmarks/bench_transformer.py -s
"""

from __future__ import annotations

import pytest
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import mltest
from mltest.perf import best_time


@pytest.mark.parametrize("cls", [StandardScaler, MinMaxScaler], ids=lambda c: c.__name__)
def test_check_transformer_vs_check_estimator(cls):
    check_estimator(cls())  # warm both up: imports and first-call costs
    mltest.check_transformer(cls(), max_examples=5)
    peer = best_time(lambda: check_estimator(cls()), rounds=5)
    ours = best_time(lambda: mltest.check_transformer(cls()), rounds=5)
    ratio = ours / peer
    print(
        f"\ncheck_transformer({cls.__name__}()) {ours:.3f}s, check_estimator {peer:.3f}s, "
        f"ratio {ratio:.2f}x (goal <= 10x)"
    )
    assert ratio <= 10

"""check_model at its defaults on a fitted LogisticRegression.

Goal (issue 10): under 2 s for every built-in property plus the declared ones
(invariance, monotonicity), 30 examples of 2 to 12 rows each.
Run: pytest benchmarks/bench_model.py -s
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from mltest import check_model


def test_check_model_logistic_regression_under_2_seconds():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"age": rng.uniform(18, 90, 2_000), "income": rng.uniform(0, 2e5, 2_000)})
    X["customer_id"] = rng.integers(0, 10**6, 2_000)
    y = (X["income"] / 2e5 + X["age"] / 90 > 1).astype(int)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        report = check_model(
            model, X=X, invariant_to=["customer_id"], monotone={"income": "increasing"}
        )
        times.append(time.perf_counter() - start)
    best = min(times)
    print(f"\ncheck_model(LogisticRegression): {best:.2f} s (best of 3), {report.summary()}")
    assert best < 2.0

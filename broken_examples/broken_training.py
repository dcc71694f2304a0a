"""A training function that is not reproducible: ``pytest --mltest broken_examples/``."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import SGDRegressor

import mltest


@mltest.reproducible(seed=0)
def train_with_own_generator():
    """Shuffles with a fresh, unseeded generator: seed_everything cannot reach it."""
    X, y = load_diabetes(return_X_y=True)
    order = np.random.default_rng().permutation(len(y))
    return SGDRegressor(max_iter=5, tol=None, random_state=0).fit(X[order], y[order]).coef_

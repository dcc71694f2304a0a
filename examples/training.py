"""Training of the pricing model: the same seed must give the same model.

``pytest --mltest examples/`` checks it in this process and in fresh interpreters.
"""

from __future__ import annotations

from sklearn.datasets import load_diabetes
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.model_selection import train_test_split

import mltest


@mltest.reproducible(seed=0, runs=2, fresh_interpreter=True)
def train_pricing_model():
    X, y = load_diabetes(return_X_y=True)
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=0)
    model = GradientBoostingRegressor(n_estimators=30, subsample=0.8, random_state=0)
    return model.fit(X_train, y_train)

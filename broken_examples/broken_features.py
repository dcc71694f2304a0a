"""Deliberately broken transformers: ``pytest --mltest broken_examples/`` shows each bug.

Every class here passes ``sklearn.utils.estimator_checks`` on the data those checks use,
or would pass a quick hand-written unit test; mltest finds what is wrong.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin

import mltest


@mltest.transformer()
class NaiveScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """``(X - mean) / std``: a constant column divides by zero (finite_output fails)."""

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        self.n_features_in_ = X.shape[1]
        self.mean_, self.std_ = X.mean(axis=0), X.std(axis=0)
        return self

    def transform(self, X):
        if not hasattr(self, "mean_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("NaiveScaler is not fitted")
        X = np.asarray(X, dtype=np.float64)
        if X.shape[1] != self.n_features_in_:
            raise ValueError("wrong number of features")
        return (X - self.mean_) / self.std_


@mltest.transformer()
class InPlaceCentre(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Centres with ``X -= mean``, corrupting the caller's array (no_input_mutation)."""

    def fit(self, X, y=None):
        self.mean_ = np.asarray(X).mean(axis=0)
        return self

    def transform(self, X):
        X -= self.mean_
        return X


@mltest.transformer()
class BatchMinMax(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Rescales with the *batch's* min and max at transform time (row_subset_consistent,
    single_row_transform): serving one request at a time gives other features."""

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):
        X = np.asarray(X, dtype=np.float64)
        span = X.max(axis=0) - X.min(axis=0)
        return (X - X.min(axis=0)) / np.where(span > 0, span, 1.0)

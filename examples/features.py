"""Feature engineering of a small pricing model: custom transformers checked by mltest.

Run ``pytest --mltest examples/`` to property-test every decorated class here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

import mltest
from mltest.strategies import categorical_frames, feature_matrices


@mltest.transformer()
class SafeStandardizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Centre and scale each column; constant columns are only centred."""

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        self.mean_ = X.mean(axis=0, dtype=np.float64)
        scale = X.std(axis=0, dtype=np.float64)
        # a column whose spread is rounding noise relative to its level is constant
        tiny = scale <= 1e-9 * np.maximum(1.0, np.abs(self.mean_))
        self.scale_ = np.where(tiny, 1.0, scale)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return ((X - self.mean_) / self.scale_).astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        check_is_fitted(self)
        X = np.asarray(X)
        return (X * self.scale_ + self.mean_).astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


@mltest.transformer(data=feature_matrices(positive=True))
class LogScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """``log1p`` of non-negative amounts, divided by the training maximum of the log."""

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        if (X < 0).any():
            raise ValueError("LogScaler takes non-negative amounts only")
        top = np.log1p(X).max(axis=0)
        self.scale_ = np.where(top > 0, top, 1.0)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return np.log1p(np.clip(X, 0, None)) / self.scale_

    def inverse_transform(self, X):
        check_is_fitted(self)
        return np.expm1(np.asarray(X, dtype=np.float64) * self.scale_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags


@mltest.transformer(data=categorical_frames())
class FrequencyEncoder(TransformerMixin, BaseEstimator):
    """Replace each category by its share of the training rows (unseen categories: 0)."""

    def fit(self, X, y=None):
        X = self._frame(X, reset=True)
        self.frequencies_ = {
            col: X[col].astype(object).value_counts(normalize=True).to_dict()
            for col in X.columns
            if not pd.api.types.is_numeric_dtype(X[col])
        }
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = self._frame(X, reset=False)
        out = X.copy()
        for col, freq in self.frequencies_.items():
            out[col] = X[col].astype(object).map(freq).astype(np.float64).fillna(0.0)
        return out.to_numpy(dtype=np.float64)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return np.asarray(self.feature_names_in_, dtype=object)

    def _frame(self, X, *, reset):
        if not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(
                np.asarray(X, dtype=object), columns=getattr(self, "feature_names_in_", None)
            )
        names = np.asarray([str(c) for c in X.columns], dtype=object)
        if reset:
            self.feature_names_in_ = names
            self.n_features_in_ = len(names)
        elif len(names) != self.n_features_in_:
            raise ValueError(f"X has {len(names)} columns; {self.n_features_in_} were seen in fit")
        X = X.set_axis(names, axis=1)
        return X.apply(lambda c: pd.to_numeric(c) if c.map(_is_number).all() else c)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags


def _is_number(value):
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)

"""Realistic buggy transformers, one bug class each, for the property tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted, validate_data


class GoodScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """A correct scaler; the buggy ones below each change one thing of it."""

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 1e-9 * np.maximum(1, np.abs(self.mean_)), std, 1.0)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return (X - self.mean_) / self.scale_

    def inverse_transform(self, X):
        check_is_fitted(self)
        return np.asarray(X) * self.scale_ + self.mean_


class ForgetsReturnSelf(GoodScaler):
    def fit(self, X, y=None):
        super().fit(X, y)  # `return self` forgotten


class SortsInputInFit(GoodScaler):
    """Computes a median by sorting the caller's array in place."""

    def fit(self, X, y=None):
        X.sort(axis=0)
        self.median_ = X[len(X) // 2]
        return super().fit(X, y)


class CentresInPlace(GoodScaler):
    def transform(self, X):
        check_is_fitted(self)
        X -= self.mean_
        return X


class DropsDuplicateRows(GoodScaler):
    def transform(self, X):
        return np.unique(super().transform(X), axis=0)


class SampleStdInFitTransform(GoodScaler):
    """fit_transform uses ddof=1 while transform uses the ddof=0 learned in fit."""

    def fit_transform(self, X, y=None):
        self.fit(X)
        return _scaled_by_sample_std(self, X)


def _scaled_by_sample_std(fitted, X):
    X = np.asarray(X, dtype=np.float64)
    std = X.std(axis=0, ddof=1) if len(X) > 1 else np.ones(X.shape[1])
    return (X - fitted.mean_) / np.where(std > 0, std, 1.0)


class NoisyTransform(GoodScaler):
    """Augmentation noise left on at inference."""

    def transform(self, X):
        out = super().transform(X)
        return out + np.random.default_rng().normal(scale=1e-3, size=out.shape)


class BatchMinMax(GoodScaler):
    """Rescales with the batch's own min and max at transform time."""

    def transform(self, X):
        X = super().transform(X)
        span = X.max(axis=0) - X.min(axis=0)
        return (X - X.min(axis=0)) / np.where(span > 0, span, 1.0)


class RelativeToFirstRow(GoodScaler):
    """Uses the first training row as the reference point."""

    def fit(self, X, y=None):
        super().fit(X, y)
        self.mean_ = np.asarray(X, dtype=np.float64)[0]
        return self


class NaiveScaler(GoodScaler):
    """Divides by the raw standard deviation: constant columns give NaN."""

    def fit(self, X, y=None):
        super().fit(X, y)
        self.scale_ = np.asarray(X, dtype=np.float64).std(axis=0)
        return self


class PandasStdScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """``X.std()`` is the sample std on a DataFrame but the population std on an array."""

    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        self.mean_, self.std_ = X.mean(axis=0), X.std(axis=0)
        self.std_ = np.where(np.asarray(self.std_) > 0, self.std_, 1.0)
        return self

    def transform(self, X):
        if not hasattr(self, "mean_"):
            raise NotFittedError("not fitted")
        if X.shape[1] != self.n_features_in_:
            raise ValueError("wrong width")
        return np.asarray((X - np.asarray(self.mean_)) / self.std_, dtype=np.float64)


class SquaresWithWrongNames(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Appends squared features but keeps the one-to-one feature names."""

    def fit(self, X, y=None):
        validate_data(self, X)
        return self

    def transform(self, X):
        check_is_fitted(self, "n_features_in_")
        X = validate_data(self, X, reset=False)
        return np.hstack([X, X**2])


class InverseForgetsMean(GoodScaler):
    def inverse_transform(self, X):
        return np.asarray(X) * self.scale_


class ScalesParamInInit(GoodScaler):
    def __init__(self, quantile=0.5):
        self.quantile = float(quantile) * 100  # stores percent, not what was passed


class LambdaState(GoodScaler):
    def fit(self, X, y=None):
        super().fit(X, y)
        self.post_ = lambda z: z  # unpicklable
        return self


class NoFittedCheck(GoodScaler):
    def transform(self, X):
        return (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_


class NoWidthCheck(GoodScaler):
    def transform(self, X):
        check_is_fitted(self)
        return (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_


class SqueezesRows(GoodScaler):
    def transform(self, X):
        return np.squeeze(super().transform(X))


class UpcastsFloat32(GoodScaler):
    """Declares float32 preserved but computes and returns float64."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def as_frame(X):
    return pd.DataFrame(X, columns=[f"c{i}" for i in range(X.shape[1])])


class SecondLevelThreshold(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Binarises each column at its second-smallest distinct value: an IndexError on a
    column with a single value, which every constant feature in production has."""

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        self.threshold_ = np.array([np.unique(col)[1] for col in X.T])
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return (X >= self.threshold_).astype(np.float64)


class RemembersColumns(GoodScaler):
    """``cols=None`` means "every column"; fit overwrites it with the columns it saw, so a
    clone of the fitted scaler scales the old columns of new data."""

    def __init__(self, cols=None):
        self.cols = cols

    def fit(self, X, y=None):
        if self.cols is None:
            self.cols = list(range(np.shape(X)[1]))
        return super().fit(X, y)


class InverseWritesInPlace(GoodScaler):
    """``inverse_transform`` rescales the caller's array in place."""

    def inverse_transform(self, X):
        check_is_fitted(self)
        X *= self.scale_
        X += self.mean_
        return X


class KeepsMinimumAcrossFits(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Min-max scaling whose minimum only ever decreases: a refit on new data keeps the
    minimum of the old data."""

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        self.min_ = np.minimum(getattr(self, "min_", np.inf), X.min(axis=0))
        span = X.max(axis=0) - self.min_
        self.span_ = np.where(span > 0, span, 1.0)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return (X - self.min_) / self.span_


class ClassLevelStatistics(GoodScaler):
    """Keeps its statistics on the class: every instance shares the last fit's."""

    def fit(self, X, y=None):
        super().fit(X, y)
        type(self).shared_mean_ = self.mean_
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return (X - type(self).shared_mean_) / self.scale_


class RenamesParameter(GoodScaler):
    """``__init__`` stores ``alpha`` under another name: get_params, clone and repr fail."""

    def __init__(self, alpha=1.0):
        self.alpha_value = alpha


class RobustScalerQuantilesSwapped(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """A hand-written robust scaler dividing by q25 - q75 instead of q75 - q25: every
    property holds, the sign of every feature is flipped."""

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        self.center_ = np.median(X, axis=0)
        q25, q75 = np.percentile(X, [25, 75], axis=0)
        iqr = q25 - q75
        self.scale_ = np.where(iqr != 0, iqr, 1.0)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return (X - self.center_) / self.scale_


class MinMaxDividingByMax(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Divides by the maximum instead of the range: outputs leave [0, 1] for negative data."""

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        self.min_ = X.min(axis=0)
        peak = np.abs(X).max(axis=0)
        self.peak_ = np.where(peak > 0, peak, 1.0)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return (X - self.min_) / self.peak_


class SignedLogOneColumnFlipped(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """sign(x) * log1p(|x|) per column, with the sign of the second column's output
    flipped by a copy-paste error."""

    def fit(self, X, y=None):
        validate_data(self, X, dtype=np.float64)
        return self

    def transform(self, X):
        check_is_fitted(self, "n_features_in_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        out = np.sign(X) * np.log1p(np.abs(X))
        if out.shape[1] > 1:
            out[:, 1] = -out[:, 1]
        return out


class RowNormaliserOffByOne(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Normalises rows by ``norm + 1`` (to "avoid division by zero"): not idempotent, so a
    pipeline run on already normalised rows shrinks them again."""

    def fit(self, X, y=None):
        validate_data(self, X, dtype=np.float64)
        return self

    def transform(self, X):
        check_is_fitted(self, "n_features_in_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X / (np.linalg.norm(X, axis=1, keepdims=True) + 1)


class NanAwareScalerUsingMean(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Declares it accepts missing values, then centres with ``np.mean``: one missing cell
    makes its whole column NaN."""

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        self.mean_ = X.mean(axis=0)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False, ensure_all_finite="allow-nan")
        return X - self.mean_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class NanAwareScaler(NanAwareScalerUsingMean):
    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        counts = np.sum(~np.isnan(X), axis=0)
        self.mean_ = np.where(counts > 0, np.nansum(X, axis=0) / np.maximum(counts, 1), 0.0)
        return self


class EncoderWithoutInverse(GoodScaler):
    """An encoder whose inverse is optional and not implemented."""

    def inverse_transform(self, X):
        raise NotImplementedError("this encoding cannot be inverted")


class FillsMissingThenScales(GoodScaler):
    """Correct: takes missing values only because it fills them before scaling (it does
    not declare ``allow_nan``)."""

    def fit(self, X, y=None):
        return super().fit(pd.DataFrame(X).fillna(0.0).to_numpy(), y)

    def transform(self, X):
        return super().transform(pd.DataFrame(X).fillna(0.0).to_numpy())


class SlowFitScaler(GoodScaler):
    """Correct, and slow to fit (as a transformer that cross-validates inside fit)."""

    def fit(self, X, y=None):
        import time

        time.sleep(0.05)
        return super().fit(X, y)


class CentresTargetInFit(GoodScaler):
    """A supervised scaler that centres the caller's target in place while fitting."""

    def fit(self, X, y):
        y -= y.mean()
        self.y_scale_ = float(np.abs(y).max() or 1.0)
        return super().fit(X)


class FitTransformScalesInPlace(GoodScaler):
    """``fit`` and ``transform`` copy; the faster ``fit_transform`` scales the caller's
    array in place and returns it."""

    def fit_transform(self, X, y=None):
        self.fit(X)
        X -= self.mean_
        X /= self.scale_
        return X


def _require_target(X, y):
    if y is None:
        raise ValueError("this transformer is supervised: y is required")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")


class SupervisedKeepsMinimum(KeepsMinimumAcrossFits):
    """``KeepsMinimumAcrossFits`` as a supervised transformer: fit refuses to run without
    y, so the properties that fit on other rows must pass those rows' y."""

    def fit(self, X, y):
        _require_target(X, y)
        return super().fit(X)


class SupervisedClassLevelStatistics(ClassLevelStatistics):
    """``ClassLevelStatistics`` whose fit needs y."""

    def fit(self, X, y):
        _require_target(X, y)
        return super().fit(X)


class SupervisedSampleStd(GoodScaler):
    """``SampleStdInFitTransform`` whose fit and fit_transform need y."""

    def fit(self, X, y):
        _require_target(X, y)
        return super().fit(X)

    def fit_transform(self, X, y):
        self.fit(X, y)
        return _scaled_by_sample_std(self, X)


class NaiveScalerObjectOutput(NaiveScaler):
    """``NaiveScaler`` returning an object array (as code that builds its output from
    Python lists does): its NaN columns hide behind dtype object."""

    def transform(self, X):
        return super().transform(X).astype(object)

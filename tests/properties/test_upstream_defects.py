"""Defects the sweeps found in trusted libraries, each shown without mltest.

The sweeps declare these as known failures (``sweep.Defect``): a property may fail there,
only with the defect's message. Each test here is strict: it asserts the defect is present
in the installed version, so the day a release fixes it, the test fails and the
declaration is removed. Every reproducer is the minimal input mltest shrank to.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn
from sklearn import metrics

VERSION = sklearn.__version__


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def test_kbins_discretizer_inverse_of_a_constant_column_is_nan():
    from sklearn.preprocessing import KBinsDiscretizer

    X = np.array([[1.0], [1.0], [1.0]])
    est = KBinsDiscretizer(n_bins=3, encode="ordinal").fit(X)
    assert np.isnan(est.inverse_transform(est.transform(X))).all(), VERSION  # bin edges -inf, inf


@pytest.mark.parametrize("name", ["SparsePCA", "MiniBatchSparsePCA"])
def test_sparse_pca_transform_of_one_row_is_one_dimensional(name):
    from sklearn import decomposition

    est = getattr(decomposition, name)(random_state=0).fit(np.array([[0.0], [1.0], [2.0]]))
    assert est.transform(np.array([[1.0]])).shape == (1,), VERSION  # (1, 1) expected


def test_target_encoder_transform_before_fit_raises_attribute_error():
    from sklearn.exceptions import NotFittedError
    from sklearn.preprocessing import TargetEncoder

    with pytest.raises(AttributeError, match="categories_") as info:
        TargetEncoder().transform(np.array([["a"], ["b"]]))
    assert not isinstance(info.value, NotFittedError), VERSION


@pytest.mark.parametrize("name", ["LinearDiscriminantAnalysis", "NeighborhoodComponentsAnalysis"])
def test_fit_on_a_constant_column_raises_index_error(name):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.neighbors import NeighborhoodComponentsAnalysis

    cls = {
        "LinearDiscriminantAnalysis": LinearDiscriminantAnalysis,
        "NeighborhoodComponentsAnalysis": NeighborhoodComponentsAnalysis,  # LDA initialisation
    }[name]
    with pytest.raises(IndexError):
        cls().fit(np.full((4, 1), 5.0), np.array([0, 1, 0, 1]))


def test_bisecting_kmeans_fit_crashes_or_not_depending_on_row_order():
    from sklearn.cluster import BisectingKMeans

    X = np.array([[0.001]] * 3 + [[0.0]] + [[0.001]] * 4)
    BisectingKMeans(random_state=0).fit(X)  # as drawn: fine
    with pytest.raises(ValueError, match="larger sample than population"):
        BisectingKMeans(random_state=0).fit(X[::-1])  # the same rows reversed


def test_minibatch_nmf_fit_gives_nan_depending_on_row_order():
    from sklearn.decomposition import MiniBatchNMF

    X = np.array([[0.0, 0.0], [0.0, 0.001]])
    MiniBatchNMF(random_state=0).fit(X)
    with pytest.raises(ValueError, match="infs or NaNs"):
        MiniBatchNMF(random_state=0).fit(X[::-1])


def test_nmf_transform_of_a_nearly_zero_matrix_is_nan():
    from sklearn.decomposition import NMF

    X = np.array([[0.0, 0.001], [0.0, 0.0]])
    assert np.isnan(NMF(random_state=0).fit(X).transform(X)).all(), VERSION


def test_pls_regression_on_rank_deficient_x_crashes_depending_on_row_order():
    from sklearn.cross_decomposition import PLSRegression

    X, y = np.array([[0.0, 0.0], [0.001, 0.001], [0.0, 0.0]]), np.array([0, 1, 1])
    PLSRegression().fit(X, y)  # n_components=2 on data of rank 1: fine in this order
    with pytest.raises(ValueError, match="NaN"):
        PLSRegression().fit(X[::-1], y[::-1])


def test_power_transformer_float32_round_trip_is_far_off_near_lambda_zero():
    """Yeo-Johnson computes ((x + 1)**lmbda - 1) / lmbda in the input's dtype: with lmbda
    near 0 that cancels, and float32 keeps no digit of it. In float64 the same data round
    trips exactly; in float32 transform(inverse_transform(Z)) is 28% off Z."""
    from sklearn.preprocessing import PowerTransformer

    for dtype, off in ((np.float64, False), (np.float32, True)):
        X = np.array([[0.001]] * 3 + [[0.0]] * 3, dtype=dtype)
        est = PowerTransformer().fit(X)
        Z = est.transform(X)
        again = est.transform(est.inverse_transform(Z))
        assert bool(np.max(np.abs(again - Z)) > 0.2) is off, (dtype, VERSION)


@pytest.mark.parametrize("fn", [metrics.max_error, metrics.median_absolute_error])
def test_regression_metrics_wrap_on_uint8_targets(fn):
    a, b = np.array([0, 100], dtype=np.uint8), np.array([0, 0], dtype=np.uint8)
    assert fn(a.astype(float), b.astype(float)) == fn(b.astype(float), a.astype(float))
    assert fn(a, b) != fn(b, a), VERSION  # one side computes 0 - 100, which wraps to 156


def test_variance_threshold_keeps_a_constant_column_by_rounding():
    """A column whose non-missing values are all equal has variance 0; VarianceThreshold's
    default threshold=0 removes it from a DataFrame but keeps it from the same values as a
    numpy array, where nanvar's rounding gives 1.9e-37."""
    import pandas as pd
    from sklearn.feature_selection import VarianceThreshold

    X = np.array([[0.0, np.nan]] + [[0.001, 0.001]] * 15)
    kept_array = VarianceThreshold().fit(X).get_support().sum()
    kept_frame = VarianceThreshold().fit(pd.DataFrame(X, columns=["a", "b"])).get_support().sum()
    assert (kept_array, kept_frame) == (2, 1), VERSION


def test_isotonic_regression_transform_before_fit_raises_attribute_error():
    from sklearn.exceptions import NotFittedError
    from sklearn.isotonic import IsotonicRegression

    with pytest.raises(AttributeError, match="f_") as info:
        IsotonicRegression().transform(np.array([1.0, 2.0]))
    assert not isinstance(info.value, NotFittedError), VERSION


def test_select_from_model_transform_before_fit_raises_a_plain_value_error():
    from sklearn.exceptions import NotFittedError
    from sklearn.feature_selection import SelectFromModel
    from sklearn.linear_model import Lasso

    with pytest.raises(ValueError, match="call fit") as info:
        SelectFromModel(Lasso()).transform(np.ones((2, 2)))
    assert not isinstance(info.value, NotFittedError), VERSION


def test_iterative_imputer_skips_its_rounds_when_the_whole_batch_is_missing():
    """transform returns the initial (mean) imputation when every value of the *batch* is
    missing: a fully missing row gets other values alone than inside a batch."""
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    X = np.array([[1.0, 2.0], [2.0, 4.1], [3.0, 5.9], [np.nan, 8.0], [5.0, np.nan]])
    imputer = IterativeImputer(random_state=0).fit(X)
    row = np.array([[np.nan, np.nan]])
    alone = imputer.transform(row)[0]
    in_batch = imputer.transform(np.vstack([row, [[4.0, np.nan]]]))[0]
    assert not np.allclose(alone, in_batch), VERSION


def test_sparse_pca_upcasts_float32_when_the_input_is_all_zero():
    """Its tags promise float32 is preserved; an all-zero float32 matrix comes out float64
    (MiniBatchSparsePCA keeps float32)."""
    from sklearn.decomposition import SparsePCA

    X = np.zeros((2, 5), dtype=np.float32)
    assert SparsePCA(random_state=0).fit(X).transform(X).dtype == np.float64, VERSION

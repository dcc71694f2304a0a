from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import mltest
from mltest import strategies as mst


@settings(max_examples=50, deadline=None)
@given(mst.feature_matrices())
def test_matrices_are_finite_2d_float(X):
    assert X.ndim == 2
    assert X.shape[0] >= 2
    assert X.dtype in (np.float64, np.float32)
    assert np.isfinite(X).all()


@settings(max_examples=30, deadline=None)
@given(mst.feature_matrices(positive=True))
def test_positive_matrices(X):
    assert (X >= 0).all()


@settings(max_examples=30, deadline=None)
@given(mst.feature_frames())
def test_frames_have_named_columns(df):
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == [f"x{i}" for i in range(df.shape[1])]


@settings(max_examples=30, deadline=None)
@given(mst.categorical_frames())
def test_categorical_frames(df):
    assert pd.api.types.is_string_dtype(df["colour"])
    assert isinstance(df["size"].dtype, pd.CategoricalDtype)


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
@settings(max_examples=20, deadline=None)
@given(data=__import__("hypothesis").strategies.data())
def test_targets_have_every_class(kind, data):
    y = data.draw(mst.targets(kind, 10, degenerate=False))
    assert set(np.unique(y)) == ({0, 1} if kind == "binary" else {0, 1, 2})


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
def test_degenerate_targets_are_drawn_too(kind):
    from hypothesis import find

    y = find(mst.targets(kind, 6), lambda y: len(np.unique(y)) == 1)
    assert len(y) == 6


def test_the_column_kinds_all_appear():
    """Constant columns, 1e6 offsets, float32 and integer columns are generated, not just
    promised."""
    from hypothesis import find

    assert find(mst.feature_matrices(), lambda X: (X > 5e5).any()).max() >= 1e6 - 10
    assert find(mst.feature_matrices(), lambda X: X.dtype == np.float32).dtype == np.float32
    nonzero_constant = find(
        mst.feature_matrices(), lambda X: ((np.ptp(X, axis=0) == 0) & (X[0] != 0)).any()
    )
    assert nonzero_constant.shape[0] >= 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"min_rows": 0}, "min_rows=0", id="rows"),
        pytest.param({"max_cols": 0}, "max_cols=0", id="cols"),
        pytest.param({"dtypes": ["int8"]}, "unknown", id="dtype"),
        pytest.param({"kinds": []}, "at least one", id="kinds"),
    ],
)
def test_bad_strategy_arguments(kwargs, match):
    with pytest.raises(mltest.UsageError, match=match):
        mst.feature_matrices(**kwargs)

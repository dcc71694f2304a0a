from __future__ import annotations

import numpy as np

from mltest.compare import array_difference, default_tolerances


def test_equal_arrays_and_nans_agree():
    a = np.array([1.0, np.nan, np.inf])
    assert array_difference(a, a.copy()) is None


def test_difference_reports_worst_index_and_errors():
    a = np.zeros((3, 4))
    b = a.copy()
    b[2, 1] = 1e-3
    diff = array_difference(a, b)
    assert diff.worst_index == (2, 1)
    assert diff.n_mismatched == 1
    assert diff.max_abs == 1e-3
    assert "index [2, 1]" in str(diff)


def test_nan_against_number_is_reported():
    diff = array_difference(np.array([np.nan]), np.array([1.0]))
    assert diff is not None
    assert np.isnan(diff.max_abs)


def test_shapes_differ():
    assert "shape (2,)" in str(array_difference(np.zeros(2), np.zeros(3)))


def test_dtype_aware_defaults():
    assert default_tolerances(np.float32) == (1.3e-6, 1e-5)
    assert default_tolerances(np.int64) == (0.0, 0.0)
    assert array_difference(np.float32([1.0]), np.float32([1.0 + 1e-6])) is None
    assert array_difference(np.float64([1.0]), np.float64([1.0 + 1e-6])) is not None


def test_object_arrays_compare_by_equality():
    assert array_difference(np.array(["a", "b"], dtype=object), np.array(["a", "c"])) is not None


def test_deep_differences_name_paths_in_nested_outputs():
    import pandas as pd

    from mltest.compare import deep_differences

    a = {"w": [np.zeros(3), {"b": 1.0}], "df": pd.DataFrame({"x": [1.0, 2.0]}), "s": "tag"}
    b = {"w": [np.zeros(3), {"b": 2.0}], "df": pd.DataFrame({"x": [1.0, 2.5]}), "s": "other"}
    paths = [d.path for d in deep_differences(a, b)]
    assert paths == ["['w'][1]['b']", "['df']['x']", "['s']"]


def test_fitted_estimators_and_trees_compare_by_learned_state():
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import RandomForestRegressor

    from mltest.compare import deep_differences

    X, y = load_diabetes(return_X_y=True)

    def fit(seed):
        return RandomForestRegressor(n_estimators=3, max_depth=3, random_state=seed).fit(X, y)

    assert deep_differences(fit(0), fit(0)) == []
    paths = [d.path for d in deep_differences(fit(0), fit(1))]
    assert any(p.startswith(".estimators_[0].tree_.<state>") for p in paths)


def test_torch_state_dicts_and_dtype_mismatch():
    import pytest

    torch = pytest.importorskip("torch")
    from mltest.compare import deep_differences

    torch.manual_seed(0)
    a = torch.nn.Linear(2, 2).state_dict()
    torch.manual_seed(0)
    b = torch.nn.Linear(2, 2).state_dict()
    assert deep_differences(a, b) == []
    assert "dtype" in str(deep_differences(np.zeros(2), np.zeros(2, dtype=np.float32))[0])


def test_python_ints_beyond_int64_compare_as_numbers():
    from mltest.compare import deep_differences

    assert deep_differences(2**64, 2**64) == []
    assert deep_differences({"n": 2**70}, {"n": 2**70 + 1})  # differ, and say so

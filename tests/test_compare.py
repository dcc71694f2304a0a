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

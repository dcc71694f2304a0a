"""Helpers the property sets share for inputs and outputs of the code under test."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from mltest.compare import array_difference, path_tolerances, scaled_difference
from mltest.engine import Violation


def shown(precision: int = 4, threshold: int = 60, **values: Any) -> str:
    """A counterexample as ``name=repr`` per argument, joined by commas, arrays printed with
    ``precision`` digits and summarised past ``threshold`` elements, wrapped at 100
    columns; arguments that are ``None`` are left out."""
    with np.printoptions(precision=precision, threshold=threshold, linewidth=100):
        parts = [f"{name}={value!r}" for name, value in values.items() if value is not None]
    return ", ".join(parts)


def dense(out: Any) -> np.ndarray:
    """An output as a dense numpy array (sparse matrices, DataFrames, lists alike)."""
    if hasattr(out, "detach"):  # torch tensors, wherever they live
        out = out.detach().cpu().numpy()
    elif hasattr(out, "toarray"):
        out = out.toarray()
    elif hasattr(out, "to_numpy"):
        out = out.to_numpy()
    return np.asarray(out)


def n_rows(X: Any) -> int:
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None else len(X)


def take_rows(X: Any, idx: Any) -> Any:
    """Rows ``idx`` of an array, DataFrame, Series or list, in that order."""
    if hasattr(X, "iloc"):
        return X.iloc[idx]
    if isinstance(X, np.ndarray) or hasattr(X, "tocsr"):
        return X[idx]
    return [X[i] for i in idx]


def snapshot(value: Any) -> Any:
    return copy.deepcopy(value)


def unchanged(before: Any, after: Any) -> bool:
    """Exact equality of an input with its earlier copy, dtype and NaNs included."""
    if before is None:
        return after is None
    if hasattr(before, "toarray") and hasattr(before, "nnz"):  # scipy sparse
        if not hasattr(after, "nnz") or before.shape != after.shape or before.dtype != after.dtype:
            return False
        return bool((before != after).nnz == 0)
    if hasattr(before, "equals") and hasattr(before, "columns"):  # DataFrame
        return bool(before.equals(after)) and list(before.columns) == list(after.columns)
    if hasattr(before, "equals") and hasattr(before, "index"):  # Series
        return bool(before.equals(after)) and before.name == getattr(after, "name", None)
    a, b = np.asarray(before), np.asarray(after)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def assert_outputs_close(
    actual: Any,
    expected: Any,
    what: str,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    loose: float = 1.0,
) -> None:
    """Raise ``Violation`` unless two outputs of the code under test agree, compared as
    ``mltest.compare.scaled_difference`` does (path tolerances by default, ``loose`` times
    wider for round trips through two computations)."""
    a, b = dense(actual), dense(expected)
    if a.size == 0 and b.size == 0:
        return  # two outputs without a value (no columns, in whatever shape) agree
    if a.shape != b.shape:
        raise Violation(f"{what}: shape {a.shape}, expected {b.shape}")
    floats = [x.dtype for x in (a, b) if x.dtype.kind in "fc"]
    d_rtol, d_atol = path_tolerances(*floats)
    rtol = d_rtol * loose if rtol is None else rtol
    atol = d_atol * loose if atol is None else atol
    diff = scaled_difference(a, b, rtol=rtol, atol=atol) if floats else array_difference(a, b)
    if diff is not None:
        raise Violation(f"{what}: {diff}")

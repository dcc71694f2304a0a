"""Helpers the property sets share for inputs and outputs of the code under test."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from mltest.compare import array_difference
from mltest.properties.engine import Violation


def dense(out: Any) -> np.ndarray:
    """An output as a dense numpy array (sparse matrices, DataFrames, lists alike)."""
    if hasattr(out, "toarray"):
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
    if hasattr(before, "equals") and hasattr(before, "dtypes"):
        return bool(before.equals(after)) and list(before.columns) == list(after.columns)
    a, b = np.asarray(before), np.asarray(after)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


# Two legitimate computation paths (another row order, another batch, a refit) differ by
# the rounding of the algorithm, not of one operation: SVDs, distance expansions and
# iterative solvers lose a few digits. Bugs differ by orders of magnitude more.
PATH_TOLERANCE = {"float64": 1e-6, "float32": 1e-4}


def path_tolerance(*dtypes: Any) -> float:
    return max(PATH_TOLERANCE.get(np.dtype(d).name, 1e-6) for d in dtypes)


def assert_outputs_close(actual: Any, expected: Any, what: str, *, loose: float = 1.0) -> None:
    """Raise ``Violation`` unless two outputs agree within ``PATH_TOLERANCE``.

    The absolute tolerance scales with the expected array's magnitude, since the outputs
    of two legitimate computation paths differ by rounding relative to that scale.
    """
    a, b = dense(actual), dense(expected)
    if a.shape != b.shape:
        raise Violation(f"{what}: shape {a.shape}, expected {b.shape}")
    rtol = atol = None
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        rtol = atol = path_tolerance(*(x.dtype for x in (a, b) if x.dtype.kind in "fc"))
        with np.errstate(invalid="ignore"):
            finite = np.abs(b[np.isfinite(b)]) if b.dtype.kind in "fc" else np.abs(b)
        scale = max(1.0, float(finite.max())) if finite.size else 1.0
        rtol, atol = rtol * loose, atol * loose * scale
    diff = array_difference(a, b, rtol=rtol, atol=atol)
    if diff is not None:
        raise Violation(f"{what}: {diff}")

"""One numeric comparison with dtype-aware tolerances, shared by every part of mltest.

Arrays are compared at array speed with numpy; the result says where they differ most.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

# torch.testing.assert_close's defaults per dtype, so numbers agree across the project.
_DEFAULT_TOLERANCES: dict[str, tuple[float, float]] = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}


def default_tolerances(*dtypes: Any) -> tuple[float, float]:
    """The loosest default ``(rtol, atol)`` among ``dtypes``; exact for integers and bools."""
    rtol, atol = 0.0, 0.0
    for dtype in dtypes:
        name = _dtype_name(dtype)
        r, a = _DEFAULT_TOLERANCES.get(name, (0.0, 0.0))
        rtol, atol = max(rtol, r), max(atol, a)
    return rtol, atol


def _dtype_name(dtype: Any) -> str:
    text = str(dtype)
    if text.startswith("torch."):
        return text.removeprefix("torch.")
    try:
        return np.dtype(dtype).name
    except TypeError:
        return text


@dataclasses.dataclass(frozen=True)
class Difference:
    """Where two arrays disagree beyond tolerance."""

    n_mismatched: int
    n_total: int
    max_abs: float
    max_rel: float
    worst_index: tuple[int, ...]
    actual: Any
    expected: Any
    shape: tuple[int, ...] | None = None  # set when the shapes themselves differ

    def __str__(self) -> str:
        if self.shape is not None:
            return f"shape {self.shape} where {tuple(np.shape(self.expected))} was expected"
        return (
            f"{self.n_mismatched} of {self.n_total} values differ "
            f"(max abs diff {self.max_abs:.3g}, max rel diff {self.max_rel:.3g}; "
            f"worst at index {list(self.worst_index)}: {self.actual!r} vs {self.expected!r})"
        )


def array_difference(
    actual: Any,
    expected: Any,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = True,
) -> Difference | None:
    """Compare two array-likes elementwise; ``None`` when they agree.

    ``|actual - expected| <= atol + rtol * |expected|`` elementwise; missing tolerances
    default to the dtype's. NaNs in the same places agree when ``equal_nan``.
    """
    a = np.asarray(actual)
    b = np.asarray(expected)
    if a.shape != b.shape:
        return Difference(0, b.size, np.inf, np.inf, (), None, None, shape=a.shape)
    if a.size == 0:
        return None
    d_rtol, d_atol = default_tolerances(a.dtype, b.dtype)
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol
    if not (np.issubdtype(a.dtype, np.number) and np.issubdtype(b.dtype, np.number)):
        unequal = ~_object_equal(a, b)
        if not unequal.any():
            return None
        worst = tuple(int(i) for i in np.unravel_index(np.argmax(unequal), a.shape))
        return Difference(int(unequal.sum()), a.size, np.nan, np.nan, worst, a[worst], b[worst])
    if a.dtype == b.dtype and np.array_equal(a, b, equal_nan=equal_nan and a.dtype.kind in "fc"):
        return None  # fast path: bitwise-equal arrays need no arithmetic
    af = a.astype(np.float64) if a.dtype.kind in "biu" else a
    bf = b.astype(np.float64) if b.dtype.kind in "biu" else b
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(af - bf)
        close = diff <= atol + rtol * np.abs(bf)
        close |= af == bf  # equal infinities
        if equal_nan:
            close |= np.isnan(af) & np.isnan(bf)
    if close.all():
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = diff / np.abs(bf)
    score = np.where(close, -1.0, np.nan_to_num(diff, nan=np.inf))
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(score), a.shape))
    bad_abs, bad_rel = diff[~close], rel[~close]
    return Difference(
        n_mismatched=int((~close).sum()),
        n_total=a.size,
        max_abs=float(np.max(bad_abs)),  # NaN when a NaN meets a number
        max_rel=float(np.max(bad_rel)),
        worst_index=worst,
        actual=a[worst].item(),
        expected=b[worst].item(),
    )


def _object_equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape, dtype=bool)
    for index, (x, y) in enumerate(zip(a.ravel(), b.ravel(), strict=True)):
        out.flat[index] = bool(x == y) or (x != x and y != y)  # NaN agrees with NaN
    return out

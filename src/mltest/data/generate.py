"""Synthetic DataFrames valid for a ``Schema``, built directly (no filter chains: a
filtered strategy becomes unsatisfiable or near-constant on real schemas)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mltest.data.schema import Column, Schema

_TEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "


def _bounds(col: Column, default: float) -> tuple[float, float]:
    lo = -default if col.min is None else float(col.min)
    hi = default if col.max is None else float(col.max)
    return lo, hi


def _values(col: Column, n: int) -> st.SearchStrategy[Any]:
    unique = col.unique
    if col.categories is not None:
        return st.lists(st.sampled_from(col.categories), min_size=n, max_size=n)
    if col.kind == "int":
        lo, hi = _bounds(col, 1000)
        return hnp.arrays(np.int64, n, elements=st.integers(int(lo), int(hi)), unique=unique)
    if col.kind == "float":
        lo, hi = _bounds(col, 1000.0)
        elements = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)
        return hnp.arrays(np.float64, n, elements=elements, unique=unique)
    if col.kind == "bool":
        return hnp.arrays(np.bool_, n)
    if col.kind == "datetime":
        lo = pd.Timestamp(col.min or "2000-01-01").value
        hi = pd.Timestamp(col.max or "2030-01-01").value
        return hnp.arrays(np.int64, n, elements=st.integers(lo, hi), unique=unique).map(
            lambda a: pd.to_datetime(a)
        )
    if col.pattern is not None:
        text = st.from_regex(col.pattern, fullmatch=True)
    else:
        text = st.text(_TEXT, min_size=col.min_length or 0, max_size=col.max_length or 12)
    return st.lists(text, min_size=n, max_size=n, unique=unique)


@st.composite
def _column(draw: st.DrawFn, col: Column, n: int) -> pd.Series:
    values = draw(_values(col, n))
    if col.kind == "category":
        series = pd.Series(pd.Categorical(values, categories=col.categories))
    elif col.kind == "datetime":
        series = pd.Series(values)
    else:
        series = pd.Series(np.asarray(values, dtype=object) if col.kind == "string" else values)
    if col.nullable and n:
        limit = int(col.max_null_fraction * n)
        if limit:
            k = draw(st.integers(0, limit))
            null_rows = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k, unique=True))
            if null_rows:
                if col.kind == "int":
                    series = series.astype("float64")
                series.iloc[null_rows] = None
    return series


def _apply_rules(schema: Schema, df: pd.DataFrame) -> pd.DataFrame:
    for rule in schema.rules:
        left, right = df[rule.left], df[rule.right]
        if rule.kind == "le":
            df[rule.left] = left.where(left.isna() | right.isna() | (left <= right), right)
        else:
            df.loc[left.isna(), rule.right] = None
            df.loc[right.isna() & left.notna(), rule.left] = None
    return df


@st.composite
def frames(
    draw: st.DrawFn, schema: Schema, *, min_rows: int = 1, max_rows: int = 20
) -> pd.DataFrame:
    n = draw(st.integers(min_rows, max_rows))
    data = {name: draw(_column(col, n)) for name, col in schema.columns.items()}
    return _apply_rules(schema, pd.DataFrame(data))

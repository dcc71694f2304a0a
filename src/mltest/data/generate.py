"""Synthetic DataFrames valid for a ``Schema``, built directly (no filter chains: a
filtered strategy becomes unsatisfiable or near-constant on real schemas).

Every column is mapped from one 2-D integer draw of "positions" in [0, STEPS] into its
domain (range, categories, dates, codes of a character-class pattern; unique columns get
a slot per row), and nulls from a second one: a single array draw costs hypothesis a
tenth of one draw per column. Only free text and hand-written patterns outside that
grammar are drawn per column.
"""

from __future__ import annotations

import re
import string
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mltest.data.schema import Column, Schema
from mltest.errors import UsageError

STEPS = 10_000
_TEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "


def _bounds(col: Column, default: float) -> tuple[float, float]:
    lo = -default if col.min is None else float(col.min)
    hi = default if col.max is None else float(col.max)
    return lo, hi


def _from_positions(col: Column, pos: np.ndarray) -> Any:
    """Map positions in [0, STEPS] into the column's domain."""
    if col.kind == "bool":
        return pos % 2 == 1
    if col.categories is not None:
        values = np.asarray(col.categories, dtype=object)[pos % len(col.categories)]
        return (
            pd.Categorical(values, categories=col.categories) if col.kind == "category" else values
        )
    if col.kind == "int":
        lo, hi = _bounds(col, 1000)
        span = int(hi) - int(lo)
        if span <= STEPS:  # every value reachable
            return (int(lo) + pos % (span + 1)).astype(np.int64)
        # a wide range: spread the positions over all of it (both ends included), not
        # only over its first STEPS values
        return (int(lo) + np.floor(pos / STEPS * span)).astype(np.int64)
    if col.kind == "datetime":
        lo = pd.Timestamp(col.min or "2000-01-01").value
        hi = pd.Timestamp(col.max or "2030-01-01").value
        return pd.to_datetime(lo + (pos * ((hi - lo) // STEPS)))
    lo, hi = _bounds(col, 1000.0)
    return np.clip(lo + (hi - lo) * (pos / STEPS), lo, hi)


_PIECE = re.compile(r"\[(A-Z|a-z|0-9)\](?:\{(\d+)\})?|\\(.)|([^\[\]\\{}().*+?^$|])")
_ALPHABETS = {"A-Z": string.ascii_uppercase, "a-z": string.ascii_lowercase, "0-9": string.digits}


def _simple_pattern(pattern: str) -> list[str] | None:
    """The pattern as a list of per-position alphabets, when it is the character-class
    kind ``infer_schema`` writes (``[A-Z]{2}[0-9]{4}``, escaped literals); else ``None``."""
    slots: list[str] = []
    at = 0
    while at < len(pattern):
        m = _PIECE.match(pattern, at)
        if m is None:
            return None
        cls, count, escaped, literal = m.groups()
        if cls:
            slots += [_ALPHABETS[cls]] * int(count or 1)
        else:
            slots.append(escaped or literal)
        at = m.end()
    return slots


def _codes(slots: list[str], pos: np.ndarray) -> np.ndarray:
    """Strings from positions by mixed radix: distinct positions within capacity give
    distinct strings."""
    out = []
    for p in pos.tolist():
        chars = []
        for alphabet in reversed(slots):
            p, digit = divmod(p, len(alphabet))
            chars.append(alphabet[digit])
        out.append("".join(reversed(chars)))
    return np.asarray(out, dtype=object)


def _distinct(pos: np.ndarray, room: int) -> np.ndarray:
    """Distinct positions in [0, room): row i gets its own slot of width room // n."""
    n = len(pos)
    stride = max(room // max(n, 1), 1)
    return np.arange(n) * stride + pos % stride


def _drawn_per_column(col: Column) -> bool:
    """Free text is drawn per column; everything else maps from the shared positions."""
    text = col.kind in ("string", "category") and col.categories is None
    return text and (col.pattern is None or _simple_pattern(col.pattern) is None)


def _column_values(col: Column, n: int) -> st.SearchStrategy[Any]:
    if col.pattern is not None:
        text = st.from_regex(col.pattern, fullmatch=True)
    else:
        text = st.text(_TEXT, min_size=col.min_length or 0, max_size=col.max_length or 12)
    return st.lists(text, min_size=n, max_size=n, unique=col.unique).map(
        lambda v: np.asarray(v, dtype=object)
    )


def capacity(col: Column) -> int | None:
    """How many distinct values a unique column can be drawn with (``None``: more than any
    frame needs, or free text, which hypothesis draws distinct itself)."""
    if not col.unique:
        return None
    if col.categories is not None:
        return len(col.categories)
    if col.pattern is not None:
        slots = _simple_pattern(col.pattern)
        if slots is None:
            return None
        return int(np.prod([len(a) for a in slots], dtype=float).clip(max=2**62))
    if col.kind == "bool":
        return 2
    if col.kind == "int":
        lo, hi = _bounds(col, 10**6)
        return int(hi) - int(lo) + 1
    if col.kind in ("float", "datetime"):
        # positions map onto [min, max]: one value when the range is a single point
        return 1 if col.min is not None and col.min == col.max else STEPS + 1
    return None


def _values(col: Column, pos: np.ndarray) -> Any:
    """A column from its positions, distinct when the column is unique (``row_limit``
    keeps the rows within ``capacity``)."""
    room = capacity(col)
    if col.pattern is not None and col.categories is None:
        slots = _simple_pattern(col.pattern)
        assert slots is not None
        return _codes(slots, _distinct(pos, room) if room is not None else pos)
    if room is None:
        return _from_positions(col, pos)
    if col.kind == "int" and col.categories is None:
        lo, _ = _bounds(col, 10**6)
        return (int(lo) + _distinct(pos, room)).astype(np.int64)
    return _from_positions(col, _distinct(pos, room))


# How one column's positions are laid out: the edge cases code breaks on are drawn on
# purpose, not left to chance (a constant column, values only at the ends of the range).
_SHAPES = (
    lambda pos: pos,  # anywhere in the domain
    lambda pos: np.full_like(pos, pos[0] if len(pos) else 0),  # one value: a constant column
    lambda pos: np.where(pos % 2 == 0, 0, STEPS),  # only the range's edges
)


def _with_nulls(col: Column, values: Any, draws: np.ndarray) -> pd.Series:
    series = pd.Series(values)
    if not col.nullable or not len(series):
        return series
    limit = int(col.max_null_fraction * len(series))
    rows = np.flatnonzero(draws < 20)[:limit]  # about a fifth, never past the allowed share
    if len(rows):
        if col.kind == "int":
            series = series.astype("float64")
        series.iloc[rows] = None
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


def row_limit(schema: Schema, min_rows: int, max_rows: int) -> int:
    """The most rows a frame can have: ``max_rows``, or fewer where a unique column has
    fewer possible values; ``UsageError`` when one cannot fill ``min_rows`` rows."""
    for col in schema.columns.values():
        room = capacity(col)
        if room is None:
            continue
        if room < min_rows:
            raise UsageError(
                f"min_rows={min_rows}: column {col.name!r} is unique and has only {room} "
                "possible values"
            )
        max_rows = min(max_rows, room)
    return max_rows


@st.composite
def frames(
    draw: st.DrawFn, schema: Schema, *, min_rows: int = 1, max_rows: int = 20
) -> pd.DataFrame:
    n = draw(st.integers(min_rows, max_rows))
    cols = list(schema.columns.values())
    shared = [c for c in cols if not _drawn_per_column(c)]
    pos = draw(hnp.arrays(np.int64, (n, len(shared)), elements=st.integers(0, STEPS)))
    shapes = draw(hnp.arrays(np.int64, len(shared), elements=st.integers(0, len(_SHAPES) - 1)))
    for j, col in enumerate(shared):
        if not col.unique:
            pos[:, j] = _SHAPES[int(shapes[j])](pos[:, j])
    nulls = draw(hnp.arrays(np.int64, (n, len(cols)), elements=st.integers(0, 99)))
    data: dict[str, pd.Series] = {}
    j = 0
    for i, col in enumerate(cols):
        if _drawn_per_column(col):
            values = draw(_column_values(col, n))
        else:
            values = _values(col, pos[:, j])
            j += 1
        data[col.name] = _with_nulls(col, values, nulls[:, i])
    return _apply_rules(schema, pd.DataFrame(data))

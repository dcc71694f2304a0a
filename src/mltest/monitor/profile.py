"""Profiles: what drift needs to know about a frame, without its rows, and mergeable.

``profile(reference)`` summarises each column of a reference: a numeric column's values are
counted in bins ending at the reference's own quantiles (every percentile, finer in the
tails, its minimum and maximum included), with exact moments; a categorical column's
categories are counted. ``profile(batch, reference=ref_profile)`` counts a batch in the
reference's bins, so batches add up: ``profile(day1, reference=r) + profile(day2,
reference=r)`` is exactly ``profile(pd.concat([day1, day2]), reference=r)``. Drift is
computed from two profiles (``check_drift`` takes them as well as frames), which is what
lets a stream or a day's partitions feed the same verdicts without holding raw rows.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import operator
from collections.abc import Hashable, Iterable, Sequence
from typing import Any, Union

import numpy as np
import pandas as pd

from mltest import arguments
from mltest.errors import UsageError

FINE_BINS = 100
# the reference's quantiles the bins end at: every percentile, finer in the tails, where
# the bins are widest and a linear step between two edges fits the distribution least
_TAIL = np.array([0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075])
LEVELS = np.unique(np.concatenate([np.linspace(0, 1, FINE_BINS + 1), _TAIL, 1 - _TAIL]))
MAX_CODES = 20  # an integer column with at most this many values is categorical
GRID = 1 << 16
BLOCK = 1 << 14  # values per block of a pass over a large column (fits in a CPU's cache)
NUMERIC_FAMILIES = ("numeric", "datetime", "timedelta")


@dataclasses.dataclass
class NumericColumn:
    """A numeric (or datetime, timedelta: in nanoseconds) column in the reference's bins.

    ``counts[0]`` counts values <= ``edges[0]``, ``counts[k]`` those in
    ``(edges[k-1], edges[k]]``, ``counts[-1]`` those above ``edges[-1]``. Moments are of
    ``value - shift`` (a reference value, so datetimes keep their precision); ``below`` and
    ``above`` sum how far values lie beyond the first and last edge.
    """

    family: str
    edges: np.ndarray
    counts: np.ndarray
    missing: int
    shift: float
    total: float
    squares: float
    below: float
    above: float

    @property
    def values(self) -> int:
        return int(self.counts.sum())

    @property
    def rows(self) -> int:
        return self.values + self.missing

    def mean(self) -> float:
        return self.shift + self.total / max(self.values, 1)

    def sd(self) -> float:
        n = self.values
        if n < 2:
            return 0.0
        return float(np.sqrt(max(self.squares - self.total**2 / n, 0.0) / (n - 1)))

    def cdf(self) -> np.ndarray:
        """The share of values <= each edge."""
        return np.cumsum(self.counts)[: len(self.edges)] / max(self.values, 1)

    def quantile(self, q: float) -> float:
        """A quantile read off the bins (linear between edges)."""
        return float(np.interp(q, self.cdf(), self.edges))

    def __add__(self, other: Any) -> NumericColumn:
        if not isinstance(other, NumericColumn) or other.family != self.family:
            raise UsageError("profiles to add must have the same kind of column")
        if not np.array_equal(self.edges, other.edges) or self.shift != other.shift:
            raise UsageError(
                "profiles to add must be binned on the same edges: profile each batch "
                "with reference= the same reference profile"
            )
        return NumericColumn(
            self.family,
            self.edges,
            self.counts + other.counts,
            self.missing + other.missing,
            self.shift,
            self.total + other.total,
            self.squares + other.squares,
            self.below + other.below,
            self.above + other.above,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "numeric",
            "family": self.family,
            "edges": [float(e) for e in self.edges],
            "counts": [int(c) for c in self.counts],
            "missing": self.missing,
            "shift": self.shift,
            "total": self.total,
            "squares": self.squares,
            "below": self.below,
            "above": self.above,
        }


@dataclasses.dataclass
class CategoricalColumn:
    """A categorical column: each category's count (categories are the values as they
    are: strings, integers, booleans). ``family`` is ``categorical`` (text, categories,
    booleans) or ``codes`` (numbers counted as categories)."""

    counts: dict[Any, int]
    missing: int
    family: str = "categorical"

    @property
    def values(self) -> int:
        return int(sum(self.counts.values()))

    @property
    def rows(self) -> int:
        return self.values + self.missing

    def __add__(self, other: Any) -> CategoricalColumn:
        if not isinstance(other, CategoricalColumn) or other.family != self.family:
            raise UsageError("profiles to add must have the same kind of column")
        counts = dict(self.counts)
        for key, n in other.counts.items():
            counts[key] = counts.get(key, 0) + n
        return CategoricalColumn(counts, self.missing + other.missing, self.family)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "categorical",
            "family": self.family,
            "counts": [[_plain(k), int(n)] for k, n in self.counts.items()],
            "missing": self.missing,
        }


ColumnProfile = Union[NumericColumn, CategoricalColumn]  # noqa: UP007 (a runtime alias)


@dataclasses.dataclass
class Profile:
    """Per-column summaries of a frame; ``+`` merges two profiles of the same columns
    binned on the same edges; ``to_dict``/``from_dict`` save and load it exactly."""

    columns: dict[Hashable, ColumnProfile]

    @property
    def rows(self) -> int:
        return next(iter(self.columns.values())).rows if self.columns else 0

    def select(self, names: Sequence[Hashable]) -> Profile:
        return Profile({n: self.columns[n] for n in names})

    def __add__(self, other: Any) -> Profile:
        if not isinstance(other, Profile):
            return NotImplemented
        if list(self.columns) != list(other.columns):
            raise UsageError(
                f"profiles to add must have the same columns: {list(self.columns)} vs "
                f"{list(other.columns)}"
            )
        return Profile({n: self.columns[n] + other.columns[n] for n in self.columns})

    def __radd__(self, other: Any) -> Profile:
        if isinstance(other, int) and other == 0:  # sum(profiles) starts from 0
            return self
        return NotImplemented

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Profile) and self.to_dict() == other.to_dict()

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [[_plain(n), c.to_dict()] for n, c in self.columns.items()]}

    @classmethod
    def from_dict(cls, data: Any) -> Profile:
        try:
            columns: dict[Hashable, ColumnProfile] = {}
            for name, c in data["columns"]:
                if c["kind"] == "numeric":
                    columns[name] = NumericColumn(
                        c["family"],
                        np.asarray(c["edges"], dtype=np.float64),
                        np.asarray(c["counts"], dtype=np.int64),
                        int(c["missing"]),
                        float(c["shift"]),
                        float(c["total"]),
                        float(c["squares"]),
                        float(c["below"]),
                        float(c["above"]),
                    )
                else:
                    counts = {k: int(n) for k, n in c["counts"]}
                    columns[name] = CategoricalColumn(counts, int(c["missing"]), c["family"])
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"data: not a saved mltest profile ({exc!r})") from None
        return cls(columns)


def merge(profiles: Iterable[Profile]) -> Profile:
    """The sum of profiles of the same columns on the same bins, one pass per column: what
    adding them one by one gives, faster for many batches."""
    parts = list(profiles)
    if not parts or not all(isinstance(p, Profile) for p in parts):
        raise UsageError("profiles: must be a non-empty list of Profile")
    first = parts[0]
    for other in parts[1:]:
        if list(other.columns) != list(first.columns):
            raise UsageError(
                f"profiles to add must have the same columns: {list(first.columns)} vs "
                f"{list(other.columns)}"
            )
    columns: dict[Hashable, ColumnProfile] = {}
    for name, column in first.columns.items():
        same = [p.columns[name] for p in parts]
        if isinstance(column, NumericColumn):
            nums = [c for c in same if isinstance(c, NumericColumn)]
            for c in nums:
                if c.family != column.family or len(nums) != len(same):
                    raise UsageError("profiles to add must have the same kind of column")
                if c.shift != column.shift or not np.array_equal(c.edges, column.edges):
                    raise UsageError(
                        "profiles to add must be binned on the same edges: profile each "
                        "batch with reference= the same reference profile"
                    )
            columns[name] = NumericColumn(
                column.family,
                column.edges,
                np.sum([c.counts for c in nums], axis=0),
                sum(c.missing for c in nums),
                column.shift,
                math.fsum(c.total for c in nums),
                math.fsum(c.squares for c in nums),
                math.fsum(c.below for c in nums),
                math.fsum(c.above for c in nums),
            )
        else:
            columns[name] = functools.reduce(operator.add, same)
    return Profile(columns)


def profile(
    df: Any,
    *,
    reference: Profile | None = None,
    categorical: Sequence[Hashable] | None = None,
) -> Profile:
    """Summarise ``df`` for drift: bins at its own quantiles, or, with ``reference=``, at
    the reference profile's, so that profiles of batches merge with ``+``.

    ``categorical`` lists numeric columns to count as categories (codes); integer
    columns with at most 20 values are counted so anyway.

    >>> import pandas as pd
    >>> ref = profile(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}))
    >>> day1 = profile(pd.DataFrame({"x": [1.5, 9.0]}), reference=ref)
    >>> day2 = profile(pd.DataFrame({"x": [2.5]}), reference=ref)
    >>> (day1 + day2).rows
    3
    """
    from mltest.scale import engine_of, is_distributed

    if is_distributed(df):
        engine = engine_of(
            df, f"df={type(df).__name__}: profile takes pandas, Dask or Spark frames"
        )
        if reference is not None and not isinstance(reference, Profile):
            raise UsageError(f"reference={arguments.short(reference)}: must be a Profile")
        return engine.profile(df, reference=reference, categorical=categorical)
    return build_profile(as_frame("df", df), reference, categorical, "df")


def build_profile(
    frame: pd.DataFrame,
    reference: Profile | None,
    categorical: Sequence[Hashable] | None,
    argument: str,
) -> Profile:
    if reference is not None and not isinstance(reference, Profile):
        raise UsageError(f"reference={arguments.short(reference)}: must be a Profile")
    codes = _names("categorical", categorical, list(frame.columns))
    if reference is not None:
        if codes:
            raise UsageError("categorical=: column kinds come from the reference profile")
        if list(frame.columns) != list(reference.columns):
            missing = [c for c in reference.columns if c not in frame.columns]
            extra = [c for c in frame.columns if c not in reference.columns]
            if missing or extra:
                raise UsageError(
                    f"{argument}: its columns differ from the reference's (missing "
                    f"{missing}, extra {extra})"
                )
            frame = frame[list(reference.columns)]
        return Profile(
            {
                name: _against(name, frame[name], reference.columns[name], argument)
                for name in reference.columns
            }
        )
    return Profile({name: _own(frame[name], name in codes) for name in frame.columns})


def _own(s: pd.Series, as_codes: bool) -> ColumnProfile:
    family = _family(s)
    if family in NUMERIC_FAMILIES and not as_codes:
        values, missing = _numbers(s, family)
        integer = pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
        if not (family == "numeric" and integer and len(np.unique(values)) <= MAX_CODES):
            return _numeric_own(values, missing, family)
    return _categorical(s, "codes" if family in NUMERIC_FAMILIES else "categorical")


def _numeric_own(values: np.ndarray, missing: int, family: str) -> NumericColumn:
    n = len(values)
    if n == 0:
        empty = np.zeros(0)
        return NumericColumn(
            family, empty, np.zeros(1, np.int64), missing, 0.0, 0.0, 0.0, 0.0, 0.0
        )
    s = np.sort(values)
    edges = np.unique(s[np.round(LEVELS * (n - 1)).astype(np.int64)])
    cum = np.searchsorted(s, edges, side="right")
    counts = np.diff(np.concatenate([[0], cum, [n]])).astype(np.int64)
    shift = float(edges[len(edges) // 2])
    return NumericColumn(family, edges, counts, missing, shift, *_moments(s, shift), 0.0, 0.0)


def _against(name: Hashable, s: pd.Series, ref: ColumnProfile, argument: str) -> ColumnProfile:
    family = _family(s)
    if isinstance(ref, NumericColumn):
        if family != ref.family:
            raise UsageError(
                f"{argument}: column {name!r} is {family} ({s.dtype}) where the reference's "
                f"is {ref.family}"
            )
        values, missing = _numbers(s, family)
        edges = ref.edges
        if len(edges) == 0:
            counts = np.array([len(values)], dtype=np.int64)
            below = above = 0.0
        else:
            counts, outside = _binned(edges, values)
            lo, hi = outside[outside < edges[0]], outside[outside > edges[-1]]
            below, above = float(np.sum(edges[0] - lo)), float(np.sum(hi - edges[-1]))
        total, squares = _moments(values, ref.shift)
        return NumericColumn(
            family, edges, counts, missing, ref.shift, total, squares, below, above
        )
    current = "codes" if family in NUMERIC_FAMILIES else "categorical"
    if current != ref.family:
        raise UsageError(
            f"{argument}: column {name!r} is {family} ({s.dtype}) where the reference's "
            f"is {'numeric codes' if ref.family == 'codes' else 'categorical'}"
        )
    return _categorical(s, current)


def _categorical(s: pd.Series, family: str) -> CategoricalColumn:
    counts = s.value_counts(sort=False, dropna=True)
    counts = counts[counts > 0]
    return CategoricalColumn(
        {_plain(k): int(n) for k, n in counts.items()}, int(s.isna().sum()), family
    )


def _plain(value: Any) -> Any:
    """numpy scalars as Python ones, so categories compare, hash and save alike."""
    return value.item() if isinstance(value, np.generic) else value


# --- frames and columns ------------------------------------------------------------------


def as_frame(argument: str, value: Any, label: Hashable | None = None) -> pd.DataFrame:
    """A DataFrame from a frame, a Series or a 1-D array (one column, ``label`` or the
    Series' name or ``values``), or a 2-D array (columns ``0``, ``1``, ...)."""
    if isinstance(value, pd.DataFrame):
        frame = value
    elif isinstance(value, pd.Series):
        name = label if label is not None else ("values" if value.name is None else value.name)
        frame = value.rename(name).to_frame().reset_index(drop=True)
    elif is_one_d(value):
        frame = pd.DataFrame({"values" if label is None else label: np.asarray(value)})
    elif isinstance(value, np.ndarray) and value.ndim == 2:
        frame = pd.DataFrame(value, columns=[str(i) for i in range(value.shape[1])])
    else:
        raise UsageError(
            f"{argument}={arguments.short(value)}: must be a DataFrame, a Series or an array"
        )
    if len(frame) == 0:
        raise UsageError(f"{argument}: has no rows")
    if frame.columns.has_duplicates:
        raise UsageError(f"{argument}: column names must be distinct")
    return frame


def is_one_d(value: Any) -> bool:
    if isinstance(value, pd.Series):
        return True
    if isinstance(value, (np.ndarray, list, tuple)):
        return np.ndim(np.asarray(value, dtype=object)) == 1
    return False


def _names(argument: str, value: Any, names: list[Hashable]) -> set[Hashable]:
    if value is None:
        return set()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise UsageError(f"{argument}={arguments.short(value)}: must be a list of columns")
    unknown = [v for v in value if v not in names]
    if unknown:
        raise UsageError(f"{argument}: {unknown} are not compared columns")
    return set(value)


def _family(s: pd.Series) -> str:
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "timedelta"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    return "categorical"


def _numbers(s: pd.Series, family: str) -> tuple[np.ndarray, int]:
    """Finite values as float64 and how many are missing (NaN, NaT, None or infinite)."""
    if family == "datetime":
        if getattr(s.dtype, "tz", None) is not None:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        values = s.dropna().to_numpy(dtype="datetime64[ns]").view("int64").astype(np.float64)
    elif family == "timedelta":
        values = s.dropna().to_numpy(dtype="timedelta64[ns]").view("int64").astype(np.float64)
    elif isinstance(s.dtype, np.dtype):  # numpy dtypes: no copy for float64
        values = s.to_numpy().astype(np.float64, copy=False)
    else:  # pandas' nullable dtypes
        values = s.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(values)
    if finite.all():
        return values, 0
    return values[finite], len(s) - int(finite.sum())


def _moments(values: np.ndarray, shift: float) -> tuple[float, float]:
    """The sum of ``values - shift`` and of its squares, a block of ``BLOCK`` values at a
    time (the block stays in the CPU's cache instead of a full-size temporary)."""
    total = squares = 0.0
    buffer = np.empty(min(BLOCK, len(values)))
    for start in range(0, len(values), BLOCK):
        block = values[start : start + BLOCK]
        centred = np.subtract(block, shift, out=buffer[: len(block)])
        total += float(centred.sum())
        squares += float(np.dot(centred, centred))
    return total, squares


def _binned(edges: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How many values fall in each bin of ``edges`` (bin ``i`` holds the values with ``i``
    edges strictly below them: ``np.bincount(np.searchsorted(edges, values))``), and the
    values that were searched for, in their order, which include every value outside
    ``[edges[0], edges[-1]]``.

    A binary search per value is slow on large arrays. Values are placed on a uniform grid
    of ``GRID`` cells by arithmetic instead, a block of ``BLOCK`` values at a time; a cell
    with no edge within one cell of it lies inside one bin, and only the values of the
    other cells (and of the two end cells, which hold everything outside the edges) are
    searched. The counts are exactly those of the binary search: rounding may put a value
    one cell off, never further."""
    lo, hi = float(edges[0]), float(edges[-1])
    bins = len(edges) + 1
    if len(values) < GRID or not hi > lo:
        return np.bincount(np.searchsorted(edges, values, side="left"), minlength=bins), values
    width = (hi - lo) / GRID
    below = np.searchsorted(edges, lo + width * np.arange(GRID + 1), side="left")
    near_lo = below[np.maximum(np.arange(GRID) - 1, 0)]
    near_hi = below[np.minimum(np.arange(GRID) + 2, GRID)]
    plain = near_lo == near_hi
    plain[0] = plain[-1] = False
    bin_of = np.where(plain, near_lo, bins)  # bin `bins`: search the cell's values
    counts = np.zeros(bins + 1, np.int64)
    scaled, cell, binned = np.empty(BLOCK), np.empty(BLOCK, np.int64), np.empty(BLOCK, np.int64)
    searched = []
    for start in range(0, len(values), BLOCK):
        block = values[start : start + BLOCK]
        n = len(block)
        x = np.subtract(block, lo, out=scaled[:n])
        x *= 1.0 / width
        np.clip(x, 0, GRID - 1, out=x)
        cells = cell[:n]
        cells[...] = x
        b = np.take(bin_of, cells, out=binned[:n])
        counts += np.bincount(b, minlength=bins + 1)
        searched.append(block[b == bins])
    found = np.concatenate(searched)
    counts = counts[:bins] + np.bincount(
        np.searchsorted(edges, found, side="left"), minlength=bins
    )
    return counts, found

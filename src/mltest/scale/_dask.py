"""Dask DataFrames: validation and profiles, partition by partition where the data lies.

Each partition is checked or profiled by the pandas code (``mltest.data.validate.scan``,
``mltest.monitor.profile.build_profile``); the client receives only the partitions' small
summaries and adds them up in partition order. Nothing computes the frame itself onto the
client. Passes over the data: validation one, plus one per ``unique`` column (its value
counts, reduced by Dask, then one more scan for the duplicated rows); a profile against a
reference one; a reference profile two (a quantile sketch for the bin edges, then the
counts).
"""

from __future__ import annotations

import operator
from collections.abc import Hashable, Sequence
from typing import Any

import pandas as pd

from mltest.data.schema import Column, Rule, Schema
from mltest.data.validate import Finding, Scan, judge, scan
from mltest.errors import UsageError
from mltest.monitor.profile import (
    Profile,
    _names,
    build_profile,
    merge,
)
from mltest.report import Report
from mltest.scale._sketch import merge_sketches, skeleton, sketch


def _parts(ddf: Any, columns: Sequence[Hashable]) -> list[Any]:
    """The partitions of the needed columns, as delayed pandas frames, in order."""
    return list(ddf[list(columns)].to_delayed())


def _compute(value: Any) -> Any:
    import dask

    (result,) = dask.compute(value)
    return result


def _total(items: list[Any]) -> Any:
    """The sum of partition summaries, pairwise (a tree of additions, in order)."""
    from dask import delayed

    while len(items) > 1:
        items = [
            delayed(operator.add)(items[i], items[i + 1]) if i + 1 < len(items) else items[i]
            for i in range(0, len(items), 2)
        ]
    return items[0]


# --- validation ---------------------------------------------------------------------------


def validate(schema: Schema, ddf: Any, *, env: str | None = None) -> Report:
    names = list(ddf.columns)
    dtypes = ddf.dtypes

    def scanner(columns: list[Column], rules: list[Rule]) -> Scan:
        from dask import delayed

        needed = list(
            dict.fromkeys(
                [c.name for c in columns] + [x for r in rules for x in (r.left, r.right)]
            )
        )
        if not needed:  # nothing row-wise to check: count the rows
            return Scan(int(_compute(ddf.map_partitions(len).sum())), {}, {})
        scans = [delayed(scan)(part, columns, rules) for part in _parts(ddf, needed)]
        return _compute(_total(scans))

    def duplicated(name: str) -> Finding:
        from dask import delayed

        counts = ddf[name].value_counts(dropna=True)  # reduced by Dask, not on the client
        repeated = delayed(_repeated)(counts.to_delayed())
        found = [delayed(_duplicates_in)(part[name], repeated) for part in _parts(ddf, [name])]
        return _compute(_total(found))

    return judge(schema, names, dtypes, env, scanner, duplicated)


def _repeated(parts: list[pd.Series]) -> pd.Index:
    counts = _summed(parts)  # where value_counts was split over partitions
    return counts.index[counts.to_numpy() > 1]


def _duplicates_in(s: pd.Series, repeated: pd.Index) -> Finding:
    """The rows of one partition whose value occurs more than once in the whole column."""
    from mltest.data.validate import UNIQUE_WHAT, _finding, _nulls

    bad = ~_nulls(s, None) & s.isin(repeated).to_numpy()
    return _finding(f"{s.name}.unique", bad, s, UNIQUE_WHAT)


# --- profiles -----------------------------------------------------------------------------


def profile(
    ddf: Any,
    *,
    reference: Profile | None = None,
    categorical: Sequence[Hashable] | None = None,
    argument: str = "df",
) -> Profile:
    """``mltest.monitor.profile`` of a Dask frame: each partition profiled on the same bins
    and the profiles merged. Against ``reference`` the result equals the pandas profile of
    the same rows (bin counts, missing values and category counts exactly; sums to rounding).
    Without it, the bin edges come from a quantile sketch of every partition (``SKETCH``
    points each) rather than from the exact order statistics pandas uses, so edges differ
    slightly from pandas' and verdicts agree (tested on planted drifts)."""
    from dask import delayed

    names = list(ddf.columns)
    if not names:
        raise UsageError(f"{argument}: has no columns")
    if reference is None:
        reference = _skeleton(ddf, names, _names("categorical", categorical, names))
    elif categorical is not None:
        raise UsageError("categorical=: column kinds come from the reference profile")
    parts = [
        delayed(build_profile)(part, reference, None, argument) for part in _parts(ddf, names)
    ]
    result = _compute(delayed(merge)(parts))
    if result.rows == 0:
        raise UsageError(f"{argument}: has no rows")
    return result


def _skeleton(ddf: Any, names: list[Hashable], codes: set[Hashable]) -> Profile:
    """An empty profile on the bins of the whole frame, for the partitions to be counted
    against (``skeleton``, with each partition's sketch computed where it lies)."""
    from dask import delayed

    def sketch_all(numeric: list[Hashable], families: dict[Hashable, str]) -> dict:
        per_part = [delayed(sketch)(part, numeric, families) for part in _parts(ddf, numeric)]
        return _compute(delayed(merge_sketches)(per_part))

    return skeleton(ddf._meta, names, codes, sketch_all)


# --- sources ------------------------------------------------------------------------------

EXAMPLES = 5


def _keys_of(part: pd.DataFrame, keys: list[Hashable]) -> pd.Index:
    if len(keys) == 1:
        return pd.Index(part[keys[0]])
    return pd.MultiIndex.from_frame(part[keys])


def _summed(parts: list[pd.Series]) -> pd.Series:
    """Counts split over partitions, added up per value (or per key tuple)."""
    counts = pd.concat(parts)
    return counts.groupby(level=list(range(counts.index.nlevels))).sum()


def repeated_keys(ddf: Any, keys: list[Hashable]) -> tuple[int, list[Any]]:
    """How many rows share their ``keys`` value with another row, and the first
    ``EXAMPLES`` of them (index labels, in row order)."""
    from dask import delayed

    sizes = ddf.groupby(keys).size()
    n = int(_compute(sizes[sizes > 1].sum()))
    if n == 0:
        return 0, []
    counts = delayed(_summed)(sizes.to_delayed())
    firsts = [delayed(_rows_with_repeated)(part, keys, counts) for part in _parts(ddf, keys)]
    rows: list[Any] = []
    for found in _compute(firsts):  # a few labels per partition, in partition order
        rows.extend(found[: EXAMPLES - len(rows)])
    return n, rows


def _rows_with_repeated(part: pd.DataFrame, keys: list[Hashable], counts: pd.Series) -> list:
    repeated = counts.index[counts.to_numpy() > 1]
    hit = _keys_of(part, keys).isin(repeated)
    return part.index[hit][:EXAMPLES].tolist()


def orphans(left: Any, right: Any, keys: list[Hashable]) -> list[dict[Hashable, Any]]:
    """The first ``EXAMPLES`` distinct ``keys`` values of ``left`` (in row order) that
    ``right`` does not have; either side pandas or Dask."""
    from dask import delayed

    if isinstance(right, pd.DataFrame):
        have: Any = _keys_of(right[keys].drop_duplicates(), keys)
    else:
        have = delayed(_key_union)(list(right[keys].drop_duplicates().to_delayed()), keys)
    parts = _parts(left, keys) if not isinstance(left, pd.DataFrame) else [left[keys]]
    # each partition's first few distinct orphans (more than needed: a key can recur in
    # a later partition), then the first EXAMPLES distinct ones overall
    found = _compute([delayed(_orphans_in)(part, keys, have) for part in parts])
    seen: dict[tuple, dict[Hashable, Any]] = {}
    for rows in found:
        for row in rows:
            seen.setdefault(tuple(row.values()), row)
    return list(seen.values())[:EXAMPLES]


def _key_union(parts: list[pd.DataFrame], keys: list[Hashable]) -> pd.Index:
    return _keys_of(pd.concat(parts), keys)


def _orphans_in(part: pd.DataFrame, keys: list[Hashable], have: pd.Index) -> list[dict]:
    missing = part.loc[~_keys_of(part, keys).isin(have), keys].drop_duplicates()
    return missing.head(5 * EXAMPLES).to_dict("records")

"""The bins of a profile of a frame spread over partitions: each partition sends a quantile
sketch of its numeric columns (``SKETCH`` evenly ranked values), the sketches merge into
weighted quantiles at the levels a pandas profile uses, and ``skeleton`` builds the empty
profile on those edges that every partition is then counted against. Engine-neutral: the
Dask and Spark engines run ``sketch`` where the data lies."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

from mltest.monitor.profile import (
    LEVELS,
    MAX_CODES,
    NUMERIC_FAMILIES,
    CategoricalColumn,
    NumericColumn,
    Profile,
    _family,
    _numbers,
)

SKETCH = 2049  # quantile points a partition contributes to the reference's bin edges


def skeleton(
    meta: pd.DataFrame,
    names: list[Hashable],
    codes: set[Hashable],
    sketch_all: Callable[[list[Hashable], dict[Hashable, str]], dict],
) -> Profile:
    """An empty profile on the bins a pandas profile of the whole frame would have (edges
    from a merged quantile sketch): ``meta`` is an empty frame of the columns' dtypes,
    ``sketch_all`` the merged sketch of the numeric columns (the engine's pass)."""
    families = {name: _family(meta[name]) for name in names}
    numeric = [n for n in names if families[n] in NUMERIC_FAMILIES and n not in codes]
    sketches = sketch_all(numeric, families) if numeric else {}
    columns: dict[Hashable, Any] = {}
    for name in names:
        family = families[name]
        if name in sketches:
            n, points, weights, few = sketches[name]
            dtype = meta[name].dtype
            integer = pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
            if not (family == "numeric" and integer and few is not None and len(few) <= MAX_CODES):
                columns[name] = numeric_skeleton(family, n, points, weights)
                continue
        kind = "codes" if family in NUMERIC_FAMILIES else "categorical"
        columns[name] = CategoricalColumn({}, 0, kind)
    return Profile(columns)


def sketch(part: pd.DataFrame, names: list[Hashable], families: dict[Hashable, str]) -> dict:
    """Per numeric column: its finite values' count, ``SKETCH`` evenly ranked values (each
    standing for an equal share of the partition) and its distinct values while there are
    at most ``MAX_CODES``."""
    out = {}
    for name in names:
        values, _ = _numbers(part[name], families[name])
        n = len(values)
        s = np.sort(values)
        if n:
            ranks = np.round(np.linspace(0, n - 1, min(SKETCH, n))).astype(np.int64)
            points, weights = s[ranks], np.full(len(ranks), n / len(ranks))
        else:
            points, weights = np.zeros(0), np.zeros(0)
        few = np.unique(s)
        out[name] = (n, points, weights, few if len(few) <= MAX_CODES else None)
    return out


def merge_sketches(sketches: list[dict]) -> dict:
    merged = {}
    for name in sketches[0]:
        parts = [sk[name] for sk in sketches]
        n = sum(p[0] for p in parts)
        points = np.concatenate([p[1] for p in parts])
        weights = np.concatenate([p[2] for p in parts])
        fews = [p[3] for p in parts]
        few = None if any(f is None for f in fews) else np.unique(np.concatenate(fews))
        order = np.argsort(points, kind="stable")
        merged[name] = (n, points[order], weights[order], few)
    return merged


def numeric_skeleton(
    family: str, n: int, points: np.ndarray, weights: np.ndarray
) -> NumericColumn:
    if n == 0:
        edges = np.zeros(0)
    else:
        # the value at each level's rank, as pandas takes it, read off the weighted sketch
        cum = np.cumsum(weights)
        ranks = np.round(LEVELS * (n - 1)) + 1
        at = np.minimum(np.searchsorted(cum, ranks - 1e-9 * n), len(points) - 1)
        edges = np.unique(points[at])
    shift = float(edges[len(edges) // 2]) if len(edges) else 0.0
    return NumericColumn(
        family, edges, np.zeros(len(edges) + 1, np.int64), 0, shift, 0.0, 0.0, 0.0, 0.0
    )

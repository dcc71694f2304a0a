"""Metrics by group, and fairness verdicts that say when the data cannot decide.

``group_metrics`` computes rate metrics (accuracy, selection rate, true and false positive
rates, ...) for every group, or every intersection of several group columns, with Wilson
intervals and the group's size, by counting (``np.bincount`` over group codes: no loop
over rows or groups). Any other metric callable is computed group by group.

``check_fairness`` compares the groups on the criterion's rates. The verdict follows the
data: ``failed`` when some pair of groups differs by more than ``max_difference`` (or has
a ratio below ``min_ratio``) *with the stated confidence*; ``passed`` when every pair is
shown to be within it; otherwise ``inconclusive``, naming the groups too small to tell.
Pairs are compared with Newcombe's interval for a difference of proportions (the ratio with
Katz's log interval), Bonferroni-corrected over the pairs, so that a fair model fails with
probability at most ``1 - confidence``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mltest import arguments
from mltest._stats import wilson as _wilson
from mltest.errors import UsageError
from mltest.report import PropertyResult, Report

# rate metrics: (rows counted in the denominator, rows counted in the numerator), as
# functions of (y_true == positive, y_pred == positive)
RATES: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "accuracy": (lambda t, p: np.ones_like(t), lambda t, p: t == p),
    "selection_rate": (lambda t, p: np.ones_like(t), lambda t, p: p),
    "true_positive_rate": (lambda t, p: t, lambda t, p: t & p),
    "false_positive_rate": (lambda t, p: ~t, lambda t, p: ~t & p),
    "false_negative_rate": (lambda t, p: t, lambda t, p: t & ~p),
    "true_negative_rate": (lambda t, p: ~t, lambda t, p: ~t & ~p),
    "precision": (lambda t, p: p, lambda t, p: t & p),
}
CRITERIA: dict[str, tuple[str, ...]] = {
    "demographic_parity": ("selection_rate",),
    "equal_opportunity": ("true_positive_rate",),
    "equalized_odds": ("true_positive_rate", "false_positive_rate"),
}
DEFAULT_MAX_DIFFERENCE = 0.05
DEFAULT_METRICS = ("accuracy", "selection_rate", "true_positive_rate")


def group_metrics(
    y_true: Any,
    y_pred: Any,
    groups: Any,
    *,
    metrics: Sequence[str | Callable[..., Any]] = (
        "accuracy",
        "selection_rate",
        "true_positive_rate",
    ),
    sample_weight: Any = None,
    positive: Any = 1,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per group (per combination of values when ``groups`` has several
    columns): ``size``, and per metric its value with a ``confidence`` interval
    (``<metric>``, ``<metric>_low``, ``<metric>_high``) and the rows it rests on
    (``<metric>_n``). Rate metrics are named (``RATES``); a callable
    ``metric(y_true, y_pred)`` is computed per group, without an interval. Groups without
    rows (unused categories) are listed with size 0."""
    table = _table(y_true, y_pred, groups, sample_weight)
    confidence = _confidence(confidence)
    codes, keys = _codes(table, groups)
    k = len(keys)
    t = (table["y_true"].to_numpy() == positive) if "y_true" in table else None
    p = table["y_pred"].to_numpy() == positive
    w = table["weight"].to_numpy()
    out = keys.copy()
    out["size"] = np.bincount(codes, minlength=k)
    for metric in _metric_list(metrics):
        if callable(metric):
            name = getattr(metric, "__name__", "metric")
            out[name] = _per_group(metric, table, codes, k)
            continue
        if t is None:
            raise UsageError(f"metrics: {metric!r} needs y_true")
        denominator, numerator = RATES[metric]
        den = np.bincount(codes, weights=w * denominator(t, p), minlength=k)
        num = np.bincount(codes, weights=w * numerator(t, p), minlength=k)
        squares = np.bincount(codes, weights=w**2 * denominator(t, p), minlength=k)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = num / den
            n_eff = np.where(squares > 0, den**2 / squares, 0.0)  # Kish's effective size
        low, high = _wilson(value, n_eff, confidence)
        out[metric], out[f"{metric}_low"], out[f"{metric}_high"] = value, low, high
        out[f"{metric}_n"] = n_eff
    return out


def check_fairness(
    y_true: Any,
    y_pred: Any,
    groups: Any,
    *,
    criterion: str,
    max_difference: float | None = None,
    min_ratio: float | None = None,
    confidence: float = 0.95,
    sample_weight: Any = None,
    positive: Any = 1,
    raise_on_failure: bool = True,
) -> Report:
    """Whether the groups get the criterion's rates alike: ``demographic_parity``
    (selection rate), ``equal_opportunity`` (true positive rate) or ``equalized_odds``
    (true and false positive rates). A pair of groups fails when its difference exceeds
    ``max_difference`` (default 0.05 when neither limit is given) or its ratio is below
    ``min_ratio`` (0.8: the four-fifths rule) with probability ``confidence``. Raised as
    ``CheckFailure`` when it failed and ``raise_on_failure``."""
    __tracebackhide__ = True
    arguments.flag("raise_on_failure", raise_on_failure)
    rates = CRITERIA.get(criterion) if isinstance(criterion, str) else None
    if rates is None:
        raise UsageError(f"criterion={arguments.short(criterion)}: one of {list(CRITERIA)}")
    if max_difference is None and min_ratio is None:
        max_difference = DEFAULT_MAX_DIFFERENCE
    if max_difference is not None:
        max_difference = arguments.number("max_difference", max_difference, minimum=0)
    if min_ratio is not None:
        min_ratio = arguments.number("min_ratio", min_ratio, minimum=0)
        if min_ratio > 1:
            raise UsageError(f"min_ratio={min_ratio!r}: must be at most 1")
    confidence = _confidence(confidence)
    table = group_metrics(
        y_true,
        y_pred,
        groups,
        metrics=rates,
        sample_weight=sample_weight,
        positive=positive,
        confidence=confidence,
    )
    report = Report(f"fairness ({criterion})", kind="fairness", stage="model-analysis")
    report.data.update(table=table, rates=list(rates), limit=max_difference)
    for rate in rates:
        if max_difference is not None:
            report.add(_compare(table, rate, "difference", max_difference, confidence))
        if min_ratio is not None:
            report.add(_compare(table, rate, "ratio", min_ratio, confidence))
    return report.conclude(raise_on_failure)


def assert_fair(y_true: Any, y_pred: Any, groups: Any, **options: Any) -> Report:
    """``check_fairness`` raising ``CheckFailure`` when the groups differ; returns the
    ``Report`` otherwise (``inconclusive`` results do not raise: see the report)."""
    __tracebackhide__ = True
    return check_fairness(y_true, y_pred, groups, **options)


# --- the comparison ------------------------------------------------------------------------


def _compare(
    table: pd.DataFrame, rate: str, kind: str, limit: float, confidence: float
) -> PropertyResult:
    from scipy import stats

    label = _labels(table)
    value = table[rate].to_numpy()
    n = table[f"{rate}_n"].to_numpy()
    present = n > 0
    idx = np.flatnonzero(present)
    pairs = [(int(a), int(b)) for i, a in enumerate(idx) for b in idx[i + 1 :]]
    name = f"{rate}.{kind}"
    groups = {
        label[i]: {
            "size": int(table["size"].iloc[i]),
            "rows": round(float(n[i]), 3),
            "value": None if not present[i] else float(value[i]),
            "low": None if not present[i] else float(table[f"{rate}_low"].iloc[i]),
            "high": None if not present[i] else float(table[f"{rate}_high"].iloc[i]),
        }
        for i in range(len(table))
    }
    empty = [label[i] for i in range(len(table)) if not present[i]]
    figures: dict[str, Any] = {"limit": limit, "confidence": confidence, "groups": groups}
    if len(idx) < 2:
        return PropertyResult(
            name,
            "inconclusive",
            f"fewer than two groups have rows for {rate}" + _listed(empty),
            reason="insufficient_data",
            figures=figures,
        )
    # each pair's interval at 1 - (1 - confidence) / pairs: all hold together (Bonferroni)
    level = 1 - (1 - confidence) / len(pairs)
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    failing: list[tuple[int, int, float, float, float]] = []
    undecided: set[int] = set()
    for a, b in pairs:
        lo, hi, gap = _pair_interval(value[a], n[a], value[b], n[b], z, kind)
        bad = lo > limit if kind == "difference" else hi < limit
        good = hi <= limit if kind == "difference" else lo >= limit
        if bad:
            failing.append((a, b, lo, hi, gap))
        elif not good:  # the smaller group is the one too small to tell
            undecided.add(a if n[a] <= n[b] else b)
    figures["pairs_compared"] = len(pairs)
    what = "difference" if kind == "difference" else "ratio"
    if failing:
        x, y, lo, hi, gap = max(failing, key=lambda f: abs(value[f[0]] - value[f[1]]))
        figures |= {"worst": [label[x], label[y]], "estimate": gap, "interval": [lo, hi]}
        bound = f"{lo:.3f} > {limit:g}" if kind == "difference" else f"{hi:.3f} < {limit:g}"
        return PropertyResult(
            name,
            "failed",
            f"{rate} of {label[x]} ({value[x]:.3f}, {n[x]:.0f} rows) and {label[y]} "
            f"({value[y]:.3f}, {n[y]:.0f} rows): {what} {gap:.3f}, at {confidence:.0%} "
            f"confidence {'at least' if kind == 'difference' else 'at most'} {bound}"
            f"{_listed(empty)}",
            counterexample={label[x]: groups[label[x]], label[y]: groups[label[y]]},
            examples=int(table["size"].sum()),
            figures=figures,
        )
    if undecided:
        small = sorted(undecided, key=lambda i: n[i])
        names = ", ".join(f"{label[i]} ({n[i]:.0f} rows)" for i in small[:5])
        return PropertyResult(
            name,
            "inconclusive",
            f"{what} of {rate} not shown to be within {limit:g} at {confidence:.0%} "
            f"confidence: too few rows to tell for {names}" + _listed(empty),
            reason="insufficient_data",
            figures=figures | {"undecided": [label[i] for i in small]},
        )
    spread = float(np.nanmax(value[idx]) - np.nanmin(value[idx]))
    return PropertyResult(
        name,
        "passed",
        f"every pair of {len(idx)} groups within {limit:g} at {confidence:.0%} confidence "
        f"(largest observed {'difference' if kind == 'difference' else 'gap'} {spread:.3f})"
        + _listed(empty),
        examples=int(table["size"].sum()),
        figures=figures,
    )


def _pair_interval(
    p1: float, n1: float, p2: float, n2: float, z: float, kind: str
) -> tuple[float, float, float]:
    """(low, high, estimate) for |p1 - p2| (Newcombe's hybrid score interval, folded to
    the absolute difference) or for min/max of the two (Katz's log interval)."""
    if kind == "difference":
        (l1, u1), (l2, u2) = _wilson_one(p1, n1, z), _wilson_one(p2, n2, z)
        d = p1 - p2
        low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
        if low > 0:
            return float(low), float(high), float(d)
        if high < 0:
            return float(-high), float(-low), float(-d)
        return 0.0, float(max(-low, high)), float(abs(d))
    # the smaller rate over the larger, with 0.5 added to empty cells (Haldane)
    if p1 > p2:
        p1, n1, p2, n2 = p2, n2, p1, n1
    x1, x2 = p1 * n1, p2 * n2
    if x1 == 0 or x2 == 0 or x1 == n1 or x2 == n2:
        x1, x2, n1, n2 = x1 + 0.5, x2 + 0.5, n1 + 1, n2 + 1
    ratio = (x1 / n1) / (x2 / n2)
    se = np.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
    return float(ratio * np.exp(-z * se)), float(min(ratio * np.exp(z * se), np.inf)), float(ratio)


def _wilson_one(p: float, n: float, z: float) -> tuple[float, float]:
    low, high = _wilson(np.array([p]), np.array([n]), None, z=z)
    return float(low[0]), float(high[0])


# --- arguments -----------------------------------------------------------------------------


def _table(y_true: Any, y_pred: Any, groups: Any, sample_weight: Any) -> pd.DataFrame:
    columns: dict[str, Any] = {}
    for argument, value in (("y_true", y_true), ("y_pred", y_pred)):
        if value is None and argument == "y_true":
            continue
        columns[argument] = _vector(argument, value)
    n = len(columns["y_pred"])
    if "y_true" in columns and len(columns["y_true"]) != n:
        raise UsageError(f"y_true and y_pred: {len(columns['y_true'])} and {n} rows")
    if sample_weight is None:
        columns["weight"] = np.ones(n)
    else:
        weight = np.asarray(_vector("sample_weight", sample_weight), dtype=np.float64)
        if len(weight) != n:
            raise UsageError(f"sample_weight: {len(weight)} values for {n} rows")
        if not np.isfinite(weight).all() or (weight < 0).any():
            raise UsageError("sample_weight: must be finite and non-negative")
        columns["weight"] = weight
    if n == 0:
        raise UsageError("y_pred: has no rows")
    frame = pd.DataFrame(columns)
    group_frame = _groups(groups, n)
    return pd.concat([frame, group_frame.reset_index(drop=True)], axis=1)


def _vector(argument: str, value: Any) -> np.ndarray:
    if isinstance(value, (pd.Series, pd.Index, np.ndarray, list, tuple)):
        array = np.asarray(value)
        if array.ndim == 1:
            return array
    raise UsageError(f"{argument}={arguments.short(value)}: must be a 1-D array or a Series")


GROUP_PREFIX = "group:"


def _groups(groups: Any, n: int) -> pd.DataFrame:
    if isinstance(groups, pd.DataFrame):
        frame = groups.copy()
    elif isinstance(groups, pd.Series):
        frame = groups.to_frame(groups.name if groups.name is not None else "group")
    elif isinstance(groups, (np.ndarray, list, tuple)) and np.ndim(groups) == 1:
        frame = pd.DataFrame({"group": np.asarray(groups)})
    else:
        raise UsageError(
            f"groups={arguments.short(groups)}: must be a Series, an array or a DataFrame "
            "of group columns"
        )
    if len(frame) != n:
        raise UsageError(f"groups: {len(frame)} rows for {n} predictions")
    if frame.shape[1] == 0:
        raise UsageError("groups: has no columns")
    missing = [c for c in frame.columns if frame[c].isna().any()]
    if missing:
        raise UsageError(f"groups: missing values in {missing}; give them a group of their own")
    return frame.rename(columns={c: f"{GROUP_PREFIX}{c}" for c in frame.columns})


def _codes(table: pd.DataFrame, groups: Any) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's group code and the groups (one column per group column), unused
    categories included."""
    names = [c for c in table.columns if str(c).startswith(GROUP_PREFIX)]
    parts, levels = [], []
    for c in names:
        s = table[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            parts.append(s.cat.codes.to_numpy().astype(np.int64))
            levels.append(np.asarray(s.cat.categories, dtype=object))
        else:
            code, uniques = pd.factorize(s, sort=True)
            parts.append(code.astype(np.int64))
            levels.append(np.asarray(uniques, dtype=object))
    sizes = [len(level) for level in levels]
    codes = np.ravel_multi_index(parts, sizes) if len(parts) > 1 else parts[0]
    grid = (
        pd.MultiIndex.from_product(levels).to_frame(index=False)
        if len(parts) > 1
        else (pd.DataFrame({0: levels[0]}))
    )
    grid.columns = [c[len(GROUP_PREFIX) :] for c in names]
    if len(parts) > 1:  # intersections: only those with rows, and the unused categories
        used = np.bincount(codes, minlength=int(np.prod(sizes))) > 0
        keep = np.flatnonzero(used)
        remap = np.full(len(used), -1)
        remap[keep] = np.arange(len(keep))
        return remap[codes], grid.iloc[keep].reset_index(drop=True)
    return codes, grid


def _labels(table: pd.DataFrame) -> list[str]:
    keys = [c for c in table.columns if c == "size"]
    first = list(table.columns).index(keys[0]) if keys else 1
    key_columns = list(table.columns[:first])
    return [
        "/".join(str(v) for v in row) if len(key_columns) > 1 else str(row[0])
        for row in table[key_columns].itertuples(index=False)
    ]


def _metric_list(metrics: Any) -> list[str | Callable[..., Any]]:
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    if not isinstance(metrics, Sequence) or not metrics:
        raise UsageError(f"metrics={arguments.short(metrics)}: a non-empty list")
    for m in metrics:
        if not callable(m) and m not in RATES:
            raise UsageError(f"metrics: {m!r} is not one of {list(RATES)} or a callable")
    return list(metrics)


def _per_group(
    metric: Callable[..., Any], table: pd.DataFrame, codes: np.ndarray, k: int
) -> np.ndarray:
    out = np.full(k, np.nan)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(k + 1))
    y_true = table["y_true"].to_numpy() if "y_true" in table else None
    y_pred = table["y_pred"].to_numpy()
    for g in range(k):
        rows = order[bounds[g] : bounds[g + 1]]
        if len(rows) == 0:
            continue
        try:
            out[g] = float(metric(None if y_true is None else y_true[rows], y_pred[rows]))
        except Exception as exc:  # the user's metric failing is said as such
            raise UsageError(
                f"metrics: {getattr(metric, '__name__', metric)!r} raised "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    return out


def _confidence(value: Any) -> float:
    value = arguments.number("confidence", value, minimum=0)
    if not 0 < value < 1:
        raise UsageError(f"confidence={value!r}: must be between 0 and 1")
    return value


def _listed(empty: list[str]) -> str:
    return f"; groups without rows: {empty}" if empty else ""

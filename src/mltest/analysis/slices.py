"""Where is the model wrong? ``find_slices`` ranks one- and two-feature slices by how much
worse their error is than the rest of the data, with significance; ``check_slices`` /
``assert_no_weak_slice`` turn it into a verdict.

Predicates: a numeric feature is cut at its quantiles, and every interval *below* a cut,
*above* a cut and *between* two neighbouring cuts is a predicate (so a threshold slice is
found whatever the bin count, and its boundary is then refined on a fine grid); a
categorical feature gives one predicate per value; a missing value is a value of its own.
Two-feature slices are every pair of predicates on two different features, counted with one
2-D ``bincount`` per pair of features.

Each slice is tested against the rest of the data: for 0/1 errors, the one-sided Fisher
exact test (hypergeometric) of the slice's errors against the rest's; for continuous
losses, Welch's t-test. Benjamini-Hochberg over every slice tried controls the false
discoveries (and, when no slice is truly worse, the chance of reporting any at all) at
``alpha``. Slices smaller than ``min_support`` are never tested. Significant slices are
ranked by the lower confidence bound of their error rate, so a big, reliably bad slice
comes before a small one that is bad by luck.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from mltest import arguments
from mltest._stats import benjamini_hochberg, wilson
from mltest.errors import UsageError
from mltest.report import PropertyResult, Report

REFINE = 512  # fine cuts (quantiles) a numeric boundary is refined on


@dataclasses.dataclass(frozen=True)
class _Predicate:
    feature: str
    kind: str  # "le", "gt", "in" (lo < x <= hi), "eq", "missing"
    low: Any = None
    high: Any = None

    def text(self) -> str:
        f = self.feature
        if self.kind == "le":
            return f"{f} <= {_num(self.high)}"
        if self.kind == "gt":
            return f"{f} > {_num(self.low)}"
        if self.kind == "in":
            return f"{_num(self.low)} < {f} <= {_num(self.high)}"
        if self.kind == "missing":
            return f"{f} is missing"
        return f"{f} == {self.low!r}"

    def mask(self, column: pd.Series) -> np.ndarray:
        if self.kind == "missing":
            return column.isna().to_numpy()
        if self.kind == "eq":
            return (column == self.low).to_numpy(dtype=bool, na_value=False)
        x = column.to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            if self.kind == "le":
                return x <= self.high
            if self.kind == "gt":
                return x > self.low
            return (x > self.low) & (x <= self.high)


def _num(value: float) -> str:
    return f"{value:.6g}"


@dataclasses.dataclass
class _Feature:
    """One feature's codes (0..k-1, one per row) and, per predicate, which codes it takes."""

    name: str
    codes: np.ndarray
    predicates: list[_Predicate]
    members: np.ndarray  # (predicates, codes) bool
    cuts: np.ndarray | None  # numeric: the coarse cut points


def _numeric_feature(name: str, s: pd.Series, bins: int) -> _Feature:
    x = s.to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(x)
    cuts = (
        np.unique(np.quantile(x[present], np.linspace(0, 1, bins + 1)[1:-1]))
        if present.any()
        else np.array([])
    )
    k = len(cuts) + 1  # intervals; code k is "missing"
    codes = np.where(present, np.searchsorted(cuts, x, side="left"), k)
    # searchsorted(left): x <= cuts[j] -> code <= j
    predicates, members = [], []
    for j, cut in enumerate(cuts):
        codes_le = np.arange(k + 1) <= j
        predicates.append(_Predicate(name, "le", high=float(cut)))
        members.append(codes_le)
        predicates.append(_Predicate(name, "gt", low=float(cut)))
        members.append((np.arange(k + 1) > j) & (np.arange(k + 1) < k))
    for j in range(1, len(cuts)):
        predicates.append(_Predicate(name, "in", low=float(cuts[j - 1]), high=float(cuts[j])))
        members.append(np.arange(k + 1) == j)
    if (~present).any():
        predicates.append(_Predicate(name, "missing"))
        members.append(np.arange(k + 1) == k)
    return _Feature(
        name, codes.astype(np.int64), predicates, np.array(members).reshape(-1, k + 1), cuts
    )


def _categorical_feature(name: str, s: pd.Series, max_values: int) -> _Feature:
    codes, values = pd.factorize(s, use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(values))
    keep = np.argsort(-counts, kind="stable")[:max_values]
    k = len(values)
    codes = np.where(codes < 0, k, codes)
    predicates, members = [], []
    for j in keep:
        predicates.append(_Predicate(name, "eq", low=_plain(values[j])))
        members.append(np.arange(k + 1) == j)
    if (codes == k).any():
        predicates.append(_Predicate(name, "missing"))
        members.append(np.arange(k + 1) == k)
    return _Feature(
        name, codes.astype(np.int64), predicates, np.array(members).reshape(-1, k + 1), None
    )


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _features(X: pd.DataFrame, bins: int, max_values: int) -> list[_Feature]:
    out = []
    for name in X.columns:
        s = X[name]
        numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(
            s.dtype
        )
        if numeric and s.nunique(dropna=True) > 2:  # ordinal codes too: x3 >= 6 is a slice
            out.append(_numeric_feature(str(name), s, bins))
        else:
            out.append(
                _categorical_feature(str(name), s.astype(object) if numeric else s, max_values)
            )
    return out


def _losses(y_true: Any, y_pred: Any, loss: Any, n: int) -> tuple[np.ndarray, bool]:
    """Per-row losses, and whether they are 0/1 errors."""
    if loss is None:
        a, b = np.asarray(y_true), np.asarray(y_pred)
        if a.shape != (n,) or b.shape != (n,):
            raise UsageError(
                f"y_true, y_pred: need one value per row of X ({n}); got {a.shape}, {b.shape}"
            )
        return (a != b).astype(np.float64), True
    if callable(loss):
        values = np.asarray(loss(np.asarray(y_true), np.asarray(y_pred)), dtype=float)
    else:
        values = np.asarray(loss, dtype=float)
    if values.shape != (n,) or not np.isfinite(values).all():
        raise UsageError(f"loss: must give one finite loss per row of X ({n})")
    binary = bool(np.isin(values, (0.0, 1.0)).all())
    return values, binary


def find_slices(
    X: Any,
    y_true: Any = None,
    y_pred: Any = None,
    *,
    loss: Any = None,
    bins: int = 8,
    max_values: int = 30,
    min_support: int | None = None,
    alpha: float = 0.05,
    pairs: bool = True,
    significant_only: bool = True,
    max_listed: int = 20,
) -> pd.DataFrame:
    """Slices of ``X`` (one feature, or two) where the error is worse than in the rest.

    The error is ``y_true != y_pred`` by default; ``loss`` is either a per-row array or a
    function ``loss(y_true, y_pred) -> per-row losses`` (squared error, log loss).
    ``min_support``: the smallest slice tested (default: the larger of 30 rows and 0.5%
    of the data). Returns one row per slice, best first: ``slice`` (its definition),
    ``features``, ``size``, ``support``, ``loss`` (its mean loss or error rate), ``rest``
    (the rest's), ``difference``, ``ratio``, ``low`` (lower 95% bound of the slice's
    loss), ``p_value``, ``q_value`` (Benjamini-Hochberg over every slice tried).
    """
    if not isinstance(X, pd.DataFrame) or X.empty:
        raise UsageError(f"X={arguments.short(X)}: must be a non-empty DataFrame")
    n = len(X)
    losses, binary = _losses(y_true, y_pred, loss, n)
    bins = arguments.positive_int("bins", bins, minimum=2)
    arguments.positive_int("max_values", max_values)
    alpha = arguments.number("alpha", alpha, minimum=0.0)
    if not 0 < alpha < 1:
        raise UsageError(f"alpha={alpha!r}: must be in (0, 1)")
    max_listed = arguments.positive_int("max_listed", max_listed)
    support = (
        max(30, math.ceil(0.005 * n))
        if min_support is None
        else arguments.positive_int("min_support", min_support)
    )
    features = _features(X, bins, max_values)
    total, total_sq = float(losses.sum()), float((losses**2).sum())
    rows: list[tuple[list[_Predicate], float, float, float]] = []
    for f in features:
        count = np.bincount(f.codes, minlength=f.members.shape[1]).astype(float)
        s1 = np.bincount(f.codes, weights=losses, minlength=f.members.shape[1])
        s2 = np.bincount(f.codes, weights=losses**2, minlength=f.members.shape[1])
        m = f.members.astype(float)
        for i, (c, a, b) in enumerate(zip(m @ count, m @ s1, m @ s2, strict=True)):
            rows.append(([f.predicates[i]], c, a, b))
    if pairs:
        for i, f in enumerate(features):
            for g in features[i + 1 :]:
                rows.extend(_pair_rows(f, g, losses))
    table = _score(rows, n, total, total_sq, binary, support, alpha)
    table = table[~_adds_nothing(table)]
    if significant_only:
        table = table[table["q_value"] <= alpha]
    table = table.sort_values(["low", "difference"], ascending=False, kind="stable")
    # one slice per shape (the same features, the same kind of predicate, the same
    # category): the best of "x > 1.2 and red", "x > 0.8 and red", ... is listed
    table = table[~table["_predicates"].map(_shape).duplicated()]
    table = _refine(table.head(max_listed), X, losses, binary, support)
    return table.reset_index(drop=True)


def _pair_rows(
    f: _Feature, g: _Feature, losses: np.ndarray
) -> list[tuple[list[_Predicate], float, float, float]]:
    kf, kg = f.members.shape[1], g.members.shape[1]
    joint = f.codes * kg + g.codes
    size = kf * kg
    count = np.bincount(joint, minlength=size).reshape(kf, kg).astype(float)
    s1 = np.bincount(joint, weights=losses, minlength=size).reshape(kf, kg)
    s2 = np.bincount(joint, weights=losses**2, minlength=size).reshape(kf, kg)
    mf, mg = f.members.astype(float), g.members.astype(float)
    c, a, b = mf @ count @ mg.T, mf @ s1 @ mg.T, mf @ s2 @ mg.T
    out = []
    for i in range(len(f.predicates)):
        for j in range(len(g.predicates)):
            out.append(([f.predicates[i], g.predicates[j]], c[i, j], a[i, j], b[i, j]))
    return out


def _score(
    rows: list[Any],
    n: int,
    total: float,
    total_sq: float,
    binary: bool,
    support: int,
    alpha: float,
) -> pd.DataFrame:
    from scipy import stats

    count = np.array([r[1] for r in rows])
    s1 = np.array([r[2] for r in rows])
    s2 = np.array([r[3] for r in rows])
    keep = (count >= support) & (count <= n - support)
    count, s1, s2 = count[keep], s1[keep], s2[keep]
    chosen = [rows[i][0] for i in np.flatnonzero(keep)]
    rest_n = n - count
    mean = s1 / np.maximum(count, 1)
    rest = (total - s1) / np.maximum(rest_n, 1)
    if binary:
        # Fisher's exact test, one-sided: given all the errors, the slice's count is
        # hypergeometric under "no worse than the rest" (valid for slices of any size,
        # and it accounts for the rest's own variation, as a test at the rest's
        # estimated rate would not)
        p = stats.hypergeom.sf(np.round(s1) - 1, n, round(total), count.astype(np.int64))
        low = wilson(mean, count)[0]
    else:
        var = np.maximum(s2 / np.maximum(count, 1) - mean**2, 0) * count / np.maximum(count - 1, 1)
        rest_var = np.maximum((total_sq - s2) / np.maximum(rest_n, 1) - rest**2, 0)
        se = np.sqrt(var / count + rest_var / np.maximum(rest_n, 1))
        t = (mean - rest) / np.where(se > 0, se, np.inf)
        dof = np.maximum(count - 1, 1)
        p = stats.t.sf(t, dof)
        low = mean - stats.t.ppf(0.975, dof) * np.sqrt(var / count)
    q = benjamini_hochberg(p)
    return pd.DataFrame(
        {
            "slice": [" and ".join(pr.text() for pr in preds) for preds in chosen],
            "features": [tuple(pr.feature for pr in preds) for preds in chosen],
            "size": count.astype(np.int64),
            "support": count / n,
            "loss": mean,
            "rest": rest,
            "difference": mean - rest,
            "ratio": mean / np.where(rest > 0, rest, np.nan),
            "low": low,
            "p_value": p,
            "q_value": q,
            "_predicates": chosen,
        }
    )


def _adds_nothing(table: pd.DataFrame) -> np.ndarray:
    """Two-feature slices one of whose predicates keeps at least 90% of the other's rows
    (``id <= 9.5e6 and income <= 94k`` is ``income <= 94k``): the conjunct adds nothing,
    and listing them would repeat the one-feature slice under other names."""
    single = {
        preds[0]: size
        for preds, size in zip(table["_predicates"], table["size"], strict=True)
        if len(preds) == 1
    }
    out = np.zeros(len(table), dtype=bool)
    for i, (preds, size) in enumerate(zip(table["_predicates"], table["size"], strict=True)):
        if len(preds) == 2:
            parents = [single.get(p) for p in preds]
            out[i] = any(parent is not None and size >= 0.9 * parent for parent in parents)
    return out


def _shape(preds: list[_Predicate]) -> tuple[Any, ...]:
    return tuple((p.feature, p.kind, p.low if p.kind == "eq" else None) for p in preds)


def _refine(
    table: pd.DataFrame, X: pd.DataFrame, losses: np.ndarray, binary: bool, support: int
) -> pd.DataFrame:
    """Move each threshold (``<=``, ``>``) of the listed slices to its change point on a
    fine grid over the feature's whole range, given the slice's other predicate (a coarse
    binning only brackets the boundary, and any cut inside a bad region looks bad), and
    describe the refined slice. The p- and q-values stay those of the coarse slice, which
    was tested among all the others: a boundary chosen by the data is not tested again."""
    if table.empty:
        return table.drop(columns="_predicates")
    out = table.drop(columns="_predicates").copy()
    n, total = len(X), float(losses.sum())
    for i, preds in enumerate(table["_predicates"]):
        refined = [_refine_one(pr, preds, X, losses, binary, support) for pr in preds]
        inside = np.ones(n, dtype=bool)
        for pr in refined:
            inside &= pr.mask(X[pr.feature])
        size = int(inside.sum())
        if size < support or size > n - support:
            continue
        loss = float(losses[inside].mean())
        rest = (total - float(losses[inside].sum())) / (n - size)
        out.iloc[i, out.columns.get_loc("slice")] = " and ".join(pr.text() for pr in refined)
        out.iloc[i, out.columns.get_loc("size")] = size
        out.iloc[i, out.columns.get_loc("support")] = size / n
        out.iloc[i, out.columns.get_loc("loss")] = loss
        out.iloc[i, out.columns.get_loc("rest")] = rest
        out.iloc[i, out.columns.get_loc("difference")] = loss - rest
        out.iloc[i, out.columns.get_loc("ratio")] = loss / rest if rest > 0 else np.nan
        out.iloc[i, out.columns.get_loc("low")] = _lower_bound(losses[inside], binary)
    return out


def _lower_bound(values: np.ndarray, binary: bool) -> float:
    from scipy import stats

    n, mean = len(values), float(values.mean())
    if binary:
        return float(wilson(np.array([mean]), np.array([float(n)]))[0][0])
    return mean - float(stats.t.ppf(0.975, max(n - 1, 1))) * float(values.std(ddof=1)) / math.sqrt(
        n
    )


def _refine_one(
    pr: _Predicate,
    preds: list[_Predicate],
    X: pd.DataFrame,
    losses: np.ndarray,
    binary: bool,
    support: int,
) -> _Predicate:
    if pr.kind not in ("le", "gt"):
        return pr
    present = ~X[pr.feature].isna().to_numpy()
    for other in preds:
        if other is not pr:
            present &= other.mask(X[other.feature])
    if present.sum() < 2 * support:
        return pr
    x = X[pr.feature].to_numpy(dtype=float, na_value=np.nan)[present]
    order = np.argsort(x, kind="stable")
    xs, cum = x[order], np.cumsum(losses[present][order])
    candidates = np.unique(np.quantile(xs, np.linspace(0, 1, REFINE + 1)[1:-1]))
    below = np.searchsorted(xs, candidates, side="right")  # rows <= each candidate
    m, total = len(xs), cum[-1]
    below_sum = np.where(below > 0, cum[np.maximum(below - 1, 0)], 0.0)
    inside_n = below if pr.kind == "le" else m - below
    inside_sum = below_sum if pr.kind == "le" else total - below_sum
    outside_n, outside_sum = m - inside_n, total - inside_sum
    ok = (inside_n >= support) & (outside_n >= support)
    if not ok.any():
        return pr
    # the change point: the cut that best explains the losses as two groups (binomial
    # log-likelihood for 0/1 errors; the between-group sum of squares otherwise)
    score = np.where(
        ok, _split_gain(inside_sum, inside_n, outside_sum, outside_n, binary), -np.inf
    )
    # only cuts that keep the slice the worse side
    worse = inside_sum / np.maximum(inside_n, 1) > outside_sum / np.maximum(outside_n, 1)
    score = np.where(worse, score, -np.inf)
    if not np.isfinite(score).any():
        return pr
    best = float(candidates[int(np.argmax(score))])
    if pr.kind == "le":
        return dataclasses.replace(pr, high=best)
    return dataclasses.replace(pr, low=best)


def _split_gain(
    a_sum: np.ndarray, a_n: np.ndarray, b_sum: np.ndarray, b_n: np.ndarray, binary: bool
) -> np.ndarray:
    a_n, b_n = np.maximum(a_n, 1), np.maximum(b_n, 1)
    pa, pb = a_sum / a_n, b_sum / b_n
    if not binary:
        return a_n * b_n / (a_n + b_n) * (pa - pb) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):

        def ll(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
            return np.nan_to_num(k * np.log(p)) + np.nan_to_num((n - k) * np.log1p(-p))

        return ll(a_sum, a_n, pa) + ll(b_sum, b_n, pb)


def check_slices(
    X: Any,
    y_true: Any = None,
    y_pred: Any = None,
    *,
    max_gap: float = 0.05,
    loss: Any = None,
    bins: int = 8,
    min_support: int | None = None,
    alpha: float = 0.05,
    raise_on_failure: bool = True,
) -> Report:
    """A verdict on ``find_slices``: a slice fails when it is significantly worse than the
    rest (q <= ``alpha``) by more than ``max_gap`` (and the lower bound of its loss is above
    the rest's); one passed result says how many slices were tried when none does."""
    max_gap = arguments.number("max_gap", max_gap, minimum=0.0)
    table = find_slices(
        X, y_true, y_pred, loss=loss, bins=bins, min_support=min_support, alpha=alpha
    )
    report = Report("slices", kind="slices", stage="model-analysis")
    # the report's plot: the slices found, or where none is significant the weakest ones
    # tested (to see how close they came; the verdict never reads this table)
    report.data["table"] = (
        table
        if not table.empty
        else find_slices(
            X,
            y_true,
            y_pred,
            loss=loss,
            bins=bins,
            min_support=min_support,
            alpha=alpha,
            significant_only=False,
            max_listed=10,
        )
    )
    weak = table[(table["difference"] > max_gap) & (table["low"] > table["rest"])]
    for row in weak.itertuples(index=False):
        report.add(
            PropertyResult(
                f"slice: {row.slice}",
                "failed",
                f"{row.size:,} rows ({row.support:.1%}): loss {row.loss:.4g} against "
                f"{row.rest:.4g} elsewhere (+{row.difference:.4g}, q={row.q_value:.2g})",
                examples=int(row.size),
                figures={
                    k: _plain(getattr(row, k))
                    for k in (
                        "size",
                        "support",
                        "loss",
                        "rest",
                        "difference",
                        "ratio",
                        "low",
                        "p_value",
                        "q_value",
                    )
                },
            )
        )
    if weak.empty:
        report.add(
            PropertyResult(
                "no_weak_slice",
                "passed",
                f"no slice worse than the rest by more than {max_gap:g} at q <= {alpha:g}",
                examples=len(X),
            )
        )
    return report.conclude(raise_on_failure)


def assert_no_weak_slice(X: Any, y_true: Any = None, y_pred: Any = None, **kwargs: Any) -> Report:
    """``check_slices`` that raises ``CheckFailure`` naming every weak slice."""
    __tracebackhide__ = True
    kwargs["raise_on_failure"] = True
    return check_slices(X, y_true, y_pred, **kwargs)


def error_curve(
    X: Any,
    y_true: Any = None,
    y_pred: Any = None,
    *,
    feature: str,
    loss: Any = None,
    bins: int = 10,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The loss against one feature: one row per quantile bin of a numeric feature (per
    value of a categorical one; missing as its own row) with ``size``, ``loss`` (mean loss
    or error rate), ``low`` and ``high`` (a Wilson interval for error rates, a t-interval
    otherwise) and the bin's ``left``/``right`` edges."""
    from scipy import stats

    if not isinstance(X, pd.DataFrame) or feature not in X.columns:
        raise UsageError(f"feature={feature!r}: not a column of X")
    n = len(X)
    losses, binary = _losses(y_true, y_pred, loss, n)
    bins = arguments.positive_int("bins", bins, minimum=2)
    s = X[feature]
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    if numeric and s.nunique(dropna=True) > bins:
        f = _numeric_feature(str(feature), s, bins)
        edges = np.r_[-np.inf, f.cuts, np.inf]
        labels = [f"({_num(a)}, {_num(b)}]" for a, b in itertools.pairwise(edges)]
        lefts, rights = list(edges[:-1]), list(edges[1:])
    else:
        f = _categorical_feature(str(feature), s, max_values=10_000)
        labels = [str(p.low) for p in f.predicates if p.kind == "eq"]
        lefts = rights = [np.nan] * len(labels)
    k = f.members.shape[1]
    count = np.bincount(f.codes, minlength=k).astype(float)
    s1 = np.bincount(f.codes, weights=losses, minlength=k)
    s2 = np.bincount(f.codes, weights=losses**2, minlength=k)
    if len(labels) < k:  # the missing code, when there is one
        labels, lefts, rights = [*labels, "missing"], [*lefts, np.nan], [*rights, np.nan]
    # a numeric feature's codes are its bins in order; a categorical one's, its values
    order = range(k) if f.cuts is not None else [int(np.flatnonzero(m)[0]) for m in f.members]
    rows = []
    for label, left, right, code in zip(labels, lefts, rights, order, strict=False):
        size = count[code]
        if size == 0:
            continue
        mean = s1[code] / size
        if binary:
            low, high = (
                float(v[0]) for v in wilson(np.array([mean]), np.array([size]), confidence)
            )
        else:
            sd = math.sqrt(max(s2[code] / size - mean**2, 0.0) * size / max(size - 1, 1))
            half = (
                float(stats.t.ppf(0.5 + confidence / 2, max(size - 1, 1))) * sd / math.sqrt(size)
            )
            low, high = mean - half, mean + half
        rows.append((label, left, right, int(size), float(mean), low, high))
    return pd.DataFrame(rows, columns=["bin", "left", "right", "size", "loss", "low", "high"])

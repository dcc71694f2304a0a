"""Drift per column between a reference frame and a current one.

A column is flagged (``failed``) only when its change is both

- **statistically supported**: a chi-square test of homogeneity on the column's binned
  values (numeric and datetime columns: up to 20 bins at the reference's quantiles;
  categorical columns: one bin per category, rare ones pooled), or a two-proportion test
  for the missing rate, with the Benjamini-Hochberg procedure over every test of the
  report at ``alpha`` (the expected share of false discoveries among flagged checks); and
- **larger than a practical effect size**: the Wasserstein distance in reference standard
  deviations (numeric), the total variation distance (categorical), the change of the
  missing rate, or the share of rows in new or vanished categories, above its threshold.

The test alone would flag any change at a million rows; the effect size alone would flag
noise at a thousand. Together a verdict means the same at every size. A change above the
threshold that the test cannot support at these sizes is ``inconclusive`` (reason
``insufficient_data``), never a pass or a failure; so is a column with fewer than
``MIN_ROWS`` values on either side.

Both sides are summarised as profiles (``mltest.monitor.profile``): numeric values counted in
bins at the reference's quantiles, categories counted. The reference is sorted once, every
current value is placed in its bin by arithmetic, and drift from two saved or merged
profiles is the same as drift from the frames they summarise.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from mltest import arguments
from mltest._stats import benjamini_hochberg
from mltest.errors import UsageError
from mltest.monitor.profile import (
    CategoricalColumn,
    ColumnProfile,
    NumericColumn,
    Profile,
    as_frame,
    build_profile,
    is_one_d,
)
from mltest.report import PropertyResult, Report

DEFAULT_THRESHOLDS: dict[str, float] = {
    "numeric": 0.05,  # Wasserstein distance in reference standard deviations
    "categorical": 0.03,  # total variation distance (half the L1 distance of the shares)
    "missing": 0.01,  # absolute change of the missing rate
    "categories": 0.01,  # share of rows in categories new to, or vanished from, the data
}
ALPHA = 0.01
MIN_ROWS = 30
TEST_BINS = 20
ID_SHARE = 0.95  # a categorical column distinct in this share of its rows is an identifier
EFFECTS = {
    "numeric": "Wasserstein distance (reference sd)",
    "categorical": "total variation distance",
    "missing": "missing-rate change",
    "categories": "share in new or vanished categories",
}


@dataclasses.dataclass
class _Test:
    """One check of one column before the verdict: its effect, its p-value, what to show."""

    name: str
    column: str
    check: str  # "numeric", "categorical", "missing" or "categories"
    effect: float
    threshold: float
    p_value: float
    test: str
    figures: dict[str, Any]
    evidence: Any = None  # what a failure shows, or a function computing it then
    skip: str | None = None  # a reason the column cannot be judged (inconclusive/skipped)
    skip_status: str = "inconclusive"


def check_drift(
    reference: Any,
    current: Any,
    *,
    columns: Sequence[Hashable] | None = None,
    thresholds: Mapping[Hashable, float] | None = None,
    categorical: Sequence[Hashable] | None = None,
    alpha: float = ALPHA,
    raise_on_failure: bool = True,
) -> Report:
    """Compare ``current`` with ``reference`` column by column (distribution, missing
    rate, new or vanished categories); raised as ``CheckFailure`` when a column drifted
    and ``raise_on_failure``.

    ``reference`` and ``current`` are DataFrames, or Series / 1-D arrays (predictions,
    labels: prediction drift and label drift), or 2-D arrays (predicted probabilities).
    ``columns`` restricts the comparison (default: every column, and both sides must have
    the same ones). ``thresholds`` maps a column, or one of ``numeric``,
    ``categorical``, ``missing``, ``categories``, to the effect size above which a change
    matters (``DEFAULT_THRESHOLDS``). ``categorical`` lists numeric columns to compare as
    categories (codes). ``alpha`` is the false discovery rate over the report's tests.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=5000), "c": rng.choice(["a", "b"], 5000)})
    >>> cur = ref.assign(x=ref.x + 0.3)
    >>> check_drift(ref, cur, raise_on_failure=False).failed
    ['x.distribution']
    """
    __tracebackhide__ = True
    arguments.flag("raise_on_failure", raise_on_failure)
    alpha = arguments.number("alpha", alpha, minimum=0)
    if not 0 < alpha < 1:
        raise UsageError(f"alpha={alpha!r}: must be between 0 and 1")
    ref, cur = _profiles(reference, current, columns, categorical)
    limits = _thresholds(thresholds, list(ref.columns))
    tests: list[_Test] = []
    for name in ref.columns:
        tests.extend(_column_tests(str(name), ref.columns[name], cur.columns[name], name, limits))
    report = Report("drift", kind="drift", stage="monitoring")
    report.data.update(reference=ref, current=cur)  # for the report's plot
    for result in _verdicts(tests, alpha):
        report.add(result)
    bad = [r for r in report.results if r.status != "passed"]
    if bad:
        report.details = _table(bad)
    return report.conclude(raise_on_failure)


def assert_no_drift(reference: Any, current: Any, **options: Any) -> Report:
    """``check_drift`` raising ``CheckFailure`` with a table of every drifted column;
    returns the ``Report`` otherwise."""
    __tracebackhide__ = True
    return check_drift(reference, current, **options)


# --- arguments ---------------------------------------------------------------------------


def _profiles(
    reference: Any,
    current: Any,
    columns: Sequence[Hashable] | None,
    categorical: Sequence[Hashable] | None,
) -> tuple[Profile, Profile]:
    """The two sides as profiles of the compared columns, the current one binned on the
    reference's edges."""
    reference, current, categorical = _distributed(reference, current, columns, categorical)
    label = None
    if is_one_d(reference) and is_one_d(current):  # predictions or labels: one column
        name = getattr(reference, "name", None)
        label = "values" if name is None else name
    if isinstance(reference, Profile):
        if categorical is not None:
            raise UsageError("categorical=: the reference is a profile, whose kinds are fixed")
        ref_names = list(reference.columns)
    else:
        ref_frame = as_frame("reference", reference, label)
        ref_names = list(ref_frame.columns)
    cur_frame = None if isinstance(current, Profile) else as_frame("current", current, label)
    cur_names = list(current.columns) if isinstance(current, Profile) else list(cur_frame.columns)  # type: ignore[union-attr]
    names = _columns(columns, ref_names, cur_names)
    if isinstance(reference, Profile):
        ref = reference.select(names)
    else:
        ref = build_profile(ref_frame[names], None, categorical, "reference")
    if cur_frame is not None:
        return ref, build_profile(cur_frame[names], ref, None, "current")
    cur = current.select(names)
    for name in names:
        try:
            ref.columns[name] + cur.columns[name]  # the same kind, on the same edges
        except UsageError as exc:
            raise UsageError(f"current: column {name!r}: {exc}") from None
    return ref, cur


def _distributed(
    reference: Any,
    current: Any,
    columns: Sequence[Hashable] | None,
    categorical: Sequence[Hashable] | None,
) -> tuple[Any, Any, Sequence[Hashable] | None]:
    """A Dask side profiled where it lies (the reference first: the current side is binned
    on its edges); pandas sides and profiles as they are."""
    from mltest.scale import engine_of, is_distributed

    if not (is_distributed(reference) or is_distributed(current)):
        return reference, current, categorical
    usage = "check_drift takes pandas, Dask or Spark frames, Series, arrays or profiles"
    for label, side in (("reference", reference), ("current", current)):
        if is_distributed(side):
            engine_of(side, f"{label}={type(side).__name__}: {usage}")
    reference, current = (
        side.to_frame(name="values" if side.name is None else side.name)
        if is_distributed(side) and not hasattr(side, "columns")  # a Dask Series
        else side
        for side in (reference, current)
    )
    if not isinstance(reference, Profile):
        names = list(reference.columns) if columns is None else list(columns)
        if is_distributed(reference):
            engine = engine_of(reference, f"reference={type(reference).__name__}: {usage}")
            reference = engine.profile(
                reference[names], categorical=categorical, argument="reference"
            )
        else:
            frame = as_frame("reference", reference)[names]
            reference = build_profile(frame, None, categorical, "reference")
        categorical = None
    if is_distributed(current):
        engine = engine_of(current, f"current={type(current).__name__}: {usage}")
        names = list(reference.columns) if columns is None else list(columns)
        missing = [c for c in names if c not in current.columns]
        if missing:
            raise UsageError(f"current: columns {missing} of the reference are missing")
        current = engine.profile(
            current[names], reference=reference.select(names), argument="current"
        )
    return reference, current, categorical


def _columns(
    columns: Sequence[Hashable] | None, ref: list[Hashable], cur: list[Hashable]
) -> list[Hashable]:
    if columns is None:
        missing = [c for c in ref if c not in cur]
        extra = [c for c in cur if c not in ref]
        if missing or extra:
            raise UsageError(
                f"current: its columns differ from the reference's (missing {missing}, "
                f"extra {extra}); pass columns= to compare the shared ones"
            )
        return ref
    if isinstance(columns, (str, bytes)) or not isinstance(columns, Sequence) or not columns:
        raise UsageError(f"columns={arguments.short(columns)}: must be a non-empty list")
    for c in columns:
        for label, names in (("reference", ref), ("current", cur)):
            if c not in names:
                raise UsageError(f"columns: {c!r} is not a column of {label}")
    if len(set(columns)) != len(columns):
        raise UsageError(f"columns={arguments.short(columns)}: names must be distinct")
    return list(columns)


def _thresholds(value: Any, names: list[Hashable]) -> dict[Hashable, float]:
    limits: dict[Hashable, float] = {}
    limits.update(DEFAULT_THRESHOLDS)
    if value is None:
        return limits
    if not isinstance(value, Mapping):
        raise UsageError(
            f"thresholds={arguments.short(value)}: must map a column or one of "
            f"{list(DEFAULT_THRESHOLDS)} to a number"
        )
    for key, limit in value.items():
        if key not in DEFAULT_THRESHOLDS and key not in names:
            raise UsageError(
                f"thresholds: {key!r} is neither a compared column nor one of "
                f"{list(DEFAULT_THRESHOLDS)}"
            )
        limits[key] = arguments.number(f"thresholds[{key!r}]", limit, minimum=0)
    return limits


# --- one column ----------------------------------------------------------------------------


def _column_tests(
    label: str,
    ref: ColumnProfile,
    cur: ColumnProfile,
    name: Hashable,
    limits: dict[Hashable, float],
) -> list[_Test]:
    missing = _missing(label, (ref.missing, ref.rows), (cur.missing, cur.rows), limits["missing"])
    if isinstance(ref, NumericColumn) and isinstance(cur, NumericColumn):
        return [_numeric(label, ref, cur, limits.get(name, limits["numeric"])), missing]
    assert isinstance(ref, CategoricalColumn)
    assert isinstance(cur, CategoricalColumn)
    limit = limits.get(name, limits["categorical"])
    return [*_categorical(label, ref, cur, limit, limits["categories"]), missing]


def _too_few(name: str, column: str, check: str, threshold: float, n: tuple[int, int]) -> _Test:
    return _Test(
        name,
        column,
        check,
        float("nan"),
        threshold,
        float("nan"),
        "",
        {"rows": list(n)},
        skip=f"{n[0]} reference and {n[1]} current values: at least {MIN_ROWS} on each side "
        "are needed to judge a distribution",
    )


def _numeric(column: str, ref: NumericColumn, cur: NumericColumn, limit: float) -> _Test:
    name = f"{column}.distribution"
    n_r, n_c = ref.values, cur.values
    if min(n_r, n_c) < MIN_ROWS:
        return _too_few(name, column, "numeric", limit, (n_r, n_c))
    f_r, f_c = ref.cdf(), cur.cdf()
    distance = _wasserstein(ref, cur, f_r, f_c)
    sd = ref.sd()
    scale = sd if sd > 0 else (cur.sd() or 1.0)
    cum_r, cum_c = np.cumsum(ref.counts)[:-1], np.cumsum(cur.counts)[:-1]
    statistic, df, p_chi = _chi_square(*_test_bins(cum_r, cum_c, n_r, n_c))
    ks, p_ks = _kolmogorov_smirnov(f_r, f_c, n_r, n_c)
    p = min(1.0, 2 * min(p_chi, p_ks))  # either test may support a change (Bonferroni)
    figures = {
        "rows": [n_r, n_c],
        "distance": distance,
        "scale": scale,
        "unit": "" if ref.family == "numeric" else "ns",
        "statistic": statistic,
        "df": df,
        "ks": ks,
        "p_chi_square": p_chi,
        "p_ks": p_ks,
    }

    def evidence() -> dict[str, Any]:
        return {"reference": _summary(ref), "current": _summary(cur)}

    return _Test(
        name, column, "numeric", distance / scale, limit, p, "chi-square+KS", figures, evidence
    )


def _wasserstein(
    ref: NumericColumn, cur: NumericColumn, f_r: np.ndarray, f_c: np.ndarray
) -> float:
    """W1 = integral of |F_ref - F_cur|: trapezoids on the reference's quantile bins, and
    beyond the first and last edge the distance the values lie out there (exact when only
    one side has values out there, as when the reference is a reference's own profile)."""
    outside = abs(ref.below / ref.values - cur.below / cur.values) + abs(
        ref.above / ref.values - cur.above / cur.values
    )
    gap = np.abs(f_r - f_c)
    return outside + float(np.sum(0.5 * (gap[1:] + gap[:-1]) * np.diff(ref.edges)))


def _summary(column: NumericColumn) -> dict[str, Any]:
    q = [column.quantile(level) for level in (0.05, 0.5, 0.95)]
    if column.family == "datetime":
        shown = [str(np.datetime64(round(v), "ns")) for v in q]
        return {"p5": shown[0], "median": shown[1], "p95": shown[2]}
    return {"mean": column.mean(), "sd": column.sd(), "p5": q[0], "median": q[1], "p95": q[2]}


def _test_bins(
    cum_r: np.ndarray, cum_c: np.ndarray, n_r: int, n_c: int
) -> tuple[np.ndarray, np.ndarray]:
    """Counts in up to ``TEST_BINS`` bins made of whole fine bins, about five expected
    values per bin at the smallest sizes."""
    k = int(min(TEST_BINS, max(2, min(n_r, n_c) // 5), len(cum_r)))
    # the first edge at or above each 1/k-th of the reference: about equiprobable bins
    cut = np.unique(np.searchsorted(cum_r / n_r, np.arange(1, k) / k))
    cut = cut[cut < len(cum_r) - 1]
    at_r = np.concatenate([[0], cum_r[cut], [n_r]])
    at_c = np.concatenate([[0], cum_c[cut], [n_c]])
    return np.diff(at_r), np.diff(at_c)


def _kolmogorov_smirnov(
    f_r: np.ndarray, f_c: np.ndarray, n_r: int, n_c: int
) -> tuple[float, float]:
    """The two-sample KS statistic on the bin edges (at most the exact one, so the test is
    conservative) and its asymptotic p-value with Stephens' small-sample correction."""
    from scipy import special

    d = float(np.max(np.abs(f_r - f_c)))
    en = np.sqrt(n_r * n_c / (n_r + n_c))
    return d, float(min(1.0, special.kolmogorov((en + 0.12 + 0.11 / en) * d)))


def _chi_square(a: np.ndarray, b: np.ndarray) -> tuple[float, int, float]:
    """Chi-square test that two rows of counts come from one distribution."""
    from scipy import stats

    keep = (a + b) > 0
    a, b = a[keep].astype(np.float64), b[keep].astype(np.float64)
    if len(a) < 2:
        return 0.0, 0, 1.0
    n_a, n_b = a.sum(), b.sum()
    total = a + b
    e_a, e_b = total * n_a / (n_a + n_b), total * n_b / (n_a + n_b)
    statistic = float(np.sum((a - e_a) ** 2 / e_a) + np.sum((b - e_b) ** 2 / e_b))
    df = len(a) - 1
    return statistic, df, float(stats.chi2.sf(statistic, df))


def _categorical(
    column: str, ref: CategoricalColumn, cur: CategoricalColumn, limit: float, new_limit: float
) -> list[_Test]:
    name = f"{column}.distribution"
    n_r, n_c = ref.values, cur.values
    if min(n_r, n_c) < MIN_ROWS:
        return [_too_few(name, column, "categorical", limit, (n_r, n_c))]
    keys = list(ref.counts) + [k for k in cur.counts if k not in ref.counts]
    r = np.array([ref.counts.get(k, 0) for k in keys], dtype=np.float64)
    c = np.array([cur.counts.get(k, 0) for k in keys], dtype=np.float64)
    if len(ref.counts) > ID_SHARE * n_r:
        return [
            _Test(
                name,
                column,
                "categorical",
                float("nan"),
                limit,
                float("nan"),
                "",
                {"rows": [n_r, n_c], "categories": len(ref.counts)},
                skip=f"{len(ref.counts)} distinct values in {n_r} rows: an identifier, "
                "whose values are expected to change (leave it out with columns=)",
                skip_status="skipped",
            )
        ]
    p_r, p_c = r / n_r, c / n_c
    tv = float(0.5 * np.abs(p_r - p_c).sum())
    statistic, df, p = _chi_square(*_pool_rare(r, c))
    order = np.argsort(-np.abs(p_r - p_c), kind="stable")[:5]
    evidence = {
        "largest changes": {
            str(keys[i]): [round(float(p_r[i]), 4), round(float(p_c[i]), 4)] for i in order
        }
    }
    figures = {"rows": [n_r, n_c], "statistic": statistic, "df": df, "categories": len(keys)}
    tests = [_Test(name, column, "categorical", tv, limit, p, "chi-square", figures, evidence)]
    new, gone = (r == 0) & (c > 0), (r > 0) & (c == 0)
    new_share, gone_share = float(c[new].sum() / n_c), float(r[gone].sum() / n_r)
    # the chance that a sample of this size shows none of categories holding this share
    p_new = (1 - new_share) ** n_r if new.any() else 1.0
    p_gone = (1 - gone_share) ** n_c if gone.any() else 1.0
    p_cat = min(1.0, 2 * min(p_new, p_gone)) if new.any() and gone.any() else min(p_new, p_gone)
    tests.append(
        _Test(
            f"{column}.categories",
            column,
            "categories",
            max(new_share, gone_share),
            new_limit,
            p_cat,
            "unseen-category",
            {"rows": [n_r, n_c], "new_share": new_share, "vanished_share": gone_share},
            {
                "new": [str(keys[i]) for i in np.flatnonzero(new)[:5]],
                "vanished": [str(keys[i]) for i in np.flatnonzero(gone)[:5]],
            },
        )
    )
    return tests


def _pool_rare(r: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Categories with fewer than five expected values on either side pooled into one, so
    the chi-square approximation holds."""
    total = r + c
    n_r, n_c = r.sum(), c.sum()
    expected = np.minimum(total * n_r, total * n_c) / (n_r + n_c)
    rare = expected < 5
    if not rare.any():
        return r, c
    return (
        np.append(r[~rare], r[rare].sum()),
        np.append(c[~rare], c[rare].sum()),
    )


def _missing(column: str, ref: tuple[int, int], cur: tuple[int, int], limit: float) -> _Test:
    from scipy import stats

    (m_r, n_r), (m_c, n_c) = ref, cur
    rate_r, rate_c = m_r / n_r, m_c / n_c
    pooled = (m_r + m_c) / (n_r + n_c)
    if pooled in (0.0, 1.0):
        p = 1.0
    elif min(m_r, m_c, n_r - m_r, n_c - m_c) < 5:
        p = float(stats.fisher_exact([[m_r, n_r - m_r], [m_c, n_c - m_c]])[1])
    else:
        z = (rate_c - rate_r) / np.sqrt(pooled * (1 - pooled) * (1 / n_r + 1 / n_c))
        p = float(2 * stats.norm.sf(abs(z)))
    return _Test(
        f"{column}.missing",
        column,
        "missing",
        abs(rate_c - rate_r),
        limit,
        p,
        "two-proportion",
        {"rows": [n_r, n_c], "missing": [m_r, m_c]},
        {"reference": round(rate_r, 6), "current": round(rate_c, 6)},
    )


# --- verdicts ------------------------------------------------------------------------------


def _verdicts(tests: list[_Test], alpha: float) -> list[PropertyResult]:
    judged = [t for t in tests if t.skip is None]
    p_values = np.array([t.p_value for t in judged])
    adjusted = dict(zip(map(id, judged), benjamini_hochberg(p_values), strict=True))
    results = []
    for t in tests:
        figures = {
            "column": t.column,
            "check": t.check,
            "effect_name": EFFECTS[t.check],
            "effect": t.effect,
            "threshold": t.threshold,
            "test": t.test,
            "p_value": t.p_value,
            **t.figures,
        }
        if t.skip is not None:
            why = "insufficient_data" if t.skip_status == "inconclusive" else "not_applicable"
            results.append(
                PropertyResult(t.name, t.skip_status, t.skip, reason=why, figures=figures)  # type: ignore[arg-type]
            )
            continue
        q = float(adjusted[id(t)])
        figures["p_adjusted"] = q
        reason: str | None
        what = f"{EFFECTS[t.check]} {t.effect:.3g}"
        odds = f"{t.test} p={t.p_value:.2g}, adjusted {q:.2g}"
        large, supported = t.effect > t.threshold, q < alpha
        if large and supported:
            status, reason = "failed", None
            message = f"drifted: {what} > threshold {t.threshold:g} ({odds} < {alpha:g})"
        elif large:
            status, reason = "inconclusive", "insufficient_data"
            message = (
                f"{what} is above the threshold {t.threshold:g} but not significant at these "
                f"sizes ({odds} >= {alpha:g}): more rows are needed to decide"
            )
        else:
            status, reason = "passed", None
            small = "a detectable but negligible change" if supported else "no practical change"
            message = f"{small}: {what} <= threshold {t.threshold:g} ({odds})"
        results.append(
            PropertyResult(
                t.name,
                status,  # type: ignore[arg-type]
                message,
                counterexample=_evidence(t) if status == "failed" else None,
                examples=int(sum(t.figures["rows"])),
                reason=reason,
                figures=figures,
            )
        )
    return results


def _evidence(t: _Test) -> Any:
    return t.evidence() if callable(t.evidence) else t.evidence


def _table(results: list[PropertyResult]) -> str:
    rows = [("check", "verdict", "effect", "threshold", "p (adjusted)")]
    for r in results:
        f = r.figures
        effect = "" if f["effect"] != f["effect"] else f"{f['effect']:.3g}"
        p = "" if "p_adjusted" not in f else f"{f['p_adjusted']:.2g}"
        rows.append((r.name, r.status, effect, f"{f['threshold']:g}", p))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    details = [f"{r.name}: {r.message}" for r in results]
    return "\n".join([*lines, "", *details])

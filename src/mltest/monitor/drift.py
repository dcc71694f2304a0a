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

Numeric values are summarised on ``FINE_BINS`` bins at the reference's quantiles: the
reference is sorted once and every current value is placed with one binary search, which
is what lets drift be computed from profiles later.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mltest import arguments
from mltest.errors import UsageError
from mltest.report import PropertyResult, Report

DEFAULT_THRESHOLDS: dict[str, float] = {
    "numeric": 0.05,  # Wasserstein distance in reference standard deviations
    "categorical": 0.03,  # total variation distance (half the L1 distance of the shares)
    "missing": 0.01,  # absolute change of the missing rate
    "categories": 0.01,  # share of rows in categories new to, or vanished from, the data
}
ALPHA = 0.01
MIN_ROWS = 30
FINE_BINS = 100
TEST_BINS = 20
# the reference's quantiles the bins end at: every percentile, finer in the tails, where
# the bins are widest and a linear step between two edges fits the distribution least
_TAIL = np.array([0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075])
LEVELS = np.unique(np.concatenate([np.linspace(0, 1, FINE_BINS + 1), _TAIL, 1 - _TAIL]))
MAX_CODES = 20  # an integer column with at most this many values is categorical
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
    ref, cur = _frames(reference, current)
    names = _columns(columns, ref, cur)
    codes = _names("categorical", categorical, names)
    limits = _thresholds(thresholds, names)
    tests: list[_Test] = []
    for name in names:
        tests.extend(_column_tests(name, ref[name], cur[name], name in codes, limits))
    report = Report("drift", kind="drift", stage="monitoring")
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


def _frames(reference: Any, current: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    one_d = [_is_one_d(v) for v in (reference, current)]
    if all(one_d):  # predictions or labels: one column, named after the reference
        label = getattr(reference, "name", None)
        label = "values" if label is None else label
        return (
            _frame("reference", reference, label),
            _frame("current", current, label),
        )
    return _frame("reference", reference, None), _frame("current", current, None)


def _is_one_d(value: Any) -> bool:
    if isinstance(value, pd.Series):
        return True
    if isinstance(value, (np.ndarray, list, tuple)):
        return np.ndim(np.asarray(value, dtype=object)) == 1
    return False


def _frame(argument: str, value: Any, label: Hashable | None) -> pd.DataFrame:
    if isinstance(value, pd.DataFrame):
        frame = value
    elif isinstance(value, pd.Series):
        frame = value.rename(label).to_frame().reset_index(drop=True)
    elif label is not None:
        frame = pd.DataFrame({label: np.asarray(value)})
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


def _columns(
    columns: Sequence[Hashable] | None, ref: pd.DataFrame, cur: pd.DataFrame
) -> list[Hashable]:
    if columns is None:
        missing = [c for c in ref.columns if c not in cur.columns]
        extra = [c for c in cur.columns if c not in ref.columns]
        if missing or extra:
            raise UsageError(
                f"current: its columns differ from the reference's (missing {missing}, "
                f"extra {extra}); pass columns= to compare the shared ones"
            )
        return list(ref.columns)
    if isinstance(columns, (str, bytes)) or not isinstance(columns, Sequence) or not columns:
        raise UsageError(f"columns={arguments.short(columns)}: must be a non-empty list")
    for c in columns:
        for label, frame in (("reference", ref), ("current", cur)):
            if c not in frame.columns:
                raise UsageError(f"columns: {c!r} is not a column of {label}")
    if len(set(columns)) != len(columns):
        raise UsageError(f"columns={arguments.short(columns)}: names must be distinct")
    return list(columns)


def _names(argument: str, value: Any, names: list[Hashable]) -> set[Hashable]:
    if value is None:
        return set()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise UsageError(f"{argument}={arguments.short(value)}: must be a list of columns")
    unknown = [v for v in value if v not in names]
    if unknown:
        raise UsageError(f"{argument}: {unknown} are not compared columns")
    return set(value)


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


def _column_tests(
    name: Hashable, ref: pd.Series, cur: pd.Series, as_codes: bool, limits: dict[Hashable, float]
) -> list[_Test]:
    family, other = _family(ref), _family(cur)
    if family != other:
        raise UsageError(
            f"current: column {name!r} is {other} where the reference's is {family} "
            f"({ref.dtype} vs {cur.dtype})"
        )
    label = str(name)
    if family in ("numeric", "datetime", "timedelta") and not as_codes:
        r, r_missing = _numbers(ref, family)
        c, c_missing = _numbers(cur, family)
        integer = pd.api.types.is_integer_dtype(ref.dtype) or pd.api.types.is_bool_dtype(ref.dtype)
        if family == "numeric" and integer and len(np.unique(r)) <= MAX_CODES:
            as_codes = True
        else:
            limit = limits.get(name, limits["numeric"])
            return [
                _numeric(label, r, c, limit, family),
                _missing(label, (r_missing, len(ref)), (c_missing, len(cur)), limits["missing"]),
            ]
    r_missing, c_missing = int(ref.isna().sum()), int(cur.isna().sum())
    limit = limits.get(name, limits["categorical"])
    return [
        *_categorical(label, ref.dropna(), cur.dropna(), limit, limits["categories"]),
        _missing(label, (r_missing, len(ref)), (c_missing, len(cur)), limits["missing"]),
    ]


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


def _numeric(column: str, r: np.ndarray, c: np.ndarray, limit: float, family: str) -> _Test:
    name = f"{column}.distribution"
    n_r, n_c = len(r), len(c)
    if min(n_r, n_c) < MIN_ROWS:
        return _too_few(name, column, "numeric", limit, (n_r, n_c))
    s = np.sort(r)
    edges = np.unique(s[np.round(LEVELS * (n_r - 1)).astype(np.int64)])
    cum_r = np.searchsorted(s, edges, side="right")
    # values <= edges[k] are those with at most k edges below them
    cum_c = np.cumsum(np.bincount(_edges_below(edges, c), minlength=len(edges)))
    cum_c = cum_c[: len(edges)]
    distance = _wasserstein(s, c, edges, cum_r / n_r, cum_c / n_c)
    sd = float(np.std(s, ddof=1)) if n_r > 1 else 0.0
    scale = sd if sd > 0 else (float(np.std(c, ddof=1)) or 1.0)
    statistic, df, p_chi = _chi_square(*_test_bins(cum_r, cum_c, n_r, n_c))
    ks, p_ks = _kolmogorov_smirnov(cum_r / n_r, cum_c / n_c, n_r, n_c)
    p = min(1.0, 2 * min(p_chi, p_ks))  # either test may support a change (Bonferroni)
    unit = "ns" if family != "numeric" else ""
    figures = {
        "rows": [n_r, n_c],
        "distance": distance,
        "scale": scale,
        "unit": unit,
        "statistic": statistic,
        "df": df,
        "ks": ks,
        "p_chi_square": p_chi,
        "p_ks": p_ks,
    }

    def evidence() -> dict[str, Any]:
        return {"reference": _summary(s, family), "current": _summary(np.sort(c), family)}

    return _Test(
        name, column, "numeric", distance / scale, limit, p, "chi-square+KS", figures, evidence
    )


GRID = 1 << 16


def _edges_below(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each value, how many ``edges`` are strictly below it: ``np.searchsorted(edges,
    values)``, about three times faster on large arrays. Values are placed on a uniform grid
    of ``GRID`` cells by arithmetic; a cell with no edge within one cell of it gives the
    answer directly, and only values near an edge are searched."""
    lo, hi = float(edges[0]), float(edges[-1])
    if len(values) < GRID or not hi > lo:
        return np.searchsorted(edges, values, side="left")
    width = (hi - lo) / GRID
    starts = lo + width * np.arange(GRID + 1)
    below = np.searchsorted(edges, starts, side="left")
    cell = np.clip(((values - lo) / width).astype(np.int64), 0, GRID - 1)
    near_lo = below[np.maximum(np.arange(GRID) - 1, 0)]
    near_hi = below[np.minimum(np.arange(GRID) + 2, GRID)]
    out = near_lo[cell]
    # rounding may put a value one cell off: only cells with no edge one cell around count
    search = np.flatnonzero((near_hi != near_lo)[cell] | (values <= lo) | (values >= hi))
    out[search] = np.searchsorted(edges, values[search], side="left")
    return out


def _wasserstein(
    s: np.ndarray, c: np.ndarray, edges: np.ndarray, f_r: np.ndarray, f_c: np.ndarray
) -> float:
    """W1 = integral of |F_ref - F_cur|: exact outside the reference's range (from the
    current values there), trapezoids on the reference's quantile bins inside it."""
    below, above = c[c < s[0]], c[c > s[-1]]
    outside = (float(np.sum(s[0] - below)) + float(np.sum(above - s[-1]))) / len(c)
    gap = np.abs(f_r - f_c)
    inside = float(np.sum(0.5 * (gap[1:] + gap[:-1]) * np.diff(edges)))
    return outside + inside


def _summary(sorted_values: np.ndarray, family: str) -> dict[str, Any]:
    q = sorted_values[np.round(np.array([0.05, 0.5, 0.95]) * (len(sorted_values) - 1)).astype(int)]
    if family == "datetime":
        shown = [str(np.datetime64(int(v), "ns")) for v in q]
        return {"p5": shown[0], "median": shown[1], "p95": shown[2]}
    return {
        "mean": float(np.mean(sorted_values)),
        "sd": float(np.std(sorted_values)),
        "p5": float(q[0]),
        "median": float(q[1]),
        "p95": float(q[2]),
    }


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
    column: str, ref: pd.Series, cur: pd.Series, limit: float, new_limit: float
) -> list[_Test]:
    name = f"{column}.distribution"
    n_r, n_c = len(ref), len(cur)
    if min(n_r, n_c) < MIN_ROWS:
        return [_too_few(name, column, "categorical", limit, (n_r, n_c))]
    counts = pd.concat(
        [_counts(ref).rename("reference"), _counts(cur).rename("current")], axis=1
    ).fillna(0)
    r, c = counts["reference"].to_numpy(), counts["current"].to_numpy()
    if (r > 0).sum() > ID_SHARE * n_r:
        return [
            _Test(
                name,
                column,
                "categorical",
                float("nan"),
                limit,
                float("nan"),
                "",
                {"rows": [n_r, n_c], "categories": int((r > 0).sum())},
                skip=f"{int((r > 0).sum())} distinct values in {n_r} rows: an identifier, "
                "whose values are expected to change (leave it out with columns=)",
                skip_status="skipped",
            )
        ]
    p_r, p_c = r / n_r, c / n_c
    tv = float(0.5 * np.abs(p_r - p_c).sum())
    statistic, df, p = _chi_square(*_pool_rare(r, c))
    order = np.argsort(-np.abs(p_r - p_c))[:5]
    evidence = {
        "largest changes": {
            str(counts.index[i]): [round(float(p_r[i]), 4), round(float(p_c[i]), 4)] for i in order
        }
    }
    figures = {"rows": [n_r, n_c], "statistic": statistic, "df": df, "categories": len(r)}
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
                "new": [str(v) for v in counts.index[new][:5]],
                "vanished": [str(v) for v in counts.index[gone][:5]],
            },
        )
    )
    return tests


def _counts(s: pd.Series) -> pd.Series:
    counts = s.value_counts(sort=False, dropna=True)
    return counts[counts > 0]


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


def _adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values."""
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def _verdicts(tests: list[_Test], alpha: float) -> list[PropertyResult]:
    judged = [t for t in tests if t.skip is None]
    p_values = np.array([t.p_value for t in judged])
    adjusted = dict(zip(map(id, judged), _adjust(p_values), strict=True))
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

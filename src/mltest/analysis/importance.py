"""What a model relies on, and what it should never have seen.

``permutation_importance`` measures how much a score drops when a feature's values are
shuffled (repeats, with a t-interval), for any model with ``predict`` or a predict
callable. ``assert_not_relying_on`` fails when a named feature's importance is
significantly above a limit. ``check_leakage`` / ``assert_no_leakage`` screen every column
*alone* against the target, on held-out halves of the rows:

- a **full leak** predicts the target by itself (held-out balanced accuracy, or R², of
  the column's per-value/per-bin majority at least ``full``, 0.98 by default);
- a **partial leak** is a value that implies one class on a sizeable share of the rows
  (at least ``share`` of them, 5% by default) while that class is not itself that common:
  a post-hoc flag (``refund_issued``), a status code, a sentinel. Only exact values are
  screened this way (categories, booleans, numbers repeated on many rows): a continuous
  feature that is merely very predictive at its extremes is a strong feature, not a leak.

Each column is screened on its own, so two redundant copies of a leak are both named —
model-based importance splits the credit between them and names at most one — and a
legitimately dominant feature (strong, but not deterministic) is not called a leak.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mltest import arguments
from mltest.errors import UsageError
from mltest.report import PropertyResult, Report, Status

BINS = 20  # quantile bins a continuous column is screened on


def _frame(X: Any) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        if X.empty:
            raise UsageError("X: an empty DataFrame")
        return X
    array = np.asarray(X)
    if array.ndim != 2 or len(array) < 2:
        raise UsageError(f"X: shape {array.shape}; give a DataFrame or a 2-D array")
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])


def _target(y: Any, n: int) -> np.ndarray:
    values = np.asarray(y)
    if values.shape != (n,):
        raise UsageError(f"y: shape {values.shape}; need one value per row of X ({n})")
    if pd.isna(values).any():
        raise UsageError("y: holds missing values")
    return values


def _classification(y: np.ndarray) -> bool:
    return y.dtype.kind in "biuOSU" and len(np.unique(y)) <= max(20, int(0.05 * len(y)))


# --- permutation importance ---------------------------------------------------------------


def permutation_importance(
    model: Any,
    X: Any,
    y: Any,
    *,
    score: Callable[[np.ndarray, np.ndarray], float] | None = None,
    n_repeats: int = 10,
    seed: int = 0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """How much ``score(y, predict(X))`` drops when each feature is shuffled.

    ``model``: anything with ``predict``, or a predict callable (a torch model wrapped in
    one). ``score`` defaults to accuracy for class labels and R² otherwise. Returns one
    row per feature, most important first: ``feature``, ``importance`` (mean drop),
    ``std``, ``low``, ``high`` (a t-interval over the repeats). The caller's X is not
    modified."""
    from scipy import stats

    frame = _frame(X)
    target = _target(y, len(frame))
    predict = getattr(model, "predict", model)
    if not callable(predict):
        raise UsageError(
            f"model={arguments.short(model)}: needs a predict method or to be callable"
        )
    arguments.positive_int("n_repeats", n_repeats, minimum=2)
    scorer = score or (_accuracy if _classification(target) else _r2)
    as_array = not hasattr(model, "feature_names_in_") and not isinstance(X, pd.DataFrame)
    base = scorer(target, np.asarray(predict(frame.to_numpy() if as_array else frame)))
    rng = np.random.default_rng(seed)
    rows = []
    for name in frame.columns:
        drops = []
        for _ in range(n_repeats):
            shuffled = frame.copy()
            shuffled[name] = frame[name].to_numpy()[rng.permutation(len(frame))]
            given = shuffled.to_numpy() if as_array else shuffled
            drops.append(base - scorer(target, np.asarray(predict(given))))
        mean, std = float(np.mean(drops)), float(np.std(drops, ddof=1))
        half = float(stats.t.ppf(0.5 + confidence / 2, n_repeats - 1)) * std / math.sqrt(n_repeats)
        rows.append((str(name), mean, std, mean - half, mean + half))
    table = pd.DataFrame(rows, columns=["feature", "importance", "std", "low", "high"])
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def _accuracy(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean(y == p))


def _r2(y: np.ndarray, p: np.ndarray) -> float:
    y, p = y.astype(float), p.astype(float)
    total = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(((y - p) ** 2).sum()) / total if total > 0 else 0.0


def check_not_relying_on(
    model: Any,
    X: Any,
    y: Any,
    *,
    features: Sequence[str],
    max_importance: float = 0.01,
    score: Callable[[np.ndarray, np.ndarray], float] | None = None,
    n_repeats: int = 10,
    seed: int = 0,
    raise_on_failure: bool = True,
) -> Report:
    """Fail for each of ``features`` (protected attributes, identifiers) whose
    permutation importance is above ``max_importance`` with 95% confidence (the lower end
    of its interval is above it); inconclusive when the interval straddles it."""
    frame = _frame(X)
    wanted = [features] if isinstance(features, str) else list(features)
    unknown = [f for f in wanted if f not in frame.columns]
    if not wanted or unknown:
        raise UsageError(f"features={wanted}: name columns of X ({list(frame.columns)})")
    limit = arguments.number("max_importance", max_importance, minimum=0.0)
    table = permutation_importance(
        model, frame[list(frame.columns)], y, score=score, n_repeats=n_repeats, seed=seed
    )
    report = Report("reliance", kind="reliance", stage="model-analysis")
    for name in wanted:
        row = table[table["feature"] == name].iloc[0]
        figures = {k: float(row[k]) for k in ("importance", "std", "low", "high")}
        text = (
            f"shuffling {name} drops the score by {row['importance']:.4g} "
            f"[{row['low']:.4g}, {row['high']:.4g}]"
        )
        status: Status
        if row["low"] > limit:
            status, why = "failed", None
        elif row["high"] > limit:
            status, why = "inconclusive", "insufficient_data"
        else:
            status, why = "passed", None
        report.add(
            PropertyResult(
                f"not_relying_on: {name}",
                status,
                f"{text}; limit {limit:g}",
                reason=why,
                figures=figures,
            )
        )
    return report.conclude(raise_on_failure)


def assert_not_relying_on(model: Any, X: Any, y: Any, **kwargs: Any) -> Report:
    """``check_not_relying_on`` that raises ``CheckFailure``."""
    __tracebackhide__ = True
    kwargs["raise_on_failure"] = True
    return check_not_relying_on(model, X, y, **kwargs)


# --- leakage ------------------------------------------------------------------------------


def _codes(s: pd.Series) -> tuple[np.ndarray, bool]:
    """Per-row codes of a column (quantile bins for a continuous one, values otherwise;
    missing is a code of its own) and whether the codes are exact values."""
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    if numeric and s.nunique(dropna=True) > BINS:
        x = s.to_numpy(dtype=float, na_value=np.nan)
        cuts = np.unique(np.nanquantile(x, np.linspace(0, 1, BINS + 1)[1:-1]))
        codes = np.where(np.isnan(x), len(cuts) + 1, np.searchsorted(cuts, x))
        return codes.astype(np.int64), False
    codes, _ = pd.factorize(s, use_na_sentinel=False)
    return codes.astype(np.int64), True


def _held_out_score(codes: np.ndarray, y: np.ndarray, halves: np.ndarray, classify: bool) -> float:
    """The column's per-code prediction learned on one half, scored on the other (both
    ways): balanced accuracy for classes, R² for numbers. Codes unseen in the learning
    half get the overall majority/mean, so an identifier column scores nothing."""
    scores = []
    for learn in (0, 1):
        a, b = halves == learn, halves != learn
        if classify:
            classes, yk = np.unique(y, return_inverse=True)
            table = np.zeros((codes.max() + 1, len(classes)))
            np.add.at(table, (codes[a], yk[a]), 1)
            seen = table.sum(axis=1) > 0
            guess = np.where(seen, table.argmax(axis=1), np.bincount(yk[a]).argmax())
            predicted = guess[codes[b]]
            recalls = [
                np.mean(predicted[yk[b] == k] == k)
                for k in range(len(classes))
                if (yk[b] == k).any()
            ]
            scores.append(float(np.mean(recalls)))
        else:
            target = y.astype(float)
            sums = np.bincount(codes[a], weights=target[a], minlength=codes.max() + 1)
            counts = np.bincount(codes[a], minlength=codes.max() + 1)
            means = np.where(counts > 0, sums / np.maximum(counts, 1), target[a].mean())
            scores.append(_r2(target[b], means[codes[b]]))
    return min(scores)


def _implying_values(
    s: pd.Series, codes: np.ndarray, y: np.ndarray, halves: np.ndarray, share: float, min_rows: int
) -> list[tuple[Any, Any, int]]:
    """Exact values that imply one class in both halves on at least ``share`` of the rows,
    for a class that is not itself that common: (value, class, rows)."""
    classes, yk = np.unique(y, return_inverse=True)
    base = np.bincount(yk, minlength=len(classes)) / len(y)
    found = []
    for code in np.unique(codes):
        rows = codes == code
        n = int(rows.sum())
        if n < max(min_rows, share * len(y)):
            continue
        labels = yk[rows]
        top = np.bincount(labels, minlength=len(classes)).argmax()
        pure = all(np.all(labels[halves[rows] == h] == top) for h in (0, 1))
        if pure and base[top] < 0.9:
            value = s[rows].iloc[0]
            found.append((None if pd.isna(value) else _plain(value), _plain(classes[top]), n))
    return found


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def check_leakage(
    X: Any,
    y: Any,
    *,
    full: float = 0.98,
    share: float = 0.05,
    min_rows: int = 30,
    seed: int = 0,
    raise_on_failure: bool = True,
) -> Report:
    """Screen every column of ``X`` alone against the target ``y`` (see the module's
    docstring). One failed result per leaking column, named ``leak: <column>``, with what
    gives it away; one passed result ``no_leak`` otherwise. Every column's held-out score
    is in the figures."""
    frame = _frame(X)
    target = _target(y, len(frame))
    full = arguments.number("full", full, minimum=0.0)
    share = arguments.number("share", share, minimum=0.0)
    arguments.positive_int("min_rows", min_rows)
    classify = _classification(target)
    halves = np.random.default_rng(seed).permutation(len(frame)) % 2
    report = Report("leakage", kind="leakage", stage="model-analysis")
    scores = {}
    for name in frame.columns:
        codes, exact = _codes(frame[name])
        score = _held_out_score(codes, target, halves, classify)
        scores[str(name)] = score
        measure = "balanced accuracy" if classify else "R²"
        if score >= full:
            report.add(
                PropertyResult(
                    f"leak: {name}",
                    "failed",
                    f"{name} alone predicts the target: held-out {measure} {score:.3f} "
                    f"(limit {full:g})",
                    figures={"score": score},
                )
            )
            continue
        if classify and exact:
            implied = _implying_values(frame[name], codes, target, halves, share, min_rows)
            if implied:
                value, label, rows = max(implied, key=lambda item: item[2])
                report.add(
                    PropertyResult(
                        f"leak: {name}",
                        "failed",
                        f"{name} == {value!r} implies y == {label!r} on {rows:,} rows "
                        f"({rows / len(frame):.1%}), without exception in both halves",
                        counterexample={"value": value, "implies": label, "rows": rows},
                        figures={"score": score, "rows": rows},
                    )
                )
    if not report.results:
        best = max(scores, key=scores.__getitem__)
        report.add(
            PropertyResult(
                "no_leak",
                "passed",
                f"no column alone predicts the target or implies a class on {share:.0%} of rows "
                f"(the most predictive, {best}: {scores[best]:.3f})",
                examples=len(frame),
                figures={"scores": scores},
            )
        )
    return report.conclude(raise_on_failure)


def assert_no_leakage(X: Any, y: Any, **kwargs: Any) -> Report:
    """``check_leakage`` that raises ``CheckFailure`` naming every leaking column."""
    __tracebackhide__ = True
    kwargs["raise_on_failure"] = True
    return check_leakage(X, y, **kwargs)

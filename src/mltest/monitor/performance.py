"""Model quality over time: a metric per time window with its interval, and a change
detector whose false-alarm rate over the whole timeline is stated and held.

Labels arrive late in production, so the timeline keeps windows without labels (their
realised metric is missing) and, given calibrated probabilities, shows an estimate of the
accuracy those windows will have (confidence-based performance estimation: a calibrated
classifier is right on a row with the probability it gives its predicted class).

The detector is a one-sided CUSUM on each window's standardised excess loss over the
baseline's upper confidence bound *plus* ``min_change`` (the practical threshold, as in
drift): under "quality worsened by at most ``min_change``", with probability
``1 - alpha/2`` the bound holds and each step is at most a standard normal, and the alarm
level, set by simulating that null over the same number of windows at ``alpha/2``, keeps
the chance of any false alarm on the timeline at most ``alpha``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from mltest import arguments
from mltest.errors import UsageError
from mltest.report import PropertyResult, Report

# per-row losses: higher is worse; accuracy is reported as 1 - error
METRICS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "accuracy": lambda y, p: (y != p).astype(np.float64),
    "mae": lambda y, p: np.abs(y.astype(np.float64) - p.astype(np.float64)),
    "mse": lambda y, p: (y.astype(np.float64) - p.astype(np.float64)) ** 2,
}
ALPHA = 0.01
MIN_ROWS = 30
DRIFT_K = 0.5  # the CUSUM's allowance: detects a step of one standard error fastest
SIMULATIONS = 4000


@dataclasses.dataclass
class Timeline:
    """The metric per window: ``frame`` has one row per window (``start``, ``rows``,
    ``labelled``, ``value``, ``low``, ``high``, ``estimated``, ``cusum``), ``baseline``
    the baseline's mean loss, ``threshold`` the CUSUM's alarm level, ``alarm`` the first
    window where it crossed (or ``None``) and ``change`` where the change began."""

    metric: str
    frame: pd.DataFrame
    baseline: float
    threshold: float
    alarm: pd.Timestamp | None
    change: pd.Timestamp | None

    def plot(self) -> Any:
        """The metric per window with its interval, the baseline and the change (a
        matplotlib ``Figure``)."""
        from mltest.monitor.plots import plot_timeline

        return plot_timeline(self)


def performance_timeline(
    y_true: Any,
    y_pred: Any,
    time: Any,
    *,
    window: str = "1D",
    metric: str = "accuracy",
    baseline: int | str | pd.Timestamp = 7,
    min_change: float = 0.02,
    alpha: float = ALPHA,
    proba: Any = None,
) -> Timeline:
    """The metric per ``window`` of ``time`` and the CUSUM over the windows after the
    baseline (the first ``baseline`` windows, or the windows before a timestamp).
    ``y_true`` may hold missing values: labels not yet known. ``proba`` (predicted
    probabilities, one column per class or the positive class's) adds the estimated
    accuracy of every window, labelled or not."""
    metric = arguments.choice("metric", metric, list(METRICS))
    min_change = arguments.number("min_change", min_change, minimum=0)
    alpha = arguments.number("alpha", alpha, minimum=0)
    if not 0 < alpha < 1:
        raise UsageError(f"alpha={alpha!r}: must be between 0 and 1")
    frame = _rows(y_true, y_pred, time, proba)
    labelled = frame["y_true"].notna().to_numpy()
    loss = np.full(len(frame), np.nan)
    if labelled.any():
        loss[labelled] = METRICS[metric](
            frame["y_true"].to_numpy()[labelled], frame["y_pred"].to_numpy()[labelled]
        )
    frame["loss"], frame["loss2"] = loss, loss**2
    try:
        groups = frame.groupby(pd.Grouper(key="time", freq=window), sort=True)
    except ValueError:
        raise UsageError(
            f"window={window!r}: not a pandas frequency such as '1D' or '1h'"
        ) from None
    table = pd.DataFrame(
        {
            "rows": groups.size(),
            "labelled": groups["loss"].count(),
            "total": groups["loss"].sum(),
            "squares": groups["loss2"].sum(),
            "estimated": groups["confidence"].mean() if "confidence" in frame else np.nan,
        }
    )
    base = _baseline_mask(table.index, baseline)
    n = table["labelled"].to_numpy(dtype=np.float64)
    used = base & (n >= MIN_ROWS)
    if not used.any():
        raise UsageError(f"baseline={baseline!r}: no baseline window has {MIN_ROWS} labelled rows")
    n0 = n[used].sum()
    mu0 = float(table["total"].to_numpy()[used].sum() / n0)
    var0 = (table["squares"].to_numpy()[used].sum() - n0 * mu0**2) / max(n0 - 1, 1)
    # a loss that never varies in the baseline (a perfect model) still measures a later
    # error in standard errors: a floor on its spread
    sd0 = max(float(np.sqrt(max(var0, 0.0))), 1e-3)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = table["total"].to_numpy() / n
        var = (table["squares"].to_numpy() - n * value**2) / np.maximum(n - 1, 1)
        half = 1.959963984540054 * np.sqrt(np.where(n > 1, np.maximum(var, 0.0), sd0**2) / n)
        se = sd0 / np.sqrt(n)
    monitored = ~base & (n >= MIN_ROWS)
    # the baseline is itself an estimate: compare with its upper confidence bound, so that
    # a baseline that happened to look good does not turn a small change into an alarm
    # (half of alpha for the bound, half for the CUSUM)
    from scipy import stats

    margin = float(stats.norm.ppf(1 - alpha / 2)) * sd0 / np.sqrt(n0)
    z = np.where(monitored, (value - mu0 - margin - min_change) / se, np.nan)
    threshold = _alarm_level(int(monitored.sum()), alpha / 2)
    cusum = np.full(len(table), np.nan)
    s, alarm, change, last_zero = 0.0, None, None, None
    for i in range(len(table)):
        if not monitored[i]:
            continue
        if s == 0.0:
            last_zero = i
        s = max(0.0, s + z[i] - DRIFT_K)
        cusum[i] = s
        if alarm is None and s > threshold:
            alarm, change = i, last_zero
    accuracy = metric == "accuracy"
    out = pd.DataFrame(
        {
            "start": table.index,
            "rows": table["rows"].to_numpy(),
            "labelled": n.astype(np.int64),
            "value": 1 - value if accuracy else value,
            "low": (1 - value - half) if accuracy else value - half,
            "high": (1 - value + half) if accuracy else value + half,
            "estimated": table["estimated"].to_numpy(),
            "baseline": base,
            "cusum": cusum,
        }
    )
    return Timeline(
        metric,
        out,
        1 - mu0 if accuracy else mu0,
        threshold,
        None if alarm is None else table.index[alarm],
        None if change is None else table.index[change],
    )


def check_performance(
    y_true: Any,
    y_pred: Any,
    time: Any,
    *,
    window: str = "1D",
    metric: str = "accuracy",
    baseline: int | str | pd.Timestamp = 7,
    min_change: float = 0.02,
    alpha: float = ALPHA,
    proba: Any = None,
    raise_on_failure: bool = True,
) -> Report:
    """``performance_timeline`` as a check: ``failed`` when the CUSUM raised an alarm
    (quality worse than the baseline by more than ``min_change``), ``inconclusive`` when
    fewer than two windows after the baseline have labels; raised as ``CheckFailure`` when
    it failed and ``raise_on_failure``."""
    __tracebackhide__ = True
    arguments.flag("raise_on_failure", raise_on_failure)
    timeline = performance_timeline(
        y_true,
        y_pred,
        time,
        window=window,
        metric=metric,
        baseline=baseline,
        min_change=min_change,
        alpha=alpha,
        proba=proba,
    )
    report = Report(f"{metric} over time", kind="performance", stage="monitoring")
    report.data["timeline"] = timeline
    report.add(_verdict(timeline, min_change, alpha))
    return report.conclude(raise_on_failure)


def _verdict(timeline: Timeline, min_change: float, alpha: float) -> PropertyResult:
    frame = timeline.frame
    monitored = frame[~frame["baseline"] & frame["cusum"].notna()]
    figures = {
        "baseline": timeline.baseline,
        "threshold": timeline.threshold,
        "min_change": min_change,
        "alpha": alpha,
        "windows": len(frame),
        "monitored": len(monitored),
        "timeline": frame.assign(start=frame["start"].astype(str)).to_dict("list"),
    }
    name = f"{timeline.metric}.change"
    worse = "lower" if timeline.metric == "accuracy" else "higher"
    if timeline.alarm is not None:
        after = frame[(frame["start"] >= timeline.change) & frame["cusum"].notna()]
        level = float(np.average(after["value"], weights=after["labelled"]))
        figures |= {"alarm": str(timeline.alarm), "change": str(timeline.change), "after": level}
        return PropertyResult(
            name,
            "failed",
            f"{timeline.metric} fell from {timeline.baseline:.4g} to {level:.4g} from the window "
            f"of {timeline.change} (alarm in the window of {timeline.alarm}; CUSUM above "
            f"{timeline.threshold:.3g}, false-alarm chance over the timeline <= {alpha:g})",
            counterexample={
                "change": str(timeline.change),
                "alarm": str(timeline.alarm),
                "baseline": timeline.baseline,
                "after": level,
            },
            examples=int(frame["labelled"].sum()),
            figures=figures,
        )
    if len(monitored) < 2:
        return PropertyResult(
            name,
            "inconclusive",
            f"{len(monitored)} window(s) after the baseline have {MIN_ROWS} labelled rows: "
            "too few to follow the metric",
            reason="insufficient_data",
            figures=figures,
        )
    return PropertyResult(
        name,
        "passed",
        f"no change: {timeline.metric} never {worse} than the baseline {timeline.baseline:.4g} by "
        f"more than {min_change:g} beyond chance over {len(monitored)} windows",
        examples=int(frame["labelled"].sum()),
        figures=figures,
    )


def _alarm_level(windows: int, alpha: float) -> float:
    """The CUSUM level a run of ``windows`` standard-normal steps exceeds with
    probability ``alpha`` (simulated with a fixed seed: the same level every run)."""
    if windows == 0:
        return float("inf")
    rng = np.random.default_rng(20261202)
    steps = rng.standard_normal((SIMULATIONS, windows)) - DRIFT_K
    s = np.zeros(SIMULATIONS)
    peak = np.zeros(SIMULATIONS)
    for j in range(windows):
        s = np.maximum(0.0, s + steps[:, j])
        np.maximum(peak, s, out=peak)
    return float(np.quantile(peak, 1 - alpha))


def estimated_accuracy(proba: Any) -> np.ndarray:
    """Each row's chance of being right if the probabilities are calibrated: the
    probability of the predicted class (``max(p, 1 - p)`` for one column)."""
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 1:
        return np.maximum(p, 1 - p)
    return p.max(axis=1)


def _rows(y_true: Any, y_pred: Any, time: Any, proba: Any) -> pd.DataFrame:
    columns = {}
    for argument, value in (("y_true", y_true), ("y_pred", y_pred), ("time", time)):
        if isinstance(value, (pd.Series, pd.Index, np.ndarray, list, tuple)):
            columns[argument] = pd.Series(np.asarray(value)).reset_index(drop=True)
        else:
            raise UsageError(f"{argument}={arguments.short(value)}: must be an array or a Series")
    lengths = {k: len(v) for k, v in columns.items()}
    if len(set(lengths.values())) != 1:
        raise UsageError(f"y_true, y_pred and time must have one length each; got {lengths}")
    if lengths["time"] == 0:
        raise UsageError("time: has no rows")
    try:
        columns["time"] = pd.to_datetime(columns["time"])
    except (TypeError, ValueError):
        raise UsageError("time: must hold timestamps") from None
    if columns["time"].isna().any():
        raise UsageError("time: has missing timestamps")
    frame = pd.DataFrame(columns)
    if proba is not None:
        confidence = estimated_accuracy(proba)
        if len(confidence) != len(frame):
            raise UsageError(f"proba: {len(confidence)} rows for {len(frame)} predictions")
        frame["confidence"] = confidence
    return frame


def _baseline_mask(starts: pd.Index, baseline: Any) -> np.ndarray:
    if isinstance(baseline, int) and not isinstance(baseline, bool):
        if baseline < 1:
            raise UsageError(f"baseline={baseline!r}: must be at least one window")
        return np.arange(len(starts)) < baseline
    try:
        cut = pd.Timestamp(baseline)
    except (TypeError, ValueError):
        raise UsageError(
            f"baseline={arguments.short(baseline)}: a number of windows or a timestamp"
        ) from None
    return np.asarray(starts < cut)

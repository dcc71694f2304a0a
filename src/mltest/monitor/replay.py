"""Replay: run a model over a timestamped frame window by window, as production would have
seen it, and raise the alerts monitoring would have raised.

Each window's inputs and predictions are profiled against the reference and checked for
drift (``check_drift``, at ``alpha`` divided by the number of windows, so that the chance of
any false drift alert over the whole replay stays within ``alpha``); with labels, the
model's quality over the windows is followed by ``performance_timeline``'s CUSUM. An alert
is raised when a column starts to drift (again after a window in which it passed) and when
the quality change is detected; ``on_alert`` is called with each one, in time order.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from mltest import arguments
from mltest.errors import UsageError
from mltest.monitor.drift import ALPHA, check_drift
from mltest.monitor.performance import METRICS, performance_timeline
from mltest.monitor.profile import Profile, build_profile
from mltest.monitor.store import Store
from mltest.report import PropertyResult, Report, unheard

PREDICTION = "prediction"


@dataclasses.dataclass(frozen=True)
class Alert:
    """One alert: the window it was raised in, ``drift`` or ``performance``, what it is
    about (a column, ``prediction``, or the metric) and why."""

    window: pd.Timestamp
    kind: str
    subject: str
    message: str


@dataclasses.dataclass
class Replay:
    """What a replay saw: ``timeline`` has one row per window (``start``, ``rows``,
    ``drifted``: the columns flagged in it, ``value``: the metric where labels exist,
    ``cusum``), ``alerts`` every alert in time order and ``drift`` each window's drift
    report."""

    timeline: pd.DataFrame
    alerts: list[Alert]
    drift: dict[pd.Timestamp, Report]

    def plot(self) -> Any:
        """Drifted columns per window and the metric over time, alerts marked (a
        matplotlib ``Figure``)."""
        from mltest.monitor.plots import plot_replay

        return plot_replay(self)


def replay(
    model: Any,
    frame: pd.DataFrame,
    *,
    time_column: Hashable,
    window: str = "1D",
    reference: pd.DataFrame | Profile,
    labels: Hashable | Any = None,
    on_alert: Callable[[Alert], Any] | None = None,
    metric: str = "accuracy",
    baseline: int | str | pd.Timestamp = 7,
    min_change: float = 0.02,
    alpha: float = ALPHA,
    thresholds: dict[Hashable, float] | None = None,
    store: Store | str | None = None,
    name: str | None = None,
    progress: bool = False,
) -> Replay:
    """Replay ``model`` (with ``predict``, or a function of a frame) over ``frame`` in
    windows of ``window`` on ``time_column`` (ascending). ``reference`` is the data the
    model was built on (a frame of its input columns, or their ``profile``); ``labels`` a
    column of ``frame`` or an array of true labels (missing where not yet known).
    ``metric``, ``baseline`` and ``min_change`` are ``performance_timeline``'s;
    ``thresholds`` ``check_drift``'s. ``store`` (a ``Store`` or its URL) receives every
    window's predictions, profile and drift report and every alert, under ``name``
    (default: the model's class name). ``progress`` writes the windows done to stderr."""
    from mltest.scale import is_distributed

    distributed = is_distributed(frame)
    if distributed:
        from mltest.scale import engine_of

        engine_of(
            frame, f"frame={type(frame).__name__}: replay takes pandas, Dask or Spark frames"
        )
    elif not isinstance(frame, pd.DataFrame) or len(frame) == 0:
        raise UsageError(f"frame={arguments.short(frame)}: must be a non-empty DataFrame")
    if time_column not in frame.columns:
        raise UsageError(f"time_column={time_column!r}: not a column of frame")
    predict = _predictor(model)
    on_alert = arguments.callable_or_none("on_alert", on_alert)
    arguments.flag("progress", progress)
    arguments.choice("metric", metric, list(METRICS))
    alpha = arguments.number("alpha", alpha, minimum=0)
    if not 0 < alpha < 1:
        raise UsageError(f"alpha={alpha!r}: must be between 0 and 1")
    try:
        pd.tseries.frequencies.to_offset(window)
    except (TypeError, ValueError):
        raise UsageError(f"window={window!r}: not a pandas frequency ('1D', '1h')") from None
    if distributed and labels is not None and not _is_column(labels, frame):
        raise UsageError(
            f"labels={arguments.short(labels)}: with a Dask or Spark frame, the name of its column"
        )
    sink, owned = _store(store)
    name = type(model).__name__ if name is None else name
    names = _input_names(reference, frame, time_column)
    ref_profile = _reference(reference, names, predict)
    # the rows in chunks, in time order: a pandas frame is one chunk, a Dask frame one
    # partition at a time, a Spark frame's partitions on its executors (only the times,
    # predictions and labels stay in memory); each chunk gives one piece per window
    summaries: dict[pd.Timestamp, Profile] = {}
    times_seen, predicted, truth = [], [], []
    origin: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    for i, (count, chunk) in enumerate(
        _chunk_pieces(frame, names, time_column, labels, predict, ref_profile, window)
    ):
        if not chunk:
            continue
        first = chunk[0].times.iloc[0]
        if last is not None and first < last:
            raise UsageError(
                f"time_column={time_column!r}: must be ascending without missing values "
                "(sort the frame by it)"
            )
        last = chunk[-1].times.iloc[-1]
        origin = first.normalize() if origin is None else origin
        for piece in chunk:
            start = piece.start
            summaries[start] = (
                summaries[start] + piece.summary if start in summaries else piece.summary
            )
            if sink is not None:
                sink.log_predictions(
                    name,
                    piece.inputs,
                    piece.predictions,
                    time=piece.times,
                    labels=piece.labels,
                    summary=piece.summary.select(names),
                )
            times_seen.append(piece.times.to_numpy())
            predicted.append(piece.predictions)
            if piece.labels is not None:
                truth.append(piece.labels)
        if progress and distributed:
            print(f"\rreplay: partition {i + 1} of {count} read", end="", file=sys.stderr)
    if origin is None:
        raise UsageError("frame: has no rows")
    if progress and distributed:
        print(file=sys.stderr)
    all_times = pd.Series(np.concatenate(times_seen))
    predictions = np.concatenate(predicted)
    y_true = np.concatenate(truth) if truth else None
    groups = _windows(all_times, window, origin)
    per_window = alpha / max(len(groups), 1)
    rows: list[dict[str, Any]] = []
    drift_reports: dict[pd.Timestamp, Report] = {}
    alerts: list[Alert] = []
    drifting: set[str] = set()
    step = max(1, len(groups) // 20)  # progress in steps of 5%
    for i, (start, positions) in enumerate(groups):
        drifted: list[str] = []
        if len(positions):
            summary = summaries[start]
            with unheard():  # the replay's report is the one a session records
                report = check_drift(
                    ref_profile,
                    summary,
                    thresholds=thresholds,
                    alpha=per_window,
                    raise_on_failure=False,
                )
            drift_reports[start] = report
            if sink is not None:
                sink.save_window(
                    name, start, rows=len(positions), profile=summary, drift=report.to_dict()
                )
            statuses: dict[str, set[str]] = {}
            for result in report.results:
                statuses.setdefault(str(result.figures["column"]), set()).add(result.status)
            for column, seen in statuses.items():
                if "failed" in seen:
                    drifted.append(column)
                    if column not in drifting:
                        drifting.add(column)
                        why = [
                            r.message
                            for r in report.results
                            if r.status == "failed" and str(r.figures["column"]) == column
                        ]
                        alerts.append(Alert(start, "drift", column, "; ".join(why)))
                elif seen == {"passed"}:
                    drifting.discard(column)  # back to normal: the next drift is news
        rows.append({"start": start, "rows": len(positions), "drifted": sorted(set(drifted))})
        if progress and ((i + 1) % step == 0 or i + 1 == len(groups)):
            done = (i + 1) * 30 // len(groups)
            bar = "#" * done + "." * (30 - done)
            print(f"\rreplay [{bar}] {i + 1}/{len(groups)} windows", end="", file=sys.stderr)
    if progress:
        print(file=sys.stderr)
    times = all_times
    timeline = pd.DataFrame(rows)
    if y_true is not None:
        perf = performance_timeline(
            y_true,
            predictions,
            times,
            window=window,
            metric=metric,
            baseline=baseline,
            min_change=min_change,
            alpha=alpha,
        )
        values = perf.frame.set_index("start")
        timeline["value"] = timeline["start"].map(values["value"])
        timeline["cusum"] = timeline["start"].map(values["cusum"])
        if perf.alarm is not None:
            alerts.append(
                Alert(
                    perf.alarm,
                    "performance",
                    metric,
                    f"{metric} changed from the window of {perf.change} "
                    f"(baseline {perf.baseline:.4g}; CUSUM above {perf.threshold:.3g})",
                )
            )
    alerts.sort(key=lambda a: a.window)
    if sink is not None:
        for alert in alerts:
            sink.add_alert(name, alert)
        if owned:
            sink.close()
    if on_alert is not None:
        for alert in alerts:
            on_alert(alert)
    return Replay(timeline, alerts, drift_reports)


def check_replay(
    model: Any, frame: pd.DataFrame, *, raise_on_failure: bool = True, **options: Any
) -> Report:
    """``replay`` as a check (``options`` are ``replay``'s): one result per watched input
    column and for the predictions (``failed`` when monitoring would have raised a drift
    alert on it, naming the windows), and one for the metric where ``labels`` are given
    (``failed`` on a performance alert). ``report.data["replay"]`` holds the ``Replay``;
    raised as ``CheckFailure`` when it failed and ``raise_on_failure``."""
    __tracebackhide__ = True
    arguments.flag("raise_on_failure", raise_on_failure)
    result = replay(model, frame, **options)
    report = Report(f"replay of {type(model).__name__}", kind="replay", stage="monitoring")
    report.data["replay"] = result
    watched: dict[str, list[str]] = {}  # column: why a test of it was not judged, if one was not
    for drift in result.drift.values():
        for r in drift.results:
            why = watched.setdefault(str(r.figures["column"]), [])
            if r.status == "skipped" and r.message not in why:
                why.append(r.message)  # an identifier's distribution, say
    windows = len(result.timeline)
    for column, skipped in watched.items():
        hit = result.timeline[result.timeline["drifted"].map(lambda c, k=column: k in c)]
        alerts = [a for a in result.alerts if a.kind == "drift" and a.subject == column]
        figures = {
            "windows": windows,
            "drifted_windows": [_when(t) for t in hit["start"]],
            "alerts": len(alerts),
        }
        if alerts:
            message = (
                f"drifted in {len(hit)} of {windows} windows, first {_when(alerts[0].window)}: "
                f"{alerts[0].message}"
            )
            report.add(PropertyResult(f"drift: {column}", "failed", message, figures=figures))
        else:
            message = f"no drift alert in {windows} windows"
            if skipped:
                message += f" (not judged: {skipped[0]})"
            report.add(PropertyResult(f"drift: {column}", "passed", message, figures=figures))
    if "value" in result.timeline:
        metric = options.get("metric", "accuracy")
        alarms = [a for a in result.alerts if a.kind == "performance"]
        figures = {"alerts": len(alarms)}
        if alarms:
            report.add(PropertyResult(metric, "failed", alarms[0].message, figures=figures))
        else:
            held = f"{metric} held in {windows} windows"
            report.add(PropertyResult(metric, "passed", held, figures=figures))
    if not report.passed:
        report.details = "\n".join(
            f"{_when(a.window)} {a.kind} alert on {a.subject}: {a.message}" for a in result.alerts
        )
    return report.conclude(raise_on_failure)


def assert_no_alerts(model: Any, frame: pd.DataFrame, **options: Any) -> Report:
    """``check_replay`` raising ``CheckFailure`` listing every alert; returns the
    ``Report`` otherwise."""
    __tracebackhide__ = True
    return check_replay(model, frame, **options)


def _when(start: pd.Timestamp) -> str:
    """A window's start as a reader writes it: the date alone for a window from midnight."""
    return str(start.date()) if start == start.normalize() else str(start)


def _is_column(labels: Any, frame: Any) -> bool:
    return (
        isinstance(labels, Hashable) and not isinstance(labels, tuple) and labels in frame.columns
    )


@dataclasses.dataclass
class Piece:
    """The rows of one window within one chunk of the frame: the window's start, their
    profile (inputs and predictions) on the reference's bins, times, predictions, labels,
    and their inputs where the chunk was read on this machine (for the store)."""

    start: pd.Timestamp
    summary: Profile
    times: pd.Series
    predictions: np.ndarray
    labels: np.ndarray | None
    inputs: pd.DataFrame | None


def _chunk_pieces(
    frame: Any,
    names: list[Hashable],
    time_column: Hashable,
    labels: Any,
    predict: Callable[[pd.DataFrame], Any],
    reference: Profile,
    window: str,
) -> Iterator[tuple[int, list[Piece]]]:
    """(number of chunks, the chunk's pieces) for each chunk, in order."""
    from mltest.scale import engine_name

    engine = engine_name(frame)
    if engine == "spark":
        from mltest.scale import _spark

        parts = _spark.replay_pieces(frame, names, time_column, labels, predict, reference, window)
        for pieces in parts:
            yield len(parts), pieces
        return
    chunks = list(frame.to_delayed()) if engine == "dask" else [frame]
    origin: pd.Timestamp | None = None
    for part in chunks:
        if isinstance(part, pd.DataFrame):
            chunk = part
        else:  # a Dask partition, computed as the loop reaches it
            import dask

            (chunk,) = dask.compute(part)
        times = _times(chunk, time_column, None)
        if len(chunk) == 0:
            yield len(chunks), []
            continue
        origin = times.iloc[0].normalize() if origin is None else origin
        yield (
            len(chunks),
            pieces_of(
                chunk, times, names, labels, predict, reference, window, origin, keep_inputs=True
            ),
        )


def pieces_of(
    chunk: pd.DataFrame,
    times: pd.Series,
    names: list[Hashable],
    labels: Any,
    predict: Callable[[pd.DataFrame], Any],
    reference: Profile,
    window: str,
    origin: pd.Timestamp,
    *,
    keep_inputs: bool,
) -> list[Piece]:
    """One chunk's pieces: its predictions, then each window's profile."""
    predictions = _call(predict, chunk[names], "frame")
    watched = chunk[names].assign(**{PREDICTION: predictions})
    y_chunk = _labels(labels, chunk)
    pieces = []
    for start, positions in _windows(times, window, origin):
        at = positions.to_numpy()
        part = watched.iloc[at]
        pieces.append(
            Piece(
                start,
                build_profile(part, reference, None, "frame"),
                times.iloc[at].reset_index(drop=True),
                predictions[at],
                None if y_chunk is None else y_chunk[at],
                part if keep_inputs else None,
            )
        )
    return [p for p in pieces if len(p.predictions)]


def _times(chunk: pd.DataFrame, time_column: Hashable, last: pd.Timestamp | None) -> pd.Series:
    """The chunk's times, checked ascending (also after the previous chunk's last)."""
    try:
        times = pd.to_datetime(chunk[time_column]).reset_index(drop=True)
    except (TypeError, ValueError):
        raise UsageError(f"time_column={time_column!r}: must hold timestamps") from None
    if (
        times.isna().any()
        or not times.is_monotonic_increasing
        or (last is not None and len(times) and times.iloc[0] < last)
    ):
        raise UsageError(
            f"time_column={time_column!r}: must be ascending without missing values "
            "(sort the frame by it)"
        )
    return times


def _windows(
    times: pd.Series, window: str, origin: pd.Timestamp
) -> list[tuple[pd.Timestamp, pd.Index]]:
    """(window start, row positions) for every window from the first row's to the last's,
    empty ones included; windows counted from ``origin``."""
    grouper = pd.Grouper(freq=window, origin=origin)
    series = pd.Series(np.arange(len(times)), index=times.to_numpy())
    return [(start, pd.Index(group.to_numpy())) for start, group in series.groupby(grouper)]


def _store(store: Any) -> tuple[Store | None, bool]:
    """The store to write to, and whether replay opened it (and so closes it)."""
    if store is None or isinstance(store, Store):
        return store, False
    if isinstance(store, str):
        return Store(store), True
    raise UsageError(f"store={arguments.short(store)}: must be a Store or its URL")


def _predictor(model: Any) -> Callable[[pd.DataFrame], Any]:
    predict = getattr(model, "predict", None)
    if callable(predict):
        return predict
    if callable(model):
        return model
    raise UsageError(f"model={arguments.short(model)}: needs a predict method or to be callable")


def _call(predict: Callable[[pd.DataFrame], Any], frame: pd.DataFrame, argument: str) -> Any:
    try:
        out = np.asarray(predict(frame))
    except Exception as exc:  # the user's model failing is a finding, said as such
        raise UsageError(
            f"{argument}: the model's predict raised {type(exc).__name__}: {exc}"
        ) from exc
    if out.ndim != 1 or len(out) != len(frame):
        raise UsageError(
            f"{argument}: the model returned shape {out.shape} for {len(frame)} rows; "
            "replay follows one prediction per row"
        )
    return out


def _labels(labels: Any, frame: pd.DataFrame) -> Any:
    if labels is None:
        return None
    if _is_column(labels, frame):
        return frame[labels].to_numpy()
    values = np.asarray(labels)
    if values.ndim != 1 or len(values) != len(frame):
        raise UsageError(
            f"labels={arguments.short(labels)}: a column of frame or one label per row"
        )
    return values


def _input_names(reference: Any, frame: pd.DataFrame, time_column: Hashable) -> list[Hashable]:
    """The model's inputs: the reference's columns (a frame's other columns, such as ids
    and labels, are not the model's business)."""
    if isinstance(reference, Profile):
        names = [c for c in reference.columns if c != PREDICTION]
    elif isinstance(reference, pd.DataFrame) and len(reference) > 0:
        names = [c for c in reference.columns if c != time_column]
    else:
        raise UsageError(
            f"reference={arguments.short(reference)}: must be a non-empty DataFrame or a Profile"
        )
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise UsageError(f"frame: lacks the reference's column(s) {missing}")
    return names


def _reference(reference: Any, names: list[Hashable], predict: Callable[..., Any]) -> Profile:
    if isinstance(reference, Profile):
        if PREDICTION not in reference.columns:
            raise UsageError(
                f"reference: a profile for replay needs a {PREDICTION!r} column (profile the "
                "reference frame with the model's predictions on it)"
            )
        return reference
    ref_inputs = reference[names]
    ref = ref_inputs.assign(**{PREDICTION: _call(predict, ref_inputs, "reference")})
    return build_profile(ref, None, None, "reference")

"""Plots for monitoring (matplotlib, imported when a plot is drawn; ``pip install
'pytest-mltest[report]'``): one column's reference and current distributions, quality over
time with the detected change, and a replay's drift and alerts over time. Each function
returns the matplotlib ``Figure``."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mltest._plot import ALERT, CURRENT, REFERENCE
from mltest._plot import pyplot as _pyplot
from mltest.errors import UsageError
from mltest.monitor.profile import CategoricalColumn, NumericColumn, Profile, build_profile

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from mltest.monitor.performance import Timeline
    from mltest.monitor.replay import Replay


def plot_column(reference: Any, current: Any, column: Hashable) -> Figure:
    """One column, reference against current: the two cumulative distributions for a
    numeric column (read off the reference's quantile bins), the category shares side by
    side for a categorical one. ``reference`` and ``current`` are frames or profiles."""
    ref = (
        reference
        if isinstance(reference, Profile)
        else build_profile(_frame(reference, "reference"), None, None, "reference")
    )
    if column not in ref.columns:
        raise UsageError(f"column={column!r}: not a column of the reference")
    if isinstance(current, Profile):
        cur = current
    else:
        frame = _frame(current, "current")
        if column not in frame.columns:
            raise UsageError(f"column={column!r}: not a column of the current data")
        cur = build_profile(frame[[column]], ref.select([column]), None, "current")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    _draw_column(ax, ref.columns[column], cur.columns[column], column)
    fig.tight_layout()
    return fig


def plot_drift(report: Any, *, top: int = 4) -> Figure:
    """The columns of a ``check_drift`` report worth a look, drawn as ``plot_column`` draws
    one: failed columns first, then the largest effects relative to their thresholds, at
    most ``top`` of them."""
    data = getattr(report, "data", {})
    if getattr(report, "kind", None) != "drift" or "reference" not in data:
        raise UsageError("report: not a check_drift report (it holds no profiles)")
    ref, cur = data["reference"], data["current"]
    rank: dict[Hashable, tuple[int, float]] = {}
    for result in report.results:
        column = result.figures["column"]
        effect, limit = result.figures.get("effect"), result.figures.get("threshold")
        size = float(effect) / float(limit) if effect is not None and limit else 0.0
        key = (int(result.status == "failed"), size if np.isfinite(size) else 0.0)
        rank[column] = max(rank.get(column, key), key)
    shown = sorted(rank, key=lambda c: rank[c], reverse=True)[: max(int(top), 1)]
    plt = _pyplot()
    ncols = min(len(shown), 2)
    nrows = -(-len(shown) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5 * ncols, 3 * nrows), squeeze=False)
    for ax, column in zip(axes.flat, shown, strict=False):
        _draw_column(ax, ref.columns[column], cur.columns[column], column)
        if rank[column][0]:
            ax.set_title(f"{column}: drifted", color=ALERT)
    for ax in list(axes.flat)[len(shown) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def _draw_column(ax: Any, r: Any, c: Any, column: Hashable) -> None:
    if isinstance(r, NumericColumn) and isinstance(c, NumericColumn):
        edges = r.edges
        shown = edges if r.family == "numeric" else pd.to_datetime(edges.astype(np.int64))
        ax.step(shown, r.cdf(), where="post", color=REFERENCE, label=f"reference ({r.values:,})")
        ax.step(shown, c.cdf(), where="post", color=CURRENT, label=f"current ({c.values:,})")
        ax.set_ylabel("share of values <= x")
        ax.set_xlabel(str(column))
    elif isinstance(r, CategoricalColumn) and isinstance(c, CategoricalColumn):
        keys = sorted(set(r.counts) | set(c.counts), key=lambda k: -r.counts.get(k, 0))[:20]
        x = np.arange(len(keys))
        p_r = [r.counts.get(k, 0) / max(r.values, 1) for k in keys]
        p_c = [c.counts.get(k, 0) / max(c.values, 1) for k in keys]
        ax.bar(x - 0.2, p_r, width=0.4, color=REFERENCE, label="reference")
        ax.bar(x + 0.2, p_c, width=0.4, color=CURRENT, label="current")
        ax.set_xticks(x, [str(k) for k in keys], rotation=30, ha="right")
        ax.set_ylabel("share of rows")
    else:
        raise UsageError(f"column={column!r}: a different kind of column on each side")
    ax.set_title(f"{column}: reference and current")
    ax.legend(frameon=False, fontsize=8)


def plot_timeline(timeline: Timeline) -> Figure:
    """Quality per window with its 95% interval, the baseline level, the estimate from
    probabilities where given, and the detected change and alarm."""
    plt = _pyplot()
    frame = timeline.frame
    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.fill_between(frame["start"], frame["low"], frame["high"], color=REFERENCE, alpha=0.2, lw=0)
    ax.plot(frame["start"], frame["value"], color=REFERENCE, lw=1.2, label=timeline.metric)
    if frame["estimated"].notna().any():
        ax.plot(
            frame["start"], frame["estimated"], color=CURRENT, ls="--", lw=1, label="estimated"
        )
    ax.axhline(timeline.baseline, color="grey", lw=0.8, ls=":", label="baseline")
    if timeline.change is not None:
        ax.axvline(timeline.change, color=ALERT, lw=1, ls="--", label="change began")
    if timeline.alarm is not None:
        ax.axvline(timeline.alarm, color=ALERT, lw=1.5, label="alarm")
    ax.set_title(f"{timeline.metric} over time")
    ax.legend(frameon=False, fontsize=8, ncol=3)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def plot_replay(result: Replay) -> Figure:
    """A replay at a glance: which columns drifted in which windows (top) and the metric
    per window where labels were given (bottom), with every alert marked."""
    plt = _pyplot()
    timeline = result.timeline
    columns = sorted({c for cols in timeline["drifted"] for c in cols})
    has_metric = "value" in timeline
    fig, axes = plt.subplots(
        2 if has_metric else 1,
        1,
        figsize=(9, 4.5 if has_metric else 2.5),
        sharex=True,
        squeeze=False,
    )
    top = axes[0][0]
    for i, column in enumerate(columns):
        hit = timeline[timeline["drifted"].map(lambda cols, c=column: c in cols)]
        top.scatter(hit["start"], [i] * len(hit), marker="s", s=8, color=ALERT)
    top.set_yticks(range(len(columns)), columns)
    top.set_ylim(-1, max(len(columns), 1))
    top.set_title("drifted columns per window" if columns else "no column drifted")
    if has_metric:
        bottom = axes[1][0]
        bottom.plot(timeline["start"], timeline["value"], color=REFERENCE, lw=1)
        bottom.set_ylabel("metric")
    for alert in result.alerts:
        for row in axes:
            row[0].axvline(alert.window, color=ALERT, lw=0.8, ls="--")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def _frame(value: Any, argument: str) -> pd.DataFrame:
    from mltest.monitor.profile import as_frame

    return as_frame(argument, value)

"""Plots: each draws what it says (curves, bars, markers and alert lines), from frames or
profiles, and saves as an image."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mltest
from mltest.monitor import performance_timeline, plot_column, profile, replay

from .test_replay import INPUTS, _Model, _stream

pytest.importorskip("matplotlib")


def _frames():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(["a", "b", "c"], 2000)})
    cur = pd.DataFrame({"x": rng.normal(0.5, 1, 2000), "c": rng.choice(["a", "b", "d"], 2000)})
    return ref, cur


def test_a_numeric_column_is_two_cumulative_curves(tmp_path):
    ref, cur = _frames()
    fig = plot_column(ref, cur, "x")
    (ax,) = fig.axes
    assert len(ax.lines) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "reference (2,000)",
        "current (2,000)",
    ]
    # the current curve lies right of the reference's: at the median edge it is lower
    ref_y, cur_y = ax.lines[0].get_ydata(), ax.lines[1].get_ydata()
    middle = len(ref_y) // 2
    assert cur_y[middle] < ref_y[middle] - 0.1
    fig.savefig(tmp_path / "x.png")
    assert (tmp_path / "x.png").stat().st_size > 5_000


def test_a_categorical_column_is_bars_from_profiles():
    ref, cur = _frames()
    reference = profile(ref)
    fig = plot_column(reference, profile(cur, reference=reference), "c")
    (ax,) = fig.axes
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert set(labels) == {"a", "b", "c", "d"}
    assert len(ax.patches) == 2 * len(labels)
    with pytest.raises(mltest.UsageError, match="column='z'"):
        plot_column(ref, cur, "z")


def test_quality_and_replay_plots_mark_the_change_and_alerts(tmp_path):
    reference = _stream(30, 300, 0, start="2025-11-01")
    live = _stream(60, 1000, 1, drift_from="2026-01-20", flip_from="2026-02-05")
    result = replay(
        _Model(reference), live, time_column="at", reference=reference[INPUTS], labels="label"
    )
    fig = result.plot()
    top, bottom = fig.axes
    assert [t.get_text() for t in top.get_yticklabels()] == ["noise"]
    assert len(top.collections) == 1  # one column's markers
    assert len(bottom.lines) == 1 + len(result.alerts)  # the metric and one line per alert
    assert len(result.alerts) == 2
    fig.savefig(tmp_path / "replay.png")
    y = live["label"].to_numpy()
    timeline = performance_timeline(y, _Model(reference).predict(live), live["at"])
    fig = timeline.plot()
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["accuracy", "baseline", "change began", "alarm"]

"""Each kind that has a picture in the session report draws one from a real check: drift,
group metrics, slices, a replay, quality over time and the perf gate (latency is drawn in
the browser test's main job)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mltest
from mltest.report import PropertyResult, Report
from mltest.report_plots import PLOTS, data_url, plot_report

pytest.importorskip("matplotlib")


def _size(report):
    figure = plot_report(report)
    assert figure is not None, report.kind
    width, height = figure.get_size_inches() * figure.dpi
    drawn = sum(len(ax.get_children()) for ax in figure.axes if ax.get_visible())
    import matplotlib.pyplot as plt

    plt.close(figure)
    return width, height, drawn


def _frame(n, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(size=n) + shift,
            "y": rng.normal(size=n),
            "c": rng.choice(["a", "b", "c"], n),
        }
    )


def test_drift_draws_the_drifted_column_first():
    report = mltest.monitor.check_drift(
        _frame(3000, 0), _frame(3000, 1, shift=0.5), raise_on_failure=False
    )
    assert report.failed == ["x.distribution"]
    figure = plot_report(report)
    titles = [ax.get_title() for ax in figure.axes if ax.get_visible()]
    assert titles[0] == "x: drifted"
    assert len(titles) == 3  # every compared column, at most four


def test_fairness_draws_the_failed_rate_with_intervals():
    rng = np.random.default_rng(0)
    groups = np.repeat(["north", "south"], 2000)
    y_true = rng.integers(0, 2, 4000)
    y_pred = np.where(groups == "north", rng.random(4000) < 0.6, rng.random(4000) < 0.3)
    report = mltest.analysis.check_fairness(
        y_true, y_pred.astype(int), groups, criterion="demographic_parity", raise_on_failure=False
    )
    assert not report.passed
    figure = plot_report(report)
    assert figure.axes[0].get_title() == "selection_rate by group"
    assert len(figure.axes[0].get_yticklabels()) == 2


def test_replay_and_quality_over_time_are_drawn():
    rng = np.random.default_rng(1)
    live = _frame(20 * 200, 2).assign(
        at=pd.Timestamp("2026-01-01") + pd.to_timedelta(np.repeat(np.arange(20), 200), unit="D")
    )
    label = (live["x"] > 0).astype(int).to_numpy()
    live["label"] = np.where(rng.random(len(live)) < 0.1, 1 - label, label)

    def model(frame):
        return (frame["x"] > 0).astype(int).to_numpy()

    replayed = mltest.monitor.check_replay(
        model, live, time_column="at", reference=_frame(2000, 3), labels="label"
    )
    assert _size(replayed)[2] > 0
    quality = mltest.monitor.check_performance(
        live["label"], model(live), live["at"], raise_on_failure=False
    )
    assert _size(quality)[2] > 0


def test_a_passing_slice_check_still_draws_its_weakest_slices():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.normal(size=4000), "b": rng.choice(["x", "y"], 4000)})
    errors = (rng.random(4000) < 0.1).astype(int)
    report = mltest.analysis.check_slices(frame, np.zeros(4000, int), errors)
    assert report.passed
    figure = plot_report(report)
    assert figure.axes[0].get_title() == "weakest slices"
    assert len(figure.axes[0].get_yticklabels()) >= 2


def test_the_perf_gate_draws_this_run_against_the_baseline():
    report = Report("test_fast", kind="perf", stage="performance")
    report.data.update(baseline=[1.0, 1.1, 0.9, 1.0, 1.05], samples=[2.0, 2.1, 1.9, 2.2, 2.0])
    report.add(PropertyResult("no_regression", "failed", "slower", figures={"ratio": 2.0}))
    figure = plot_report(report)
    assert "2.00x the baseline" in figure.axes[0].get_title()
    assert data_url(report).startswith("data:image/png;base64,")


def test_a_kind_without_a_picture_has_none():
    assert plot_report(Report("x", kind="schema")) is None
    assert plot_report(Report("drift", kind="drift")) is None  # no profiles kept
    assert set(PLOTS) >= {"load", "slices", "fairness", "drift", "replay", "performance", "perf"}

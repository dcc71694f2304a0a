"""Quality over time: a planted drop is found in its window, no change and a negligible
change raise nothing, and the false-alarm rate over a timeline holds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mltest
from mltest.monitor import check_performance, performance_timeline


def _stream(days=120, per_day=500, *, drop_on=None, accuracy=0.9, after=0.82, seed=0):
    rng = np.random.default_rng(seed)
    start = pd.date_range("2026-01-01", periods=days, freq="D")
    time = np.repeat(start, per_day) + pd.to_timedelta(rng.integers(0, 86400, days * per_day), "s")
    y = rng.integers(0, 2, len(time))
    level = np.full(len(time), accuracy)
    if drop_on is not None:
        level[time >= pd.Timestamp(drop_on)] = after
    right = rng.random(len(time)) < level
    return y, np.where(right, y, 1 - y), time, level


def test_a_quality_drop_is_found_in_the_window_it_began():
    y, pred, time, _ = _stream(drop_on="2026-03-10")
    report = check_performance(y, pred, time, raise_on_failure=False)
    result = report["accuracy.change"]
    assert result.status == "failed"
    assert result.counterexample["change"] == "2026-03-10 00:00:00"
    assert pd.Timestamp(result.counterexample["alarm"]) - pd.Timestamp(
        "2026-03-10"
    ) <= pd.Timedelta("3D")
    assert result.counterexample["after"] == pytest.approx(0.82, abs=0.02)
    assert (report.kind, report.stage) == ("performance", "monitoring")
    with pytest.raises(mltest.CheckFailure, match="accuracy fell from"):
        check_performance(y, pred, time)


def test_no_change_and_a_negligible_change_pass():
    y, pred, time, _ = _stream()
    assert check_performance(y, pred, time).passed
    y, pred, time, _ = _stream(days=60, per_day=20_000, drop_on="2026-02-01", after=0.895)
    result = check_performance(y, pred, time)["accuracy.change"]
    assert result.status == "passed"  # half a point, below min_change=0.02, at 20,000 rows a day


def test_false_alarms_over_a_timeline_stay_within_alpha():
    alarms = 0
    for seed in range(100):
        y, pred, time, _ = _stream(days=40, per_day=200, seed=seed)
        alarms += not check_performance(y, pred, time, raise_on_failure=False).passed
    assert alarms <= 3  # alpha=0.01 over each whole timeline


def test_delayed_labels_and_the_estimate_from_calibrated_probabilities():
    rng = np.random.default_rng(1)
    y, pred, time, level = _stream(days=30)
    # calibrated: the predicted class is right with the probability given to it
    p_class = np.clip(level + rng.normal(0, 0.02, len(level)), 0.5, 1)
    proba = np.where(pred == 1, p_class, 1 - p_class)
    late = np.asarray(time >= pd.Timestamp("2026-01-25"))
    y_known = np.where(late, np.nan, y)
    timeline = performance_timeline(y_known, pred, time, proba=proba)
    frame = timeline.frame
    unlabelled = frame[frame["start"] >= pd.Timestamp("2026-01-25")]
    assert (unlabelled["labelled"] == 0).all()
    assert unlabelled["value"].isna().all()
    assert unlabelled["estimated"].to_numpy() == pytest.approx(0.9, abs=0.01)
    labelled = frame[frame["labelled"] > 0]
    assert (labelled["estimated"] - labelled["value"]).abs().mean() < 0.03
    assert ((labelled["low"] <= labelled["value"]) & (labelled["value"] <= labelled["high"])).all()


def test_regression_error_over_time():
    rng = np.random.default_rng(2)
    time = pd.date_range("2026-01-01", periods=60 * 300, freq="288s")
    y = rng.normal(size=len(time))
    noise = np.where(time >= pd.Timestamp("2026-02-15"), 0.8, 0.5)
    pred = y + rng.normal(0, 1, len(time)) * noise
    result = check_performance(y, pred, time, metric="mae", raise_on_failure=False)["mae.change"]
    assert result.status == "failed"
    assert result.counterexample["change"].startswith("2026-02-1")


def test_baseline_by_date_and_too_few_windows():
    y, pred, time, _ = _stream(days=20)
    timeline = performance_timeline(y, pred, time, baseline="2026-01-11")
    assert timeline.frame["baseline"].sum() == 10
    short = check_performance(y[:4000], pred[:4000], time[:4000], baseline=7)
    assert short["accuracy.change"].status == "inconclusive"
    assert short["accuracy.change"].reason == "insufficient_data"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"window": "fortnight"}, r"^window='fortnight'", id="window"),
        pytest.param({"metric": "auc"}, r"^metric='auc'", id="metric"),
        pytest.param({"baseline": 0}, r"^baseline=0", id="baseline-zero"),
        pytest.param({"baseline": "2020-01-01"}, r"^baseline='2020-01-01'", id="baseline-empty"),
        pytest.param({"alpha": 2}, r"^alpha=2", id="alpha"),
        pytest.param({"raise_on_failure": 1}, r"^raise_on_failure=1", id="flag"),
    ],
)
def test_bad_options_are_usage_errors(kwargs, match):
    y, pred, time, _ = _stream(days=10, per_day=50)
    with pytest.raises(mltest.UsageError, match=match):
        check_performance(y, pred, time, **kwargs)


def test_bad_arrays_are_usage_errors():
    y, pred, time, _ = _stream(days=10, per_day=50)
    with pytest.raises(mltest.UsageError, match="one length each"):
        check_performance(y[:-1], pred, time)
    with pytest.raises(mltest.UsageError, match=r"^time: must hold timestamps"):
        check_performance(y, pred, np.array(["x"] * len(y)))
    with pytest.raises(mltest.UsageError, match=r"^y_true=3"):
        check_performance(3, pred, time)

"""Replay: a year of daily windows with a planted drift in month 7 and a quality drop in
month 9 raises exactly those alerts, in those windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import mltest
from mltest.monitor import profile, replay

INPUTS = ["x0", "x1", "x2", "x3", "noise", "channel"]


def _stream(days, per_day, seed, *, start="2026-01-01", drift_from=None, flip_from=None):
    rng = np.random.default_rng(seed)
    n = days * per_day
    ns = np.sort(pd.Timestamp(start).value + rng.integers(0, days * 86400, n) * 10**9)
    frame = pd.DataFrame({"at": pd.to_datetime(ns)})
    for j in range(4):
        frame[f"x{j}"] = rng.normal(size=n)
    frame["noise"] = rng.normal(size=n)  # a column the label does not depend on
    frame["channel"] = rng.choice(["web", "store", "app"], n, p=[0.5, 0.3, 0.2])
    logit = 1.5 * frame.x0 - frame.x1 + 0.5 * frame.x2 + 0.8 * (frame.channel == "app")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    if drift_from is not None:  # the inputs move; the model's quality does not
        frame.loc[frame["at"] >= pd.Timestamp(drift_from), "noise"] += 0.5
    if flip_from is not None:  # the world moves; the inputs do not
        flip = (frame["at"] >= pd.Timestamp(flip_from)) & (rng.random(n) < 0.15)
        y = np.where(flip, 1 - y, y)
    frame["label"] = y
    return frame


class _Model:
    def __init__(self, reference):
        self.lr = LogisticRegression().fit(self._x(reference), reference["label"])

    @staticmethod
    def _x(df):
        return df[INPUTS[:-1]].assign(app=(df["channel"] == "app").astype(float))

    def predict(self, df):
        return self.lr.predict(self._x(df))


@pytest.fixture(scope="module")
def reference():
    return _stream(60, 400, 0, start="2025-10-01")


@pytest.fixture(scope="module")
def model(reference):
    return _Model(reference)


def test_a_year_raises_exactly_the_planted_alerts_in_their_windows(reference, model):
    live = _stream(365, 1000, 1, drift_from="2026-07-01", flip_from="2026-09-01")
    seen = []
    result = replay(
        model,
        live,
        time_column="at",
        reference=reference[INPUTS],
        labels="label",
        on_alert=seen.append,
    )
    assert [(a.kind, a.subject) for a in result.alerts] == [
        ("drift", "noise"),
        ("performance", "accuracy"),
    ]
    drift, quality = result.alerts
    assert drift.window == pd.Timestamp("2026-07-01")
    assert "Wasserstein" in drift.message
    assert pd.Timestamp("2026-09-01") <= quality.window <= pd.Timestamp("2026-09-04")
    assert "from the window of 2026-09-01" in quality.message
    assert seen == result.alerts
    timeline = result.timeline
    assert len(timeline) == 365
    assert timeline.loc[timeline["start"] < "2026-07-01", "drifted"].map(len).sum() == 0
    after = timeline.loc[timeline["start"] >= "2026-07-01", "drifted"]
    assert all(columns == ["noise"] for columns in after)
    assert timeline["value"].notna().all()


def test_prediction_drift_and_a_saved_reference_profile(reference, model):
    live = _stream(30, 600, 2)
    live.loc[live["at"] >= pd.Timestamp("2026-01-20"), "x0"] += 1.0  # moves the predictions
    ref = reference[INPUTS].assign(prediction=model.predict(reference))
    result = replay(model, live, time_column="at", reference=profile(ref))
    subjects = {(a.subject, a.window) for a in result.alerts}
    assert ("x0", pd.Timestamp("2026-01-20")) in subjects
    assert ("prediction", pd.Timestamp("2026-01-20")) in subjects
    assert all(a.kind == "drift" for a in result.alerts)


def test_gaps_give_empty_windows_and_progress_is_shown(reference, model, capsys):
    live = _stream(10, 300, 3)
    live = live[(live["at"] < "2026-01-04") | (live["at"] >= "2026-01-06")]
    result = replay(model, live, time_column="at", reference=reference[INPUTS], progress=True)
    rows = result.timeline.set_index("start")["rows"]
    assert rows[pd.Timestamp("2026-01-04")] == 0
    assert rows[pd.Timestamp("2026-01-05")] == 0
    assert result.alerts == []
    assert "10/10 windows" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("change", "match"),
    [
        pytest.param({"time_column": "when"}, r"^time_column='when'", id="time-column"),
        pytest.param({"frame": "x"}, r"^frame='x'", id="frame"),
        pytest.param({"window": "fortnight"}, r"^window='fortnight'", id="window"),
        pytest.param({"on_alert": 3}, r"^on_alert=3", id="on-alert"),
        pytest.param({"labels": [1, 0]}, r"^labels=", id="labels"),
        pytest.param({"model": 3}, r"^model=3", id="model"),
        pytest.param({"reference": "ref.csv"}, r"^reference='ref.csv'", id="reference"),
    ],
)
def test_bad_input_is_a_usage_error(reference, model, change, match):
    kwargs = {
        "model": model,
        "frame": _stream(5, 100, 4),
        "time_column": "at",
        "reference": reference[INPUTS],
    } | change
    with pytest.raises(mltest.UsageError, match=match):
        replay(kwargs.pop("model"), kwargs.pop("frame"), **kwargs)


def test_unsorted_times_and_a_failing_model_are_usage_errors(reference, model):
    live = _stream(5, 100, 5)
    with pytest.raises(mltest.UsageError, match="must be ascending"):
        replay(model, live.iloc[::-1], time_column="at", reference=reference[INPUTS])

    def broken(frame):
        raise KeyError("x9")

    with pytest.raises(mltest.UsageError, match="predict raised KeyError"):
        replay(broken, live, time_column="at", reference=reference[INPUTS])


def test_check_replay_fails_the_drifted_column_and_passes_the_rest(reference, model):
    live = _stream(40, 500, 6, start="2026-03-01", drift_from="2026-03-25")
    live["order_id"] = [f"o{i}" for i in range(len(live))]  # an identifier: not judged
    report = mltest.monitor.check_replay(
        model,
        live,
        time_column="at",
        reference=reference[INPUTS].assign(order_id=[f"r{i}" for i in range(len(reference))]),
        labels="label",
        raise_on_failure=False,
    )
    assert report.kind == "replay"
    assert report.stage == "monitoring"
    assert report.failed == ["drift: noise"]
    noise = report["drift: noise"]
    assert "first 2026-03-25" in noise.message
    assert noise.figures["drifted_windows"][0] == "2026-03-25"
    assert noise.figures["alerts"] == 1
    assert "not judged: 24000 distinct values" in report["drift: order_id"].message
    assert report["drift: x0"].status == "passed"
    assert report["accuracy"].status == "passed"
    assert "2026-03-25 drift alert on noise" in report.details
    assert report.data["replay"].alerts[0].subject == "noise"
    with pytest.raises(mltest.CheckFailure, match="drift alert on noise"):
        mltest.monitor.assert_no_alerts(model, live, time_column="at", reference=reference[INPUTS])


def test_a_replay_is_one_report_to_a_listener_not_one_per_window(reference, model):
    from mltest.report import LISTENERS

    heard = []
    LISTENERS.append(heard.append)
    try:
        report = mltest.monitor.check_replay(
            model, _stream(12, 300, 7), time_column="at", reference=reference[INPUTS]
        )
    finally:
        LISTENERS.remove(heard.append)
    assert heard == [report]
    assert report.passed
    assert len(report.data["replay"].drift) == 12

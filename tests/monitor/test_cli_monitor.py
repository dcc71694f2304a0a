"""``mltest monitor replay`` and ``mltest monitor report``: alerts exit 1, misuse exits 2
with a message, and the report reads back what the replay stored."""

from __future__ import annotations

import json
import pickle

import pytest

from mltest.cli import main

from .test_replay import INPUTS, _Model, _stream


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("monitor-cli")
    reference = _stream(30, 300, 0, start="2025-11-01")
    live = _stream(40, 1000, 1, drift_from="2026-01-20")
    reference[INPUTS].to_parquet(root / "reference.parquet")
    live.to_parquet(root / "live.parquet")
    with open(root / "model.pkl", "wb") as handle:
        pickle.dump(_Model(reference), handle)
    return root


def test_replay_then_report(files, capsys):
    url = f"sqlite:///{files / 'monitor.db'}"
    code = main(
        [
            "monitor",
            "replay",
            str(files / "live.parquet"),
            "--model",
            str(files / "model.pkl"),
            "--reference",
            str(files / "reference.parquet"),
            "--time-column",
            "at",
            "--labels",
            "label",
            "--store",
            url,
            "--name",
            "churn",
        ]
    )
    out = capsys.readouterr()
    assert code == 1
    assert "40 windows, 1 alert(s)" in out.out
    assert "2026-01-20 00:00:00  drift       noise: drifted" in out.out
    assert "40/40 windows" in out.err  # the progress bar
    summary_path = files / "summary.json"
    code = main(
        ["monitor", "report", "--store", url, "--name", "churn", "--out", str(summary_path)]
    )
    out = capsys.readouterr()
    assert code == 0
    assert "churn: 40 windows, 40000 predictions in 40 batches, 1 alert(s)" in out.out
    summary = json.loads(summary_path.read_text())
    assert summary["alerts"][0]["subject"] == "noise"
    assert summary["drifted"]["2026-01-20"] == ["noise"]
    assert "2026-01-19" not in summary["drifted"]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        pytest.param(
            {"--model": "missing.pkl"}, "--model 'missing.pkl': cannot be loaded", id="model"
        ),
        pytest.param({"--time-column": "when"}, "time_column='when'", id="time-column"),
        pytest.param({"--window": "fortnight"}, "window='fortnight'", id="window"),
        pytest.param({"--store": "mysql://x"}, "must start with sqlite", id="store"),
    ],
)
def test_misuse_exits_2_with_a_message(files, capsys, change, match):
    options = {
        "--model": str(files / "model.pkl"),
        "--reference": str(files / "reference.parquet"),
        "--time-column": "at",
    } | change
    argv = ["monitor", "replay", str(files / "live.parquet")]
    for key, value in options.items():
        argv += [key, value]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err
    assert "Traceback" not in err

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from mltest.cli import main


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"amount": rng.gamma(2, 10, 300), "channel": rng.choice(["web", "store"], 300)}
    )
    df.to_csv(tmp_path / "train.csv", index=False)
    df.iloc[:100].to_parquet(tmp_path / "fresh.parquet")
    bad = df.iloc[:100].copy()
    bad.loc[:4, "channel"] = "fax"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    return tmp_path


def test_infer_then_validate(table, capsys):
    assert (
        main(["data", "infer", str(table / "train.csv"), "--out", str(table / "schema.yaml")]) == 0
    )
    assert "channel" in (table / "schema.yaml").read_text()
    assert (
        main(
            [
                "data",
                "validate",
                str(table / "fresh.parquet"),
                "--schema",
                str(table / "schema.yaml"),
            ]
        )
        == 0
    )
    assert (
        main(["data", "validate", str(table / "bad.csv"), "--schema", str(table / "schema.yaml")])
        == 1
    )
    out = capsys.readouterr().out
    assert "channel.categories" in out
    assert "5" in out


def test_usage_errors_exit_2(table, capsys):
    (table / "broken.yaml").write_text("columns: [oops")
    assert (
        main(["data", "validate", str(table / "bad.csv"), "--schema", str(table / "broken.yaml")])
        == 2
    )
    assert main(["data", "infer", str(table / "nope.csv"), "--out", "x.json"]) == 2
    assert main(["data", "infer", str(table / "schema.txt"), "--out", "x.json"]) == 2
    assert "mltest: error:" in capsys.readouterr().err


def test_console_script_runs(table):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mltest.cli",
            "data",
            "infer",
            str(table / "train.csv"),
            "--out",
            str(table / "s.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr

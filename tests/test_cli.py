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
    assert "channel.categories: 5 row(s) with unseen categories" in out


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


# --- defects a new user hit ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "args", "match"),
    [
        pytest.param(
            lambda d: (d / "empty.csv").write_text(""),
            ["data", "infer", "{d}/empty.csv", "--out", "{d}/s.yaml"],
            "empty",
            id="empty-csv",
        ),
        pytest.param(
            lambda d: (d / "header.csv").write_text("a,b\n"),
            ["data", "infer", "{d}/header.csv", "--out", "{d}/s.yaml"],
            "no rows",
            id="header-only",
        ),
        pytest.param(
            lambda d: None,
            ["data", "infer", "{d}/train.csv", "--out", "{d}/missing/dir/s.yaml"],
            "cannot be written",
            id="out-folder-missing",
        ),
    ],
)
def test_bad_files_exit_2_with_a_message_not_a_traceback(table, capsys, make, args, match):
    make(table)
    assert main([a.format(d=table) for a in args]) == 2
    err = capsys.readouterr().err
    assert "mltest: error:" in err
    assert match in err
    assert "Traceback" not in err


def test_a_zero_lower_bound_survives_the_schema_file(table, capsys):
    pd.DataFrame({"amount": [0.0, 1.0, 2.0, 3.0]}).to_csv(table / "counts.csv", index=False)
    pd.DataFrame({"amount": [-5.0, 1.0]}).to_csv(table / "negative.csv", index=False)
    assert main(["data", "infer", str(table / "counts.csv"), "--out", str(table / "s.yaml")]) == 0
    assert "min: 0.0" in (table / "s.yaml").read_text()
    assert (
        main(["data", "validate", str(table / "negative.csv"), "--schema", str(table / "s.yaml")])
        == 1
    )
    assert "amount.range" in capsys.readouterr().out


def test_version_and_check_usage(tmp_path):
    run = [sys.executable, "-m", "mltest.cli"]
    version = subprocess.run([*run, "--version"], capture_output=True, text=True, check=False)
    assert version.returncode == 0
    assert version.stdout.startswith("mltest ")
    usage = subprocess.run([*run, "check"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2
    assert "mltest check PATH [PATH ...] [-- PYTEST_ARGS ...]" in usage.stderr


def test_check_runs_pytest_without_warning_about_mltest(tmp_path):
    (tmp_path / "metrics.py").write_text(
        "import numpy as np\nimport mltest\n\n"
        "@mltest.metric(task='binary', max_examples=5)\n"
        "def agreement(y_true, y_pred):\n"
        "    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mltest.cli",
            "check",
            "metrics.py",
            "--",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout
    assert "passed" in proc.stdout
    assert "PytestAssertRewriteWarning" not in proc.stdout + proc.stderr

"""Stages, the session report and the gate, end to end with pytester."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCHEMA = json.loads((Path(__file__).parents[1] / "src/mltest/report_schema.json").read_text())

PROJECT = """
import numpy as np
import pytest
import mltest
from sklearn.base import BaseEstimator, TransformerMixin

@mltest.transformer(max_examples=10)
class Doubler(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self
    def transform(self, X):
        return np.asarray(X, dtype=float) * 2.0

@mltest.metric(task="binary", bounds=(0, 1), max_examples=10)
def broken_accuracy(y_true, y_pred):
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) + 0.5   # above 1

@pytest.mark.mltest_stage("model-analysis")
def test_fair():
    y = np.array([0, 1] * 500)
    groups = np.array(["a"] * 500 + ["b"] * 500)
    mltest.analysis.assert_fair(y, y, groups, criterion="demographic_parity")

@pytest.mark.mltest_stage("deployment")
def test_latency():
    assert 1 + 1 == 3, "p99 too slow"

def test_plain():
    pass
"""


def _run(pytester, *args, env=None):
    pytester.makepyfile(test_project=PROJECT)
    if env:
        for key, value in env.items():
            pytester._monkeypatch.setenv(key, value)
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--mltest", "test_project.py", *args
    )


def test_summary_per_stage_report_json_and_step_summary(pytester, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    summary = tmp_path / "summary.md"
    result = _run(
        pytester,
        "--mltest-report",
        "out",
        "--junitxml",
        "junit.xml",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    result.stdout.fnmatch_lines(
        [
            "*mltest stages*",
            "code * passed, * failed, * skipped, 0 inconclusive",
            "model-analysis     1 passed, 0 failed, 0 skipped, 0 inconclusive",
            "deployment         0 passed, 1 failed, 0 skipped, 0 inconclusive",
            "mltest report: out*report.json*",
        ]
    )
    data = json.loads((pytester.path / "out" / "report.json").read_text())
    jsonschema.validate(data, SCHEMA)
    broken = [
        c
        for c in data["checks"]
        if c["property"] == "within_bounds" and "broken_accuracy" in c["nodeid"]
    ]
    assert broken[0]["status"] == "failed"
    assert broken[0]["counterexample"] is not None
    assert data["stages"]["deployment"]["failed"] == 1
    fair = next(c for c in data["checks"] if c["nodeid"].endswith("test_fair"))
    assert fair["kind"] == "fairness"  # the check the ordinary test ran, with its figures
    assert fair["figures"]["checks"][0]["results"][0]["figures"]
    assert not any(c["nodeid"].endswith("test_plain") for c in data["checks"])  # no stage
    page = (pytester.path / "out" / "report.html").read_text()
    assert "src='http" not in page  # nothing fetched: plots are data URLs, the script inline
    assert "<link" not in page
    assert "broken_accuracy" in page
    assert "Minimal counterexample" in page
    text = summary.read_text()
    assert "| deployment | 0 | 1 | 0 | 0 |" in text
    assert "p99 too slow" in text
    junit = (pytester.path / "junit.xml").read_text()
    assert '<property name="mltest_stage" value="deployment"' in junit


@pytest.mark.slow
def test_one_stage_only_and_the_same_report_under_xdist(pytester):
    result = _run(pytester, "--mltest-stage", "model-analysis")
    result.assert_outcomes(passed=1)
    serial = _run(pytester, "--mltest-report", "serial")
    parallel = _run(pytester, "--mltest-report", "parallel", "-n", "2")
    a = json.loads((pytester.path / "serial" / "report.json").read_text())
    b = json.loads((pytester.path / "parallel" / "report.json").read_text())
    assert a["stages"] == b["stages"]
    assert sorted(c["nodeid"] for c in a["checks"]) == sorted(c["nodeid"] for c in b["checks"])
    assert serial.ret == parallel.ret == 1


def test_bad_stage_options_are_usage_errors(pytester):
    result = _run(pytester, "--mltest-stage", "production")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--mltest-stage production: choose from*"])
    blocker = pytester.path / "blocked"
    blocker.write_text("a file, not a folder")
    result = _run(pytester, "--mltest-report", str(blocker / "out"))
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--mltest-report*cannot be written*"])


# --- the gate --------------------------------------------------------------------------


def _gate(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "mltest.cli", "gate", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def _report(checks, stages=None):
    counts = stages or {}
    return {
        "mltest_report": 1,
        "created": "now",
        "environment": {},
        "stages": counts,
        "checks": checks,
    }


def _check(nodeid, stage, status, seconds=0.5, **extra):
    return {
        "nodeid": nodeid,
        "stage": stage,
        "object": "o",
        "property": "p",
        "kind": None,
        "status": status,
        "message": f"{status} message",
        "counterexample": None,
        "figures": extra,
        "seconds": seconds,
    }


def test_gate_passes_refuses_and_names_each_broken_rule(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_report([_check("a::t1", "code", "passed")])))
    assert _gate(str(good), cwd=tmp_path).returncode == 0
    (tmp_path / "pyproject.toml").write_text(
        "[tool.mltest.gate]\nrequired_stages = ['code', 'monitoring']\n"
        "inconclusive_blocks = true\nallowed_drift_columns = ['season']\n"
        "max_slowdown = 1.5\nallow = ['a::flaky*']\n"
    )
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            _report(
                [
                    _check("a::t1", "code", "failed", seconds=2.0),
                    _check("a::flaky_one", "code", "failed"),
                    _check("m::drift", "monitoring", "failed", column="season"),
                    _check("m::drift2", "monitoring", "failed", column="price"),
                    _check("x::fair", "model-analysis", "inconclusive"),
                ]
            )
        )
    )
    done = _gate(str(bad), "--baseline", str(good), cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("mltest gate: refused (4 rule(s) broken")
    assert any(line.strip().startswith("failed [code] a::t1") for line in lines)
    assert any(line.strip().startswith("failed [monitoring] m::drift2") for line in lines)
    assert any(line.strip().startswith("inconclusive [model-analysis] x::fair") for line in lines)
    assert any("slower [code] a::t1: 2 s against 0.5 s" in line for line in lines)
    assert not any("flaky" in line or "m::drift:" in line for line in lines)


@pytest.mark.parametrize(
    ("content", "config", "match"),
    [
        pytest.param("{not json", None, "not a readable JSON file", id="malformed"),
        pytest.param('{"foo": 1}', None, "not a report.json written by", id="foreign"),
        pytest.param(
            None,
            "[tool.mltest.gate]\nno_failures = true\n",
            "unknown rule(s) ['no_failures']",
            id="rule",
        ),
        pytest.param(
            None,
            "[tool.mltest.gate]\nrequired_stages = ['prod']\n",
            "unknown stage(s) ['prod']",
            id="stage",
        ),
        pytest.param(
            None, "[tool.mltest.gate]\nmax_slowdown = 'fast'\n", "max_slowdown", id="type"
        ),
    ],
)
def test_gate_misuse_exits_2(tmp_path, content, config, match):
    report = tmp_path / "r.json"
    report.write_text(content if content is not None else json.dumps(_report([])))
    if config:
        (tmp_path / "pyproject.toml").write_text(config)
    done = _gate(str(report), cwd=tmp_path)
    assert done.returncode == 2
    assert match in done.stderr

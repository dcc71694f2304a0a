"""The main job and its broken twin through the report and the gate: the example project
passes every stage and the gate; broken_examples/ breaks every stage and the gate names
each one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("code", "reproducibility", "model-analysis", "deployment", "monitoring")


def _session(folder: str, out: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--mltest",
        folder,
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--mltest-report",
        str(out),
    ]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def _gate(report: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mltest.cli", "gate", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


@pytest.mark.slow
def test_main_job_passes_every_stage_and_the_gate(tmp_path):
    pytest.importorskip("uvicorn")
    run = _session("examples/", tmp_path / "report")
    assert run.returncode == 0, run.stdout[-3000:]
    data = json.loads((tmp_path / "report" / "report.json").read_text())
    assert {*STAGES, "data-verification"} <= set(data["stages"])
    gate = _gate(tmp_path / "report" / "report.json")
    assert gate.returncode == 0, gate.stdout
    assert gate.stdout.startswith("mltest gate: passed")


@pytest.mark.slow
def test_broken_examples_break_every_stage_and_the_gate_names_each(tmp_path):
    pytest.importorskip("uvicorn")
    run = _session("broken_examples/", tmp_path / "report")
    assert run.returncode == 1
    gate = _gate(tmp_path / "report" / "report.json")
    assert gate.returncode == 1
    refused = {line.split("[")[1].split("]")[0] for line in gate.stdout.splitlines()[1:]}
    assert set(STAGES) <= refused
    assert "test_slow_endpoint_fails_its_latency_threshold" in gate.stdout
    assert "test_drifted_inputs_fail_the_drift_check" in gate.stdout

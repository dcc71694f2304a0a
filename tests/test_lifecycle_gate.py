"""The main job and its broken twin through the report, the gate and a real browser: the
example project passes every stage and the gate; broken_examples/ breaks every stage and
the gate names each one. Headless Chromium (Debian's package ``chromium``; ``.ci/run``
installs it) loads each report.html: no console error, every plot decodes to a non-empty
image, and a screenshot is kept in the test's folder."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = (
    "data-collection",
    "code",
    "reproducibility",
    "model-analysis",
    "deployment",
    "monitoring",
)


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


def _render(page: Path, out: Path) -> str:
    """Load ``page`` in headless Chromium and return its DOM once loaded; assert no console
    error and every plot non-empty, and keep a screenshot in ``out``."""
    browser = next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p),
        None,
    )
    if browser is None:
        pytest.skip(
            "the report and the gate passed; no Chromium here to render the page "
            "(Debian package 'chromium'; .ci/run installs it)"
        )
    assert page.stat().st_size < 5_000_000
    common = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--virtual-time-budget=5000",
        f"--user-data-dir={out / 'profile'}",
    ]
    dom = subprocess.run(
        [*common, "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    counted = re.search(r"mltest report: (\d+) of (\d+) plots rendered", dom.stdout)
    assert counted, dom.stdout[:500]
    assert counted[1] == counted[2], counted[0]
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "rror" in line], console
    shot = out / f"{page.parent.name}.png"
    subprocess.run(
        [*common, f"--screenshot={shot}", "--window-size=1200,2400", page.as_uri()],
        capture_output=True,
        timeout=120,
    )
    assert shot.stat().st_size > 10_000
    return dom.stdout


@pytest.mark.slow
def test_main_job_passes_every_stage_and_the_gate_and_its_report_renders(tmp_path):
    pytest.importorskip("uvicorn")
    pytest.importorskip("matplotlib")
    run = _session("examples/", tmp_path / "report")
    assert run.returncode == 0, run.stdout[-3000:]
    data = json.loads((tmp_path / "report" / "report.json").read_text())
    assert {*STAGES, "data-verification"} <= set(data["stages"])
    gate = _gate(tmp_path / "report" / "report.json")
    assert gate.returncode == 0, gate.stdout
    assert gate.stdout.startswith("mltest gate: passed")
    assert "the report to read is" in gate.stdout
    dom = _render(tmp_path / "report" / "report.html", tmp_path)
    # the pictures the main job's stages draw: slices, groups, latency, drift, the replay
    for caption in (
        "model-analysis: fairness",
        "model-analysis: slices",
        "deployment: load",
        "monitoring: drift",
        "monitoring: replay",
    ):
        assert caption in dom, caption
    assert int(re.search(r"(\d+) of \1 plots", dom)[1]) >= 6


@pytest.mark.slow
def test_broken_examples_break_every_stage_and_the_gate_names_each(tmp_path):
    pytest.importorskip("uvicorn")
    pytest.importorskip("matplotlib")
    run = _session("broken_examples/", tmp_path / "report")
    assert run.returncode == 1
    gate = _gate(tmp_path / "report" / "report.json")
    assert gate.returncode == 1
    refused = {
        line.split("[")[1].split("]")[0] for line in gate.stdout.splitlines()[1:] if "[" in line
    }
    assert set(STAGES) <= refused
    for test in (
        "test_slow_endpoint_fails_its_latency_threshold",
        "test_drifted_inputs_fail_the_drift_check",
        "test_a_month_with_doubled_debt_raises_replay_alerts",
        "test_outcomes_with_missing_rows_fail_the_join",
        "test_biased_model_fails_fairness",
    ):
        assert test in gate.stdout, test
    dom = _render(tmp_path / "report" / "report.html", tmp_path)
    assert "Minimal counterexample" in dom

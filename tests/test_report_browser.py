"""report.html in a real browser: headless Chromium loads the page, logs no console error,
and every plot decodes to a non-empty image; a screenshot is kept in the test's folder."""

from __future__ import annotations

import shutil
import subprocess

import pytest

PROJECT = """
import numpy as np
import pandas as pd
import pytest
import mltest
from sklearn.linear_model import LogisticRegression

X = np.random.default_rng(0).normal(size=(300, 3))
MODEL = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))

@pytest.mark.mltest_stage("deployment")
def test_latency(mltest_server):
    server = mltest_server(MODEL)
    mltest.deploy.load_test(server.url + "/predict", rate=200, duration=1,
                            payloads=[[[0.1, 0.2, 0.3]]], headers=server.headers,
                            thresholds={"p99": "<500ms"})

@pytest.mark.mltest_stage("model-analysis")
def test_slices():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.normal(size=5000), "b": rng.choice(["x", "y"], 5000)})
    errors = (rng.random(5000) < np.where(frame["a"] > 1, 0.4, 0.1)).astype(int)
    mltest.analysis.assert_no_weak_slice(frame, np.zeros(5000, int), errors, max_gap=0.05)
"""


def _browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no Chromium on this machine (Debian package 'chromium'; .ci/run installs it)")


@pytest.mark.slow
def test_report_renders_in_headless_chromium(pytester, tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("uvicorn")
    browser = _browser()
    pytester.makepyfile(test_project=PROJECT)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--mltest-report", "out")
    result.assert_outcomes(passed=1, failed=1)  # the planted weak slice fails
    page = pytester.path / "out" / "report.html"
    assert page.stat().st_size < 5_000_000
    common = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--virtual-time-budget=5000",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [*common, "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "mltest report: 2 of 2 plots rendered" in dom.stdout, dom.stdout[:500]
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "rror" in line], console
    shot = pytester.path / "report.png"
    subprocess.run(
        [*common, f"--screenshot={shot}", "--window-size=1200,2400", page.as_uri()],
        capture_output=True,
        timeout=120,
    )
    assert shot.exists()
    assert shot.stat().st_size > 10_000
    shutil.copy(shot, tmp_path / "report.png")  # kept with the test's output

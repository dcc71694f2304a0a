"""load_test(): open and closed models, exact percentiles, thresholds and baselines."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

import mltest
from mltest.deploy import assert_load, load_test, serve

from .conftest import request


def _stalling():
    """A model that blocks its server for 200 ms once a second."""
    last = [time.monotonic()]

    def predict(X):
        now = time.monotonic()
        if now - last[0] >= 1.0:
            last[0] = now
            time.sleep(0.2)
        return np.zeros(len(X))

    return predict


@pytest.mark.slow
def test_open_model_reports_a_stall_the_closed_model_hides():
    with serve(_stalling(), tokens=False, store=False) as server:
        url = server.url + "/predict"
        closed = load_test(url, concurrency=4, duration=3.5, payloads=[[[1.0]]], progress=False)
        opened = load_test(url, rate=200, duration=3.5, payloads=[[[1.0]]], progress=False)
    c, o = closed["load"].figures, opened["load"].figures
    assert c["max"] >= 0.15  # the closed client saw the stalls...
    assert c["p99"] < 0.05  # ...but only on the few requests it had in flight
    assert o["p99"] >= 0.1  # every request due during a stall is charged for it
    assert o["requests"] == 700
    assert o["errors"] == 0


def test_percentiles_are_exact_and_thresholds_judge_them(numeric_model, tmp_path):
    with serve(numeric_model, tokens=False, store=False) as server:
        report = load_test(
            server.url + "/predict",
            requests=300,
            concurrency=2,
            duration=20,
            payloads=[[[0.0, 1.0, 2.0]], [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]],
            thresholds={"p95": "<2s", "error_rate": "<=0", "rps": ">1", "p50": "<1us"},
            raise_on_failure=False,
            save_baseline=tmp_path / "base.json",
        )
    latencies = np.sort(report.data["latencies"])
    figures = report["load"].figures
    assert figures["requests"] == figures["answered"] == len(latencies) == 300
    assert figures["p50"] == latencies[149]
    assert figures["max"] == latencies[-1]
    assert figures["p99"] == latencies[296]  # the nearest-rank order statistic, not interpolated
    assert report["p95"].status == "passed"
    assert report["rps"].status == "passed"
    assert report["p50"].status == "failed"
    assert "p50 = " in report["p50"].message
    assert report.failed == ["p50"]
    saved = json.loads((tmp_path / "base.json").read_text())
    assert saved["figures"]["p50"] == figures["p50"]


def test_baseline_ratio_gate_and_errors_fail(numeric_model, tmp_path):
    base = {"figures": {"p99": 1e-7}}
    with serve(numeric_model, tokens=False, store=False) as server:
        with pytest.raises(mltest.CheckFailure, match=r"p99 = .* \(1.2x the baseline"):
            assert_load(
                server.url + "/predict",
                requests=50,
                payloads=[[[0.0, 0.0, 0.0]]],
                thresholds={"p99": "<=1.2x"},
                baseline=base,
                progress=False,
            )
        # 422s are errors: the default threshold (no errors) fails
        bad = load_test(
            server.url + "/predict",
            requests=20,
            payloads=[[[1.0]]],
            raise_on_failure=False,
            progress=False,
        )
        assert bad.failed == ["error_rate"]
        assert bad["load"].figures["statuses"] == {"422": 20}


def test_nothing_listening_is_an_error_not_a_hang():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    report = load_test(
        f"http://127.0.0.1:{port}/", requests=5, concurrency=1, raise_on_failure=False
    )
    assert report["load"].figures["exceptions"] == {"ConnectionRefusedError": 5}
    assert report["error_rate"].status == "failed"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"url": "http://192.0.2.1/"}, "loopback", id="not-loopback"),
        pytest.param({"url": "https://127.0.0.1/"}, "http://", id="https"),
        pytest.param({"url": 3}, "url=", id="url-type"),
        pytest.param({"rate": 0}, "rate=", id="rate"),
        pytest.param({"concurrency": 0}, "concurrency=", id="concurrency"),
        pytest.param({"duration": -1}, "duration=", id="duration"),
        pytest.param({"duration": 7200}, "duration=", id="duration-cap"),
        pytest.param({"requests": 0}, "requests=", id="requests"),
        pytest.param({"thresholds": {"p42": "<1ms"}}, "unknown figure", id="figure"),
        pytest.param({"thresholds": {"p99": "fast"}}, "p99", id="threshold-text"),
        pytest.param({"thresholds": {"rps": "<1ms"}}, "not a duration", id="threshold-unit"),
        pytest.param({"thresholds": {"p99": "<1.2x"}}, "baseline=", id="ratio-needs-baseline"),
        pytest.param({"payloads": [object()]}, "payloads", id="payload"),
        pytest.param({"headers": {"X": 1}}, "headers=", id="headers"),
        pytest.param({"headers": {"X": "a\r\nb"}}, "headers", id="header-injection"),
        pytest.param({"method": "BREW"}, "method=", id="method"),
    ],
)
def test_bad_arguments_are_usage_errors(kwargs, match):
    kwargs = {"url": "http://127.0.0.1:9/", **kwargs}
    with pytest.raises(mltest.UsageError, match=match):
        load_test(**kwargs)


def test_progress_line_on_long_runs(numeric_model, capfd):
    with serve(numeric_model, tokens=False, store=False) as server:
        load_test(server.url + "/v2/health/live", duration=2.2, progress=True)
        assert request(server.url + "/v2/health/live")[0] == 200
    assert "mltest load: 1/2 s" in capfd.readouterr().err


def test_latency_plot_marks_percentiles_and_limits(numeric_model, tmp_path):
    pytest.importorskip("matplotlib")
    from mltest.deploy import plot_latency

    with serve(numeric_model, tokens=False, store=False) as server:
        report = load_test(
            server.url + "/v2/health/live", requests=200, thresholds={"p99": "<1s"}, progress=False
        )
    fig = plot_latency(report)
    ax = fig.axes[0]
    assert sum(p.get_height() for p in ax.patches) == 200  # every request is in a bin
    assert len(ax.lines) == 4  # p50, p99, max and the p99 limit
    fig.savefig(tmp_path / "latency.png")
    with pytest.raises(mltest.UsageError, match="latencies"):
        plot_latency(mltest.Report("x"))

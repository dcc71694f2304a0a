"""The load generator against wrk and against a wrk2-style reference, in the same run.

Goals (issue 12), on a bare starlette app under uvicorn in its own process on loopback:
- closed model, 16 connections, no-op endpoint: at least 0.8x wrk's requests/s;
- open model at a fixed rate below saturation: p50 and p99 within 10% of a wrk2-style
  reference client (constant-rate schedule, latency from the intended send time, one
  blocking-socket thread per connection) on an endpoint that works 2 ms per request.
  On the no-op endpoint (a ~0.2 ms round trip) every client's figure is mostly its own
  wake-up time, so there the goal is only that mltest adds no more than the reference
  (its p50 and p99 at most 1.1x the reference's); the figures are printed.
Run: pytest benchmarks/bench_load.py -s
"""

from __future__ import annotations

import statistics

import pytest
from _deploy import reference_open_model, uvicorn_app, wrk

from mltest.deploy import load_test


def test_closed_model_throughput_vs_wrk():
    ours, theirs = [], []
    with uvicorn_app("_apps.noop:app") as url:
        wrk(url + "/", connections=16, seconds=1)  # warm up
        for _ in range(3):  # alternate, so drift in the machine hits both alike
            theirs.append(wrk(url + "/", connections=16, seconds=4)["rps"])
            report = load_test(url + "/", concurrency=16, duration=4, progress=False)
            ours.append(report["load"].figures["rps"])
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(
        f"\nno-op endpoint, 16 connections: mltest {statistics.median(ours):,.0f} req/s, "
        f"wrk {statistics.median(theirs):,.0f} req/s: {ratio:.2f}x"
    )
    assert ratio >= 0.8


@pytest.mark.parametrize(
    ("path", "rate", "connections"),
    [pytest.param("/work", 150, 4, id="2ms-endpoint"), pytest.param("/", 1000, 8, id="no-op")],
)
def test_open_model_percentiles_vs_wrk2_style_reference(path, rate, connections):
    with uvicorn_app("_apps.noop:app") as url:
        reference_open_model(url + path, rate=rate, connections=connections, seconds=1)
        refs, ours = [], []
        for _ in range(2):
            refs.append(
                reference_open_model(url + path, rate=rate, connections=connections, seconds=5)
            )
            report = load_test(
                url + path, rate=rate, concurrency=connections, duration=5, progress=False
            )
            ours.append(report["load"].figures)
    lines = []
    ok = True
    for q in ("p50", "p99"):
        a = statistics.median(f[q] for f in ours)
        b = statistics.median(f[q] for f in refs)
        lines.append(f"{q} mltest {a * 1e3:.3f} ms vs reference {b * 1e3:.3f} ms ({a / b:.2f}x)")
        ok &= abs(a / b - 1) <= 0.10 if path == "/work" else a / b <= 1.10
    print(f"\nopen model {path} at {rate}/s, {connections} connections: " + "; ".join(lines))
    assert ok

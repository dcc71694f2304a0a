"""The load generator against wrk and against a wrk2-style reference, in the same run.

Goals (issue 12), on a bare starlette app under uvicorn in its own process on loopback:
- closed model, 16 connections, no-op endpoint: at least 0.8x wrk's requests/s;
- open model at a fixed rate below saturation: p50 and p99 within 10% of a wrk2-style
  reference client (constant-rate schedule, latency from the intended send time, one
  blocking-socket thread per connection) on an endpoint that works 2 ms per request.
  On the no-op endpoint (a ~0.2 ms round trip) every client's figure is mostly its own
  wake-up time, so there the goal is only that mltest adds no more than the reference
  (its p50 at most 1.1x the reference's). Its p99 there is printed, not judged: at 1,000
  requests/s the open model keeps one of the two cores busy between sends (see
  ``_loadgen``), and the tail measures who else the server shares a core with.
Run: pytest benchmarks/bench_load.py -s
"""

from __future__ import annotations

import statistics

import numpy as np
import pytest
from _deploy import reference_open_model, uvicorn_app, wrk

from mltest.deploy import load_test

ROUNDS = 5


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
    ours, refs = [], []
    with uvicorn_app("_apps.noop:app") as url:
        reference_open_model(url + path, rate=rate, connections=connections, seconds=1)
        for _ in range(ROUNDS):  # alternated, so drift in the machine hits both alike
            refs.append(
                reference_open_model(url + path, rate=rate, connections=connections, seconds=4)
            )
            report = load_test(
                url + path, rate=rate, concurrency=connections, duration=4, progress=False
            )
            ours.append(report.data["latencies"])
    lines = []
    ok = True
    for name, q in (("p50", 50), ("p99", 99)):
        # each round's percentile, then the median over rounds: one scheduling hiccup of
        # the machine moves one round's p99, not the verdict
        a = statistics.median(float(np.percentile(x, q, method="inverted_cdf")) for x in ours)
        b = statistics.median(float(np.percentile(x, q, method="inverted_cdf")) for x in refs)
        lines.append(
            f"{name} mltest {a * 1e3:.3f} ms vs reference {b * 1e3:.3f} ms ({a / b:.2f}x)"
        )
        if path == "/work":
            ok &= abs(a / b - 1) <= 0.10
        elif name == "p50":  # no-op: the generator adds no more than the reference
            ok &= a / b <= 1.10
    print(
        f"\nopen model {path} at {rate}/s, {connections} connections, median of {ROUNDS} "
        f"rounds of 4 s: " + "; ".join(lines)
    )
    assert ok

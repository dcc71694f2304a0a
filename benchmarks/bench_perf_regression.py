"""Real timings through the regression verdict: a planted 1.5x slowdown is flagged, an
unchanged function benchmarked 20 times in a row is flagged 0 times.

Run: pytest benchmarks/bench_perf_regression.py -s
"""

from __future__ import annotations

import numpy as np

from mltest.perf import regression_verdict, time_call

DATA = np.random.default_rng(0).normal(size=200_000)


def work():
    return np.sort(DATA)


def slower_work():
    np.sort(DATA)
    return np.sort(DATA[: len(DATA) // 2])  # 1.5x the work


def _samples(fn):
    # calibration units: this machine drifts by up to 1.3x within a minute, which a fixed
    # baseline in seconds cannot tell from a regression
    return time_call(fn, min_time=0.2, max_repeats=30, calibrate=True)


def test_planted_slowdown_is_flagged_and_noise_is_not():
    baseline = _samples(work)
    slowed = regression_verdict(baseline, _samples(slower_work), threshold=1.2)
    print(f"\nplanted 1.5x: {slowed}")
    assert slowed.regressed
    flags = []
    for _ in range(20):
        verdict = regression_verdict(baseline, _samples(work), threshold=1.2)
        flags.append(verdict.regressed)
    print(f"unchanged, 20 repeats: flagged {sum(flags)} times")
    assert sum(flags) == 0

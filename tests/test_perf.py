from __future__ import annotations

import time

import numpy as np
import pytest

import mltest
from mltest.perf import assert_scaling, machine_fingerprint, peak_memory, regression_verdict


def _timings(rng, factor=1.0, n=30):
    return list(factor * 1e-3 * rng.lognormal(0.0, 0.15, n))


def test_planted_slowdown_is_flagged():
    rng = np.random.default_rng(0)
    verdict = regression_verdict(_timings(rng), _timings(rng, 1.5), threshold=1.2)
    assert verdict.regressed
    assert "REGRESSION" in str(verdict)


def test_noise_alone_is_never_flagged_in_20_repeats():
    rng = np.random.default_rng(1)
    baseline = _timings(rng)
    flagged = [
        regression_verdict(baseline, _timings(rng), threshold=1.2).regressed for _ in range(20)
    ]
    assert sum(flagged) == 0


def test_small_but_significant_change_below_threshold_is_not_flagged():
    rng = np.random.default_rng(2)
    assert not regression_verdict(_timings(rng), _timings(rng, 1.1), threshold=1.2).regressed


def _dedupe_linear(items):
    seen, out = set(), []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def _dedupe_quadratic(items):
    out = []
    for x in items:
        if x not in out:
            out.append(x)
    return out


@pytest.mark.slow
def test_scaling_tells_linear_from_quadratic():
    sizes = [1_000, 2_000, 4_000, 8_000]
    assert (
        assert_scaling(_dedupe_linear, lambda n: list(range(n)), sizes, max_exponent=1.5)[
            "scaling"
        ].figures["exponent"]
        < 1.5
    )
    with pytest.raises(mltest.CheckFailure, match="scales worse than n"):
        assert_scaling(_dedupe_quadratic, lambda n: list(range(n)), sizes, max_exponent=1.5)


def test_fingerprint_includes_cpu_model():
    info = machine_fingerprint()
    assert info["cpu"]
    assert len(info["id"]) == 16


def test_peak_memory_measures_allocation():
    assert peak_memory(lambda: np.ones(1_000_000))["python_peak_bytes"] >= 8_000_000


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"sizes": [1, 2]}, "at least 3", id="few"),
        pytest.param({"sizes": [10, 11, 12]}, "factor of 4", id="narrow"),
    ],
)
def test_scaling_bad_arguments(kwargs, match):
    with pytest.raises(mltest.UsageError, match=match):
        assert_scaling(sorted, lambda n: list(range(n)), max_exponent=1.0, **kwargs)


def test_a_moment_of_load_on_one_size_does_not_fail_a_linear_function():
    calls = {}

    def cumsum_with_a_stall(x):
        calls[len(x)] = calls.get(len(x), 0) + 1
        if len(x) == 40_000 and calls[len(x)] == 3:
            time.sleep(0.05)  # the machine was busy for this one call: 10x and more
        return np.cumsum(x)

    report = mltest.perf.check_scaling(
        cumsum_with_a_stall, np.ones, [10_000, 20_000, 40_000, 80_000, 160_000], max_exponent=1.3
    )
    result = report["scaling"]
    assert result.status == "passed"
    assert 0.5 < result.figures["exponent"] < 1.3
    assert result.figures["low"] <= result.figures["exponent"] <= result.figures["high"]
    assert "90% interval" in result.message


def test_an_interval_straddling_the_limit_is_inconclusive(monkeypatch):
    from mltest import perf

    # rounds that disagree (the timing of every size moves from round to round): the 90%
    # interval of the exponent is about 0.5 to 0.8, rounds doubled or not
    rows = np.array([[1.0, 1.3, 4.2], [1.4, 2.9, 2.3], [1.2, 2.2, 3.1], [1.1, 1.9, 3.6]]) * 1e-3
    monkeypatch.setattr(perf, "_interleaved_timings", lambda calls, **kw: rows[: kw["max_rounds"]])
    report = perf.check_scaling(
        len, lambda n: list(range(n)), [100, 200, 400], max_exponent=0.7, raise_on_failure=False
    )
    assert report["scaling"].status == "inconclusive", report["scaling"].message
    assert report["scaling"].reason == "insufficient_data"
    assert report.passed  # inconclusive is visible, and not a failure


def test_time_call_takes_at_least_the_samples_asked_for_however_slow_the_call():
    import time

    from mltest.perf import MIN_SAMPLES, time_call

    samples = time_call(lambda: time.sleep(0.03), min_time=0.01, min_repeats=MIN_SAMPLES)
    assert len(samples) == MIN_SAMPLES

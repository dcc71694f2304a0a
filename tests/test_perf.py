from __future__ import annotations

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

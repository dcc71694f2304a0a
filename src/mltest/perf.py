"""Performance regression checks, built on pytest-benchmark's timings.

- ``assert_scaling``: the empirical complexity of a function (log-log slope of time
  against input size), so an accidental O(n^2) is caught whatever the machine's speed.
- ``regression_verdict``: a significance test (one-sided Mann-Whitney U) over timing
  samples plus a declared slowdown threshold, so noise alone does not fail CI.
- ``machine_fingerprint``: what baselines are keyed by, the CPU model included.
- ``peak_memory``: tracemalloc peak, and torch's CUDA peak where present.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mltest import arguments
from mltest.engine import Violation, call_user
from mltest.errors import UsageError
from mltest.report import PropertyResult, Report

MIN_SAMPLES = 5  # the fewest timings a regression verdict is computed from


def _cuda_sync() -> None:
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.synchronize()


_CAL_MATRIX = np.random.default_rng(0).normal(size=(96, 96))


def _calibration_workload() -> float:
    """A fixed mix of interpreter, sorting and BLAS work: whatever slows the machine down
    (frequency scaling, a noisy neighbour) slows this down too."""
    total = 0
    for i in range(15_000):
        total += i * i
    return (
        total + float(np.sort(_CAL_MATRIX.ravel())[0]) + float((_CAL_MATRIX @ _CAL_MATRIX)[0, 0])
    )


def calibration_seconds(rounds: int = 5) -> float:
    """Median time of the calibration workload now."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        _calibration_workload()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def time_call(
    fn: Callable[[], Any],
    *,
    min_time: float = 0.05,
    max_repeats: int = 50,
    calibrate: bool = False,
    min_repeats: int = 3,
) -> list[float]:
    """Timing samples of ``fn()``, with CUDA synchronised around each call, repeated until
    ``min_time`` has passed (at least ``min_repeats`` samples, at most ``max_repeats``).

    ``calibrate=True`` interleaves the calibration workload and returns samples in
    calibration units (``fn`` time / median calibration time): machine-wide drift, which
    reached 1.3x within a minute on this project's 2-core machine, then cancels out.
    """
    samples: list[float] = []
    cal: list[float] = []
    start_all = time.perf_counter()
    while len(samples) < max_repeats and (
        len(samples) < min_repeats or time.perf_counter() - start_all < min_time
    ):
        if calibrate:
            start = time.perf_counter()
            _calibration_workload()
            cal.append(time.perf_counter() - start)
        _cuda_sync()
        start = time.perf_counter()
        fn()
        _cuda_sync()
        samples.append(time.perf_counter() - start)
    if calibrate:
        unit = float(np.median(cal))
        return [t / unit for t in samples]
    return samples


def best_time(fn: Callable[[], Any], *, rounds: int = 5) -> float:
    """The fastest of ``rounds`` timings of ``fn()``: noise only ever adds time."""
    return min(time_call(fn, min_time=float("inf"), max_repeats=max(rounds, 3)))


@dataclasses.dataclass(frozen=True)
class Scaling:
    """A fitted scaling exponent: the Theil-Sen slope of log(time) against log(n) over the
    fastest time per size, with a 90% interval from resampling the rounds."""

    exponent: float
    low: float
    high: float
    sizes: list[int]
    seconds: list[float]
    rounds: int

    def __str__(self) -> str:
        rows = ", ".join(
            f"n={n}: {s * 1e3:.3g} ms" for n, s in zip(self.sizes, self.seconds, strict=True)
        )
        return (
            f"fitted exponent {self.exponent:.2f} (90% interval {self.low:.2f} to "
            f"{self.high:.2f}, {self.rounds} interleaved rounds; {rows})"
        )


def _theil_sen(x: np.ndarray, y: np.ndarray) -> float:
    """The median of the pairwise slopes: one wild point moves it little."""
    i, j = np.triu_indices(len(x), k=1)
    return float(np.median((y[j] - y[i]) / (x[j] - x[i])))


def _exponent(sizes: list[int], times: np.ndarray, rng: np.random.Generator | None) -> float:
    """The exponent from a rounds x sizes table of timings (rounds resampled with ``rng``)."""
    if rng is not None:
        times = times[rng.integers(0, len(times), len(times))]
    return _theil_sen(np.log(sizes), np.log(times.min(axis=0)))


def _interleaved_timings(
    calls: Sequence[Callable[[], Any]], *, min_rounds: int, min_time: float, max_rounds: int
) -> np.ndarray:
    """Rounds of one timing per size, the sizes in another order each round: a moment of
    load slows one round of every size, not every timing of one size."""
    order = np.random.default_rng(0)
    rows: list[list[float]] = []
    start = time.perf_counter()
    while len(rows) < max_rounds and (
        len(rows) < min_rounds or time.perf_counter() - start < min_time
    ):
        row = [0.0] * len(calls)
        for k in order.permutation(len(calls)):
            _cuda_sync()
            t0 = time.perf_counter()
            calls[k]()
            _cuda_sync()
            row[k] = time.perf_counter() - t0
        rows.append(row)
    return np.asarray(rows)


def check_scaling(
    fn: Callable[[Any], Any],
    make_input: Callable[[int], Any],
    sizes: Sequence[int],
    *,
    max_exponent: float,
    raise_on_failure: bool = True,
) -> Report:
    """Time ``fn(make_input(n))`` for each size in interleaved rounds, take each size's
    fastest time (noise only ever adds time) and fit the exponent of time against n with a
    robust slope (Theil-Sen), and its 90% interval by resampling the rounds. The
    ``scaling`` result fails when the interval lies above ``max_exponent``, passes when it
    lies at or below, and is ``inconclusive`` when it straddles it even after twice the
    rounds. Its ``figures`` hold the exponent, the interval, the sizes and the timings.

    >>> check_scaling(sorted, lambda n: list(range(n)), [10_000, 40_000, 160_000],
    ...               max_exponent=1.5)["scaling"].figures["exponent"] < 1.5
    True
    """
    __tracebackhide__ = True
    sizes = list(sizes)
    if len(sizes) < 3 or any(not isinstance(n, int) or n < 1 for n in sizes):
        raise UsageError(f"sizes={sizes!r}: give at least 3 positive integer sizes")
    if len(set(sizes)) != len(sizes) or max(sizes) < 4 * min(sizes):
        raise UsageError(f"sizes={sizes!r}: must be distinct and span at least a factor of 4")
    arguments.number("max_exponent", max_exponent)
    arguments.flag("raise_on_failure", raise_on_failure)
    name = getattr(fn, "__qualname__", repr(fn))
    report = Report(name, kind="scaling", stage="performance")
    try:
        inputs = [call_user(f"make_input({n})", make_input, n) for n in sizes]
        calls = [
            functools.partial(call_user, f"fn on size {n}", fn, data)
            for n, data in zip(sizes, inputs, strict=True)
        ]
        for call in calls:  # warm up: first calls pay for imports and caches
            call()
        result = _fit(sizes, calls, max_exponent)
    except Violation as exc:
        report.add(PropertyResult("scaling", "failed", str(exc), cause=exc))
        return report.conclude(raise_on_failure)
    figures = dataclasses.asdict(result)
    if result.low > max_exponent:
        message = f"scales worse than n^{max_exponent}: {result}"
        report.add(PropertyResult("scaling", "failed", message, figures=figures))
    elif result.high <= max_exponent:
        report.add(PropertyResult("scaling", "passed", str(result), figures=figures))
    else:
        message = f"cannot tell against n^{max_exponent}: {result}; time larger sizes"
        report.add(
            PropertyResult(
                "scaling", "inconclusive", message, reason="insufficient_data", figures=figures
            )
        )
    return report.conclude(raise_on_failure)


def _fit(sizes: list[int], calls: Sequence[Callable[[], Any]], max_exponent: float) -> Scaling:
    times = _interleaved_timings(calls, min_rounds=5, min_time=0.3, max_rounds=60)
    for attempt in range(2):
        rng = np.random.default_rng(attempt)
        boot = [_exponent(sizes, times, rng) for _ in range(200)]
        low, high = (float(q) for q in np.quantile(boot, [0.05, 0.95]))
        if attempt or not low <= max_exponent < high:
            break
        more = _interleaved_timings(
            calls, min_rounds=len(times), min_time=0.0, max_rounds=len(times)
        )
        times = np.vstack([times, more])
    best = times.min(axis=0)
    return Scaling(_exponent(sizes, times, None), low, high, sizes, best.tolist(), len(times))


def assert_scaling(
    fn: Callable[[Any], Any],
    make_input: Callable[[int], Any],
    sizes: Sequence[int],
    *,
    max_exponent: float,
) -> Report:
    """``check_scaling`` raising ``CheckFailure`` when ``fn`` scales worse than
    ``n^max_exponent``."""
    __tracebackhide__ = True
    return check_scaling(fn, make_input, sizes, max_exponent=max_exponent)


@dataclasses.dataclass(frozen=True)
class Verdict:
    regressed: bool
    ratio: float  # median(current) / median(baseline)
    p_value: float
    threshold: float
    alpha: float

    def __str__(self) -> str:
        word = "REGRESSION" if self.regressed else "no regression"
        return (
            f"{word}: median {self.ratio:.2f}x the baseline (threshold {self.threshold:.2f}x), "
            f"one-sided Mann-Whitney p={self.p_value:.3g} (alpha {self.alpha})"
        )


def regression_verdict(
    baseline: Sequence[float],
    current: Sequence[float],
    *,
    threshold: float = 1.2,
    alpha: float = 0.01,
) -> Verdict:
    """A slowdown counts only when it is both *significant* (current timings stochastically
    larger than the baseline's, one-sided Mann-Whitney U at ``alpha``) and *material*
    (median ratio above ``threshold``, declared per test)."""
    from scipy.stats import mannwhitneyu

    if len(baseline) < MIN_SAMPLES or len(current) < MIN_SAMPLES:
        raise UsageError(f"baseline/current: need at least {MIN_SAMPLES} timing samples each")
    if threshold <= 1:
        raise UsageError(f"threshold={threshold!r}: must be above 1 (a slowdown factor)")
    ratio = float(np.median(current) / np.median(baseline))
    p = float(mannwhitneyu(current, baseline, alternative="greater").pvalue)
    return Verdict(ratio > threshold and p < alpha, ratio, p, threshold, alpha)


def machine_fingerprint() -> dict[str, str]:
    """What timing baselines are keyed by: CPU model, core count, OS, Python, NumPy and
    torch versions (pytest-benchmark's ``machine_id`` leaves out the CPU model)."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in handle
                    if line.startswith("model name")
                ),
                cpu,
            )
    except OSError:
        pass
    info = {
        "cpu": cpu or platform.machine(),
        "cores": str(os.cpu_count()),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    if "torch" in sys.modules:
        info["torch"] = sys.modules["torch"].__version__
    info["id"] = hashlib.sha256(json.dumps(info, sort_keys=True).encode()).hexdigest()[:16]
    return info


def peak_memory(fn: Callable[[], Any]) -> dict[str, int]:
    """Peak Python heap allocation of ``fn()`` (tracemalloc), and torch's CUDA peak when a
    GPU is present, in bytes."""
    torch: Any = sys.modules.get("torch")
    cuda = torch is not None and torch.cuda.is_available()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    out = {"python_peak_bytes": peak}
    if cuda:
        out["cuda_peak_bytes"] = int(torch.cuda.max_memory_allocated())
    return out


# --- the CI gate: baselines per machine, verdicts per test -------------------------------


def baseline_path(root: str | os.PathLike[str], nodeid: str) -> str:
    """Where a test's baseline lives: one file per test under a folder per machine
    fingerprint, so parallel workers never write the same file."""
    key = hashlib.sha256(nodeid.encode()).hexdigest()[:16]
    return os.path.join(os.fspath(root), machine_fingerprint()["id"], f"{key}.json")


@dataclasses.dataclass
class PerfGate:
    """What the ``mltest_perf`` fixture returns: call it like pytest-benchmark's
    ``benchmark`` fixture; the timings, in calibration units (see ``time_call``), are
    compared with this machine's baseline."""

    benchmark: Any
    nodeid: str
    root: str
    threshold: float
    alpha: float
    save: bool
    verdict: Verdict | None = None

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        before = calibration_seconds()
        result = self.benchmark(fn, *args, **kwargs)
        stats = getattr(self.benchmark, "stats", None)
        if stats is not None:  # in calibration units, bracketed by two calibrations
            unit = (before + calibration_seconds()) / 2
            samples = [t / unit for t in stats.stats.data]
        else:
            # pytest-benchmark disables itself under pytest-xdist and --benchmark-disable;
            # the gate still needs samples, so it takes its own
            call = functools.partial(fn, *args, **kwargs)
            # (as many samples as regression_verdict needs, however slow each call is)
            samples = time_call(call, min_time=0.2, calibrate=True, min_repeats=MIN_SAMPLES)
        path = baseline_path(self.root, self.nodeid)
        if self.save or not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as handle:
                json.dump(
                    {"nodeid": self.nodeid, "machine": machine_fingerprint(), "samples": samples},
                    handle,
                )
            return result
        with open(path) as handle:
            baseline = json.load(handle)["samples"]
        self.verdict = regression_verdict(
            baseline, samples, threshold=self.threshold, alpha=self.alpha
        )
        report = Report(self.nodeid, kind="perf", stage="performance")
        report.data.update(baseline=baseline, samples=samples)  # for the report's plot
        report.add(
            PropertyResult(
                "no_regression",
                "failed" if self.verdict.regressed else "passed",
                f"{self.verdict} (baseline {path})",
                figures=dataclasses.asdict(self.verdict),
            )
        )
        report.conclude(raise_on_failure=True)
        return result

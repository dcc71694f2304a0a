"""Full default runs of check_metric(f1_score) and check_loss(cross_entropy), reported in
seconds and as multiples of one plain call of the function on 1,000 rows (same run).

Goal (issue #3): each well under 5 s on a 2-core machine.
Run: pytest benchmarks/bench_metric_loss.py --benchmark-only -s
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from sklearn.metrics import f1_score

from mltest.properties.metric import check_metric


def _one_call_seconds(fn, *args, repeat=50):
    fn(*args)
    start = time.perf_counter()
    for _ in range(repeat):
        fn(*args)
    return (time.perf_counter() - start) / repeat


def _report(benchmark, label, plain):
    total = benchmark.stats.stats.min
    benchmark.extra_info.update(seconds=total, plain_call_s=plain, multiple=total / plain)
    print(
        f"\n{label}: {total:.2f} s = {total / plain:,.0f} plain calls on 1,000 rows "
        f"({plain * 1e3:.3f} ms each)"
    )
    assert total < 5


def test_check_metric_f1(benchmark):
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 1000), rng.integers(0, 2, 1000)
    plain = _one_call_seconds(f1_score, y, p)
    check_metric(f1_score, task="binary", bounds=(0, 1), max_examples=3)  # warm up
    report = benchmark.pedantic(
        check_metric,
        args=(f1_score,),
        kwargs={"task": "binary", "bounds": (0, 1)},
        rounds=3,
        iterations=1,
    )
    assert report.passed
    _report(benchmark, "check_metric(f1_score)", plain)


def test_check_loss_cross_entropy(benchmark):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    from mltest.properties.loss import check_loss

    x, t = torch.randn(1000, 4), torch.randint(0, 4, (1000,))
    plain = _one_call_seconds(F.cross_entropy, x, t)
    check_loss(F.cross_entropy, task="multiclass", max_examples=3)  # warm up
    report = benchmark.pedantic(
        check_loss, args=(F.cross_entropy,), kwargs={"task": "multiclass"}, rounds=3, iterations=1
    )
    assert report.passed
    _report(benchmark, "check_loss(cross_entropy)", plain)

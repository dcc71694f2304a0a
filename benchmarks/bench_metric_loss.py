"""What a default check of a scikit-learn metric, or of a torch loss, costs: how many times
it calls the function, and how much time it adds beyond those calls, measured in the same
run. Both are ratios to the function's own cost, so they hold on any machine.

Goals (issue #9): at defaults, check_metric calls any scikit-learn metric (as the subject,
or as the subject and its reference) at most 1,300 times in all, about 3 s at the 2.3 ms a
call of f1_score costs on this project's 2-core machine (scikit-learn's input checks,
whatever the size), and for a metric that slow mltest's own work adds at most half again
the time of those calls; check_loss(cross_entropy) takes at most 100,000 plain calls'
worth of time (under 1 s at 10 us a call).
Run: pytest benchmarks/bench_metric_loss.py -s
"""

from __future__ import annotations

import functools
import inspect
import time

import numpy as np
import pytest
from sklearn import metrics as m

from mltest.perf import best_time
from mltest.properties.metric import check_metric

rng = np.random.default_rng(0)
LABELS = rng.integers(0, 2, 20), rng.integers(0, 2, 20)
PROBA = rng.integers(0, 3, 20), rng.dirichlet(np.ones(3), 20)
SCORES = rng.integers(0, 2, 20), rng.normal(size=20)
VALUES = rng.normal(size=20), rng.normal(size=20)
BINARY = {"task": "binary", "bounds": (0, 1)}

METRICS = [
    ("f1", m.f1_score, LABELS, BINARY, False),
    ("f1-with-reference", m.f1_score, LABELS, BINARY, True),
    (
        "log_loss",
        m.log_loss,
        PROBA,
        {"task": "multiclass", "y_pred": "proba", "bounds": (0, None), "greater_is_better": False},
        True,
    ),
    (
        "roc_auc",
        m.roc_auc_score,
        SCORES,
        {"task": "binary", "y_pred": "scores", "bounds": (0, 1)},
        True,
    ),
    ("r2", m.r2_score, VALUES, {"task": "regression", "bounds": (None, 1)}, True),
]


class Counted:
    """The function, counting its calls and the time they take, with its signature."""

    def __init__(self, fn):
        self.fn, self.calls, self.seconds = fn, 0, 0.0
        functools.update_wrapper(self, fn)
        self.__signature__ = inspect.signature(fn)

    def __call__(self, *args, **kwargs):
        self.calls += 1
        start = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start


@pytest.mark.parametrize(
    ("fn", "args", "kwargs", "reference"), [x[1:] for x in METRICS], ids=[x[0] for x in METRICS]
)
def test_check_metric_makes_few_calls_and_adds_little(fn, args, kwargs, reference):
    check_metric(fn, max_examples=3, **kwargs)  # warm up
    subject = Counted(fn)
    ref = subject if reference else None
    start = time.perf_counter()
    check_metric(subject, reference=ref, **kwargs)
    total = time.perf_counter() - start
    overhead = total / subject.seconds - 1
    slow = subject.seconds / subject.calls >= 1e-3  # where the metric's cost is what matters
    goal = "goal <= 50%" if slow else "no goal under 1 ms a call"
    print(
        f"\ncheck_metric({fn.__name__}{', reference=' if reference else ''}) {total:.2f}s: "
        f"{subject.calls:,} calls (goal <= 1,300) taking {subject.seconds:.2f}s, "
        f"mltest's own work +{overhead:.0%} ({goal})"
    )
    assert subject.calls <= 1300
    if slow:
        assert overhead <= 0.5


def test_check_loss_costs_a_bounded_number_of_plain_calls():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    from mltest.properties.loss import check_loss

    x, t = torch.randn(16, 4), torch.randint(0, 4, (16,))
    plain = best_time(lambda: [F.cross_entropy(x, t) for _ in range(100)], rounds=5) / 100
    check_loss(F.cross_entropy, task="multiclass", max_examples=3)  # warm up
    seconds = best_time(lambda: check_loss(F.cross_entropy, task="multiclass"), rounds=3)
    calls = seconds / plain
    print(
        f"\ncheck_loss(cross_entropy) {seconds:.2f}s = {calls:,.0f} plain calls of "
        f"{plain * 1e6:.1f} us (goal <= 100,000: under 1 s at 10 us a call)"
    )
    assert calls <= 100_000

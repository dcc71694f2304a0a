"""The ``metric`` kind: ``check_metric`` for metric functions ``fn(y_true, y_pred[,
sample_weight])``, following scikit-learn's conventions for arguments and labels.

The spec, examples and the one way to call the metric live in ``metric_case``; the
properties in ``metric_properties``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from mltest import arguments
from mltest import strategies as mst
from mltest.checker import PropertyChecker, RunOptions
from mltest.engine import Property
from mltest.errors import UsageError
from mltest.properties.metric_case import (
    MetricCase,
    MetricExample,
    MetricSpec,
    _accepts,
    evaluate,
)
from mltest.properties.metric_properties import PROPERTIES
from mltest.report import Report

__all__ = [
    "METRIC",
    "PROPERTIES",
    "MetricCase",
    "MetricExample",
    "MetricSpec",
    "check_metric",
    "evaluate",
]


# --- the kind, and its front door -------------------------------------------------------


def _bounds(bounds: Any, best: Any) -> tuple[float | None, float | None] | None:
    if bounds is None:
        return None
    if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
        raise UsageError(f"bounds={bounds!r}: must be a pair (lo, hi); either may be None")
    lo, hi = bounds
    if lo is not None and hi is not None and lo > hi:
        raise UsageError(f"bounds={tuple(bounds)!r}: lower bound above upper bound")
    if best is not None and ((lo is not None and best < lo) or (hi is not None and best > hi)):
        raise UsageError(f"best={best!r}: outside bounds={tuple(bounds)!r}")
    return (lo, hi)


def _strategy(spec: MetricSpec) -> st.SearchStrategy[MetricExample]:
    @st.composite
    def example(draw: st.DrawFn) -> MetricExample:
        k = draw(mst._n_classes(spec.task)) if spec.classes else 0
        n = draw(st.integers(max(2, k), 30))
        if not spec.classes:
            y_true, y_pred = draw(mst.regression_pairs(n))
        else:
            # probability columns cover every class; y_true, a small batch, may miss some
            every = spec.y_pred != "proba" or draw(st.booleans())
            y_true = draw(mst.labels(n, k, every_class=every))
            if spec.y_pred == "labels":
                y_pred = draw(mst.labels(n, k, every_class=False, dtypes=(y_true.dtype.name,)))
            elif spec.y_pred == "scores":
                y_pred = draw(mst.binary_scores(n))
            else:
                y_pred = draw(mst.probabilities(n, k))
        weights = draw(mst.sample_weights(n)) if spec.takes_weight else None
        return MetricExample(y_true, y_pred, weights, k)

    return example()


class MetricChecker(PropertyChecker):
    """Metric functions ``fn(y_true, y_pred[, sample_weight])``: the ``code`` stage."""

    name = "metric"
    stage = "code"
    argument = "fn"
    max_examples = 100
    usage_hint = "check task= and y_pred= (a ValueError or an undefined value refuses an input)"

    def kind_properties(self) -> list[Property]:
        return PROPERTIES

    def prepare(self, fn: Any, **options: Any) -> MetricSpec:
        task, y_pred, reference = options["task"], options["y_pred"], options["reference"]
        greater_is_better, symmetric = options["greater_is_better"], options["symmetric"]
        arguments.instance_of_callable("fn", fn, "fn(y_true, y_pred)")
        arguments.choice("task", task, arguments.TASKS)
        arguments.choice("y_pred", y_pred, mst.PREDICTION_KINDS)
        if task == "regression" and y_pred != "labels":
            raise UsageError(
                f"y_pred={y_pred!r}: regression predictions are values; leave the default"
            )
        if task == "multiclass" and y_pred == "scores":
            raise UsageError("y_pred='scores': one score per row is binary only; use 'proba'")
        arguments.flag("greater_is_better", greater_is_better)
        arguments.flag("symmetric", symmetric)
        arguments.callable_or_none("reference", reference)
        return MetricSpec(
            fn,
            task,
            y_pred,
            _bounds(options["bounds"], options["best"]),
            options["best"],
            greater_is_better,
            symmetric,
            reference,
            _accepts(fn, "sample_weight"),
            _accepts(fn, "labels"),
        )

    def strategy(self, spec: MetricSpec) -> st.SearchStrategy[MetricExample]:
        return _strategy(spec)

    def make_case(self, spec: MetricSpec, example: MetricExample) -> MetricCase:
        return MetricCase(spec, example)

    def declaration(self, spec: MetricSpec) -> str:
        return f"task={spec.task!r}, y_pred={spec.y_pred!r}"

    def run(self, spec: MetricSpec, options: RunOptions) -> Report:
        # scikit-learn validates a metric's arguments on every call (about 2 ms whatever
        # the input size); the check's calls are valid by construction, so while it runs
        # that validation is skipped (scikit-learn's own switch for it)
        sklearn = sys.modules.get("sklearn")
        if sklearn is None:
            return super().run(spec, options)
        with sklearn.config_context(skip_parameter_validation=True):
            return super().run(spec, options)


METRIC = MetricChecker()


@METRIC.public
def check_metric(
    fn: Callable[..., Any],
    *,
    task: str,
    y_pred: str = "labels",
    bounds: tuple[float | None, float | None] | None = None,
    best: float | None = None,
    greater_is_better: bool = True,
    symmetric: bool = False,
    reference: Callable[..., Any] | None = None,
    max_examples: int = METRIC.max_examples,
    max_seconds: float = METRIC.max_seconds,
    seed: int | None = None,
    skip: tuple[str, ...] | list[str] = (),
    raise_on_failure: bool = True,
    only: tuple[str, ...] | list[str] | None = None,
) -> Report:
    """Property-test a metric ``fn(y_true, y_pred[, sample_weight=None]) -> float``.

    ``task`` is ``binary``, ``multiclass`` or ``regression``; ``y_pred`` says what the
    predictions are (``labels``, binary ``scores``, ``proba`` rows). ``sample_weight``
    support is read from the signature.

    >>> from sklearn.metrics import accuracy_score
    >>> check_metric(accuracy_score, task="binary", bounds=(0, 1), symmetric=True,
    ...              max_examples=5).passed
    True
    """
    __tracebackhide__ = True
    return METRIC.check_arguments(locals())

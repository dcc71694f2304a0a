"""What a metric check works on: the declared spec, a drawn example, the case the
properties see, and ``evaluate``, the one way every property calls the metric.

One rule for undefined values, applied to every call of the metric (``evaluate``): a
value is *undefined* when the metric raises ``ValueError``, or returns NaN or an infinity
together with a warning that is not a ``RuntimeWarning`` (scikit-learn's
``UndefinedMetricWarning`` convention). An undefined value on the drawn input refuses the
example; on an input a property derived from it with *other* data (rows dropped, an edge
case, the arguments swapped) it says nothing about the property; on the *same* data in
another form (shuffled, relabelled, a list, weights of one, a second call) it is a
failure, since the metric accepted that data a moment ago. A non-finite value with no
warning, or with only numpy's ``RuntimeWarning`` of a 0/0, is a silent NaN: a failure.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from mltest.engine import Refused, Violation, call_user
from mltest.properties._arrays import assert_outputs_close, shown, snapshot

RTOL, ATOL = 1e-6, 1e-9  # two exact computations of one metric differ by rounding only
LARGE_ROWS = 100_000


@dataclasses.dataclass(frozen=True)
class MetricSpec:
    fn: Callable[..., Any]
    task: str
    y_pred: str
    bounds: tuple[float | None, float | None] | None
    best: float | None
    greater_is_better: bool
    symmetric: bool
    reference: Callable[..., Any] | None
    takes_weight: bool
    takes_labels: bool = False

    @property
    def classes(self) -> bool:
        return self.task != "regression"


@dataclasses.dataclass(frozen=True)
class MetricExample:
    y_true: np.ndarray
    y_pred: np.ndarray
    sample_weight: np.ndarray | None
    n_classes: int = 0

    def __repr__(self) -> str:
        return shown(y_true=self.y_true, y_pred=self.y_pred, sample_weight=self.sample_weight)


def _as_number(value: Any, what: str) -> float:
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise Violation(f"{what} returned {type(value).__name__} {value!r:.60}, not a number")
    return float(value)


def _labels(spec: MetricSpec, n_classes: int, takes: bool) -> dict[str, Any]:
    if spec.y_pred != "proba" or not takes:
        return {}
    return {"labels": list(range(n_classes))}


def _same(a: float, b: float, what: str, *, rtol: float = RTOL) -> None:
    assert_outputs_close(a, b, what, rtol=rtol, atol=ATOL)


def evaluate(fn: Callable[..., Any], y_true: Any, y_pred: Any, what: str, **kwargs: Any) -> float:
    """``fn(y_true, y_pred, **kwargs)`` as a float, under the one rule for undefined
    values: ``Refused`` when undefined, ``Violation`` for a silent NaN or a crash."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call_user(what, fn, y_true, y_pred, refuse=ValueError, **kwargs)
    value = _as_number(out, what)
    if math.isfinite(value):
        return value
    said = [w for w in caught if not issubclass(w.category, RuntimeWarning)]
    if said:
        raise Refused(f"{what} is undefined here ({said[0].category.__name__}: {said[0].message})")
    raise Violation(f"{what} returned {value} with no warning saying why")


class MetricCase:
    """One drawn (y_true, y_pred, sample_weight), prepared: the metric's value on it. An
    undefined value there refuses the example."""

    def __init__(self, spec: MetricSpec, example: MetricExample) -> None:
        self.spec = spec
        self.ex = example
        # probability columns name every class, present in y_true or not: a metric that
        # takes labels= is told which they are, as scikit-learn's log_loss must be
        self.labels = _labels(spec, example.n_classes, spec.takes_labels)
        self.inputs = snapshot(example.y_true), snapshot(example.y_pred)
        self.value = self.call(*self.inputs, "fn")

    @property
    def weights(self) -> np.ndarray:
        """The drawn sample weights (drawn when the metric takes them)."""
        assert self.ex.sample_weight is not None
        return self.ex.sample_weight

    def call(
        self, y_true: Any, y_pred: Any, what: str, *, same_data: bool = False, **kwargs: Any
    ) -> float:
        """The metric on a derived input; ``same_data`` says it holds the drawn data in
        another form, so it must be defined as the drawn input's value was."""
        try:
            return evaluate(self.spec.fn, y_true, y_pred, what, **self.labels, **kwargs)
        except Refused as exc:
            if not same_data:
                raise
            raise Violation(f"{exc}, but the same data was accepted as given") from exc

    @functools.cached_property
    def perfect_value(self) -> float:
        y_true = self.ex.y_true.copy()
        return self.call(y_true, self.perfect(y_true), "fn on the perfect prediction")

    def perfect(self, y_true: np.ndarray) -> np.ndarray:
        """The prediction that is exactly right for ``y_true``, in the declared form."""
        if self.spec.y_pred == "scores":
            return np.where(y_true == 1, 10.0, -10.0)
        if self.spec.y_pred == "proba":
            return np.eye(self.ex.n_classes)[y_true.astype(np.int64)]
        return y_true.copy()

    def weighted(self, w: np.ndarray, what: str, *, same_data: bool = False) -> float:
        y_true, y_pred = self.ex.y_true.copy(), self.ex.y_pred.copy()
        return self.call(y_true, y_pred, what, same_data=same_data, sample_weight=w)


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params

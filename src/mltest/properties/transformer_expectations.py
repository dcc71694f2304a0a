"""What a user may declare about a transformer, checked only when declared.

Generic properties cannot see a semantic bug (quantile bounds swapped, a sign flipped):
the output has the right shape, is finite and consistent, and is wrong. These expectations
are the oracle: a trusted implementation to match, or a fact about the output.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from mltest.compare import path_tolerances
from mltest.engine import NotApplicable, Property, Violation, call_user, prop
from mltest.properties._arrays import assert_outputs_close, dense, snapshot
from mltest.properties.transformer_case import TransformerCase, TransformerSpec

EXPECTATIONS: list[Property] = []
DIRECTIONS = ("increasing", "decreasing")


def _declared(option: str, spec: TransformerSpec) -> str | None:
    """``applies`` of an expectation checked only when ``option=`` is declared; bound per
    property with ``functools.partial``."""
    value = getattr(spec, option)
    return None if value not in (None, False) else f"no {option}= declared"


@prop(EXPECTATIONS, applies=functools.partial(_declared, "reference"))
def matches_reference(case: TransformerCase) -> None:
    """The output equals that of the trusted ``reference`` transformer fitted on the same
    data.

    The oracle for semantic bugs no generic property sees: a hand-written robust scaler
    with its quantiles swapped, a log transform with a sign error, an encoder that orders
    categories differently from the one it replaces.
    """
    from sklearn.base import clone

    ref = clone(case.spec.reference)
    X, y = snapshot(case.X), snapshot(case.y)
    try:
        ref.fit(*case.fit_args(X, y))
        want = ref.transform(snapshot(case.X))
    except ValueError as exc:  # the trusted implementation refuses this input: no verdict
        raise NotApplicable(f"the reference refused this input: {exc}") from exc
    assert_outputs_close(case.output, dense(want), "the output differs from the reference's")


@prop(EXPECTATIONS, applies=functools.partial(_declared, "output_bounds"))
def output_within_bounds(case: TransformerCase) -> None:
    """Every output value lies within the declared ``output_bounds=(lo, hi)`` (missing
    values aside).

    A min-max scaler's output outside [0, 1] on its own training data, or a probability
    feature above 1, means the arithmetic is wrong even when nothing crashes.
    """
    lo, hi = case.spec.output_bounds or (None, None)
    # the rounding of the last operation (x - min) / span may land one ulp outside
    slack = (
        path_tolerances(case.output.dtype)[0]
        * 1e-3
        * max(1.0, *(abs(b) for b in (lo, hi) if b is not None))
    )
    lo = None if lo is None else lo - slack
    hi = None if hi is None else hi + slack
    out = case.output.astype(np.float64, copy=False)
    present = ~np.isnan(out)
    outside = present & (
        ((out < lo) if lo is not None else False) | ((out > hi) if hi is not None else False)
    )
    if np.any(outside):
        cell = tuple(np.argwhere(outside)[0])
        raise Violation(
            f"{int(np.sum(outside))} output values outside output_bounds=({lo}, {hi}) "
            f"(e.g. {out[cell]!r} at {list(map(int, cell))})"
        )


@prop(EXPECTATIONS, applies=functools.partial(_declared, "monotone"))
def monotone(case: TransformerCase) -> None:
    """Each declared output column moves in the declared direction with its input column:
    sorting the rows by an input column sorts that output column the same way (or the
    reverse way for ``decreasing``), ties included.

    Per-column transforms (scalers, quantile, power and log transforms) are monotone; a
    sign error or a swapped pair of parameters reverses or breaks the order, which no
    shape or finiteness check notices.
    """
    out = case.output
    if out.ndim != 2 or out.shape != np.shape(case.X):
        raise NotApplicable("monotone= is for outputs with one column per input column")
    for column, direction in _directions(case).items():
        index = _column_index(case.X, column)
        x = _column_values(case.X, index)
        y = out[:, index].astype(np.float64)
        order = np.argsort(x, kind="stable")
        steps = np.diff(y[order]) * (1 if direction == "increasing" else -1)
        tolerance = 1e-9 * max(1.0, float(np.nanmax(np.abs(y))) if y.size else 1.0)
        ties = np.diff(x[order]) == 0
        broken = (steps < -tolerance) | (ties & (np.abs(steps) > tolerance))
        if np.any(broken):
            i = int(np.argmax(broken))
            a, b = order[i], order[i + 1]
            raise Violation(
                f"column {column!r} is not {direction}: input {x[a]!r} -> {y[a]!r} but "
                f"input {x[b]!r} -> {y[b]!r}"
            )


def _directions(case: TransformerCase) -> dict[Any, str]:
    declared = case.spec.monotone
    if isinstance(declared, str):
        names = list(case.X.columns) if hasattr(case.X, "columns") else range(np.shape(case.X)[1])
        return dict.fromkeys(names, declared)
    return dict(declared)


def _column_index(X: Any, column: Any) -> int:
    if hasattr(X, "columns"):
        if column not in X.columns:
            raise NotApplicable(f"X has no column {column!r}")
        return int(list(X.columns).index(column))
    if not isinstance(column, int) or not 0 <= column < np.shape(X)[1]:
        raise NotApplicable(f"X has no column {column!r}")
    return column


def _column_values(X: Any, index: int) -> np.ndarray:
    values = X.iloc[:, index].to_numpy() if hasattr(X, "iloc") else np.asarray(X)[:, index]
    return values.astype(np.float64)


@prop(EXPECTATIONS, applies=functools.partial(_declared, "idempotent"))
def idempotent(case: TransformerCase) -> None:
    """Transforming the output again changes nothing: ``transform(transform(X)) ==
    transform(X)``.

    Clipping, normalising rows, imputing and deduplicating are idempotent; one that is
    not applies its effect twice when a pipeline is run on already processed data.
    """
    again = call_user("transform of the output", case.model.transform, snapshot(case.raw_output))
    assert_outputs_close(again, case.output, "transform(transform(X)) differs from transform(X)")

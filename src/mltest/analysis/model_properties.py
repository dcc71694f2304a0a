"""The behavioural properties of a trained model (``check_model`` runs them).

The built-in ones hold for every sound model; the declared ones (``invariant_to``,
``monotone``, ``cases``) are the user's expectations — CheckList's invariance, directional
and minimum-functionality tests, generated from the schema and shrunk to a minimal row.
"""

from __future__ import annotations

import copy
import io
import pickle
from typing import Any

import numpy as np

from mltest._models import call_model
from mltest.analysis.model_case import (
    ModelCase,
    ModelSpec,
    as_input,
    first_row,
    predict,
    same,
    score,
)
from mltest.engine import NotApplicable, Property, Violation, call_user, prop
from mltest.properties._arrays import unchanged

PROPERTIES: list[Property] = []
GRID = 65  # values across a monotone feature's range each row is swept over


def _has_proba(spec: ModelSpec) -> str | None:
    return None if spec.has_proba else "the model has no predict_proba"


def _numeric(spec: ModelSpec) -> str | None:
    if spec.kind == "torch":
        return "a torch module takes tensors, not DataFrames"
    if not spec.numeric:
        return "the schema has non-numeric columns: the model only takes a DataFrame"
    return None


def _declared(field: str) -> Any:
    def applies(spec: ModelSpec) -> str | None:
        return None if getattr(spec, field) else f"no {field}= declared"

    return applies


def _differ(case: ModelCase, got: np.ndarray, what: str, frame: Any = None) -> None:
    agree = same(case.predictions, got, case.spec)
    if not agree.all():
        rows = frame if frame is not None else case.batch
        index = int(np.flatnonzero(~agree)[0])
        theirs = got[index] if len(got) > index else got
        raise Violation(
            f"{what}: {int((~agree).sum())} of {len(agree)} rows differ; row {index}: "
            f"{_show(case.predictions[index])} vs {_show(theirs)}",
            counterexample=first_row(rows, ~agree),
        )


def _show(value: Any) -> str:
    array = np.asarray(value)
    return np.array2string(array, precision=6) if array.ndim else repr(array.item())


@prop(PROPERTIES)
def deterministic(case: ModelCase) -> None:
    """Predicting the same rows twice gives the same predictions.

    A torch module left in training mode with dropout, a model that samples, a cache keyed
    on object identity: the same customer gets two answers, and no test that compares
    predictions with a stored expectation is reproducible.
    """
    _differ(case, predict(case.spec, case.batch), "a second call on the same rows")


@prop(PROPERTIES)
def batch_independent(case: ModelCase) -> None:
    """A row's prediction does not depend on the other rows in its batch: predicted alone,
    in another order, or with other rows, it is the same.

    A torch model left in ``train()`` mode normalises BatchNorm over the batch; a
    preprocessing step fitted at predict time (scaling by the batch's own mean) does the
    same. Offline scoring in large batches then disagrees with the online service that
    scores one request at a time.
    """
    n = len(case.batch)
    if n < 2:
        raise NotApplicable("one row")
    order = np.arange(n)[::-1]
    reversed_rows = predict(case.spec, case.batch.iloc[order])
    _differ(case, reversed_rows[np.argsort(order)], "the same rows in reverse order")
    alone = np.concatenate([predict(case.spec, case.batch.iloc[[i]]) for i in range(min(n, 3))])
    head = case.predictions[: min(n, 3)]
    agree = same(head, alone.reshape(head.shape), case.spec)
    if not agree.all():
        index = int(np.flatnonzero(~agree)[0])
        raise Violation(
            f"row {index} predicted alone gives {_show(alone[index])}, in its batch of {n} "
            f"{_show(head[index])}",
            counterexample=first_row(case.batch, ~np.r_[agree, np.ones(n - len(agree), bool)]),
        )


@prop(PROPERTIES)
def finite_outputs(case: ModelCase) -> None:
    """Every prediction of a numeric kind is finite for every row the schema admits,
    range edges included.

    An overflow in ``exp`` at the edge of a feature's range, a log of zero, a division by
    a feature that may be 0: the service answers NaN, which JSON cannot even carry.
    """
    values = case.predictions
    if values.dtype.kind not in "fc":
        raise NotApplicable("labels")
    bad = ~np.isfinite(values.reshape(len(values), -1)).all(axis=1)
    if bad.any():
        raise Violation(
            f"{int(bad.sum())} of {len(bad)} predictions are not finite",
            counterexample=first_row(case.batch, bad),
        )


@prop(PROPERTIES, applies=_has_proba)
def proba_valid(case: ModelCase) -> None:
    """``predict_proba`` rows lie in [0, 1], sum to 1, and their most probable class is
    the class ``predict`` returns.

    Probabilities that do not sum to one break every threshold and calibration built on
    them; a ``predict`` that disagrees with ``predict_proba`` gives the dashboard one
    answer and the decision another.
    """
    spec = case.spec
    proba = predict(spec, case.batch, method="predict_proba")
    if proba.ndim != 2 or len(proba) != len(case.batch):
        raise Violation(f"predict_proba returned shape {proba.shape} for {len(case.batch)} rows")
    outside = ((proba < -1e-9) | (proba > 1 + 1e-9)).any(axis=1) | ~np.isfinite(proba).all(axis=1)
    if outside.any():
        raise Violation(
            f"{int(outside.sum())} rows have probabilities outside [0, 1]",
            counterexample=first_row(case.batch, outside),
        )
    off = np.abs(proba.sum(axis=1) - 1) > 1e-6
    if off.any():
        index = int(np.flatnonzero(off)[0])
        raise Violation(
            f"{int(off.sum())} rows do not sum to 1 (row {index}: {proba[index].sum():.9g})",
            counterexample=first_row(case.batch, off),
        )
    classes = getattr(spec.model, "classes_", None)
    if classes is None or (case.predictions.dtype.kind == "f" and len(classes) != proba.shape[1]):
        return
    top = np.sort(proba, axis=1)
    clear = top[:, -1] - top[:, -2] > 1e-6 if proba.shape[1] > 1 else np.ones(len(proba), bool)
    chosen = np.asarray(classes)[np.argmax(proba, axis=1)]
    disagree = clear & (chosen != case.predictions)
    if disagree.any():
        index = int(np.flatnonzero(disagree)[0])
        raise Violation(
            f"{int(disagree.sum())} rows: predict says {case.predictions[index]!r}, the most "
            f"probable class is {chosen[index]!r} (p={top[index, -1]:.3g})",
            counterexample=first_row(case.batch, disagree),
        )


@prop(PROPERTIES, applies=_numeric)
def numpy_frame_agree(case: ModelCase) -> None:
    """The model predicts the same on a DataFrame and on the same values as an array in
    the schema's column order.

    A model fitted on a DataFrame and called with an array (or the reverse) by a serving
    layer silently maps columns by position; a pipeline that selects columns by name may
    then read the wrong ones.
    """
    spec = case.spec
    other = copy.copy(spec)
    other.frame = not spec.frame
    got = predict(other, case.batch)
    where = "an array" if spec.frame else "a DataFrame"
    _differ(case, got, f"the same rows as {where}")


@prop(PROPERTIES)
def no_input_mutation(case: ModelCase) -> None:
    """Predicting leaves the caller's rows unchanged.

    A ``predict`` that fills missing values or scales columns in place corrupts the
    request the service logs and the next model in the chain reads.
    """
    spec = case.spec
    given = as_input(spec, case.batch)
    before = copy.deepcopy(given)
    call_user("predict()", call_model, spec.model, spec.kind, given)
    if not unchanged(before, given):
        after = given if isinstance(given, np.ndarray) else given.to_numpy()
        changed = ~np.all(np.asarray(before) == after, axis=1)
        raise Violation(
            f"predict changed {int(changed.sum())} of {len(changed)} input rows in place",
            counterexample=first_row(case.batch, changed if changed.any() else ~changed),
        )


@prop(PROPERTIES, max_checks=10)
def round_trip(case: ModelCase) -> None:
    """A model saved and loaded again (pickle; a torch module's ``state_dict`` through
    ``torch.save``) predicts the same.

    What is deployed is the saved file, not the object in the training session: state
    kept outside what is saved (a lambda, a global, a buffer not registered) is lost.
    """
    spec = case.spec
    if spec.kind == "torch":
        import torch

        buffer = io.BytesIO()
        torch.save(spec.model.state_dict(), buffer)
        buffer.seek(0)
        loaded = copy.deepcopy(spec.model)
        loaded.load_state_dict(torch.load(buffer, weights_only=True))
    else:
        try:
            loaded = pickle.loads(pickle.dumps(spec.model))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise Violation(f"the model cannot be pickled: {exc}") from None
    clone = copy.copy(spec)
    clone.model = loaded
    _differ(case, predict(clone, case.batch), "the model after a save and load")


@prop(PROPERTIES, applies=_declared("invariant_to"))
def invariant(case: ModelCase) -> None:
    """Changing a feature declared in ``invariant_to`` (an id, a protected attribute the
    model must not use) does not change the prediction.

    A model that reads ``customer_id`` memorised the training set; one that moves with a
    protected attribute discriminates. The changed values come from another row the schema
    admits.
    """
    changed = case.batch.copy()
    names = case.spec.invariant_to
    for name in names:
        changed[name] = case.other[name].to_numpy()
    got = predict(case.spec, changed)
    agree = same(case.predictions, got, case.spec)
    if not agree.all():
        index = int(np.flatnonzero(~agree)[0])
        shown = first_row(case.batch, ~agree)
        shown.update({f"{n} (changed to)": first_row(changed, ~agree)[n] for n in names})
        raise Violation(
            f"changing only {names}: {int((~agree).sum())} of {len(agree)} rows differ; "
            f"row {index}: {_show(case.predictions[index])} became {_show(got[index])}",
            counterexample=shown,
        )


@prop(PROPERTIES, applies=_declared("monotone"))
def monotone(case: ModelCase) -> None:
    """Raising a feature declared ``"increasing"`` in ``monotone`` never lowers the score
    (the positive class's probability, or the predicted value); ``"decreasing"``, never
    raises it.

    Credit that falls as income rises, a price that falls as the area grows: a model that
    breaks a relation its users rely on is wrong where the data was thin, whatever its
    test accuracy.
    """
    spec = case.spec
    n = len(case.batch)
    for name, direction in spec.monotone.items():
        # every row of the batch, swept over the values of the feature drawn in the
        # example and a grid of GRID steps across its range (a dip in a narrow band is
        # found however the rows were drawn), in one call
        drawn = np.r_[case.batch[name].to_numpy(), case.other[name].to_numpy()].astype(float)
        column = spec.schema.columns[name]
        low = drawn.min() if column.min is None else float(column.min)
        high = drawn.max() if column.max is None else float(column.max)
        values = np.unique(np.r_[drawn, np.linspace(low, high, GRID)])
        if column.kind == "int":
            values = np.unique(np.round(values))
        if len(values) < 2:
            continue
        grid = case.batch.loc[np.repeat(np.arange(n), len(values))].reset_index(drop=True)
        grid[name] = np.tile(values, n).astype(case.batch[name].dtype)
        scores = score(spec, grid).reshape(n, len(values))
        step = np.diff(scores, axis=1)
        tol = spec.atol + spec.rtol * np.maximum(np.abs(scores[:, 1:]), np.abs(scores[:, :-1]))
        broken = step < -tol if direction == "increasing" else step > tol
        if broken.any():
            row, j = (int(i) for i in np.argwhere(broken)[0])
            shown = first_row(case.batch, np.arange(n) == row)
            shown[name] = _plain(values[j])
            shown[f"{name} (raised to)"] = _plain(values[j + 1])
            raise Violation(
                f"{name} {direction}: raising it from {values[j]:.6g} to {values[j + 1]:.6g} "
                f"moves the score from {scores[row, j]:.6g} to {scores[row, j + 1]:.6g}",
                counterexample=shown,
            )


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


@prop(PROPERTIES, applies=_declared("cases"), max_checks=1)
def minimum_functionality(case: ModelCase) -> None:
    """Every case declared in ``cases=[(row, expected), ...]`` is predicted as expected.

    The handful of inputs whose answer nobody may get wrong (a known fraud pattern, the
    obvious no): a unit test of the model's behaviour, kept with its other checks.
    """
    import pandas as pd

    spec = case.spec
    rows = pd.DataFrame([row for row, _ in spec.cases], columns=list(spec.schema.columns))
    got = predict(spec, rows)
    for i, (row, expected) in enumerate(spec.cases):
        value = got[i]
        ok = (
            np.isclose(value, expected, rtol=spec.rtol, atol=spec.atol)
            if np.asarray(value).dtype.kind in "fc" and isinstance(expected, (int, float))
            else value == expected
        )
        if not np.all(ok):
            raise Violation(
                f"case {i}: expected {expected!r}, the model predicts {_show(value)}",
                counterexample=row,
            )

"""The generic properties of scikit-learn style transformers: what every transformer
must do, whatever it computes."""

from __future__ import annotations

import contextlib
import functools
import pickle
from typing import Any

import numpy as np
import pandas as pd

from mltest.engine import NotApplicable, Property, Refused, Violation, call_user, prop
from mltest.properties._arrays import (
    assert_outputs_close,
    dense,
    n_rows,
    snapshot,
    take_rows,
    unchanged,
)
from mltest.properties.transformer_case import (
    TransformerCase,
    TransformerExample,
    _deterministic_fit,
    _has,
    _has_params,
    _preserves_dtype,
    _refits_from_scratch,
    _requires_fit,
)
from mltest.report import safe_repr

GENERIC: list[Property] = []
# ``max_checks`` below: properties whose bugs show on (almost) any input (a parameter fit
# changes, pickling, a container, a missing NotFittedError) are decided by their first
# examples and stop there; those whose bugs need particular data (a constant column, one
# row, float32) look at every example.


# --- the properties ---------------------------------------------------------------------


@prop(GENERIC)
def fit_returns_self(case: TransformerCase) -> None:
    """``fit`` returns the estimator itself.

    Pipelines and the idiom ``est.fit(X).transform(X)`` rely on it; a ``fit`` that returns
    ``None`` or a new object breaks them in ways that surface far from the cause.
    """
    est, returned = case.model, case.fit_returned
    if returned is not est:
        raise Violation(f"fit returned {type(returned).__name__} {returned!r:.80}, not self")


@prop(GENERIC, applies=_has_params, max_checks=20)
def fit_preserves_params(case: TransformerCase) -> None:
    """``fit`` leaves the constructor parameters as they were: ``get_params()`` before and
    after ``fit`` are equal.

    scikit-learn's contract keeps what ``fit`` learns in attributes ending in ``_``. A
    ``fit`` that overwrites ``cols=None`` with the columns it saw makes every ``clone`` of
    the fitted model (grid search, cross-validation) silently reuse the old columns on
    new data.
    """
    before = case.params_before
    after = call_user("get_params", case.model.get_params, deep=False)
    assert before is not None
    for name in sorted(set(before) | set(after)):
        if name not in before or name not in after:
            raise Violation(f"fit added or removed the parameter {name!r}")
        if not _same_param(after[name], before[name]):
            raise Violation(
                f"fit changed parameter {name!r}: {safe_repr(before[name], 80)} -> "
                f"{safe_repr(after[name], 80)}"
            )


@prop(GENERIC)
def no_input_mutation(case: TransformerCase) -> None:
    """``fit``, ``transform``, ``fit_transform`` and ``inverse_transform`` leave their
    inputs unchanged.

    An in-place ``X -= mean`` silently corrupts the caller's training data, and the bug
    shows up only when that data is used a second time; an ``inverse_transform`` that
    writes into the frame it was given destroys the caller's features.
    """
    X_fit, y_fit = case.fit_inputs
    if not unchanged(case.X, X_fit):
        raise Violation("fit modified X in place")
    if not unchanged(case.y, y_fit):
        raise Violation("fit modified y in place")
    if not unchanged(case.X, case.transform_input):
        raise Violation("transform modified X in place")
    if hasattr(case.model, "fit_transform"):
        X2, y2 = snapshot(case.X), snapshot(case.y)
        case.fit_transform_new(X2, y2)
        if not unchanged(case.X, X2) or not unchanged(case.y, y2):
            raise Violation("fit_transform modified its input in place")
    if hasattr(case.model, "inverse_transform"):
        Z = snapshot(case.raw_output)
        try:
            _inverse(case, Z)
        except Refused:
            return  # no inverse here: nothing more to check
        if not unchanged(case.raw_output, Z):
            raise Violation("inverse_transform modified its input in place")


def _inverse(case: TransformerCase, Z: Any) -> Any:
    """``inverse_transform``; ``NotImplementedError`` (and the refusals) say "not
    supported": an encoder whose inverse is optional."""
    from sklearn.exceptions import NotFittedError

    return call_user(
        "inverse_transform",
        case.model.inverse_transform,
        Z,
        refuse=(NotFittedError, ValueError, NotImplementedError),
    )


@prop(GENERIC)
def output_rows_match_input(case: TransformerCase) -> None:
    """``transform`` returns exactly one output row per input row.

    Dropping or duplicating rows misaligns features with labels downstream.
    """
    want = n_rows(case.X)  # a 0-d output has no rows to count
    if case.output.ndim == 0 or n_rows(case.output) != want:
        raise Violation(f"transform of {want} rows returned shape {case.output.shape}")


@prop(GENERIC, applies=functools.partial(_has, "fit_transform"), max_checks=25)
def fit_transform_consistent(case: TransformerCase) -> None:
    """``fit_transform(X)`` equals ``fit(X).transform(X)``.

    Pipelines call ``fit_transform`` during training and ``transform`` at prediction time:
    any difference is training/serving skew.
    """
    out = case.fit_transform_new(snapshot(case.X), snapshot(case.y))
    assert_outputs_close(out, case.output, "fit_transform(X) differs from fit(X).transform(X)")


@prop(GENERIC, max_checks=25)
def transform_deterministic(case: TransformerCase) -> None:
    """Transforming the same data twice gives the same output, even with other data
    transformed in between.

    A transform that draws random numbers or updates statistics as it goes gives other
    features at serving time than were seen in validation.
    """
    if n_rows(case.X) > 1:
        # other data in between; one row refused is single_row_transform's finding
        with contextlib.suppress(Refused):
            call_user(
                "transform of row 0",
                case.model.transform,
                take_rows(snapshot(case.X), [0]),
                refuse=ValueError,
            )
    again = case.transform(case.model, snapshot(case.X))
    assert_outputs_close(again, case.output, "a second transform(X) differs from the first")


@prop(GENERIC, max_checks=25)
def row_subset_consistent(case: TransformerCase) -> None:
    """Transforming a subset of rows (in another order) gives those rows of the full output.

    Each row's features must depend on that row and the fitted state only: statistics
    computed over the batch in ``transform`` make predictions depend on batch size.
    """
    n = n_rows(case.X)
    if n < 3:
        raise NotApplicable("needs at least 3 rows")
    _rows_match(case)
    idx = list(range(0, n, 2))[::-1]
    part = case.transform(case.model, take_rows(snapshot(case.X), idx))
    assert_outputs_close(
        part, case.output[idx], f"transform of rows {idx} differs from those rows of transform(X)"
    )


def _rows_match(case: TransformerCase) -> None:
    """Properties that compare rows of the output need one output row per input row."""
    if case.output.ndim == 0 or n_rows(case.output) != n_rows(case.X):
        raise NotApplicable("the output rows are not the input rows (output_rows_match_input)")


@prop(GENERIC, applies=_deterministic_fit, max_checks=25)
def fit_row_order_invariant(case: TransformerCase) -> None:
    """Fitting on the same rows in reverse order learns the same transformation.

    Training data order is an accident of storage; a fit that depends on it (using the
    first row as a reference, say) is not reproducible after a shuffle.
    """
    n = n_rows(case.X)
    if n < 2:
        raise NotApplicable("needs at least 2 rows")
    rev = list(range(n))[::-1]
    y = None if case.y is None else take_rows(case.y, rev)
    est = case.fit_new(take_rows(snapshot(case.X), rev), y)
    out = case.transform(est, snapshot(case.X))
    assert_outputs_close(out, case.output, "transform after fitting on reversed rows differs")


@prop(GENERIC)
def finite_output(case: TransformerCase) -> None:
    """Finite input gives finite output, constant columns and large offsets included; for a
    transformer that accepts missing values (tag ``allow_nan``), a missing input gives a
    missing output only where expected: in the same cell for an output of the input's
    shape, else only in the rows that had one.

    Division by a zero standard deviation or ``log`` of zero turns a whole column into
    NaN, which most models then silently propagate or crash on much later; a NaN that
    spreads from one cell to a whole row or column does the same.
    """
    out = _numeric(case.output)
    if out is None:
        return  # non-numeric output (labels, strings): nothing to check
    bad = ~np.isfinite(out)
    missing = case.missing
    if missing is None or not missing.any():
        if bad.any():
            raise Violation(
                f"{int(bad.sum())} non-finite output values for finite input ({_where(out, bad)})"
            )
        return
    if not case.spec.tags.input_tags.allow_nan:
        raise NotApplicable("the input has missing values, which this estimator does not take")
    if out.shape == missing.shape:
        allowed = missing
    else:
        rows = missing.any(axis=1).reshape(-1, *[1] * (out.ndim - 1))
        allowed = np.broadcast_to(rows, out.shape)
    unexpected = bad & ~allowed
    if unexpected.any():
        raise Violation(
            f"{int(unexpected.sum())} non-finite output values where the input had none "
            f"({_where(out, unexpected)})"
        )


def _numeric(out: np.ndarray) -> np.ndarray | None:
    if out.dtype.kind in "fc":
        return out
    if out.dtype.kind != "O":
        return None
    try:
        return out.astype(np.float64)
    except (TypeError, ValueError):
        return None


def _where(out: np.ndarray, mask: np.ndarray) -> str:
    cells = np.argwhere(mask)
    return f"e.g. {out[tuple(cells[0])]} at {[list(map(int, i)) for i in cells[:5]]}"


@prop(GENERIC, max_checks=15)
def numpy_frame_agree(case: TransformerCase) -> None:
    """A numpy array and a DataFrame with the same values give the same numbers.

    Users move between the two freely; positional vs label indexing bugs and dtype
    handling that differs between them show up here.
    """
    if isinstance(case.X, np.ndarray) and case.X.ndim == 2:
        other = pd.DataFrame(case.X, columns=[f"x{i}" for i in range(case.X.shape[1])])
    elif isinstance(case.X, pd.DataFrame):
        other = case.X.to_numpy()
    else:
        raise NotApplicable("X is neither a 2-D array nor a DataFrame")
    # a transformer may take only one of the two (columns picked by name need a frame):
    # a ValueError or TypeError about the container refuses it
    est = case.fit_new(other, case.y, refuse=(ValueError, TypeError))
    out = call_user(
        f"transform of the {type(other).__name__}",
        est.transform,
        snapshot(other),
        refuse=(ValueError, TypeError),
    )
    try:
        assert_outputs_close(out, case.output, f"{type(other).__name__} input gives other numbers")
    except Violation:
        if not _layout_noise(case, other, out):
            raise


def _layout_noise(case: TransformerCase, other: Any, out: Any) -> bool:
    """Whether the frame's output is the numpy output for the same values in one of the two
    memory layouts. A frame hands scikit-learn a Fortran-ordered array, and an
    ill-conditioned fit (a float32 least squares on nearly singular data) gives other
    numbers for another layout: the transformer's own numerical noise, not a frame bug."""
    frame_out = out if isinstance(other, pd.DataFrame) else case.output
    values = np.asarray(other if isinstance(other, pd.DataFrame) else case.X)
    for layout in (np.ascontiguousarray(values), np.asfortranarray(values)):
        est = case.fit_new(layout, case.y, refuse=(ValueError, TypeError))
        numpy_out = call_user("transform", est.transform, snapshot(layout), refuse=(ValueError,))
        try:
            assert_outputs_close(frame_out, numpy_out, "")
        except Violation:
            continue
        return True
    return False


@prop(GENERIC, applies=functools.partial(_has, "get_feature_names_out"))
def feature_names_out_width(case: TransformerCase) -> None:
    """``get_feature_names_out()`` gives one unique string name per output column.

    Feature names drive ``ColumnTransformer`` output, explanations and model cards; a
    wrong count misattributes every feature after the first error.
    """
    names = call_user("get_feature_names_out", case.model.get_feature_names_out)
    width = case.output.shape[1] if case.output.ndim == 2 else 1
    names = list(names)
    if len(names) != width:
        raise Violation(
            f"get_feature_names_out() gave {len(names)} names for {width} output columns"
        )
    if len(set(names)) != len(names) or not all(isinstance(n, str) for n in names):
        raise Violation(f"feature names are not unique strings: {names[:10]}")


@prop(GENERIC, applies=functools.partial(_has, "inverse_transform"))
def inverse_transform_roundtrip(case: TransformerCase) -> None:
    """``inverse_transform`` maps outputs back to input space, consistently with
    ``transform``: ``transform(inverse_transform(Z)) == Z`` for ``Z = transform(X)``, and the
    inverse has ``X``'s shape.

    This holds for exact inverses (scalers) and projections (PCA with fewer components,
    feature selection) alike; an inverse that forgets the mean or swaps scale and offset
    breaks it.
    """
    back = _inverse(case, snapshot(case.raw_output))
    want = np.shape(case.X)
    if case.two_d and np.shape(back) != want:
        raise Violation(f"inverse_transform returned shape {np.shape(back)}, expected {want}")
    again = case.transform(case.model, back, "transform of inverse_transform's output")
    assert_outputs_close(
        again, case.output, "transform(inverse_transform(Z)) differs from Z", loose=10
    )


@prop(GENERIC, applies=_has_params, max_checks=10)
def clone_params_roundtrip(case: TransformerCase) -> None:
    """``get_params``/``set_params``/``clone`` round-trip, and ``__init__`` stores every
    parameter unchanged.

    Grid search, cross-validation and pipelines clone estimators through ``get_params``: a
    parameter that ``__init__`` renames, validates or transforms is silently lost.
    """
    from sklearn.base import clone

    est = case.spec.estimator
    params = call_user("get_params", est.get_params, deep=False)
    for name, value in params.items():
        if not hasattr(est, name):
            raise Violation(f"get_params() has {name!r} but the estimator has no such attribute")
        if getattr(est, name) is not value:
            raise Violation(f"attribute {name!r} is not the value get_params() reports")
    copy = call_user("clone", clone, est)
    for name, value in call_user("get_params", copy.get_params, deep=False).items():
        if not _same_param(value, params.get(name)):
            raise Violation(
                f"clone() changed parameter {name!r}: {params.get(name)!r} -> {value!r}"
            )
    returned = call_user("set_params", copy.set_params, **params)
    if returned is not copy:
        raise Violation("set_params() did not return the estimator")


def _same_param(a: Any, b: Any) -> bool:
    """Parameter equality as ``clone`` preserves it: nested estimators (also inside lists
    of tuples, as in ``ColumnTransformer.transformers``) are copies with equal params."""
    if hasattr(a, "get_params") and hasattr(b, "get_params"):
        if type(a) is not type(b):
            return False
        pa, pb = a.get_params(deep=False), b.get_params(deep=False)
        return pa.keys() == pb.keys() and all(_same_param(pa[k], pb[k]) for k in pa)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_param(x, y) for x, y in zip(a, b, strict=True))
    try:
        if a is b or a == b or (a != a and b != b):
            return True
    except Exception:  # arrays and other values without a plain truth value
        pass
    if type(a) is not type(b):
        return False
    # a copy that does not define a plain == (a DataFrame, a functools.partial): equal by
    # the comparison core, or pickling to the same bytes
    from mltest.compare import deep_differences

    try:
        if not deep_differences(a, b, rtol=0, atol=0):
            return True
        return pickle.dumps(a) == pickle.dumps(b)
    except Exception:
        return False


@prop(GENERIC, max_checks=20)
def pickle_roundtrip(case: TransformerCase) -> None:
    """A fitted transformer restored from pickle gives the same output.

    Models are pickled to be served; state kept in unpicklable places (lambdas, open
    handles, class-level caches) is lost or breaks on load.
    """
    blob = call_user("pickle.dumps", pickle.dumps, case.model)
    restored = call_user("pickle.loads", pickle.loads, blob)
    out = case.transform(restored, snapshot(case.X), "transform after unpickling")
    assert_outputs_close(out, case.output, "the unpickled transformer gives other output")


@prop(GENERIC, applies=_requires_fit, max_checks=10)
def not_fitted_raises(case: TransformerCase) -> None:
    """``transform`` before ``fit`` raises scikit-learn's ``NotFittedError``.

    Without that check an unfitted transformer fails with an ``AttributeError`` deep in the
    code, or worse, transforms with class-level defaults.
    """
    from sklearn.exceptions import NotFittedError

    est = case.new()
    try:
        est.transform(snapshot(case.X))
    except NotFittedError:
        return
    except Exception as exc:
        raise Violation(
            f"transform before fit raised {type(exc).__name__} ({exc}), not NotFittedError"
        ) from exc
    raise Violation("transform before fit returned output instead of raising NotFittedError")


@prop(GENERIC, applies=_requires_fit, max_checks=20)
def n_features_mismatch_raises(case: TransformerCase) -> None:
    """``transform`` on data with another number of columns than seen in ``fit`` raises
    ``ValueError``: for arrays, where columns are known by position, and for DataFrames
    when the fitted transformer records the names it saw (``feature_names_in_``).

    NumPy broadcasting makes a one-column statistic apply to any width: without a check, a
    feature-engineering change upstream yields garbage instead of an error. A transformer
    that picks DataFrame columns by name and records none may ignore the others.
    """
    if not case.two_d:
        raise NotApplicable("X is not 2-D")
    X = case.X
    if isinstance(X, pd.DataFrame) and not hasattr(case.model, "feature_names_in_"):
        raise NotApplicable("DataFrame columns are taken by name, and none were recorded")
    if isinstance(X, pd.DataFrame):
        variants = {"one extra column": X.assign(_mltest_extra=X.iloc[:, 0])}
        if X.shape[1] > 1:
            variants["one column fewer"] = X.iloc[:, :-1]
    else:
        variants = {"one extra column": np.column_stack([X, X[:, :1]])}
        if X.shape[1] > 1:
            variants["one column fewer"] = X[:, :-1]
    for label, wrong in variants.items():
        try:
            case.model.transform(wrong)
        except ValueError:
            continue
        except Exception as exc:
            raise Violation(
                f"transform with {label} raised {type(exc).__name__} ({exc}), not ValueError"
            ) from exc
        raise Violation(f"transform accepted data with {label} than fit saw")


def _fit_other(case: TransformerCase, X2: Any, y2: Any) -> Any:
    """A fresh fit on the other rows. Whatever that fit raises is not this property's
    finding: fit on a smaller data set is what runs_on_valid_input draws and judges."""
    return case.fit_new(snapshot(X2), snapshot(y2), refuse=Exception)


@prop(GENERIC, applies=_refits_from_scratch, max_checks=20)
def refit_replaces_state(case: TransformerCase) -> None:
    """Fitting again replaces everything the first fit learned: ``fit(X1)`` then
    ``fit(X2)`` gives the same transformer as a fresh ``fit(X2)``.

    State that survives a refit (categories accumulated across fits, a statistic that
    ``fit`` only updates) makes a model retrained on new data still answer from the old.
    """
    X2, y2 = case.other_rows()
    fresh = _fit_other(case, X2, y2)
    refit = case.new()
    case.fit(refit, snapshot(case.X), snapshot(case.y))
    case.fit(refit, snapshot(X2), snapshot(y2))
    # fewer rows may be refused where the full data was not (n_neighbors above n_samples)
    want = call_user("transform of X2", fresh.transform, snapshot(X2), refuse=ValueError)
    got = call_user("transform of X2 after a refit", refit.transform, snapshot(X2))
    assert_outputs_close(got, want, "fit(X1) then fit(X2) transforms X2 unlike a fresh fit(X2)")


@prop(GENERIC, applies=_requires_fit, max_checks=20)
def instances_independent(case: TransformerCase) -> None:
    """Fitting one instance does not change what another, already fitted instance
    outputs.

    State kept in class attributes or module globals (a vocabulary in a class-level dict,
    a cache keyed by nothing) leaks between the models of a cross-validation, or between
    two pipelines in one process.
    """
    X2, y2 = case.other_rows()
    _fit_other(case, X2, y2)
    again = case.transform(case.model, snapshot(case.X), "transform after fitting another")
    assert_outputs_close(
        again, case.output, "fitting another instance on other rows changed this one's output"
    )


@prop(GENERIC, max_checks=25)
def single_row_transform(case: TransformerCase) -> None:
    """A single row can be transformed, and gives that row of the full output.

    Serving transforms one request at a time; ``squeeze``, per-batch statistics and
    shape assumptions break on exactly one row.
    """
    _rows_match(case)
    for i in {0, n_rows(case.X) - 1}:
        out = case.transform(case.model, take_rows(snapshot(case.X), [i]), "transform of one row")
        assert_outputs_close(
            out, case.output[[i]], f"transform of row {i} alone differs from row {i}"
        )


@prop(GENERIC, applies=_preserves_dtype, max_checks=20)
def preserves_dtype(case: TransformerCase) -> None:
    """For each dtype the estimator's tags list in ``preserves_dtype``, float input of that
    dtype gives output of that dtype.

    A silent upcast of float32 data doubles memory; a downcast loses precision.
    """
    if not isinstance(case.X, np.ndarray) or case.X.dtype.kind != "f":
        raise NotApplicable("X is not a float array")
    for dtype in case.spec.tags.transformer_tags.preserves_dtype:
        X = case.X.astype(dtype)
        est = case.fit_new(X, case.y, refuse=ValueError)
        out = dense(case.transform(est, X))
        if out.dtype.kind == "f" and out.dtype != np.dtype(dtype):
            shown = TransformerExample(X, case.y)  # the input as fed, in its dtype
            raise Violation(f"{dtype} input gave {out.dtype} output", counterexample=shown)

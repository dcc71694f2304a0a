"""Properties of scikit-learn style transformers, and ``check_transformer``.

Every property reads one drawn example through a ``TransformerCase``, which fits the
estimator once and shares the fit (and its output) among the properties.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import pickle
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from mltest import arguments
from mltest import strategies as mst
from mltest.arguments import short
from mltest.checker import PropertyChecker
from mltest.engine import (
    NotApplicable,
    Property,
    Violation,
    call_user,
    prop,
)
from mltest.errors import UsageError
from mltest.properties._arrays import (
    assert_outputs_close,
    dense,
    n_rows,
    snapshot,
    take_rows,
    unchanged,
)
from mltest.report import Report, safe_repr

PROPERTIES: list[Property] = []


# --- what the user declared -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TransformerSpec:
    """What ``check_transformer`` knows about the estimator before drawing any data."""

    estimator: Any
    tags: Any
    target: str | None
    data: Any

    @functools.cached_property
    def params(self) -> dict[str, Any]:  # read once per check, not per clone
        get_params = getattr(self.estimator, "get_params", None)
        return get_params(deep=False) if callable(get_params) else {}

    @functools.cached_property
    def randomized(self) -> bool:
        return "random_state" in self.params


def _tags(estimator: Any) -> Any:
    from sklearn.utils import Tags, get_tags
    from sklearn.utils._tags import InputTags, TargetTags, TransformerTags

    try:
        return get_tags(estimator)
    except Exception:  # a duck-typed estimator without sklearn's machinery
        return Tags(
            estimator_type="transformer",
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(),
            input_tags=InputTags(),
        )


def _fit_needs_y(estimator: Any) -> bool:
    try:
        params = inspect.signature(estimator.fit).parameters
    except (TypeError, ValueError):
        return False
    y = params.get("y")
    return y is not None and y.default is inspect.Parameter.empty


# --- one drawn example ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TransformerExample:
    X: Any
    y: Any = None

    def __repr__(self) -> str:
        with np.printoptions(precision=6, threshold=200, linewidth=100):
            y = "" if self.y is None else f", y={self.y!r}"
            return f"X={self.X!r}{y}"


class TransformerCase:
    """One example, prepared: a fresh clone fitted on a copy of it, and its transform of
    a copy of it. Every property reads these; ``fit`` or ``transform`` refusing the rows
    with a ``ValueError`` refuses the example."""

    def __init__(self, spec: TransformerSpec, example: TransformerExample) -> None:
        self.spec = spec
        self.X = example.X
        self.y = example.y
        self.fit_inputs = snapshot(self.X), snapshot(self.y)
        self.model = self.new()
        self.fit_returned = self.fit(self.model, *self.fit_inputs, refuse=ValueError)
        self.transform_input = snapshot(self.X)
        # a ValueError here, on the very rows fit accepted, refuses the input too (too few
        # rows for n_neighbors, say)
        self.raw_output = call_user(
            "transform of the rows fit accepted",
            self.model.transform,
            self.transform_input,
            refuse=ValueError,
        )
        self.output = dense(self.raw_output)

    def new(self) -> Any:
        """A fresh unfitted clone; an unseeded ``random_state`` is fixed so two fits of the
        same data are comparable (the caller's object is never touched)."""
        from sklearn.base import clone

        est = self.spec.estimator
        fresh = clone(est) if hasattr(est, "get_params") else snapshot(est)
        if self.spec.randomized and self.spec.params.get("random_state") is None:
            fresh.set_params(random_state=0)
        return fresh

    def fit_args(self, X: Any, y: Any) -> tuple[Any, ...]:
        return (X,) if self.spec.target is None else (X, y)

    def fit(self, est: Any, X: Any, y: Any = None, *, refuse: Any = ()) -> Any:
        """``est.fit`` on ``X`` (and ``y`` when the estimator needs one)."""
        return call_user("fit", est.fit, *self.fit_args(X, y), refuse=refuse)

    def fit_new(self, X: Any, y: Any = None, *, refuse: Any = ()) -> Any:
        est = self.new()
        self.fit(est, X, y, refuse=refuse)
        return est

    def fit_transform_new(self, X: Any, y: Any = None) -> Any:
        """``fit_transform`` of a fresh clone. Like ``fit``, it may refuse rows with a
        ``ValueError`` (cross-fitting encoders need more rows than their folds)."""
        est = self.new()
        return call_user(
            "fit_transform", est.fit_transform, *self.fit_args(X, y), refuse=ValueError
        )

    def transform(self, est: Any, X: Any, what: str = "transform") -> Any:
        return call_user(what, est.transform, X)

    @property
    def two_d(self) -> bool:
        return isinstance(self.X, (np.ndarray, pd.DataFrame)) and np.ndim(self.X) == 2


# --- applicability, from the declaration ------------------------------------------------


def _requires_fit(spec: TransformerSpec) -> str | None:
    if not spec.tags.requires_fit:
        return "the estimator's tags say it needs no fit (requires_fit=False)"
    return None


def _has(method: str) -> Any:
    def applies(spec: TransformerSpec) -> str | None:
        if not hasattr(spec.estimator, method):
            return f"the estimator has no {method}()"
        return None

    return applies


def _deterministic_fit(spec: TransformerSpec) -> str | None:
    if spec.tags.non_deterministic:
        return "the estimator's tags declare it non-deterministic"
    if spec.randomized:
        return (
            "the estimator takes a random_state: a randomized fit may legitimately depend on "
            "row order even under a fixed seed"
        )
    return None


def _has_params(spec: TransformerSpec) -> str | None:
    if not hasattr(spec.estimator, "get_params"):
        return "the estimator has no get_params() (not a scikit-learn style estimator)"
    return None


def _preserves_dtype(spec: TransformerSpec) -> str | None:
    tags = spec.tags.transformer_tags
    if tags is None or not tags.preserves_dtype:
        return "the estimator's tags declare no dtype it preserves"
    return None


# --- the properties ---------------------------------------------------------------------


@prop(PROPERTIES)
def fit_returns_self(case: TransformerCase) -> None:
    """``fit`` returns the estimator itself.

    Pipelines and the idiom ``est.fit(X).transform(X)`` rely on it; a ``fit`` that returns
    ``None`` or a new object breaks them in ways that surface far from the cause.
    """
    est, returned = case.model, case.fit_returned
    if returned is not est:
        raise Violation(f"fit returned {type(returned).__name__} {returned!r:.80}, not self")


@prop(PROPERTIES)
def no_input_mutation(case: TransformerCase) -> None:
    """``fit``, ``transform`` and ``fit_transform`` leave their inputs unchanged.

    An in-place ``X -= mean`` silently corrupts the caller's training data, and the bug
    shows up only when that data is used a second time.
    """
    X_fit, y_fit = case.fit_inputs
    if not unchanged(case.X, X_fit):
        raise Violation("fit modified X in place")
    if not unchanged(case.y, y_fit):
        raise Violation("fit modified y in place")
    if not unchanged(case.X, case.transform_input):
        raise Violation("transform modified X in place")
    X2, y2 = snapshot(case.X), snapshot(case.y)
    case.fit_transform_new(X2, y2)
    if not unchanged(case.X, X2) or not unchanged(case.y, y2):
        raise Violation("fit_transform modified its input in place")


@prop(PROPERTIES)
def output_rows_match_input(case: TransformerCase) -> None:
    """``transform`` returns exactly one output row per input row.

    Dropping or duplicating rows misaligns features with labels downstream.
    """
    got, want = n_rows(case.output), n_rows(case.X)
    if case.output.ndim == 0 or got != want:
        raise Violation(f"transform of {want} rows returned shape {case.output.shape}")


@prop(PROPERTIES)
def fit_transform_consistent(case: TransformerCase) -> None:
    """``fit_transform(X)`` equals ``fit(X).transform(X)``.

    Pipelines call ``fit_transform`` during training and ``transform`` at prediction time:
    any difference is training/serving skew.
    """
    out = case.fit_transform_new(snapshot(case.X), snapshot(case.y))
    assert_outputs_close(out, case.output, "fit_transform(X) differs from fit(X).transform(X)")


@prop(PROPERTIES)
def transform_deterministic(case: TransformerCase) -> None:
    """Transforming the same data twice gives the same output, even with other data
    transformed in between.

    A transform that draws random numbers or updates statistics as it goes gives other
    features at serving time than were seen in validation.
    """
    if n_rows(case.X) > 1:
        case.transform(case.model, take_rows(snapshot(case.X), [0]))
    again = case.transform(case.model, snapshot(case.X))
    assert_outputs_close(again, case.output, "a second transform(X) differs from the first")


@prop(PROPERTIES)
def row_subset_consistent(case: TransformerCase) -> None:
    """Transforming a subset of rows (in another order) gives those rows of the full output.

    Each row's features must depend on that row and the fitted state only: statistics
    computed over the batch in ``transform`` make predictions depend on batch size.
    """
    n = n_rows(case.X)
    if n < 3:
        raise NotApplicable("needs at least 3 rows")
    idx = list(range(0, n, 2))[::-1]
    part = case.transform(case.model, take_rows(snapshot(case.X), idx))
    assert_outputs_close(
        part, case.output[idx], f"transform of rows {idx} differs from those rows of transform(X)"
    )


@prop(PROPERTIES, applies=_deterministic_fit)
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


@prop(PROPERTIES)
def finite_output(case: TransformerCase) -> None:
    """Finite input gives finite output, constant columns and large offsets included.

    Division by a zero standard deviation or ``log`` of zero turns a whole column into
    NaN, which most models then silently propagate or crash on much later.
    """
    out = case.output
    if out.dtype.kind not in "fc":
        if out.dtype.kind != "O":
            return
        try:
            out = out.astype(np.float64)
        except (TypeError, ValueError):
            return  # non-numeric output (labels, strings): nothing to check
    bad = ~np.isfinite(out)
    if bad.any():
        where = [list(map(int, i)) for i in np.argwhere(bad)[:5]]
        raise Violation(
            f"{int(bad.sum())} non-finite output values for finite input "
            f"(e.g. {out[tuple(np.argwhere(bad)[0])]} at {where})"
        )


@prop(PROPERTIES)
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
    est = case.fit_new(other, case.y, refuse=ValueError)
    out = call_user(
        f"transform of the {type(other).__name__}",
        est.transform,
        snapshot(other),
        refuse=ValueError,
    )
    assert_outputs_close(out, case.output, f"{type(other).__name__} input gives other numbers")


@prop(PROPERTIES, applies=_has("get_feature_names_out"))
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


@prop(PROPERTIES, applies=_has("inverse_transform"))
def inverse_transform_roundtrip(case: TransformerCase) -> None:
    """``inverse_transform`` maps outputs back to input space, consistently with
    ``transform``: ``transform(inverse_transform(Z)) == Z`` for ``Z = transform(X)``, and the
    inverse has ``X``'s shape.

    This holds for exact inverses (scalers) and projections (PCA with fewer components,
    feature selection) alike; an inverse that forgets the mean or swaps scale and offset
    breaks it.
    """
    from sklearn.exceptions import NotFittedError

    # NotImplementedError says "not supported": an encoder with an optional inverse
    back = call_user(
        "inverse_transform",
        case.model.inverse_transform,
        snapshot(case.raw_output),
        refuse=(NotFittedError, ValueError, NotImplementedError),
    )
    want = np.shape(case.X)
    if case.two_d and np.shape(back) != want:
        raise Violation(f"inverse_transform returned shape {np.shape(back)}, expected {want}")
    again = case.transform(case.model, back, "transform of inverse_transform's output")
    assert_outputs_close(
        again, case.output, "transform(inverse_transform(Z)) differs from Z", loose=10
    )


@prop(PROPERTIES, applies=_has_params)
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
        return bool(a is b or a == b or (a != a and b != b))
    except Exception:  # arrays and other values without a truth value
        return type(a) is type(b)


@prop(PROPERTIES)
def pickle_roundtrip(case: TransformerCase) -> None:
    """A fitted transformer restored from pickle gives the same output.

    Models are pickled to be served; state kept in unpicklable places (lambdas, open
    handles, class-level caches) is lost or breaks on load.
    """
    blob = call_user("pickle.dumps", pickle.dumps, case.model)
    restored = call_user("pickle.loads", pickle.loads, blob)
    out = case.transform(restored, snapshot(case.X), "transform after unpickling")
    assert_outputs_close(out, case.output, "the unpickled transformer gives other output")


@prop(PROPERTIES, applies=_requires_fit)
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


@prop(PROPERTIES, applies=_requires_fit)
def n_features_mismatch_raises(case: TransformerCase) -> None:
    """``transform`` on data with another number of columns than seen in ``fit`` raises
    ``ValueError``.

    NumPy broadcasting makes a one-column statistic apply to any width: without a check, a
    feature-engineering change upstream yields garbage instead of an error.
    """
    if not case.two_d:
        raise NotApplicable("X is not 2-D")
    X = case.X
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


@prop(PROPERTIES)
def single_row_transform(case: TransformerCase) -> None:
    """A single row can be transformed, and gives that row of the full output.

    Serving transforms one request at a time; ``squeeze``, per-batch statistics and
    shape assumptions break on exactly one row.
    """
    for i in {0, n_rows(case.X) - 1}:
        out = case.transform(case.model, take_rows(snapshot(case.X), [i]), "transform of one row")
        assert_outputs_close(
            out, case.output[[i]], f"transform of row {i} alone differs from row {i}"
        )


@prop(PROPERTIES, applies=_preserves_dtype)
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
            raise Violation(f"{dtype} input gave {out.dtype} output")


# --- the kind, and its front door -------------------------------------------------------


def _validate(estimator: Any, target: Any, data: Any, tags: Any) -> None:
    if isinstance(estimator, type):
        raise UsageError(
            f"estimator={estimator.__name__}: pass an instance, e.g. {estimator.__name__}()"
        )
    for method in ("fit", "transform"):
        if not callable(getattr(estimator, method, None)):
            raise UsageError(f"estimator={short(estimator)}: has no {method}() method")
    if target is not None:
        arguments.choice("target", target, arguments.TASKS)
    if (
        data is not None
        and not isinstance(data, st.SearchStrategy)
        and not hasattr(data, "strategy")
    ):
        raise UsageError(f"data={short(data)}: must be None, a hypothesis strategy or a Schema")
    if data is None and tags.input_tags.pairwise:
        raise UsageError(
            f"estimator={short(estimator)}: takes a square kernel matrix (pairwise tag); "
            "pass data= with a strategy of such matrices"
        )
    if data is None and not tags.input_tags.two_d_array:
        raise UsageError(
            f"estimator={short(estimator)}: its tags say it does not take 2-D arrays; "
            "pass data= with a strategy of what it takes"
        )


def _strategy(spec: TransformerSpec) -> st.SearchStrategy[TransformerExample]:
    if spec.data is None:
        xs = mst.feature_matrices(positive=spec.tags.input_tags.positive_only)
    elif isinstance(spec.data, st.SearchStrategy):
        xs = spec.data
    else:
        xs = spec.data.strategy()
    if spec.target is None:
        return xs.map(TransformerExample)

    kind = spec.target

    @st.composite
    def with_target(draw: st.DrawFn) -> TransformerExample:
        X = draw(xs)
        return TransformerExample(X, draw(mst.targets(kind, n_rows(X))))

    return with_target()


class TransformerChecker(PropertyChecker):
    """scikit-learn style transformers (``fit``/``transform``): the ``code`` stage."""

    name = "transformer"
    stage = "code"
    argument = "estimator"
    instantiate = True
    max_examples = 50
    usage_hint = (
        "pass data= with a strategy or Schema of the input it takes (and target= when fit needs y)"
    )

    def kind_properties(self) -> list[Property]:
        return PROPERTIES

    def prepare(self, estimator: Any, **options: Any) -> TransformerSpec:
        data, target = options["data"], options["target"]
        tags = _tags(estimator)
        _validate(estimator, target, data, tags)
        if target is None and (tags.target_tags.required or _fit_needs_y(estimator)):
            target = "binary"
        return TransformerSpec(estimator=estimator, tags=tags, target=target, data=data)

    def strategy(self, spec: TransformerSpec) -> st.SearchStrategy[TransformerExample]:
        return _strategy(spec)

    def make_case(self, spec: TransformerSpec, example: TransformerExample) -> TransformerCase:
        return TransformerCase(spec, example)

    def preflight(self, spec: TransformerSpec) -> dict[str, Violation]:
        """Every fit starts from ``clone(estimator)``: a clone that raises (an ``__init__``
        that changes or renames a parameter) is one finding, not one per property."""
        if not hasattr(spec.estimator, "get_params"):
            return {}
        from sklearn.base import clone

        try:
            call_user("clone", clone, spec.estimator)
        except Violation as exc:
            shown = safe_repr(spec.estimator, 200)
            return {"clone_params_roundtrip": Violation(str(exc), counterexample=shown)}
        return {}

    def declaration(self, spec: TransformerSpec) -> str:
        data = "generated feature matrices" if spec.data is None else f"data={short(spec.data)}"
        return data if spec.target is None else f"{data}, target={spec.target!r}"


TRANSFORMER = TransformerChecker()


@TRANSFORMER.public
def check_transformer(
    estimator: Any,
    *,
    data: Any = None,
    target: str | None = None,
    max_examples: int = TRANSFORMER.max_examples,
    seed: int | None = None,
    skip: tuple[str, ...] | list[str] = (),
    raise_on_failure: bool = True,
    only: tuple[str, ...] | list[str] | None = None,
) -> Report:
    """Property-test an unfitted scikit-learn style transformer.

    The estimator is cloned for every fit; the caller's object is never changed. ``target``
    names the kind of ``y`` that ``fit`` needs; when omitted it comes from the estimator's
    tags (``target_tags.required``) or a ``fit(X, y)`` signature without a default for
    ``y``, with a binary target. ``only`` restricts the run to some properties.

    >>> from sklearn.preprocessing import StandardScaler
    >>> check_transformer(StandardScaler(), max_examples=5).passed
    True
    """
    __tracebackhide__ = True
    return TRANSFORMER.check_arguments(locals())

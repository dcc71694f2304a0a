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

from mltest import strategies as mst
from mltest.errors import UsageError
from mltest.properties._arrays import (
    assert_outputs_close,
    dense,
    n_rows,
    snapshot,
    take_rows,
    unchanged,
)
from mltest.properties.engine import (
    NotApplicable,
    Property,
    Rejected,
    Violation,
    call_user,
    prop,
    run_properties,
    validate_common,
)
from mltest.report import Report

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
    """One example plus the work properties share on it (fresh clones, one fit)."""

    def __init__(self, spec: TransformerSpec, example: TransformerExample) -> None:
        self.spec = spec
        self.X = example.X
        self.y = example.y

    def new(self) -> Any:
        """A fresh unfitted clone; an unseeded ``random_state`` is fixed so two fits of the
        same data are comparable (the caller's object is never touched)."""
        from sklearn.base import clone

        est = self.spec.estimator
        fresh = clone(est) if hasattr(est, "get_params") else snapshot(est)
        if self.spec.randomized and self.spec.params.get("random_state") is None:
            fresh.set_params(random_state=0)
        return fresh

    def fit(self, est: Any, X: Any, y: Any = None) -> Any:
        """Fit ``est``; a ``ValueError`` on the drawn data means the input is refused."""
        args = (X,) if self.spec.target is None else (X, y)
        try:
            return est.fit(*args)
        except ValueError as exc:
            raise Rejected(f"fit raised ValueError: {exc}") from exc
        except Exception as exc:
            raise Violation(f"fit raised {type(exc).__name__}: {exc}") from exc

    def fit_transform_new(self, X: Any, y: Any = None) -> Any:
        """``fit_transform`` of a fresh clone; ``ValueError`` refuses the input as in fit."""
        est = self.new()
        args = (X,) if self.spec.target is None else (X, y)
        try:
            return est.fit_transform(*args)
        except ValueError as exc:
            raise Rejected(f"fit_transform raised ValueError: {exc}") from exc
        except Exception as exc:
            raise Violation(f"fit_transform raised {type(exc).__name__}: {exc}") from exc

    def fit_new(self, X: Any, y: Any = None) -> Any:
        est = self.new()
        self.fit(est, X, y)
        return est

    @functools.cached_property
    def fit_inputs(self) -> tuple[Any, Any]:
        return snapshot(self.X), snapshot(self.y)

    @functools.cached_property
    def fitted(self) -> tuple[Any, Any]:
        """``(estimator, what fit returned)`` for a fit on a copy of the example."""
        est = self.new()
        X, y = self.fit_inputs
        return est, self.fit(est, X, y)

    @property
    def model(self) -> Any:
        return self.fitted[0]

    def transform(self, est: Any, X: Any, what: str = "transform") -> Any:
        return call_user(what, est.transform, X)

    @functools.cached_property
    def transform_input(self) -> Any:
        return snapshot(self.X)

    @functools.cached_property
    def raw_output(self) -> Any:
        # A ValueError here, on the very rows fit accepted, is a refusal of the input
        # (too few rows for n_neighbors, say), like one from fit.
        model = self.model
        try:
            return model.transform(self.transform_input)
        except ValueError as exc:
            raise Rejected(f"transform of the fitted data raised ValueError: {exc}") from exc
        except Exception as exc:
            raise Violation(f"transform raised {type(exc).__name__}: {exc}") from exc

    @functools.cached_property
    def output(self) -> np.ndarray:
        return dense(self.raw_output)

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
    est, returned = case.fitted
    if returned is not est:
        raise Violation(f"fit returned {type(returned).__name__} {returned!r:.80}, not self")


@prop(PROPERTIES)
def no_input_mutation(case: TransformerCase) -> None:
    """``fit``, ``transform`` and ``fit_transform`` leave their inputs unchanged.

    An in-place ``X -= mean`` silently corrupts the caller's training data, and the bug
    shows up only when that data is used a second time.
    """
    X_fit, y_fit = case.fit_inputs
    case.model  # noqa: B018 - performs the fit
    if not unchanged(case.X, X_fit):
        raise Violation("fit modified X in place")
    if not unchanged(case.y, y_fit):
        raise Violation("fit modified y in place")
    case.raw_output  # noqa: B018 - performs the transform
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
    try:
        est = case.fit_new(other, case.y)
        out = est.transform(snapshot(other))
    except (Rejected, ValueError) as exc:
        raise NotApplicable(f"the other container was refused: {exc}") from exc
    except Exception as exc:
        raise Violation(f"transform raised {type(exc).__name__}: {exc}") from exc
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

    model, out = case.model, case.raw_output
    try:
        back = model.inverse_transform(out)
    except (NotFittedError, ValueError) as exc:
        raise NotApplicable(f"inverse_transform is not available here: {exc}") from exc
    except Exception as exc:
        raise Violation(f"inverse_transform raised {type(exc).__name__}: {exc}") from exc
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
    case.model  # noqa: B018 - performs the fit
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
        est = case.fit_new(X, case.y)
        out = dense(case.transform(est, X))
        if out.dtype.kind == "f" and out.dtype != np.dtype(dtype):
            raise Violation(f"{dtype} input gave {out.dtype} output")


# --- the front door ---------------------------------------------------------------------


def property_names() -> list[str]:
    return [p.name for p in PROPERTIES]


def _validate(estimator: Any, target: Any, data: Any, tags: Any) -> None:
    if isinstance(estimator, type):
        raise UsageError(
            f"estimator={estimator.__name__}: pass an instance, e.g. {estimator.__name__}()"
        )
    for method in ("fit", "transform"):
        if not callable(getattr(estimator, method, None)):
            raise UsageError(f"estimator={estimator!r:.80}: has no {method}() method")
    if target is not None and target not in mst.TARGET_KINDS:
        raise UsageError(f"target={target!r}: must be None or one of {list(mst.TARGET_KINDS)}")
    if (
        data is not None
        and not isinstance(data, st.SearchStrategy)
        and not hasattr(data, "strategy")
    ):
        raise UsageError(f"data={data!r:.80}: must be None, a hypothesis strategy or a Schema")
    if data is None and tags.input_tags.pairwise:
        raise UsageError(
            f"estimator={estimator!r:.80}: takes a square kernel matrix (pairwise tag); "
            "pass data= with a strategy of such matrices"
        )
    if data is None and not tags.input_tags.two_d_array:
        raise UsageError(
            f"estimator={estimator!r:.80}: its tags say it does not take 2-D arrays; "
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


def check_transformer(
    estimator: Any,
    *,
    data: Any = None,
    target: str | None = None,
    max_examples: int = 50,
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
    tags = _tags(estimator)
    _validate(estimator, target, data, tags)
    validate_common(
        max_examples=max_examples, seed=seed, skip=skip, only=only, names=property_names()
    )
    if target is None and (tags.target_tags.required or _fit_needs_y(estimator)):
        target = "binary"
    spec = TransformerSpec(estimator=estimator, tags=tags, target=target, data=data)
    report = run_properties(
        repr(estimator),
        PROPERTIES,
        spec,
        _strategy(spec),
        TransformerCase,
        max_examples=max_examples,
        seed=seed,
        skip=skip,
        only=only,
    )
    if raise_on_failure:
        report.raise_if_failed()
    return report

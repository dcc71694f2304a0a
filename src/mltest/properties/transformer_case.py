"""What a transformer property reads: the declaration (``TransformerSpec``), one drawn
example, and the example prepared once (``TransformerCase``: a clone fitted on it and its
transform), with the applicability predicates that read the declaration."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from typing import Any

import numpy as np
import pandas as pd

from mltest.engine import NotApplicable, Refused, call_user
from mltest.properties._arrays import dense, n_rows, shown, snapshot, take_rows

# --- what the user declared -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TransformerSpec:
    """What ``check_transformer`` knows about the estimator before drawing any data."""

    estimator: Any
    tags: Any
    target: str | None
    data: Any
    reference: Any = None
    output_bounds: tuple[float | None, float | None] | None = None
    monotone: Any = None  # None, "increasing", "decreasing", or {column: direction}
    idempotent: bool = False

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
        return shown(precision=6, threshold=200, X=self.X, y=self.y)


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
        self.params_before = _params(self.model)
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
        if isinstance(self.raw_output, (list, tuple)) and not self.raw_output:
            # no output columns (a transformer that drops everything), not no rows
            self.output = np.empty((n_rows(self.X), 0))
        if _degenerate(self.y):
            # a target with one class or one value: fit and transform above must not crash
            # on it (runs_on_valid_input), but what fit learns from it is undefined (an
            # F-statistic of 0/0), so the other properties do not judge it
            raise Refused(
                "a degenerate target (a single class or value): checked for crashes only"
            )

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

    def other_rows(self) -> tuple[Any, Any]:
        """Other data of the same kind: the second half of the rows (fewer categories,
        other statistics), for the properties that fit on other data."""
        n = n_rows(self.X)
        if n < 2:
            raise NotApplicable("needs at least 2 rows")
        idx = list(range(n // 2, n))
        y = None if self.y is None else take_rows(snapshot(self.y), idx)
        return take_rows(snapshot(self.X), idx), y

    @functools.cached_property
    def missing(self) -> np.ndarray | None:
        """Which cells of ``X`` are missing or not finite (``None`` for input that is not a
        table of cells, such as a list of documents)."""
        return missing_cells(self.X)


def _degenerate(y: Any) -> bool:
    if y is None or n_rows(y) < 2:
        return False
    values = np.asarray(y)
    return bool((values == values.flat[0]).all())


def missing_cells(X: Any) -> np.ndarray | None:
    """Which cells are missing (NaN, ``None``, ``pd.NA``) or infinite; per column for a
    frame, whose float columns keep their infinities even beside text columns."""
    if isinstance(X, pd.DataFrame):
        masks = [_missing(X.iloc[:, j].to_numpy()) for j in range(X.shape[1])]
        return np.stack(masks, axis=1) if masks else np.zeros(X.shape, dtype=bool)
    if isinstance(X, np.ndarray) and X.ndim == 2:
        return _missing(X)
    return None


def _missing(values: np.ndarray) -> np.ndarray:
    mask = np.asarray(pd.isna(values), dtype=bool)
    if values.dtype.kind in "fc":
        mask |= ~np.isfinite(values)
    return mask


def _params(est: Any) -> dict[str, Any] | None:
    """A copy of the constructor parameters, deep where possible: ``fit`` that appends to
    a list parameter in place changes what a shallow copy still points at."""
    get_params = getattr(est, "get_params", None)
    if not callable(get_params):
        return None
    params = get_params(deep=False)
    try:
        return snapshot(params)
    except Exception:  # a parameter that cannot be copied is compared by identity
        return dict(params)


# --- applicability, from the declaration ------------------------------------------------


def _requires_fit(spec: TransformerSpec) -> str | None:
    if not spec.tags.requires_fit:
        return "the estimator's tags say it needs no fit (requires_fit=False)"
    return None


def _has(method: str, spec: TransformerSpec) -> str | None:
    """``applies`` of a property that needs ``method``; bound per property with
    ``functools.partial`` (a check built at import time is one mutation testing cannot
    reach)."""
    if not hasattr(spec.estimator, method):
        return f"the estimator has no {method}()"
    return None


def _deterministic_fit(spec: TransformerSpec) -> str | None:
    # a random_state is fixed on every clone (``TransformerCase.new``): a seeded fit is
    # as deterministic as any other, and is checked
    if spec.tags.non_deterministic:
        return "the estimator's tags declare it non-deterministic"
    return None


def _refits_from_scratch(spec: TransformerSpec) -> str | None:
    if not spec.tags.requires_fit:
        return "the estimator's tags say it needs no fit (requires_fit=False)"
    if spec.params.get("warm_start"):
        return "warm_start=True: a second fit continues from the first by design"
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

"""``check_transformer``: the transformer kind of check.

Every property reads one drawn example through a ``TransformerCase``
(``transformer_case.py``), which fits the estimator once and shares the fit and its
output among the properties: the generic ones every transformer must hold
(``transformer_properties.py``) and the expectations a user declares
(``transformer_expectations.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mltest import arguments
from mltest import strategies as mst
from mltest.arguments import short
from mltest.checker import PropertyChecker
from mltest.engine import Property, Violation, call_user
from mltest.errors import UsageError
from mltest.properties._arrays import n_rows
from mltest.properties.transformer_case import (
    TransformerCase,
    TransformerExample,
    TransformerSpec,
    _fit_needs_y,
    _tags,
)
from mltest.properties.transformer_expectations import DIRECTIONS, EXPECTATIONS
from mltest.properties.transformer_properties import GENERIC
from mltest.report import Report, safe_repr

PROPERTIES: list[Property] = [*GENERIC, *EXPECTATIONS]


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


def _expectations(options: dict[str, Any]) -> dict[str, Any]:
    """The declared expectations, validated."""
    reference, bounds = options["reference"], options["output_bounds"]
    monotone, idempotent = options["monotone"], options["idempotent"]
    if reference is not None:
        if isinstance(reference, type):
            raise UsageError(f"reference={reference.__name__}: pass an unfitted instance")
        for method in ("fit", "transform", "get_params"):
            if not callable(getattr(reference, method, None)):
                raise UsageError(f"reference={short(reference)}: has no {method}() method")
    if bounds is not None:
        if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
            raise UsageError(
                f"output_bounds={bounds!r}: must be a pair (lo, hi); either may be None"
            )
        lo, hi = bounds
        if lo is not None and hi is not None and lo > hi:
            raise UsageError(f"output_bounds={tuple(bounds)!r}: lower bound above upper bound")
        bounds = (lo, hi)
    if monotone is True:
        monotone = "increasing"
    if monotone is False:
        monotone = None
    if isinstance(monotone, dict):
        for column, direction in monotone.items():
            arguments.choice(f"monotone[{column!r}]", direction, DIRECTIONS)
    elif monotone is not None:
        arguments.choice("monotone", monotone, (*DIRECTIONS, True))
    arguments.flag("idempotent", idempotent)
    return {
        "reference": reference,
        "output_bounds": bounds,
        "monotone": monotone,
        "idempotent": idempotent,
    }


def _with_missing(xs: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Matrices with some cells missing, beside the complete ones: for transformers that
    accept NaN (tag ``allow_nan``)."""

    @st.composite
    def holes(draw: st.DrawFn) -> Any:
        X = draw(xs).astype(np.float64)
        # a few missing cells, drawn sparsely (most of the mask is its fill)
        mask = draw(hnp.arrays(np.bool_, X.shape, elements=st.just(True), fill=st.just(False)))
        X[mask] = np.nan
        return X

    return st.one_of(xs, holes())


def _strategy(spec: TransformerSpec) -> st.SearchStrategy[TransformerExample]:
    if spec.data is None:
        xs = mst.feature_matrices(positive=spec.tags.input_tags.positive_only)
        if spec.tags.input_tags.allow_nan:
            xs = _with_missing(xs)
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
        return TransformerSpec(estimator, tags, target, data, **_expectations(options))

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
    reference: Any = None,
    output_bounds: tuple[float | None, float | None] | None = None,
    monotone: Any = None,
    idempotent: bool = False,
    max_examples: int = TRANSFORMER.max_examples,
    max_seconds: float = TRANSFORMER.max_seconds,
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

    Declared expectations, each off unless given: ``reference`` (a trusted unfitted
    transformer whose output must be matched), ``output_bounds=(lo, hi)``, ``monotone``
    (``"increasing"``, ``"decreasing"``, or ``{column: direction}``) and ``idempotent``.
    ``max_seconds`` bounds the check: properties are decided on the examples seen in time.

    >>> from sklearn.preprocessing import StandardScaler
    >>> check_transformer(StandardScaler(), max_examples=5).passed
    True
    """
    __tracebackhide__ = True
    return TRANSFORMER.check_arguments(locals())

"""The ``model`` kind: ``check_model`` property-tests a *trained* model's behaviour.

Rows are drawn from a ``mltest.data.Schema`` (so they look like production rows, range
edges included) and every failure is shrunk to a minimal row. The case and the call live
in ``model_case``; the properties in ``model_properties``.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from mltest import arguments
from mltest.analysis.model_case import DIRECTIONS, ModelCase, ModelExample, ModelSpec
from mltest.analysis.model_properties import PROPERTIES
from mltest.checker import PropertyChecker
from mltest.engine import Property
from mltest.errors import UsageError
from mltest.report import Report

__all__ = ["MODEL", "PROPERTIES", "check_model"]


def _kind(model: Any) -> str:
    from mltest._models import model_kind

    kind = model_kind(model)
    if kind is not None:
        return kind
    raise UsageError(
        f"model={arguments.short(model)}: needs a predict method, or to be a torch module "
        "or a callable"
    )


def _schema(schema: Any, X: Any) -> tuple[Any, bool]:
    """(the schema rows are drawn from, whether X came as a DataFrame)."""
    import pandas as pd

    from mltest.data import Schema, infer_schema

    if schema is not None:
        if isinstance(schema, str):
            schema = Schema.load(schema)
        if not isinstance(schema, Schema):
            raise UsageError(f"schema={arguments.short(schema)}: must be a mltest.data.Schema")
        return schema, False
    if X is None:
        raise UsageError(
            "check_model needs schema= (the rows to draw) or X= (rows to learn it from)"
        )
    if isinstance(X, pd.DataFrame):
        return infer_schema(X, margin=0.0), True
    try:
        import numpy as np

        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise UsageError(
            f"X={arguments.short(X)}: must be a DataFrame or a 2-D numeric array"
        ) from None
    if array.ndim != 2 or len(array) < 2:
        raise UsageError(f"X: shape {array.shape}; give a 2-D array of at least 2 rows")
    frame = pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])
    return infer_schema(frame, margin=0.0), False


def _names(argument: str, value: Any, schema: Any) -> list[str]:
    names = [value] if isinstance(value, str) else list(value or ())
    unknown = [n for n in names if n not in schema.columns]
    if unknown:
        raise UsageError(f"{argument}={unknown}: not columns of the schema {list(schema.columns)}")
    return names


def _monotone(value: Any, schema: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UsageError(
            f"monotone={arguments.short(value)}: must map columns to 'increasing'/'decreasing'"
        )
    _names("monotone", list(value), schema)
    for name, direction in value.items():
        arguments.choice(f"monotone[{name!r}]", direction, DIRECTIONS)
        if schema.columns[name].kind not in ("int", "float"):
            raise UsageError(
                f"monotone[{name!r}]: the column is {schema.columns[name].kind}, not numeric"
            )
    return dict(value)


def _cases(value: Any, schema: Any) -> list[tuple[dict[str, Any], Any]]:
    out = []
    for i, item in enumerate(value or ()):
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], dict)):
            raise UsageError(f"cases[{i}]: must be a pair (row as a dict, expected prediction)")
        missing = [c for c in schema.columns if c not in item[0]]
        if missing:
            raise UsageError(f"cases[{i}]: the row lacks columns {missing}")
        out.append((dict(item[0]), item[1]))
    return out


class ModelChecker(PropertyChecker):
    """Trained models (scikit-learn estimators, torch modules, predict callables): the
    ``model-analysis`` stage."""

    name = "model"
    stage = "model-analysis"
    argument = "model"
    max_examples = 30
    max_seconds = 60.0
    usage_hint = "check schema= or X=: every generated row must be one the model takes"

    def kind_properties(self) -> Sequence[Property]:
        return PROPERTIES

    def make(self, obj: Any) -> Any:
        """``@mltest.model`` decorates a function of no arguments that returns the
        trained model: it is called once, when the check runs."""
        if inspect.isfunction(obj) and not inspect.signature(obj).parameters:
            try:
                return obj()
            except Exception as exc:
                raise UsageError(
                    f"@mltest.model on {obj.__qualname__}: building the model raised "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
        return obj

    def prepare(self, model: Any, **options: Any) -> ModelSpec:
        kind = _kind(model)
        schema, given_frame = _schema(options["schema"], options["X"])
        numeric = all(c.kind in ("int", "float", "bool") for c in schema.columns.values())
        frame = kind != "torch" and (
            hasattr(model, "feature_names_in_")
            or not numeric
            or (given_frame and kind == "callable")
        )
        loose = kind == "torch"
        rtol = options["rtol"] if options["rtol"] is not None else (1e-5 if loose else 1e-7)
        atol = options["atol"] if options["atol"] is not None else (1e-6 if loose else 1e-10)
        return ModelSpec(
            model=model,
            schema=schema,
            frame=frame,
            kind=kind,
            has_proba=kind == "predict" and callable(getattr(model, "predict_proba", None)),
            invariant_to=_names("invariant_to", options["invariant_to"], schema),
            monotone=_monotone(options["monotone"], schema),
            cases=_cases(options["cases"], schema),
            rtol=arguments.number("rtol", rtol, minimum=0.0),
            atol=arguments.number("atol", atol, minimum=0.0),
        )

    def describe(self, subject: Any) -> str:
        return type(subject).__name__ if not inspect.isfunction(subject) else subject.__qualname__

    def strategy(self, spec: ModelSpec) -> st.SearchStrategy[ModelExample]:
        schema = spec.schema

        @st.composite
        def example(draw: st.DrawFn) -> ModelExample:
            n = draw(st.integers(2, 12))
            batch = draw(schema.strategy(min_rows=n, max_rows=n))
            other = draw(schema.strategy(min_rows=n, max_rows=n))
            return ModelExample(batch, other)

        return example()

    def make_case(self, spec: ModelSpec, example: ModelExample) -> ModelCase:
        return ModelCase(spec, example)

    def declaration(self, spec: ModelSpec) -> str:
        return f"the schema's columns {list(spec.schema.columns)}"


MODEL = ModelChecker()


@MODEL.public
def check_model(
    model: Any,
    *,
    schema: Any = None,
    X: Any = None,
    invariant_to: Sequence[str] | str = (),
    monotone: dict[str, str] | None = None,
    cases: Sequence[tuple[dict[str, Any], Any]] = (),
    rtol: float | None = None,
    atol: float | None = None,
    max_examples: int = MODEL.max_examples,
    max_seconds: float = MODEL.max_seconds,
    seed: int | None = None,
    skip: tuple[str, ...] | list[str] = (),
    raise_on_failure: bool = True,
    only: tuple[str, ...] | list[str] | None = None,
) -> Report:
    """Property-test a trained ``model`` on rows drawn from ``schema`` (or from a schema
    learned from sample rows ``X``, within their observed ranges).

    Built-in properties: ``deterministic``, ``batch_independent``, ``finite_outputs``,
    ``proba_valid``, ``numpy_frame_agree``, ``no_input_mutation``, ``round_trip``.
    Declared ones: ``invariant_to=["customer_id"]``, ``monotone={"income": "increasing"}``,
    ``cases=[(row, expected), ...]``. ``rtol``/``atol``: how close two float predictions
    must be to count as the same (defaults 1e-7/1e-10; 1e-5/1e-6 for torch's float32).
    """
    __tracebackhide__ = True
    return MODEL.check_arguments(locals())

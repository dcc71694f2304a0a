"""What ``check_model`` knows about a trained model, and the one way it calls it.

The spec says how to call the model (a scikit-learn estimator, a torch module, a
``predict``-style callable), whether it wants a DataFrame or an array, what it outputs
(labels, probabilities, values) and what the user expects of it. An example is a batch of
rows drawn from the schema, with a second, independent batch to borrow values from (for
invariance and monotonicity); the case holds the model's predictions on the batch, made
once and read by every property.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from mltest._models import call_model
from mltest.engine import call_user

DIRECTIONS = ("increasing", "decreasing")


@dataclasses.dataclass
class ModelSpec:
    model: Any
    schema: Any  # mltest.data.Schema the rows are drawn from
    frame: bool  # the model takes a DataFrame (else a float array in schema order)
    kind: str  # mltest._models.model_kind: "predict", "torch", "callable"
    has_proba: bool
    invariant_to: list[str]
    monotone: dict[str, str]
    cases: list[tuple[dict[str, Any], Any]]
    rtol: float
    atol: float

    @property
    def numeric(self) -> bool:
        return all(c.kind in ("int", "float", "bool") for c in self.schema.columns.values())


@dataclasses.dataclass
class ModelExample:
    batch: pd.DataFrame
    other: pd.DataFrame  # same length, drawn independently


class ModelCase:
    """One example and the model's predictions on it (``call_user`` classifies whatever
    the model raises as a finding)."""

    def __init__(self, spec: ModelSpec, example: ModelExample) -> None:
        self.spec = spec
        self.batch = example.batch.reset_index(drop=True)
        self.other = example.other.reset_index(drop=True)
        self.predictions = predict(spec, self.batch)


def as_input(spec: ModelSpec, frame: pd.DataFrame) -> Any:
    """The rows as the model takes them, always a fresh copy (``to_numpy`` of a frame
    with one float block is a view: a model that writes into its input would otherwise
    change the drawn example under every later property)."""
    if spec.frame:
        return frame.copy()
    return np.array(frame.to_numpy(dtype=np.float64), copy=True)


def predict(spec: ModelSpec, frame: pd.DataFrame, *, method: str = "predict") -> np.ndarray:
    """The model's output on ``frame`` as an array (a crash is a ``Violation``)."""
    out = call_user(
        f"{method}()", call_model, spec.model, spec.kind, as_input(spec, frame), method
    )
    return np.asarray(out)


def score(spec: ModelSpec, frame: pd.DataFrame) -> np.ndarray:
    """One number per row that a monotone feature must move: the positive class's
    probability (binary), else the prediction itself (regression, a torch output)."""
    if spec.has_proba:
        proba = predict(spec, frame, method="predict_proba")
        return proba[:, -1] if proba.ndim == 2 else proba
    values = predict(spec, frame)
    return values.reshape(len(frame), -1)[:, -1].astype(np.float64)


def same(a: np.ndarray, b: np.ndarray, spec: ModelSpec) -> np.ndarray:
    """Per-row agreement: exact for labels, within the tolerances for numbers."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return np.zeros(len(a), dtype=bool)
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        close = np.isclose(a, b, rtol=spec.rtol, atol=spec.atol, equal_nan=True)
    else:
        close = a == b
    return np.asarray(np.asarray(close).reshape(len(a), -1).all(axis=1))


def first_row(frame: pd.DataFrame, rows: np.ndarray) -> dict[str, Any]:
    """The first row where ``rows`` is True, as a plain dict (what the user is shown)."""
    index = int(np.flatnonzero(rows)[0])
    return {c: _plain(frame[c].iloc[index]) for c in frame.columns}  # each in its own dtype


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value

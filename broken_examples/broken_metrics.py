"""Deliberately broken metrics: ``pytest --mltest broken_examples/`` shows each bug."""

from __future__ import annotations

import numpy as np

import mltest


@mltest.metric(task="binary", bounds=(0, 1), symmetric=True)
def weighted_accuracy(y_true, y_pred, sample_weight=None):
    """Divides by the number of rows, not the total weight (zero_weights_drop_rows,
    integer_weights_repeat_rows); compares raw containers (container_agnostic)."""
    hits = y_true == y_pred
    if sample_weight is None:
        return float(np.mean(hits))
    return float(np.sum(np.asarray(sample_weight) * hits) / len(y_true))


@mltest.metric(task="regression", bounds=(None, 1))
def r_squared(y_true, y_pred):
    """No guard for a constant target: silent NaN or -inf (finite_on_edge_cases)."""
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    with np.errstate(all="ignore"):
        return float(1 - np.sum((y_true - y_pred) ** 2) / np.sum((y_true - y_true.mean()) ** 2))

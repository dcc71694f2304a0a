"""Evaluation metrics of the pricing model, checked by ``pytest --mltest examples/``."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

import mltest


@mltest.metric(
    task="multiclass",
    bounds=(0, 1),
    reference=lambda t, p, sample_weight=None: f1_score(
        t, p, average="macro", sample_weight=sample_weight
    ),
)
def macro_f1(y_true, y_pred, sample_weight=None):
    """Unweighted mean of per-class F1 over the classes in y_true or y_pred."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    w = np.ones(len(y_true)) if sample_weight is None else np.asarray(sample_weight, float)
    scores = []
    for label in np.union1d(y_true, y_pred):
        tp = np.sum(w * ((y_true == label) & (y_pred == label)))
        fp = np.sum(w * ((y_true != label) & (y_pred == label)))
        fn = np.sum(w * ((y_true == label) & (y_pred != label)))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


@mltest.metric(task="regression", bounds=(0, None), greater_is_better=False, symmetric=True)
def mean_absolute_log_error(y_true, y_pred, sample_weight=None):
    """Mean |log1p|y_true| - log1p|y_pred||: relative errors for prices spanning decades."""
    a = np.log1p(np.abs(np.asarray(y_true, dtype=np.float64)))
    b = np.log1p(np.abs(np.asarray(y_pred, dtype=np.float64)))
    return float(np.average(np.abs(a - b), weights=sample_weight))

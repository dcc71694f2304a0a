"""No false alarms: scikit-learn's metrics, declared correctly, pass every property."""

from __future__ import annotations

import functools

import pytest
from sklearn import metrics as m

from mltest.properties.metric import check_metric

PROB = {"bounds": (0, 1)}
ERROR = {"bounds": (0, None), "greater_is_better": False}

CASES = [
    ("accuracy", m.accuracy_score, {"task": "binary", **PROB, "symmetric": True}),
    ("accuracy-multiclass", m.accuracy_score, {"task": "multiclass", **PROB, "symmetric": True}),
    ("balanced_accuracy", m.balanced_accuracy_score, {"task": "multiclass", **PROB}),
    ("precision", m.precision_score, {"task": "binary", **PROB}),
    ("recall", m.recall_score, {"task": "binary", **PROB}),
    ("f1", m.f1_score, {"task": "binary", **PROB}),
    ("f1-macro", functools.partial(m.f1_score, average="macro"), {"task": "multiclass", **PROB}),
    ("mcc", m.matthews_corrcoef, {"task": "multiclass", "bounds": (-1, 1), "symmetric": True}),
    ("kappa", m.cohen_kappa_score, {"task": "multiclass", "bounds": (-1, 1), "symmetric": True}),
    ("log_loss", m.log_loss, {"task": "multiclass", "y_pred": "proba", **ERROR}),
    ("log_loss-binary", m.log_loss, {"task": "binary", "y_pred": "proba", **ERROR}),
    ("roc_auc", m.roc_auc_score, {"task": "binary", "y_pred": "scores", **PROB}),
    (
        "average_precision",
        m.average_precision_score,
        {"task": "binary", "y_pred": "scores", **PROB},
    ),
    (
        "brier",
        m.brier_score_loss,
        {
            "task": "binary",
            "y_pred": "proba",
            "bounds": (0, 2),
            "best": 0,
            "greater_is_better": False,
        },
    ),
    ("mae", m.mean_absolute_error, {"task": "regression", **ERROR, "symmetric": True}),
    ("mse", m.mean_squared_error, {"task": "regression", **ERROR, "symmetric": True}),
    ("rmse", m.root_mean_squared_error, {"task": "regression", **ERROR, "symmetric": True}),
    ("median_ae", m.median_absolute_error, {"task": "regression", **ERROR, "symmetric": True}),
    ("r2", m.r2_score, {"task": "regression", "bounds": (None, 1)}),
    (
        "explained_variance",
        m.explained_variance_score,
        {"task": "regression", "bounds": (None, 1)},
    ),
    ("max_error", m.max_error, {"task": "regression", **ERROR, "symmetric": True}),
    ("mape", m.mean_absolute_percentage_error, {"task": "regression", **ERROR}),
]


@pytest.mark.slow
@pytest.mark.parametrize(("fn", "kwargs"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_sklearn_metric_passes_every_applicable_property(fn, kwargs):
    report = check_metric(fn, reference=fn, raise_on_failure=False, max_examples=40, **kwargs)
    assert report.passed, report.failure_message()

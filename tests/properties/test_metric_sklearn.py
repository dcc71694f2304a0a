"""No false alarms: scikit-learn's metrics, declared correctly, pass every property, with an
independent numpy implementation (``metric_oracles``) as ``reference=``.

Run at another seed with ``pytest tests/properties/test_metric_sklearn.py --mltest-seed N``.
"""

from __future__ import annotations

import functools

import pytest
from sklearn import metrics as m

from mltest.properties.metric import check_metric

from . import metric_oracles as oracle
from .sweep import Declaration, Defect, assert_only_declared_failures, seed_of

PROB = {"bounds": (0, 1)}
ERROR = {"bounds": (0, None), "greater_is_better": False}
UINT8_WRAPS = Defect(
    "test_regression_metrics_wrap_on_uint8_targets",
    r"dtype=uint8",  # the minimal counterexample is a pair of uint8 arrays
)

CASES = [
    ("accuracy", m.accuracy_score, oracle.accuracy, {"task": "binary", **PROB, "symmetric": True}),
    (
        "accuracy-multiclass",
        m.accuracy_score,
        oracle.accuracy,
        {"task": "multiclass", **PROB, "symmetric": True},
    ),
    (
        "balanced_accuracy",
        m.balanced_accuracy_score,
        oracle.balanced_accuracy,
        {"task": "multiclass", **PROB},
    ),
    ("precision", m.precision_score, oracle.precision, {"task": "binary", **PROB}),
    ("recall", m.recall_score, oracle.recall, {"task": "binary", **PROB}),
    ("f1", m.f1_score, oracle.f1, {"task": "binary", **PROB}),
    (
        "f1-macro",
        functools.partial(m.f1_score, average="macro"),
        oracle.f1_macro,
        {"task": "multiclass", **PROB},
    ),
    (
        "mcc",
        m.matthews_corrcoef,
        oracle.mcc,
        {"task": "multiclass", "bounds": (-1, 1), "symmetric": True},
    ),
    (
        "kappa",
        m.cohen_kappa_score,
        oracle.kappa,
        {"task": "multiclass", "bounds": (-1, 1), "symmetric": True},
    ),
    ("log_loss", m.log_loss, oracle.log_loss, {"task": "multiclass", "y_pred": "proba", **ERROR}),
    (
        "log_loss-binary",
        m.log_loss,
        oracle.log_loss,
        {"task": "binary", "y_pred": "proba", **ERROR},
    ),
    ("roc_auc", m.roc_auc_score, oracle.roc_auc, {"task": "binary", "y_pred": "scores", **PROB}),
    (
        "average_precision",
        m.average_precision_score,
        oracle.average_precision,
        {"task": "binary", "y_pred": "scores", **PROB},
    ),
    (
        "brier",
        m.brier_score_loss,
        oracle.brier,
        {
            "task": "binary",
            "y_pred": "proba",
            "bounds": (0, 1),
            "best": 0,
            "greater_is_better": False,
        },
    ),
    ("mae", m.mean_absolute_error, oracle.mae, {"task": "regression", **ERROR, "symmetric": True}),
    ("mse", m.mean_squared_error, oracle.mse, {"task": "regression", **ERROR, "symmetric": True}),
    (
        "rmse",
        m.root_mean_squared_error,
        oracle.rmse,
        {"task": "regression", **ERROR, "symmetric": True},
    ),
    (
        "median_ae",
        m.median_absolute_error,
        oracle.median_ae,
        {"task": "regression", **ERROR, "symmetric": True},
    ),
    ("r2", m.r2_score, oracle.r2, {"task": "regression", "bounds": (None, 1)}),
    (
        "explained_variance",
        m.explained_variance_score,
        oracle.explained_variance,
        {"task": "regression", "bounds": (None, 1)},
    ),
    (
        "max_error",
        m.max_error,
        oracle.max_error,
        {"task": "regression", **ERROR, "symmetric": True},
    ),
    ("mape", m.mean_absolute_percentage_error, oracle.mape, {"task": "regression", **ERROR}),
]

DECLARED = {
    # scikit-learn 1.9.1 subtracts uint8 targets in uint8: 0 - 100 wraps to 156
    "max_error": Declaration(
        known={
            "symmetric": UINT8_WRAPS,
            "container_agnostic": UINT8_WRAPS,
            "matches_reference": UINT8_WRAPS,
            "stable_for_large_inputs": UINT8_WRAPS,
        }
    ),
    "median_ae": Declaration(
        known={
            "symmetric": UINT8_WRAPS,
            "container_agnostic": UINT8_WRAPS,
            "matches_reference": UINT8_WRAPS,
            "stable_for_large_inputs": UINT8_WRAPS,
        }
    ),
}


@pytest.mark.parametrize(
    ("fn", "reference", "kwargs"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_sklearn_metric_passes_every_applicable_property(request, fn, reference, kwargs):
    declaration = DECLARED.get(request.node.callspec.id, Declaration())
    report = check_metric(
        fn,
        reference=reference,
        raise_on_failure=False,
        max_examples=40,
        seed=seed_of(request),
        **declaration.check_options(),
        **kwargs,
    )
    assert_only_declared_failures(report, declaration)
    if "matches_reference" not in declaration.known:  # the oracle agreed on every example
        assert report["matches_reference"].status == "passed", report["matches_reference"].message


def test_every_declaration_names_a_case():
    assert set(DECLARED) <= {c[0] for c in CASES}

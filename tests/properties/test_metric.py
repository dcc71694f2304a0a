"""Each metric property: a realistic buggy metric fails it (named in the message), trusted
ones pass."""

from __future__ import annotations

import pytest
from sklearn import metrics as m

import mltest
from mltest.properties.metric import check_metric, property_names

from . import buggy_metrics as bug

BUGS = [
    ("within_bounds", bug.accuracy_percent, {"task": "binary", "bounds": (0, 1)}),
    (
        "perfect_prediction_is_best",
        bug.f1_without_factor_two,
        {"task": "binary", "bounds": (0, 1)},
    ),
    ("symmetric", bug.kappa_with_wrong_chance_term, {"task": "multiclass", "symmetric": True}),
    (
        "sample_order_invariant",
        bug.auc_sorting_scores_only,
        {"task": "binary", "y_pred": "scores"},
    ),
    ("weights_none_equals_ones", bug.rmse_weighted_path_forgets_sqrt, {"task": "regression"}),
    ("integer_weights_repeat_rows", bug.mae_ignoring_weights, {"task": "regression"}),
    ("zero_weights_drop_rows", bug.accuracy_dividing_by_rows, {"task": "binary"}),
    ("label_encoding_invariant", bug.balanced_accuracy_by_bincount, {"task": "multiclass"}),
    ("container_agnostic", bug.accuracy_on_raw_containers, {"task": "binary"}),
    ("no_input_mutation", bug.log_loss_clipping_in_place, {"task": "binary", "y_pred": "proba"}),
    ("deterministic", bug.auc_with_random_tie_breaking, {"task": "binary", "y_pred": "scores"}),
    ("finite_on_edge_cases", bug.r2_unguarded, {"task": "regression"}),
    (
        "matches_reference",
        bug.mape_signed_denominator,
        {"task": "regression", "reference": m.mean_absolute_percentage_error},
    ),
    (
        "stable_for_large_inputs",
        bug.balanced_accuracy_counting_in_label_dtype,
        {"task": "multiclass"},
    ),
]


def test_every_property_has_a_bug_that_fails_it():
    assert {name for name, *_ in BUGS} == set(property_names())


@pytest.mark.parametrize(("prop", "fn", "kwargs"), BUGS, ids=[b[0] for b in BUGS])
def test_buggy_metric_fails_the_property(prop, fn, kwargs):
    with pytest.raises(mltest.CheckFailure) as info:
        check_metric(fn, only=[prop], max_examples=50, **kwargs)
    assert f"{prop}: " in str(info.value)
    assert info.value.report.failed == [prop]
    assert "counterexample" in str(info.value)


@pytest.mark.parametrize(
    ("fn", "kwargs"),
    [
        (m.accuracy_score, {"task": "binary", "bounds": (0, 1), "symmetric": True}),
        (
            m.mean_absolute_error,
            {"task": "regression", "bounds": (0, None), "greater_is_better": False},
        ),
        (m.roc_auc_score, {"task": "binary", "y_pred": "scores", "bounds": (0, 1)}),
    ],
    ids=["accuracy", "mae", "roc_auc"],
)
def test_trusted_metrics_pass(fn, kwargs):
    report = check_metric(fn, max_examples=30, **kwargs)
    assert report.passed


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"fn": 3}, "fn=3", id="fn"),
        pytest.param({"task": "ranking"}, "task='ranking'", id="task"),
        pytest.param({"y_pred": "logits"}, "y_pred='logits'", id="y_pred"),
        pytest.param(
            {"task": "regression", "y_pred": "proba"}, "regression", id="regression-proba"
        ),
        pytest.param({"task": "multiclass", "y_pred": "scores"}, "binary only", id="mc-scores"),
        pytest.param({"bounds": (1, 0)}, "lower bound above upper bound", id="bounds-order"),
        pytest.param({"bounds": 1}, "pair", id="bounds-shape"),
        pytest.param({"bounds": (0, 1), "best": 2}, "best=2", id="best"),
        pytest.param({"symmetric": "yes"}, "symmetric='yes'", id="symmetric"),
        pytest.param({"reference": "f1"}, "reference=", id="reference"),
    ],
)
def test_bad_arguments_are_usage_errors(kwargs, match):
    kwargs = {"fn": m.accuracy_score, "task": "binary", **kwargs}
    with pytest.raises(mltest.UsageError, match=match):
        check_metric(**kwargs)


def test_metric_raising_on_every_input_is_a_usage_error():
    def needs_proba(y_true, y_pred):
        raise ValueError("y_pred must be probabilities")

    with pytest.raises(mltest.UsageError, match=r"fn=.*needs_proba.*every generated input"):
        check_metric(needs_proba, task="binary", max_examples=5)

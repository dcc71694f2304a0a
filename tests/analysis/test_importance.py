"""Leakage screens and permutation importance: planted leaks are named, a dominant
legitimate feature is not, redundant leaks are both named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import mltest
from mltest.analysis import (
    assert_no_leakage,
    assert_not_relying_on,
    check_leakage,
    check_not_relying_on,
    permutation_importance,
)


def _data(n=4_000, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "income": rng.normal(size=n),
            "age": rng.normal(size=n),
            "region": rng.choice(["north", "south", "east", "west"], n),
            "customer_id": np.arange(n),
        }
    )
    logit = 2.5 * X["income"] + 0.5 * X["age"]  # income dominates, but does not decide
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y, rng


def test_clean_data_with_a_dominant_feature_has_no_leak():
    X, y, _ = _data()
    report = check_leakage(X, y)
    assert report.passed
    assert report["no_leak"].figures["scores"]["customer_id"] < 0.6  # identifiers learn nothing


def test_a_copy_of_the_label_and_its_redundant_twin_are_both_named():
    X, y, rng = _data()
    X["outcome_code"] = np.where(y == 1, "A", "B")
    X["outcome_score"] = y * 10.0 + rng.normal(scale=0.1, size=len(y))  # a second leak
    report = check_leakage(X, y, raise_on_failure=False)
    assert sorted(report.failed) == ["leak: outcome_code", "leak: outcome_score"]
    # two numeric copies: each is named on its own, whichever a model would use
    numeric = X[["income", "age", "outcome_score"]].assign(outcome_flag=y)
    assert sorted(check_leakage(numeric, y, raise_on_failure=False).failed) == [
        "leak: outcome_flag",
        "leak: outcome_score",
    ]


def test_a_post_hoc_flag_on_a_quarter_of_the_rows_is_named():
    X, y, rng = _data()
    refunded = (y == 1) & (rng.random(len(y)) < 0.5)  # about a quarter of the rows
    X["refund_issued"] = refunded
    with pytest.raises(mltest.CheckFailure, match=r"refund_issued == True implies y == 1 on"):
        assert_no_leakage(X, y)
    # a single-column AUC would not single it out: its AUC is far from 1
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(y, refunded) < 0.8


def test_regression_target_leak():
    X, _, rng = _data()
    target = X["income"] * 3 + rng.normal(size=len(X))
    X["target_next_month"] = target + rng.normal(scale=0.01, size=len(X))
    report = check_leakage(X, target, raise_on_failure=False)
    assert report.failed == ["leak: target_next_month"]


def test_permutation_importance_and_reliance():
    X, y, _ = _data()
    numeric = X[["income", "age", "customer_id"]]
    model = LogisticRegression(max_iter=1000).fit(numeric, y)
    table = permutation_importance(model, numeric, y, n_repeats=5)
    assert table.iloc[0]["feature"] == "income"
    assert table.iloc[0]["low"] > 0.1
    with pytest.raises(mltest.CheckFailure, match="not_relying_on: income"):
        assert_not_relying_on(model, numeric, y, features=["income"])
    report = check_not_relying_on(model, numeric, y, features=["customer_id"], max_importance=0.02)
    assert report.results[0].status in ("passed", "inconclusive")
    # any predict callable works (a torch model wrapped in one)
    same = permutation_importance(model.predict, numeric.to_numpy(), y, n_repeats=5)
    assert same.iloc[0]["feature"] == "x0"


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(lambda X, y: check_leakage(X, y[:10]), "y: shape", id="length"),
        pytest.param(
            lambda X, y: check_leakage(X, np.where(y == 1, np.nan, 0.0)), "missing", id="nan-y"
        ),
        pytest.param(lambda X, y: check_leakage(np.zeros(3), y), "X: shape", id="X-shape"),
        pytest.param(lambda X, y: permutation_importance(object(), X, y), "model=", id="model"),
        pytest.param(
            lambda X, y: check_not_relying_on(lambda a: a, X, y, features=["nope"]),
            "features=",
            id="feature",
        ),
    ],
)
def test_bad_arguments_are_usage_errors(call, match):
    X, y, _ = _data(200)
    with pytest.raises(mltest.UsageError, match=match):
        call(X, y)


def test_calibration_no_leak_flagged_on_clean_data_across_seeds():
    flagged = sum(
        not check_leakage(*_data(2_000, seed)[:2], raise_on_failure=False).passed
        for seed in range(20)
    )
    assert flagged == 0


def test_importance_plot(tmp_path):
    pytest.importorskip("matplotlib")
    from mltest.analysis import plot_importance

    X, y, _ = _data(1_000)
    numeric = X[["income", "age"]]
    table = permutation_importance(LogisticRegression().fit(numeric, y), numeric, y, n_repeats=3)
    fig = plot_importance(table)
    assert len(fig.axes[0].patches) == 2
    assert fig.axes[0].get_yticklabels()[-1].get_text() == "income"
    fig.savefig(tmp_path / "importance.png")
    with pytest.raises(mltest.UsageError, match="permutation_importance"):
        plot_importance(pd.DataFrame())

"""Group metrics and fairness verdicts: a real gap fails, no gap passes where the data
can show it and is inconclusive where a group is too small, never silently passed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mltest
from mltest.analysis import assert_fair, check_fairness, group_metrics


def _data(sizes, rates, *, seed, tpr=None):
    rng = np.random.default_rng(seed)
    names = [chr(ord("a") + i) for i in range(len(sizes))]
    groups = np.repeat(names, sizes)
    y_true = rng.integers(0, 2, len(groups))
    p = np.repeat(rates, sizes)
    if tpr is not None:  # positives predicted at the group's true positive rate
        p = np.where(y_true == 1, np.repeat(tpr, sizes), p)
    y_pred = (rng.random(len(groups)) < p).astype(int)
    return y_true, y_pred, groups


def test_group_metrics_match_a_direct_computation_with_intervals():
    y_true, y_pred, groups = _data([3000, 1000, 200], [0.5, 0.4, 0.3], seed=0)
    table = group_metrics(y_true, y_pred, groups)
    assert table["group"].tolist() == ["a", "b", "c"]
    assert table["size"].tolist() == [3000, 1000, 200]
    for g, row in table.set_index("group").iterrows():
        m = groups == g
        assert row["accuracy"] == pytest.approx((y_true[m] == y_pred[m]).mean())
        assert row["selection_rate"] == pytest.approx(y_pred[m].mean())
        assert row["true_positive_rate"] == pytest.approx(y_pred[m][y_true[m] == 1].mean())
        assert row["selection_rate_low"] < row["selection_rate"] < row["selection_rate_high"]
    widths = (table["selection_rate_high"] - table["selection_rate_low"]).tolist()
    assert widths == sorted(widths)  # smaller groups, wider intervals


def test_intersections_weights_callables_and_empty_categories():
    rng = np.random.default_rng(1)
    n = 4000
    frame = pd.DataFrame(
        {
            "sex": pd.Categorical(rng.choice(["f", "m"], n), categories=["f", "m", "x"]),
            "age": rng.choice(["young", "old"], n),
        }
    )
    y_true, y_pred = rng.integers(0, 2, n), rng.integers(0, 2, n)
    table = group_metrics(y_true, y_pred, frame[["sex", "age"]], metrics=["selection_rate"])
    assert len(table) == 4
    assert set(zip(table["sex"], table["age"], strict=True)) == {
        ("f", "old"),
        ("f", "young"),
        ("m", "old"),
        ("m", "young"),
    }
    single = group_metrics(y_true, y_pred, frame["sex"], metrics=["selection_rate"])
    assert single.set_index("sex").loc["x", "size"] == 0  # listed, not dropped
    weights = np.where(frame["sex"] == "f", 2.0, 1.0)
    weighted = group_metrics(
        y_true, y_pred, frame["age"], metrics=["accuracy"], sample_weight=weights
    )
    m = frame["age"].to_numpy() == "old"
    expected = np.average(y_true[m] == y_pred[m], weights=weights[m])
    assert weighted.set_index("age").loc["old", "accuracy"] == pytest.approx(expected)

    def f1(t, p):
        tp = ((t == 1) & (p == 1)).sum()
        return 2 * tp / ((t == 1).sum() + (p == 1).sum())

    scores = group_metrics(y_true, y_pred, frame["age"], metrics=[f1])
    assert scores.set_index("age").loc["old", "f1"] == pytest.approx(f1(y_true[m], y_pred[m]))


def test_a_biased_group_fails_with_the_pair_named():
    y_true, y_pred, groups = _data([10_000, 10_000], [0.5, 0.4], seed=2)
    with pytest.raises(mltest.CheckFailure) as info:
        assert_fair(y_true, y_pred, groups, criterion="demographic_parity")
    result = info.value.report["selection_rate.difference"]
    assert result.status == "failed"
    assert result.figures["worst"] == ["a", "b"]
    assert result.figures["interval"][0] > 0.05
    assert set(result.counterexample) == {"a", "b"}
    assert (info.value.report.kind, info.value.report.stage) == ("fairness", "model-analysis")


def test_a_ten_point_gap_at_20000_rows_fails_in_at_least_95_percent_of_seeds():
    failed = 0
    for seed in range(40):
        y_true, y_pred, groups = _data([12_000, 8_000], [0.45, 0.35], seed=seed)
        report = check_fairness(
            y_true, y_pred, groups, criterion="demographic_parity", raise_on_failure=False
        )
        failed += report["selection_rate.difference"].status == "failed"
    assert failed >= 38


def test_no_difference_passes_and_a_30_row_group_is_inconclusive():
    statuses = []
    for seed in range(60):
        y_true, y_pred, groups = _data([6000, 3000, 30], [0.4, 0.4, 0.4], seed=100 + seed)
        report = check_fairness(
            y_true, y_pred, groups, criterion="demographic_parity", raise_on_failure=False
        )
        result = report["selection_rate.difference"]
        statuses.append(result.status)
        if result.status == "inconclusive":
            assert result.figures["undecided"] == ["c"]
            assert "c (30 rows)" in result.message
            assert report.passed  # inconclusive never fails a run, and is never a pass
    assert statuses.count("failed") <= 3  # at most 5%
    assert statuses.count("inconclusive") >= 57
    big = check_fairness(*_data([6000, 3000], [0.4, 0.4], seed=7), criterion="demographic_parity")
    assert big["selection_rate.difference"].status == "passed"


def test_equal_opportunity_equalized_odds_and_the_four_fifths_rule():
    y_true, y_pred, groups = _data([8000, 8000], [0.3, 0.3], seed=3, tpr=[0.8, 0.6])
    odds = check_fairness(
        y_true, y_pred, groups, criterion="equalized_odds", raise_on_failure=False
    )
    assert odds.failed == ["true_positive_rate.difference"]
    assert odds["false_positive_rate.difference"].status == "passed"
    opportunity = check_fairness(
        y_true, y_pred, groups, criterion="equal_opportunity", raise_on_failure=False
    )
    assert opportunity.failed == ["true_positive_rate.difference"]
    y_true, y_pred, groups = _data([8000, 8000], [0.5, 0.35], seed=4)
    ratio = check_fairness(
        y_true,
        y_pred,
        groups,
        criterion="demographic_parity",
        min_ratio=0.8,
        raise_on_failure=False,
    )
    assert [r.name for r in ratio.results] == ["selection_rate.ratio"]
    assert ratio["selection_rate.ratio"].status == "failed"  # 0.35 / 0.5 = 0.7 < 0.8
    fine = check_fairness(
        *_data([8000, 8000], [0.5, 0.47], seed=5), criterion="demographic_parity", min_ratio=0.8
    )
    assert fine["selection_rate.ratio"].status == "passed"


def test_inputs_are_not_modified():
    y_true, y_pred, groups = _data([500, 500], [0.5, 0.5], seed=6)
    kept = y_true.copy(), y_pred.copy(), groups.copy()
    check_fairness(y_true, y_pred, groups, criterion="equalized_odds", raise_on_failure=False)
    for before, after in zip(kept, (y_true, y_pred, groups), strict=True):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        pytest.param({"criterion": "parity"}, r"^criterion='parity'", id="criterion"),
        pytest.param({"max_difference": -1}, r"^max_difference=-1", id="difference"),
        pytest.param({"min_ratio": 2}, r"^min_ratio=2", id="ratio"),
        pytest.param({"confidence": 1.5}, r"^confidence=1.5", id="confidence"),
        pytest.param({"groups": ["a"] * 3}, r"^groups: 3 rows for 10 predictions", id="length"),
        pytest.param({"groups": ["a", None] * 5}, r"^groups: missing values", id="nan-group"),
        pytest.param({"y_true": [1] * 9}, r"^y_true and y_pred: 9 and 10 rows", id="y-length"),
        pytest.param(
            {"sample_weight": [-1.0] * 10}, r"^sample_weight: must be finite", id="weight"
        ),
        pytest.param({"raise_on_failure": "no"}, r"^raise_on_failure='no'", id="flag"),
    ],
)
def test_bad_input_is_a_usage_error(change, match):
    kwargs = {
        "y_true": [0, 1] * 5,
        "y_pred": [1, 1] * 5,
        "groups": ["a", "b"] * 5,
        "criterion": "demographic_parity",
    } | change
    with pytest.raises(mltest.UsageError, match=match):
        check_fairness(kwargs.pop("y_true"), kwargs.pop("y_pred"), kwargs.pop("groups"), **kwargs)


def test_a_metric_that_raises_is_named():
    def broken(t, p):
        raise ZeroDivisionError("no positives")

    with pytest.raises(mltest.UsageError, match="'broken' raised ZeroDivisionError"):
        group_metrics([0, 1], [1, 1], ["a", "b"], metrics=[broken])


def test_group_metrics_plot_shows_each_group_with_its_interval(tmp_path):
    pytest.importorskip("matplotlib")
    from mltest.analysis import plot_group_metrics

    table = group_metrics(*_data([3000, 1000, 30], [0.5, 0.4, 0.4], seed=8))
    fig = plot_group_metrics(table, "selection_rate", limit=0.05)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert "30 rows" in [t.get_text() for t in ax.texts]
    fig.savefig(tmp_path / "groups.png")
    with pytest.raises(mltest.UsageError, match="metric='auc'"):
        plot_group_metrics(table, "auc")

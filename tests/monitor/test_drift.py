"""Drift per column: planted changes are flagged with the right check, unchanged and
negligible ones are not, and what the data cannot decide is inconclusive."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mltest
from mltest.monitor import DEFAULT_THRESHOLDS, assert_no_drift, check_drift
from mltest.monitor.profile import _binned

CATS = np.array(["red", "green", "blue", "black"])


def _frame(n, *, seed, shift=0.0, scale=1.0, shares=(0.4, 0.3, 0.2, 0.1), missing=0.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, scale, n)
    x[rng.random(n) < missing] = np.nan
    return pd.DataFrame(
        {
            "x": x,
            "amount": rng.lognormal(3, 1, n),
            "colour": rng.choice(CATS, n, p=list(shares)),
            "visits": rng.poisson(3, n),
            "at": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 86400, n), "s"),
        }
    )


def _statuses(report):
    return {r.name: r.status for r in report.results}


@pytest.mark.parametrize("n", [2_000, 50_000])
def test_unchanged_data_passes(n):
    report = check_drift(_frame(n, seed=1), _frame(n, seed=2), raise_on_failure=False)
    assert report.failed == []
    assert report.passed
    checks = {(r.figures["column"], r.figures["check"]) for r in report.results}
    assert ("x", "numeric") in checks
    assert ("colour", "categorical") in checks
    assert ("colour", "categories") in checks
    assert ("visits", "categorical") in checks  # a small-integer column is compared as codes
    assert ("at", "numeric") in checks
    assert {c for c, check in checks if check == "missing"} == {
        "x",
        "amount",
        "colour",
        "visits",
        "at",
    }


@pytest.mark.parametrize(
    ("change", "failed"),
    [
        pytest.param({"shift": 0.3}, ["x.distribution"], id="mean-shift"),
        pytest.param({"scale": 1.5}, ["x.distribution"], id="variance"),
        pytest.param(
            {"shares": (0.3, 0.3, 0.3, 0.1)}, ["colour.distribution"], id="category-share"
        ),
        pytest.param({"missing": 0.05}, ["x.missing"], id="missing-rate"),
    ],
)
def test_each_planted_change_is_flagged_by_its_check(change, failed):
    report = check_drift(
        _frame(5_000, seed=1), _frame(5_000, seed=2, **change), raise_on_failure=False
    )
    assert report.failed == failed
    result = report[failed[0]]
    assert result.figures["effect"] > result.figures["threshold"]
    assert result.figures["p_adjusted"] < 0.01
    assert result.message.startswith("drifted: ")
    assert result.counterexample is not None


def test_the_effect_size_is_the_planted_one():
    report = check_drift(
        _frame(100_000, seed=1), _frame(100_000, seed=2, shift=0.3), raise_on_failure=False
    )
    result = report["x.distribution"]
    assert result.figures["effect"] == pytest.approx(0.3, abs=0.02)
    assert result.counterexample["current"]["mean"] - result.counterexample["reference"][
        "mean"
    ] == pytest.approx(0.3, abs=0.02)
    moved = check_drift(
        _frame(100_000, seed=1),
        _frame(100_000, seed=2, shares=(0.3, 0.3, 0.3, 0.1)),
        raise_on_failure=False,
    )["colour.distribution"]
    assert moved.figures["effect"] == pytest.approx(0.1, abs=0.01)  # total variation
    assert list(moved.counterexample["largest changes"])[:2] == ["blue", "red"] or list(
        moved.counterexample["largest changes"]
    )[:2] == ["red", "blue"]


def test_a_significant_but_negligible_change_passes_and_says_so():
    report = check_drift(
        _frame(400_000, seed=1), _frame(400_000, seed=2, shift=0.03), raise_on_failure=False
    )
    result = report["x.distribution"]
    assert result.status == "passed"
    assert result.figures["p_adjusted"] < 0.01
    assert result.message.startswith("a detectable but negligible change")


def test_too_little_data_is_inconclusive_never_a_pass():
    few = check_drift(_frame(20, seed=1), _frame(20, seed=2, shift=2.0), raise_on_failure=False)
    assert few["x.distribution"].status == "inconclusive"
    assert few["x.distribution"].reason == "insufficient_data"
    assert "at least 30" in few["x.distribution"].message
    # a change as large as matters that these sizes cannot tell from noise
    small = check_drift(
        _frame(100, seed=1), _frame(100, seed=2, shift=0.2), raise_on_failure=False
    )
    result = small["x.distribution"]
    assert result.status == "inconclusive"
    assert result.figures["effect"] > result.figures["threshold"]
    assert "more rows are needed" in result.message
    assert small.passed  # inconclusive does not fail a run


def test_new_and_vanished_categories_are_checked_in_their_own_right():
    ref = _frame(5_000, seed=1)
    cur = _frame(5_000, seed=2)
    cur.loc[cur.index[:300], "colour"] = "purple"  # 6% of rows in a category never seen
    report = check_drift(ref, cur, raise_on_failure=False)
    result = report["colour.categories"]
    assert result.status == "failed"
    assert result.counterexample["new"] == ["purple"]
    assert result.figures["new_share"] == pytest.approx(0.06)
    gone = check_drift(
        ref, cur.assign(colour=cur.colour.replace("black", "blue")), raise_on_failure=False
    )
    assert gone["colour.categories"].counterexample["vanished"] == ["black"]
    assert gone["colour.categories"].status == "failed"


def test_prediction_and_label_drift_from_series_and_arrays():
    rng = np.random.default_rng(3)
    before, after = rng.beta(2, 5, 5_000), rng.beta(3, 4, 5_000)
    report = check_drift(pd.Series(before, name="score"), after, raise_on_failure=False)
    assert report.failed == ["score.distribution"]
    labels = check_drift(rng.integers(0, 2, 5_000), rng.integers(0, 2, 5_000))
    assert labels["values.distribution"].figures["check"] == "categorical"
    probabilities = check_drift(
        np.column_stack([before, 1 - before]),
        np.column_stack([after, 1 - after]),
        raise_on_failure=False,
    )
    assert probabilities.failed == ["0.distribution", "1.distribution"]


def test_datetime_columns_with_and_without_a_time_zone():
    ref, cur = _frame(5_000, seed=1), _frame(5_000, seed=2)
    later = cur.assign(at=cur["at"] + pd.Timedelta("6h"))
    assert check_drift(ref, later, raise_on_failure=False).failed == ["at.distribution"]
    utc = check_drift(
        ref.assign(at=ref["at"].dt.tz_localize("UTC")),
        cur.assign(at=cur["at"].dt.tz_localize("UTC")),
    )
    assert utc.passed


def test_identifier_columns_are_left_out_with_a_reason():
    ref = _frame(2_000, seed=1).assign(order=lambda d: [f"o{i}" for i in range(len(d))])
    cur = _frame(2_000, seed=2).assign(order=lambda d: [f"o{i + 5000}" for i in range(len(d))])
    report = check_drift(ref, cur)
    assert report["order.distribution"].status == "skipped"
    assert report["order.distribution"].reason == "not_applicable"
    assert "identifier" in report["order.distribution"].message


def test_thresholds_per_column_and_per_kind():
    ref, cur = _frame(5_000, seed=1), _frame(5_000, seed=2, shift=0.3)
    assert check_drift(ref, cur, thresholds={"x": 0.5}).passed
    assert check_drift(ref, cur, thresholds={"numeric": 0.5}).passed
    strict = check_drift(
        ref, _frame(5_000, seed=2, shift=0.03), thresholds={"x": 0.0}, raise_on_failure=False
    )
    assert strict["x.distribution"].figures["threshold"] == 0.0
    assert DEFAULT_THRESHOLDS["numeric"] == 0.05  # the documented default


def test_false_discoveries_are_controlled_across_columns():
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({f"c{i}": rng.normal(size=3_000) for i in range(40)})
    cur = pd.DataFrame({f"c{i}": rng.normal(size=3_000) for i in range(40)})
    cur["c7"] += 0.5
    assert check_drift(ref, cur, raise_on_failure=False).failed == ["c7.distribution"]
    flagged = 0
    for seed in range(10):
        rng = np.random.default_rng([seed, 9])
        a = pd.DataFrame({f"c{i}": rng.normal(size=1_000) for i in range(20)})
        b = pd.DataFrame({f"c{i}": rng.normal(size=1_000) for i in range(20)})
        flagged += len(check_drift(a, b, raise_on_failure=False).failed)
    assert flagged <= 2  # at most 1% of 200 unchanged columns


def test_assert_no_drift_raises_a_table_and_inputs_are_unchanged():
    ref, cur = _frame(5_000, seed=1), _frame(5_000, seed=2, shift=0.3)
    kept = ref.copy(), cur.copy()
    with pytest.raises(mltest.CheckFailure) as info:
        assert_no_drift(ref, cur)
    text = str(info.value)
    assert "drift failed 1 of" in text
    assert "x.distribution  failed" in text
    assert info.value.report.failed == ["x.distribution"]
    assert assert_no_drift(ref, ref).passed
    pd.testing.assert_frame_equal(ref, kept[0])
    pd.testing.assert_frame_equal(cur, kept[1])


def test_report_is_stamped_and_serialisable():
    report = check_drift(_frame(2_000, seed=1), _frame(2_000, seed=2))
    assert (report.subject, report.kind, report.stage) == ("drift", "drift", "monitoring")
    data = report.to_dict()
    assert all(r["stage"] == "monitoring" for r in data["results"])
    assert data["results"][0]["figures"]["test"] == "chi-square+KS"


@pytest.mark.parametrize(
    ("make", "match"),
    [
        pytest.param(
            lambda ref: check_drift(ref, ref.drop(columns="x")),
            r"^current: its columns",
            id="columns-differ",
        ),
        pytest.param(
            lambda ref: check_drift(ref, ref.assign(x=ref.x.astype(str))),
            r"^current: column 'x' is categorical \(\w+\) where the reference's is numeric",
            id="dtype-differs",
        ),
        pytest.param(
            lambda ref: check_drift(ref.iloc[:0], ref), r"^reference: has no rows", id="empty"
        ),
        pytest.param(lambda ref: check_drift(ref, "x.csv"), r"^current='x.csv'", id="not-a-frame"),
        pytest.param(
            lambda ref: check_drift(ref, ref, columns=["nope"]), r"^columns: 'nope'", id="column"
        ),
        pytest.param(
            lambda ref: check_drift(ref, ref, columns="x"), r"^columns='x'", id="columns-str"
        ),
        pytest.param(
            lambda ref: check_drift(ref, ref, thresholds={"nope": 1}),
            r"^thresholds: 'nope'",
            id="threshold-key",
        ),
        pytest.param(
            lambda ref: check_drift(ref, ref, thresholds={"x": -1}),
            r"^thresholds\['x'\]=-1",
            id="threshold-value",
        ),
        pytest.param(
            lambda ref: check_drift(ref, ref, thresholds=0.1), r"^thresholds=0.1", id="thresholds"
        ),
        pytest.param(lambda ref: check_drift(ref, ref, alpha=1.5), r"^alpha=1.5", id="alpha"),
        pytest.param(
            lambda ref: check_drift(ref, ref, categorical=["zz"]),
            r"^categorical:",
            id="categorical",
        ),
        pytest.param(
            lambda ref: check_drift(ref, ref, raise_on_failure="no"),
            r"^raise_on_failure='no'",
            id="flag",
        ),
    ],
)
def test_bad_input_is_a_usage_error(make, match):
    with pytest.raises(mltest.UsageError, match=match):
        make(_frame(100, seed=1))


def test_numeric_codes_can_be_compared_as_categories():
    ref = _frame(3_000, seed=1).assign(zone=lambda d: np.arange(len(d)) % 40)
    cur = _frame(3_000, seed=2).assign(zone=lambda d: np.arange(len(d)) % 40)
    assert check_drift(ref, cur)["zone.distribution"].figures["check"] == "numeric"
    coded = check_drift(ref, cur, categorical=["zone"])
    assert coded["zone.distribution"].figures["check"] == "categorical"


def test_binning_shortcut_matches_a_binary_search():
    rng = np.random.default_rng(5)
    for values in (
        rng.standard_t(2, 300_000) * 1e3,
        rng.integers(0, 30, 300_000).astype(float),
        1.7e18 + rng.integers(0, 10**12, 300_000).astype(float),
    ):
        s = np.sort(values[:100_000])
        edges = np.unique(s[np.round(np.linspace(0, len(s) - 1, 101)).astype(int)])
        probe = np.concatenate([values, edges, edges - 1e-9, [s[0] - 1, s[-1] + 1, -1e300, 1e300]])
        np.testing.assert_array_equal(
            _binned(edges, probe)[0],
            np.bincount(np.searchsorted(edges, probe), minlength=len(edges) + 1),
        )


@pytest.mark.parametrize("case", ["shift", "scale", "outliers", "heavy-tails"])
def test_the_distance_matches_the_exact_wasserstein_distance(case):
    from scipy.stats import wasserstein_distance

    rng = np.random.default_rng(6)
    ref = rng.uniform(0, 1, 20_000) if case == "outliers" else rng.normal(size=20_000)
    cur = {
        "shift": lambda: rng.normal(0.4, 1, 20_000),
        "scale": lambda: rng.normal(0, 2, 20_000),
        "outliers": lambda: np.concatenate([rng.uniform(0, 1, 19_600), np.full(400, 50.0)]),
        "heavy-tails": lambda: rng.standard_t(2, 20_000),
    }[case]()
    result = check_drift(pd.Series(ref), cur, raise_on_failure=False)["values.distribution"]
    exact = wasserstein_distance(ref, cur) / np.std(ref, ddof=1)
    assert result.figures["effect"] == pytest.approx(exact, rel=0.03)

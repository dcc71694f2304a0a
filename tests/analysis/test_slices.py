"""find_slices / check_slices: planted weak slices are found with their definition, null
data reports none, tiny slices are never significant."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mltest
from mltest.analysis import assert_no_weak_slice, check_slices, error_curve, find_slices


def _data(n, seed, *, weak=None, base=0.1, factor=3.0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(5)})
    X["plan"] = rng.choice(["basic", "pro", "team", "enterprise"], n)
    mask = weak(X) if weak is not None else np.zeros(n, bool)
    errors = rng.random(n) < np.where(mask, base * factor, base)
    return X, np.zeros(n, int), errors.astype(int), mask


def _planted(X):
    # support about 5%: x3 above its 80th percentile among the 'pro' quarter of rows
    return ((X["x3"] > 0.8416) & (X["plan"] == "pro")).to_numpy()


def test_a_weak_slice_is_the_top_result_with_its_definition():
    X, y, pred, mask = _data(20_000, 0, weak=_planted)
    table = find_slices(X, y, pred)
    top = table.iloc[0]
    assert top["features"] == ("x3", "plan")
    assert top["slice"].startswith("x3 > 0.8")
    assert top["slice"].endswith("plan == 'pro'")
    boundary = float(top["slice"].split()[2])
    assert abs(boundary - 0.8416) < 0.05
    assert top["size"] == pytest.approx(mask.sum(), rel=0.1)
    assert top["q_value"] < 1e-6


@pytest.mark.parametrize("bins", [5, 8, 10, 16])
def test_a_threshold_slice_is_found_with_its_boundary_whatever_the_bins(bins):
    X, y, pred, _ = _data(20_000, 1, weak=lambda X: (X["x1"] > 1.0).to_numpy(), factor=2.5)
    top = find_slices(X, y, pred, bins=bins, pairs=False).iloc[0]
    assert top["slice"].startswith("x1 > ")
    assert abs(float(top["slice"].split()[2]) - 1.0) < 0.05


def test_a_handful_of_rows_is_never_significant():
    X, y, pred, _ = _data(5_000, 2)
    pred[:8] = 1  # eight rows, all wrong, in one tiny slice
    X.loc[:7, "plan"] = "legacy"
    table = find_slices(X, y, pred)
    assert not table["slice"].str.contains("legacy").any()


def test_null_data_reports_no_slice_in_at_least_95_percent_of_runs():
    runs = 40
    found = sum(len(find_slices(*_data(4_000, seed)[:3])) > 0 for seed in range(runs))
    assert found <= 0.05 * runs


def test_continuous_losses_and_the_verdict():
    X, _, _, _ = _data(8_000, 3)
    rng = np.random.default_rng(3)
    y_true = rng.normal(size=8_000)
    y_pred = y_true + rng.normal(size=8_000) * np.where(X["x0"] < -1.0, 3.0, 1.0)
    table = find_slices(X, y_true, y_pred, loss=lambda t, p: (t - p) ** 2)
    assert table.iloc[0]["slice"].startswith("x0 <= -1")
    with pytest.raises(mltest.CheckFailure, match=r"slice: x0 <= -1"):
        assert_no_weak_slice(X, y_true, y_pred, loss=lambda t, p: (t - p) ** 2, max_gap=1.0)
    report = check_slices(X, y_true, y_pred, loss=lambda t, p: (t - p) ** 2, max_gap=100.0)
    assert report.passed
    assert report.results[0].name == "no_weak_slice"


def test_inputs_are_not_modified():
    X, y, pred, _ = _data(2_000, 4, weak=_planted)
    before = X.copy()
    find_slices(X, y, pred)
    pd.testing.assert_frame_equal(X, before)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"X": np.zeros((3, 2))}, "X=", id="not-a-frame"),
        pytest.param({"y_pred": np.zeros(3)}, "one value per row", id="lengths"),
        pytest.param({"bins": 1}, "bins=", id="bins"),
        pytest.param({"alpha": 1.5}, "alpha=", id="alpha"),
        pytest.param({"loss": np.full(100, np.nan)}, "loss", id="nan-loss"),
    ],
)
def test_bad_arguments_are_usage_errors(kwargs, match):
    X, y, pred, _ = _data(100, 5)
    kwargs = {"X": X, "y_true": y, "y_pred": pred, **kwargs}
    with pytest.raises(mltest.UsageError, match=match):
        find_slices(**kwargs)


def test_plot_shows_the_top_slices(tmp_path):
    pytest.importorskip("matplotlib")
    from mltest.analysis import plot_slices

    X, y, pred, _ = _data(20_000, 0, weak=_planted)
    table = find_slices(X, y, pred)
    fig = plot_slices(table, top=3)
    ax = fig.axes[0]
    assert len(ax.patches) == min(3, len(table))
    assert ax.get_yticklabels()[-1].get_text() == table.iloc[0]["slice"]
    fig.savefig(tmp_path / "slices.png")
    with pytest.raises(mltest.UsageError, match="find_slices"):
        plot_slices(pd.DataFrame({"a": [1]}))


def test_error_curve_shows_where_the_error_rises(tmp_path):
    X, y, pred, _ = _data(20_000, 1, weak=lambda X: (X["x1"] > 1.0).to_numpy(), factor=2.5)
    X.loc[:99, "x1"] = np.nan
    curve = error_curve(X, y, pred, feature="x1", bins=10)
    assert curve["size"].sum() == len(X)
    assert curve.iloc[-1]["bin"] == "missing"
    numeric = curve[curve["bin"] != "missing"]
    assert numeric.iloc[-1]["low"] > numeric.iloc[0]["high"]  # the top decile is worse
    assert (numeric["low"] <= numeric["loss"]).all()
    assert (numeric["loss"] <= numeric["high"]).all()
    plans = error_curve(X, y, pred, feature="plan")
    assert sorted(plans["bin"]) == ["basic", "enterprise", "pro", "team"]
    pytest.importorskip("matplotlib")
    from mltest.analysis import plot_error_curve

    fig = plot_error_curve(curve, feature="x1")
    assert len(fig.axes[0].lines) >= 1
    fig.savefig(tmp_path / "curve.png")
    with pytest.raises(mltest.UsageError, match="feature="):
        error_curve(X, y, pred, feature="nope")

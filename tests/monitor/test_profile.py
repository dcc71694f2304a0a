"""Profiles: batches merge into the profile of their union, save and load back exactly,
and drift from profiles is drift from the frames they summarise."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mltest
from mltest.monitor import Profile, check_drift, merge, profile


def _frame(n, *, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1, n)
    x[rng.random(n) < 0.02] = np.nan
    return pd.DataFrame(
        {
            "x": x,
            "colour": rng.choice(["red", "green", "blue"], n),
            "code": rng.integers(0, 5, n),
            "flag": rng.random(n) < 0.3,
            "at": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 86400, n), "s"),
        }
    )


def test_batches_merge_into_the_profile_of_their_union():
    ref = profile(_frame(5_000, seed=0))
    days = [_frame(1_000, seed=s, shift=0.5 * (s == 3)) for s in range(1, 5)]
    merged = sum((profile(d, reference=ref) for d in days[1:]), profile(days[0], reference=ref))
    whole = profile(pd.concat(days, ignore_index=True), reference=ref)
    assert merged.rows == whole.rows == 4_000
    for other in (merged, merge([profile(d, reference=ref) for d in days])):
        _assert_same(other, whole)
    _assert_same(sum(profile(d, reference=ref) for d in days), whole)


def _assert_same(profile_a, profile_b):
    """The same counts exactly, and the same moments to rounding (sums in another order)."""
    for name, column in profile_b.columns.items():
        other = profile_a.columns[name]
        assert other.missing == column.missing
        if isinstance(column.counts, dict):
            assert other.counts == column.counts
        else:
            np.testing.assert_array_equal(other.counts, column.counts)
            for moment in ("total", "squares", "below", "above"):
                assert getattr(other, moment) == pytest.approx(getattr(column, moment), rel=1e-9)


def test_drift_from_profiles_is_drift_from_the_frames():
    ref_frame, cur_frame = _frame(20_000, seed=0), _frame(20_000, seed=1, shift=0.2)
    from_frames = check_drift(ref_frame, cur_frame, raise_on_failure=False)
    ref = profile(ref_frame)
    halves = [cur_frame.iloc[:7_000], cur_frame.iloc[7_000:]]
    cur = profile(halves[0], reference=ref) + profile(halves[1], reference=ref)
    from_profiles = check_drift(ref, cur, raise_on_failure=False)
    assert from_profiles.failed == from_frames.failed == ["x.distribution"]
    for a, b in zip(from_frames.results, from_profiles.results, strict=True):
        assert (a.name, a.status) == (b.name, b.status)
        assert b.figures["effect"] == pytest.approx(a.figures["effect"], rel=1e-9, abs=1e-12)
    # a frame against a saved reference profile
    assert check_drift(ref, cur_frame, raise_on_failure=False).failed == ["x.distribution"]


def test_a_profile_saves_and_loads_back_exactly(tmp_path):
    frame = _frame(3_000, seed=2)
    frame.loc[5, "colour"] = None
    saved = profile(frame)
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(saved.to_dict()))
    loaded = Profile.from_dict(json.loads(path.read_text()))
    assert loaded == saved
    assert loaded.columns["code"].counts == saved.columns["code"].counts  # integer keys
    assert set(loaded.columns["flag"].counts) == {True, False}
    np.testing.assert_array_equal(loaded.columns["x"].edges, saved.columns["x"].edges)
    assert check_drift(loaded, frame).passed


def test_profiles_on_other_edges_or_columns_do_not_merge():
    a, b = profile(_frame(500, seed=1)), profile(_frame(500, seed=2))
    with pytest.raises(mltest.UsageError, match="same edges"):
        a + b
    with pytest.raises(mltest.UsageError, match="same columns"):
        a + profile(_frame(500, seed=1).drop(columns="x"))
    with pytest.raises(mltest.UsageError, match="same edges"):
        merge([a, b])
    with pytest.raises(mltest.UsageError, match="non-empty list of Profile"):
        merge([])
    with pytest.raises(mltest.UsageError, match=r"^current: column 'x'"):
        check_drift(a, b)
    with pytest.raises(mltest.UsageError, match="kinds are fixed"):
        check_drift(a, _frame(500, seed=2), categorical=["code"])
    with pytest.raises(mltest.UsageError, match=r"^df: column 'colour' is numeric"):
        profile(_frame(500, seed=2).assign(colour=1.5), reference=a)
    with pytest.raises(mltest.UsageError, match=r"^reference=3"):
        profile(_frame(500, seed=2), reference=3)
    with pytest.raises(mltest.UsageError, match="not a saved mltest profile"):
        Profile.from_dict({"columns": [["x", {"kind": "numeric"}]]})


def test_profile_reads_moments_and_quantiles():
    rng = np.random.default_rng(7)
    values = rng.normal(10, 2, 50_000)
    column = profile(pd.Series(values, name="v")).columns["v"]
    assert column.mean() == pytest.approx(values.mean(), rel=1e-12)
    assert column.sd() == pytest.approx(values.std(ddof=1), rel=1e-9)
    assert column.quantile(0.5) == pytest.approx(np.median(values), abs=0.01)
    times = pd.Series(pd.Timestamp("2026-01-01") + pd.to_timedelta(values, "D"))
    at = profile(times).columns["values"]
    assert at.family == "datetime"
    assert at.sd() / 86400e9 == pytest.approx(2.0, rel=0.02)  # ns precision kept near 1.7e18

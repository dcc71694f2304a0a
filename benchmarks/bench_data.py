"""Validation speed against pandera and the numpy floor, and generation speed.

Goals (issue #5): validating 1,000,000 rows x 10 columns is at least as fast as pandera's
``DataFrameSchema.validate(lazy=True)`` with the same rules, and within 2x of
hand-vectorised numpy boolean masks; drawing 200 frames from a 20-column inferred schema's
``strategy()`` (and validating each) costs at most what hypothesis' own
``hypothesis.extra.pandas.data_frames`` costs for 200 frames of the same columns, which
are not even guaranteed valid.
Run: pytest benchmarks/bench_data.py -s
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from mltest.data import Column, Schema, infer_schema
from mltest.perf import best_time

N = 1_000_000
FLOATS = [f"f{i}" for i in range(6)]
INTS = ["i0", "i1"]
CATS = ["c0", "c1"]
LEVELS = ["north", "south", "east", "west"]


def _frame():
    rng = np.random.default_rng(0)
    data = {c: rng.normal(size=N) for c in FLOATS}
    data |= {c: rng.integers(0, 100, N) for c in INTS}
    data |= {c: pd.Categorical(rng.choice(LEVELS, N), categories=LEVELS) for c in CATS}
    return pd.DataFrame(data)


def _ours():
    cols = {c: Column(c, "float", min=-10.0, max=10.0) for c in FLOATS}
    cols |= {c: Column(c, "int", min=0, max=99) for c in INTS}
    cols |= {c: Column(c, "category", categories=LEVELS) for c in CATS}
    return Schema(cols)


def _floor(df):
    bad = 0
    for c in FLOATS:
        a = df[c].to_numpy()
        bad += int(((a < -10) | (a > 10) | np.isnan(a)).sum())
    for c in INTS:
        a = df[c].to_numpy()
        bad += int(((a < 0) | (a > 99)).sum())
    for c in CATS:
        codes = df[c].cat.codes.to_numpy()
        bad += int((codes < 0).sum())
    return bad


def test_validation_vs_pandera_and_numpy():
    pa = pytest.importorskip("pandera.pandas")
    df = _frame()
    schema = _ours()
    peer = pa.DataFrameSchema(
        {c: pa.Column(float, pa.Check.in_range(-10.0, 10.0)) for c in FLOATS}
        | {c: pa.Column(int, pa.Check.in_range(0, 99)) for c in INTS}
        | {c: pa.Column(pd.CategoricalDtype(LEVELS), pa.Check.isin(LEVELS)) for c in CATS}
    )
    assert schema.validate(df).passed
    assert _floor(df) == 0
    ours = best_time(lambda: schema.validate(df), rounds=7)
    floor = best_time(lambda: _floor(df), rounds=7)
    theirs = best_time(lambda: peer.validate(df, lazy=True), rounds=3)
    print(
        f"\nvalidate 1M x 10: mltest {ours:.3f}s, pandera {theirs:.3f}s "
        f"({theirs / ours:.1f}x ours), numpy floor {floor:.3f}s (ours {ours / floor:.2f}x)"
    )
    assert ours <= theirs
    assert ours <= 2 * floor


def _draw(strategy, count, check=None):
    seen = []

    @settings(max_examples=count, deadline=None, database=None, derandomize=True)
    @given(strategy)
    def draw(frame):
        seen.append(check(frame) if check else True)

    start = time.perf_counter()
    draw()
    return time.perf_counter() - start, seen


def test_200_generated_frames_of_a_20_column_schema():
    from hypothesis import strategies as st
    from hypothesis.extra import pandas as hpd

    rng = np.random.default_rng(1)
    df = pd.DataFrame({f"x{i}": rng.normal(size=500) for i in range(12)})
    df["n"] = rng.integers(0, 50, 500)
    df["id"] = np.arange(500)
    df["code"] = [f"ZX{i:05d}" for i in range(500)]
    df["channel"] = rng.choice(["web", "store", "phone"], 500)
    df["tier"] = pd.Categorical(rng.choice(["gold", "silver"], 500))
    df["flag"] = rng.random(500) < 0.5
    df["at"] = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 10**6, 500), unit="s")
    df["note_share"] = np.where(rng.random(500) < 0.2, np.nan, rng.random(500))
    schema = infer_schema(df)
    assert len(schema.columns) == 20
    peer_columns = [
        *(hpd.column(f"x{i}", elements=st.floats(-10, 10)) for i in range(12)),
        hpd.column("n", elements=st.integers(0, 50)),
        hpd.column("id", elements=st.integers(0, 10**6), unique=True),
        hpd.column("code", elements=st.from_regex(r"ZX[0-9]{5}", fullmatch=True)),
        hpd.column("channel", elements=st.sampled_from(["web", "store", "phone"])),
        hpd.column("tier", elements=st.sampled_from(["gold", "silver"])),
        hpd.column("flag", dtype=bool),
        hpd.column("at", dtype="datetime64[ns]"),
        hpd.column("note_share", elements=st.floats(0, 1) | st.just(float("nan"))),
    ]
    peer = hpd.data_frames(peer_columns, index=hpd.range_indexes(min_size=1, max_size=20))
    _draw(peer, 5), _draw(schema.strategy(), 5)  # warm up
    theirs, _ = _draw(peer, 200)
    ours, valid = _draw(schema.strategy(), 200, lambda f: schema.validate(f).passed)
    ratio = ours / theirs
    print(
        f"\n200 frames of 20 columns: schema.strategy() + validate {ours:.2f}s, hypothesis "
        f"data_frames {theirs:.2f}s, ratio {ratio:.2f}x (goal <= 1x)"
    )
    assert len(valid) == 200
    assert all(valid)
    assert ratio <= 1

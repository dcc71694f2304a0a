"""What ``Schema.strategy()`` promises beyond "every frame validates": the edge cases code
breaks on are drawn on purpose (a constant column, values only at the ends of a range,
nulls up to the allowed share), unique columns are distinct, wide ranges are covered end
to end, and patterns and cross-column rules hold. Each test collects a fixed,
derandomized run of frames and asserts what the run as a whole must contain."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import mltest
from mltest.data import Column, Rule, Schema
from mltest.data.generate import STEPS, _simple_pattern

SCHEMA = Schema(
    {
        "x": Column("x", "float", min=-2.0, max=3.0),
        "free": Column("free", "float"),
        "n": Column("n", "int", min=-3, max=4),
        "wide": Column("wide", "int", min=0, max=10**9),
        "flag": Column("flag", "bool"),
        "tier": Column("tier", "category", categories=["gold", "silver", "bronze"]),
        "channel": Column("channel", "string", categories=["web", "store"]),
        "at": Column("at", "datetime", min="2026-01-01", max="2026-02-01"),
        "id": Column("id", "int", min=100, unique=True),
        "uf": Column("uf", "float", min=0.0, max=1.0, unique=True),
        "ut": Column("ut", "datetime", unique=True),
        "sku": Column("sku", "string", pattern=r"[A-Z]{2}\-[0-9]{3}", unique=True),
        "code": Column("code", "string", pattern="(ab|cd)+x"),
        "note": Column("note", "string", min_length=2, max_length=5),
        "maybe": Column("maybe", "float", nullable=True, max_null_fraction=0.5),
        "cnt": Column("cnt", "int", nullable=True, max_null_fraction=1.0),
        "lo": Column("lo", "float", min=0.0, max=10.0),
        "hi": Column("hi", "float", min=0.0, max=10.0),
        "a": Column("a", "float", nullable=True, max_null_fraction=1.0),
        "b": Column("b", "string", nullable=True, max_null_fraction=1.0),
    },
    rules=[Rule("le", "lo", "hi"), Rule("present_iff", "a", "b")],
)


def _run(schema: Schema, n: int = 150, **bounds) -> list[pd.DataFrame]:
    seen: list[pd.DataFrame] = []

    @settings(max_examples=n, deadline=None, database=None, derandomize=True)
    @given(schema.strategy(**bounds))
    def collect(df):
        seen.append(df)

    collect()
    return seen


@pytest.fixture
def frames() -> list[pd.DataFrame]:
    # drawn per test, not once per module: a mutation run credits the draws only to the
    # test that made them, so a shared draw would leave the other tests' checks unrun
    return _run(SCHEMA, 100)


def test_every_frame_validates_and_keeps_the_rules(frames):
    for df in frames:
        report = SCHEMA.validate(df)
        assert report.passed, report.failure_message()
        both = df["lo"].notna() & df["hi"].notna()
        assert (df.loc[both, "lo"] <= df.loc[both, "hi"]).all()
        assert (df["a"].isna() == df["b"].isna()).all()
    assert len({len(df) for df in frames}) > 5  # row counts vary


def test_constant_columns_and_range_edges_are_drawn(frames):
    many = [df for df in frames if len(df) >= 3]
    for name in ("x", "n", "free", "at"):
        assert any(df[name].nunique() == 1 for df in many), f"{name}: never constant"
        assert any(df[name].nunique() > 1 for df in many), f"{name}: never varies"
    x = pd.concat([df["x"] for df in frames])
    assert x.min() == -2.0
    assert x.max() == 3.0
    # a frame with only the edges of the range: both ends and nothing between
    assert any(set(df["x"]) == {-2.0, 3.0} for df in many)
    assert set(pd.concat([df["n"] for df in frames])) == set(range(-3, 5))
    free = pd.concat([df["free"] for df in frames])
    assert free.min() == -1000.0
    assert free.max() == 1000.0


def test_wide_integer_ranges_are_covered_end_to_end(frames):
    wide = pd.concat([df["wide"] for df in frames])
    assert wide.min() == 0
    assert wide.max() == 10**9
    assert ((wide > 10**8) & (wide < 9 * 10**8)).any()  # not only the first STEPS values
    assert wide.dtype == np.int64


def test_booleans_categories_and_datetimes(frames):
    assert set(pd.concat([df["flag"] for df in frames])) == {True, False}
    assert all(isinstance(df["tier"].dtype, pd.CategoricalDtype) for df in frames)
    assert list(frames[0]["tier"].cat.categories) == ["gold", "silver", "bronze"]
    assert set(pd.concat([df["tier"].astype(str) for df in frames])) == {
        "gold",
        "silver",
        "bronze",
    }
    assert not any(isinstance(df["channel"].dtype, pd.CategoricalDtype) for df in frames)
    assert set(pd.concat([df["channel"] for df in frames])) == {"web", "store"}
    at = pd.concat([df["at"] for df in frames])
    assert at.min() == pd.Timestamp("2026-01-01")
    step = (pd.Timestamp("2026-02-01") - pd.Timestamp("2026-01-01")) / STEPS
    assert pd.Timestamp("2026-02-01") - at.max() <= step
    ut = pd.concat([df["ut"] for df in frames])
    assert ut.min() >= pd.Timestamp("2000-01-01")
    assert ut.max() <= pd.Timestamp("2030-01-01")


def test_unique_columns_are_distinct_in_every_frame(frames):
    for df in frames:
        for name in ("id", "uf", "ut", "sku"):
            assert df[name].is_unique, (name, df[name].tolist())
        assert (df["id"] >= 100).all()
        assert df["id"].dtype == np.int64
        assert df["uf"].between(0.0, 1.0).all()
    ids = pd.concat([df["id"] for df in frames])
    assert ids.min() == 100
    assert ids.max() > 10**5


def test_patterns_match_and_text_keeps_its_lengths(frames):
    for df in frames:
        assert df["sku"].str.fullmatch(r"[A-Z]{2}-[0-9]{3}").all()
        assert df["code"].str.fullmatch("(ab|cd)+x").all()
        assert df["note"].str.len().between(2, 5).all()
    skus = set(pd.concat([df["sku"] for df in frames]))
    assert len(skus) > 50  # codes spread over the pattern's capacity, not one value
    assert any(s[:2] != "AA" for s in skus)
    assert any(s[-1] != "0" for s in skus)


def test_nulls_are_drawn_up_to_the_allowed_share(frames):
    maybe_nulls = [df["maybe"].isna().sum() / len(df) for df in frames]
    assert max(maybe_nulls) <= 0.5
    assert max(maybe_nulls) > 0
    assert any(df["cnt"].isna().any() for df in frames)
    assert all(df["x"].notna().all() for df in frames)  # non-nullable: never null
    # an int column with nulls is float64 (NaN); without nulls it stays int64
    assert any(df["cnt"].dtype == np.float64 for df in frames if df["cnt"].isna().any())
    assert any(df["cnt"].dtype == np.int64 for df in frames if df["cnt"].notna().all())
    # a nullable column whose limit allows one null in a frame of two gets it
    one = Schema({"v": Column("v", "float", nullable=True, max_null_fraction=0.5)})
    assert any(df["v"].isna().sum() == 1 for df in _run(one, 60, min_rows=2, max_rows=2))


def test_row_bounds_are_kept():
    sizes = {len(df) for df in _run(SCHEMA, 40, min_rows=3, max_rows=5)}
    assert sizes == {3, 4, 5}


def test_an_empty_frame_is_allowed_when_asked_for():
    df = next(iter(_run(SCHEMA, 5, min_rows=0, max_rows=0)))
    assert len(df) == 0
    assert list(df.columns) == list(SCHEMA.columns)


@pytest.mark.parametrize(
    ("pattern", "slots"),
    [
        ("[A-Z]{2}[0-9]", [_A := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"] * 2 + ["0123456789"]),
        (r"[a-z]\-x", ["abcdefghijklmnopqrstuvwxyz", "-", "x"]),
        ("ab", ["a", "b"]),
        ("(ab)+", None),
        ("[A-F]", None),
        ("a*", None),
    ],
)
def test_simple_patterns_are_read_as_per_position_alphabets(pattern, slots):
    assert _simple_pattern(pattern) == slots


def test_unique_text_and_unique_pattern_columns_without_capacity_problems():
    schema = Schema(
        {
            "t": Column("t", "string", unique=True, max_length=3),
            "p": Column("p", "string", pattern="[0-9]{2}", unique=True),
        }
    )
    for df in _run(schema, 50, min_rows=5, max_rows=30):
        assert df["t"].is_unique
        assert df["p"].is_unique
        assert df["p"].map(lambda s: re.fullmatch("[0-9]{2}", s) is not None).all()


def test_free_text_without_a_minimum_length_includes_the_empty_string():
    schema = Schema({"t": Column("t", "string")})
    assert any((df["t"] == "").any() for df in _run(schema, 100))


def test_unique_columns_with_few_possible_values_stay_unique_and_cap_the_rows():
    schema = Schema(
        {
            "tier": Column("tier", "string", categories=list("abcde"), unique=True),
            "flag": Column("flag", "bool", unique=True),
            "slot": Column("slot", "int", min=0, max=3, unique=True),
            "x": Column("x", "float"),
        }
    )
    frames = _run(schema, 60)
    for df in frames:
        report = schema.validate(df)
        assert report.passed, report.failure_message()
    assert max(len(df) for df in frames) == 2  # the bool column's two values
    assert {len(df) for df in frames} == {1, 2}


def test_more_rows_than_a_unique_column_can_hold_is_a_usage_error():
    schema = Schema({"tier": Column("tier", "category", categories=["a", "b"], unique=True)})
    with pytest.raises(
        mltest.UsageError,
        match=r"^min_rows=3: column 'tier' is unique and has only 2 possible values$",
    ):
        schema.strategy(min_rows=3)
    assert all(len(df) <= 2 for df in _run(schema, 20, max_rows=10))


def test_a_unique_column_over_a_single_point_gives_one_row_frames():
    schema = Schema(
        {
            "x": Column("x", "float", min=2.5, max=2.5, unique=True),
            "at": Column("at", "datetime", min="2026-01-01", max="2026-01-01", unique=True),
        }
    )
    frames = _run(schema, 20)
    assert {len(df) for df in frames} == {1}
    assert all(schema.validate(df).passed for df in frames)


def test_an_le_rule_leaves_rows_with_a_null_side_as_drawn():
    # a null on either side puts no bound on the other: a non-nullable left column stays
    # filled where its right is null, and a nullable left column keeps its nulls
    schema = Schema(
        {
            "lo": Column("lo", "float", min=0.0, max=10.0),
            "hi": Column("hi", "float", min=0.0, max=10.0, nullable=True, max_null_fraction=1.0),
            "lo2": Column("lo2", "float", min=0.0, max=10.0, nullable=True, max_null_fraction=1.0),
            "hi2": Column("hi2", "float", min=0.0, max=10.0),
        },
        rules=[Rule("le", "lo", "hi"), Rule("le", "lo2", "hi2")],
    )
    frames = _run(schema, 60)
    for df in frames:
        report = schema.validate(df)
        assert report.passed, report.failure_message()
    assert any(df["hi"].isna().any() for df in frames)
    assert any(df["lo2"].isna().any() for df in frames)


def test_a_category_column_without_listed_categories_is_drawn_as_text():
    # infer_schema always lists the categories; a hand-written schema may not
    schema = Schema({"c": Column("c", "category"), "u": Column("u", "category", unique=True)})
    frames = _run(schema, 40)
    for df in frames:
        report = schema.validate(df)
        assert report.passed, report.failure_message()
    assert all(isinstance(v, str) for df in frames for v in df["c"])
    assert len({v for df in frames for v in df["c"]}) > 20


def test_a_unique_integer_range_is_filled_to_its_size_whatever_columns_come_first():
    schema = Schema(
        {"x": Column("x", "float"), "slot": Column("slot", "int", min=0, max=3, unique=True)}
    )
    frames = _run(schema, 60)
    assert all(schema.validate(df).passed for df in frames)
    assert max(len(df) for df in frames) == 4  # [0, 3] holds four distinct values
    with pytest.raises(mltest.UsageError, match=r"'slot' is unique and has only 4 possible"):
        schema.strategy(min_rows=5)


def test_a_unique_pattern_with_more_codes_than_int64_holds_draws_frames():
    # 10**19 possible codes: a product in int64 would wrap around to a negative capacity
    schema = Schema({"code": Column("code", "string", pattern="[0-9]{19}", unique=True)})
    frames = _run(schema, 30, min_rows=15) + _run(schema, 10, max_rows=1)
    assert all(schema.validate(df).passed for df in frames)
    assert {len(df) for df in frames} >= {1, 20}  # a 1-row frame spreads over all codes


def test_unique_integer_columns_with_an_open_side_stay_within_their_bound():
    schema = Schema(
        {
            "free": Column("free", "int", unique=True),
            "capped": Column("capped", "int", max=5, unique=True),
            "floored": Column("floored", "int", min=-5, unique=True),
        }
    )
    frames = _run(schema, 40)
    for df in frames:
        report = schema.validate(df)
        assert report.passed, report.failure_message()
    assert min(df["capped"].min() for df in frames) < -1000  # the open side is used

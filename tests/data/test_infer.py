"""``infer_schema`` read exactly: on a hand-built frame whose every column sits at one of
the inference's thresholds (20 rows for keys and patterns, a length spread of 2, as many
distinct values as the category limit), the learned schema is written out in full."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import mltest
from mltest.data import Column, infer_schema

N = 20


def _frame(n: int = N) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "flag": [True, False] * (n // 2),
            "id": np.arange(n),
            "neg": np.arange(n) - 5,
            "x": [np.nan] * (n // 4) + [1.5] * (n - n // 4 - 1) + [3.5],
            "at": pd.date_range("2026-01-01", periods=n, freq="D"),
            "tier": pd.Categorical(["a"] * n, categories=["a", "b"]),
            "two": ["x", "y"] * (n // 2),
            "nine": [f"v{i % 9}" for i in range(n)],
            "ten": [f"w{i % 10}" for i in range(n)],
            "sku": [f"AB-{i:04d}" for i in range(n)],
            "low": [f"ab{i:02d}" for i in range(n)],
            "short": [("a" * (1 + i % 3)) + chr(65 + i) for i in range(n)],
            "wide": ["a" * (1 + i % 4) + f"{i:02d}" for i in range(n)],
            "empty": [None] * n,
        }
    )


def test_every_learned_field_on_a_frame_at_the_thresholds():
    schema = infer_schema(_frame(), environments=["serving"])
    span_days = 19 * 2
    got = {name: _fields(col) for name, col in schema.columns.items()}
    assert got == {
        "flag": {"kind": "bool"},
        "id": {"kind": "int", "min": 0, "max": 57, "unique": True},
        "neg": {"kind": "int", "min": -43, "max": 52, "unique": True},
        "x": {
            "kind": "float",
            "nullable": True,
            "max_null_fraction": 0.25 + 3 * math.sqrt(0.25 * 0.75 / N) + 0.01,
            "min": 0.0,
            "max": 7.5,
        },
        "at": {
            "kind": "datetime",
            "min": (pd.Timestamp("2026-01-01") - pd.Timedelta(days=span_days)).isoformat(),
            "max": (pd.Timestamp("2026-01-20") + pd.Timedelta(days=span_days)).isoformat(),
        },
        "tier": {"kind": "category", "categories": ["a", "b"]},  # the dtype's, used or not
        "two": {"kind": "string", "categories": ["x", "y"]},
        "nine": {"kind": "string", "categories": [f"v{i}" for i in range(9)]},
        # 10 distinct values in 20 rows is not "a few repeated values": free text
        "ten": {"kind": "string", "min_length": 2, "max_length": 2, "pattern": "[a-z][0-9]"},
        "sku": {
            "kind": "string",
            "unique": True,
            "min_length": 7,
            "max_length": 7,
            "pattern": r"[A-Z]{2}\-[0-9]{4}",
        },
        "low": {
            "kind": "string",
            "unique": True,
            "min_length": 4,
            "max_length": 4,
            "pattern": "[a-z]{2}[0-9]{2}",
        },
        "short": {"kind": "string", "unique": True, "min_length": 2, "max_length": 4},
        "wide": {"kind": "string", "unique": True},  # lengths 3..6 vary by more than 2
        "empty": {"kind": "string", "nullable": True, "max_null_fraction": 1.0},
    }
    assert schema.environments == ["serving"]
    assert schema.validate(_frame()).passed


def _fields(col: Column) -> dict:
    default = Column(col.name, col.kind)
    return {
        k: v
        for k, v in vars(col).items()
        if k == "kind" or (k != "name" and v != getattr(default, k))
    }


def test_keys_and_patterns_need_twenty_rows():
    schema = infer_schema(_frame().iloc[:19])
    assert not schema.columns["id"].unique
    assert schema.columns["sku"].pattern is None
    assert not schema.columns["sku"].unique


def test_the_category_limit_is_inclusive():
    frame = pd.DataFrame({"c": [f"v{i % 9}" for i in range(N)]})
    assert infer_schema(frame, max_categories=9).columns["c"].categories is not None
    assert infer_schema(frame, max_categories=8).columns["c"].categories is None
    wide = pd.DataFrame({"c": [f"v{i % 21}" for i in range(100)]})
    assert infer_schema(wide).columns["c"].categories is None  # 21 > the default of 20
    assert len(infer_schema(wide, max_categories=21).columns["c"].categories) == 21


def test_a_non_negative_column_keeps_a_lower_bound_of_zero_and_ints_round_outward():
    schema = infer_schema(pd.DataFrame({"v": [0.2, 1.0], "n": [3, 4], "m": [-3, -2]}))
    assert schema.columns["v"].min == 0.0
    assert schema.columns["v"].max == pytest.approx(1.0 + 2 * 0.8)
    assert (schema.columns["n"].min, schema.columns["n"].max) == (1, 6)
    assert (schema.columns["m"].min, schema.columns["m"].max) == (-5, 0)
    narrow = infer_schema(pd.DataFrame({"v": [2.0, 4.0]}), margin=0.5)
    assert (narrow.columns["v"].min, narrow.columns["v"].max) == (1.0, 5.0)


@pytest.mark.parametrize("margin", [0, 10])
def test_the_margin_bounds_are_inclusive(margin):
    schema = infer_schema(pd.DataFrame({"v": [2.0, 4.0]}), margin=margin)
    assert schema.columns["v"].max == 4.0 + 2.0 * margin


def test_a_margin_outside_zero_to_ten_and_an_unsupported_dtype_are_refused():
    frame = pd.DataFrame({"v": [1.0]})
    for margin in (-0.1, 10.5):
        with pytest.raises(mltest.UsageError, match=r"^margin=.*: must be in \[0, 10\]$"):
            infer_schema(frame, margin=margin)
    with pytest.raises(
        mltest.UsageError,
        match=r"^column 'v': dtype timedelta64\[\w+\] is not supported by infer_schema$",
    ):
        infer_schema(pd.DataFrame({"v": pd.to_timedelta([1, 2], unit="s")}))


def test_refusals_of_frames_say_what_to_do():
    with pytest.raises(
        mltest.UsageError, match=r"^df=list: infer_schema takes a pandas DataFrame$"
    ):
        infer_schema([[1]])
    with pytest.raises(mltest.UsageError, match=r"^df has no rows: there is nothing to learn"):
        infer_schema(pd.DataFrame({"v": []}))
    with pytest.raises(
        mltest.UsageError,
        match=r"^column 'v' mixes value types \['int', 'str'\]; convert it to one type first$",
    ):
        infer_schema(pd.DataFrame({"v": [1, "x"]}))
    with pytest.raises(mltest.UsageError, match=r"mixes value types \['int'\]"):
        infer_schema(pd.DataFrame({"v": pd.Series([1, 2], dtype=object)}))
    dd = pytest.importorskip("dask.dataframe")
    with pytest.raises(
        mltest.UsageError,
        match=r"^df=DataFrame: infer_schema takes a pandas DataFrame \(infer from a sample, "
        r"ddf\.head\(100_000\), then validate the whole frame\)$",
    ):
        infer_schema(dd.from_pandas(pd.DataFrame({"v": [1.0]}), npartitions=1))


def test_integer_bounds_are_ints_and_category_values_plain_python():
    schema = infer_schema(
        pd.DataFrame({"n": [1, 2], "c": pd.Categorical([3, 4]), "f": [0.5, 1.0]})
    )
    assert type(schema.columns["n"].min) is int
    assert type(schema.columns["n"].max) is int
    assert type(schema.columns["f"].min) is float
    assert [type(v) for v in schema.columns["c"].categories] == [int, int]


def test_an_all_null_column_does_not_stop_the_columns_after_it():
    schema = infer_schema(pd.DataFrame({"empty": [np.nan, np.nan], "v": [1.0, 2.0]}))
    assert schema.columns["v"].min is not None


def test_text_is_categorical_only_below_half_the_rows():
    def categories(values):
        return infer_schema(pd.DataFrame({"c": values})).columns["c"].categories

    assert categories(["a", "b", "a", "b"]) is None  # 2 values in 4 rows: not below half
    assert categories(["a", "b", "a", "b", "a"]) is None  # 5 // 2 = 2 is the bar
    assert categories(["a", "b", "a", "b", "a", "a"]) == ["a", "b"]


def test_empty_strings_get_no_pattern():
    assert infer_schema(pd.DataFrame({"c": [""] * N})).columns["c"].pattern is None

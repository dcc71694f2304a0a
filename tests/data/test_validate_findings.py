"""Validation findings, read exactly: each rule's name, verdict, message, failing-row
count, example rows and values, the order they are reported in, and the failure table;
and the scans of a frame's parts add up to the scan of the whole (how a partitioned
frame is validated)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mltest
from mltest.data import Column, Rule, Schema
from mltest.data.validate import EXAMPLES, scan

SCHEMA = Schema(
    {
        "n": Column("n", "int", min=0, max=10, unique=True),
        "f": Column("f", "float", nullable=True, max_null_fraction=0.25),
        "c": Column("c", "category", categories=["a", "b"]),
        "s": Column(
            "s",
            "string",
            nullable=True,
            max_null_fraction=1.0,
            min_length=2,
            max_length=3,
            pattern="[a-z]+",
        ),
        "d": Column("d", "datetime", min="2026-01-01", max="2026-12-31"),
        "k": Column("k", "bool"),
        "gone": Column("gone", "int"),
        "opt": Column("opt", "int", required_in=["serving"]),
    },
    rules=[Rule("le", "n", "f"), Rule("present_iff", "f", "s")],
    environments=["serving", "training"],
    strict=True,
)

FRAME = pd.DataFrame(
    {
        "n": [-1, 0, 10, 11, 10, 3],
        "f": [np.nan, np.nan, 1.0, 20.0, 2.0, 3.0],
        "c": pd.Categorical(["a", "b", "z", "a", None, "b"]),
        "s": np.array([None, "abcd", "x", "AB", "abc", "ab"], dtype=object),
        "d": pd.to_datetime(
            ["2025-12-31", "2026-01-01", "2026-12-31", "2027-01-01", "2026-06-01", None]
        ),
        "k": [1, 0, 1, 0, 1, 0],
        "zz": 0,
    },
    index=[10, 11, 12, 13, 14, 15],
)


def _findings(report):
    return [(r.name, r.status, r.message, r.examples, r.counterexample) for r in report.results]


def test_every_validation_finding_reads_exactly():
    report = mltest.data.check_valid(FRAME, SCHEMA, env="training", raise_on_failure=False)
    assert _findings(report) == [
        (
            "n.range",
            "failed",
            "2 row(s) outside [0, 10]",
            2,
            {"rows": [10, 13], "values": [-1, 11]},
        ),
        (
            "n.unique",
            "failed",
            "2 row(s) with duplicated values",
            2,
            {"rows": [12, 14], "values": [10, 10]},
        ),
        (
            "f.nulls",
            "failed",
            "2 row(s) null (at most 25.0% allowed)",
            2,
            {"rows": [10, 11], "values": [None, None]},
        ),
        ("c.nulls", "failed", "1 row(s) null (none allowed)", 1, {"rows": [14], "values": [None]}),
        (
            "c.categories",
            "failed",
            "1 row(s) with unseen categories",
            1,
            {"rows": [12], "values": ["z"]},
        ),
        (
            "s.length",
            "failed",
            "2 row(s) of length outside [2, 3]",
            2,
            {"rows": [11, 12], "values": ["abcd", "x"]},
        ),
        (
            "s.pattern",
            "failed",
            "1 row(s) not matching '[a-z]+'",
            1,
            {"rows": [13], "values": ["AB"]},
        ),
        ("d.nulls", "failed", "1 row(s) null (none allowed)", 1, {"rows": [15], "values": [None]}),
        (
            "d.range",
            "failed",
            "2 row(s) outside [2026-01-01, 2026-12-31]",
            2,
            {"rows": [10, 13], "values": ["2025-12-31T00:00:00", "2027-01-01T00:00:00"]},
        ),
        ("k.kind", "failed", "dtype int64 is not bool", 6, None),
        ("gone.present", "failed", "column is missing", 0, None),
        ("<columns>.extra", "failed", "unexpected columns ['zz']", 0, None),
        (
            "rule: n <= f",
            "failed",
            "2 row(s) with n > f",
            2,
            {"rows": [12, 14], "values": [(10, 1.0), (10, 2.0)]},
        ),
        (
            "rule: f present iff s",
            "failed",
            "1 row(s) with f and s not present together",
            1,
            {"rows": [11], "values": [(None, "abcd")]},
        ),
    ]
    assert report.subject == "DataFrame"
    assert (report.kind, report.stage) == ("schema", "data-verification")


def test_a_column_required_in_another_environment_is_missing_only_there():
    def names(env):
        return mltest.data.check_valid(FRAME, SCHEMA, env=env, raise_on_failure=False).failed

    assert "opt.present" not in names("training")
    assert "opt.present" in names("serving")
    assert "opt.present" in names(None)  # no environment named: every column is required
    with pytest.raises(mltest.UsageError, match=r"^env='test': the schema's environments"):
        mltest.data.check_valid(FRAME, SCHEMA, env="test")


def test_the_failure_table_lines_up_each_failing_rule():
    schema = Schema({"v": Column("v", "int", min=0), "w": Column("w", "float")})
    frame = pd.DataFrame({"v": [-1, 2, -3], "w": [0.5, None, 1.0]})
    with pytest.raises(mltest.CheckFailure) as excinfo:
        mltest.data.assert_valid(frame, schema)
    table = excinfo.value.report.details
    assert table == (
        "check    failing rows  example rows  example values\n"
        "-------  ------------  ------------  --------------\n"
        "v.range  2             [0, 2]        [-1, -3]\n"
        "w.nulls  1             [1]           [None]\n"
        "\n"
        "  v.range: 2 row(s) outside [0, None]\n"
        "  w.nulls: 1 row(s) null (none allowed)"
    )


def test_a_valid_frame_is_one_passing_result_counting_rows_and_columns():
    schema = Schema({"v": Column("v", "int", min=0, max=5), "w": Column("w", "string")})
    report = mltest.data.assert_valid(pd.DataFrame({"v": [0, 5], "w": ["a", "b"]}), schema)
    assert _findings(report) == [("<schema>", "passed", "2 rows, 2 columns valid", 0, None)]
    assert report.details is None


def test_the_null_limit_is_inclusive_and_a_share_of_all_rows():
    col = Column("v", "float", nullable=True, max_null_fraction=0.5)
    schema = Schema({"v": col})
    at_limit = pd.DataFrame({"v": [1.0, np.nan, 2.0, np.nan]})
    assert schema.validate(at_limit).passed
    over = pd.DataFrame({"v": [1.0, np.nan, np.nan, np.nan]})
    assert schema.validate(over).failed == ["v.nulls"]
    assert Schema({"v": Column("v", "float", nullable=True)}).validate(over).failed == [
        "v.nulls"
    ]  # nullable with the default limit of 0 still allows no nulls


def test_at_most_five_example_rows_are_kept_but_every_row_is_counted():
    schema = Schema({"v": Column("v", "int", max=0)})
    report = schema.validate(pd.DataFrame({"v": np.arange(1, 9)}))
    assert report["v.range"].examples == 8
    assert report["v.range"].counterexample == {
        "rows": [0, 1, 2, 3, 4],
        "values": [1, 2, 3, 4, 5],
    }
    assert EXAMPLES == 5


@pytest.mark.parametrize("cut", [0, 1, 3, 5, 6])
def test_scans_of_the_parts_add_up_to_the_scan_of_the_whole(cut):
    columns = [c for c in SCHEMA.columns.values() if c.name in FRAME and c.name != "k"]
    whole = scan(FRAME, columns, SCHEMA.rules)
    parts = scan(FRAME.iloc[:cut], columns, SCHEMA.rules) + scan(
        FRAME.iloc[cut:], columns, SCHEMA.rules
    )
    assert parts == whole


def test_examples_of_added_parts_keep_the_first_five_in_order():
    columns = [Column("v", "int", max=0)]
    frame = pd.DataFrame({"v": np.arange(1, 9)})
    parts = [scan(frame.iloc[i : i + 3], columns, []) for i in (0, 3, 6)]
    total = parts[0] + parts[1] + parts[2]
    assert total.rows == 8
    assert total.findings["v.range"].count == 8
    assert total.findings["v.range"].rows == [0, 1, 2, 3, 4]
    assert total.findings["v.range"].values == [1, 2, 3, 4, 5]
    assert total.nulls["v"].count == 0


def test_the_failure_table_leaves_blank_what_a_finding_does_not_have():
    schema = Schema(
        {
            "k": Column("k", "bool"),
            "gone": Column("gone", "int"),
            "t": Column("t", "string", max_length=3),
        }
    )
    frame = pd.DataFrame({"k": [1, 2], "t": ["x" * 30, "y" * 30]})
    report = mltest.data.check_valid(frame, schema, raise_on_failure=False)
    assert report.details.splitlines()[:5] == [
        "check         failing rows  example rows  example values",
        "------------  ------------  ------------  "
        "------------------------------------------------------------",
        "k.kind        2",
        "gone.present",
        "t.length      2             [0, 1]        "
        "['xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'yyyyyyyyyyyyyyyyyyyyyyyy",
    ]
    assert len(report.details.splitlines()[4].split("  ")[-1]) == 60  # values cut at 60


def test_dtype_rules_per_kind():
    def kind_failed(kind, values, **column):
        schema = Schema({"v": Column("v", kind, **column)})
        return schema.validate(pd.DataFrame({"v": values})).failed == ["v.kind"]

    assert kind_failed("int", [1.5, 2.0])  # floats are not ints...
    assert not kind_failed("int", [1.0, np.nan], nullable=True, max_null_fraction=1.0)
    assert not kind_failed("float", [1, 2])  # ...but ints are floats
    assert not kind_failed("category", np.array(["a", "b"], dtype=object))
    assert kind_failed("category", [1, 2])
    assert kind_failed("string", [1, 2])
    assert kind_failed("bool", [0, 1])
    assert kind_failed("datetime", ["2026-01-01"])


def test_one_length_bound_alone_is_checked():
    frame = pd.DataFrame({"t": ["a", "abcd"]})
    longest = Schema({"t": Column("t", "string", max_length=3)}).validate(frame)
    assert longest["t.length"].counterexample == {"rows": [1], "values": ["abcd"]}
    shortest = Schema({"t": Column("t", "string", min_length=2)}).validate(frame)
    assert shortest["t.length"].counterexample == {"rows": [0], "values": ["a"]}


def test_the_null_share_of_a_single_row():
    schema = Schema({"v": Column("v", "float", nullable=True, max_null_fraction=0.5)})
    assert schema.validate(pd.DataFrame({"v": [np.nan]})).failed == ["v.nulls"]
    assert schema.validate(pd.DataFrame({"v": [np.nan, 1.0]})).passed


def test_numbers_held_as_nullable_extension_dtypes_are_checked_like_numpy_ones():
    schema = Schema({"v": Column("v", "int", min=0, nullable=True, max_null_fraction=1.0)})
    frame = pd.DataFrame({"v": pd.array([-1, None, 3], dtype="Int64")})
    report = schema.validate(frame)
    assert report.failed == ["v.range"]
    assert report["v.range"].counterexample == {"rows": [0], "values": [-1]}


def test_a_failed_validation_hides_mltest_frames_from_the_traceback():
    schema = Schema({"v": Column("v", "int", min=0)})
    for call in (mltest.data.check_valid, mltest.data.assert_valid):
        with pytest.raises(mltest.CheckFailure) as excinfo:
            call(pd.DataFrame({"v": [-1]}), schema)
        shown = [str(entry.path) for entry in excinfo.traceback.filter(excinfo)]
        assert not [p for p in shown if "mltest" in p and "tests" not in p], shown

"""Spark: validation as Spark column expressions on a real local Spark (``local[2]``) gives
pandas' verdicts, failing-row counts and example rows (positions and values) on the same
rows."""

from __future__ import annotations

import pytest

import mltest
from tests.scale.data import SCHEMA, planted, same
from tests.scale.data import frame as _frame

pytest.importorskip("pyspark", reason="the Spark tests need the 'spark' extra (pyspark)")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    try:
        session = (
            SparkSession.builder.master("local[2]")
            .appName("mltest-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate()
        )
    except Exception as exc:  # no Java, say: the reason is the skip's
        pytest.skip(f"local Spark did not start: {exc}")
    yield session
    session.stop()


def test_validation_gives_pandas_verdicts_counts_and_example_rows(spark):
    # one test, one local Spark: under pytest-xdist a second test could start a second JVM
    df = planted(_frame())
    expected = mltest.data.check_valid(df, SCHEMA, raise_on_failure=False)
    got = mltest.data.check_valid(spark.createDataFrame(df), SCHEMA, raise_on_failure=False)
    same(expected, got)
    assert "id.unique" in got.failed
    assert got["amount.range"].counterexample == {
        "rows": [3, 31000, 59000],
        "values": [-1.0, -1.0, -1.0],
    }
    # a valid frame passes; a missing column, a wrong kind and an extra column are named
    valid = _frame(seed=1)
    passed = mltest.data.check_valid(spark.createDataFrame(valid), SCHEMA)
    assert passed["<schema>"].message == "60000 rows, 8 columns valid"
    broken = valid.drop(columns="fee").assign(level=valid["level"] + 0.5, extra=1)
    same(
        mltest.data.check_valid(broken, SCHEMA, raise_on_failure=False),
        mltest.data.check_valid(spark.createDataFrame(broken), SCHEMA, raise_on_failure=False),
    )
    # NaN is a null in a float column, and never out of range (Spark orders NaN above
    # every number)
    nan = _frame(1_000, seed=2)
    nan.loc[[4, 9], "fee"] = float("nan")
    got = mltest.data.check_valid(spark.createDataFrame(nan), SCHEMA, raise_on_failure=False)
    same(mltest.data.check_valid(nan, SCHEMA, raise_on_failure=False), got)
    assert got.failed == ["fee.nulls"]
    assert got["fee.nulls"].counterexample == {"rows": [4, 9], "values": [None, None]}
    # the checks Spark does not run yet say so
    with pytest.raises(mltest.UsageError, match="Spark DataFrames are not supported here yet"):
        mltest.monitor.profile(spark.createDataFrame(nan))

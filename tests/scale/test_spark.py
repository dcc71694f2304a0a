"""Spark, on a real local Spark (``local[2]``): validation as Spark column expressions gives
pandas' verdicts, failing-row counts and example rows (positions and values) on the same
rows; profiles made on the executors give pandas' profiles and drift verdicts."""

from __future__ import annotations

import os
import sys

import pandas as pd
import pytest

import mltest
from tests.scale.data import (
    SCHEMA,
    engine_source_checks,
    planted,
    replay_scenario,
    same,
    same_replay,
)
from tests.scale.data import frame as _frame

pytest.importorskip("pyspark", reason="the Spark tests need the 'spark' extra (pyspark)")
# a JVM: in the integration step, whose `--dist loadfile` keeps this file on one worker
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # the Python workers run mltest's profile code: this interpreter, not the PATH's python3
    saved = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable
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
    if saved is None:
        os.environ.pop("PYSPARK_PYTHON", None)
    else:
        os.environ["PYSPARK_PYTHON"] = saved


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


def test_profiles_and_drift_give_pandas_results(spark):
    columns = ["amount", "fee", "level", "country", "at"]
    reference = _frame(seed=4)[columns]
    ref = mltest.monitor.profile(reference)
    current = _frame(seed=5)[columns]
    expected = mltest.monitor.profile(current, reference=ref)
    got = mltest.monitor.profile(spark.createDataFrame(current).repartition(7), reference=ref)
    for name, column in expected.columns.items():
        mine, theirs = got.columns[name].to_dict(), column.to_dict()
        for key in ("total", "squares", "below", "above"):  # sums: equal to rounding
            if key in theirs:
                assert mine.pop(key) == pytest.approx(theirs.pop(key), rel=1e-9, abs=1e-6)
        if theirs["kind"] == "categorical":  # counts as pairs in order of first sight
            mine["counts"], theirs["counts"] = dict(mine["counts"]), dict(theirs["counts"])
        assert mine == theirs, name
    plants = {
        "scale": lambda d: d.assign(amount=d["amount"] * 1.1),
        "category": lambda d: d.assign(country=d["country"].replace("it", "es")),
        "missing": lambda d: d.assign(fee=d["fee"].mask(d.index % 10 == 0)),
        "unchanged": lambda d: d,
    }
    for plant, change in plants.items():
        cur = change(current)
        want = mltest.monitor.check_drift(reference, cur, raise_on_failure=False)
        seen = mltest.monitor.check_drift(
            spark.createDataFrame(reference), spark.createDataFrame(cur), raise_on_failure=False
        )
        assert [(r.name, r.status) for r in seen.results] == [
            (r.name, r.status) for r in want.results
        ], plant
    # a hundred daily partitions profiled and merged: the concatenation's profile
    days = pd.concat(
        _frame(600, seed=100 + d)[["amount", "country"]].assign(
            amount=lambda f, d=d: f["amount"] * (1.2 if d >= 70 else 1.0)  # drift from day 70
        )
        for d in range(100)
    )
    ref = mltest.monitor.profile(reference[["amount", "country"]])
    merged = mltest.monitor.profile(spark.createDataFrame(days).repartition(100), reference=ref)
    whole = mltest.monitor.profile(days, reference=ref)
    assert merged.columns["amount"].counts.tolist() == whole.columns["amount"].counts.tolist()
    assert merged.columns["country"].counts == whole.columns["country"].counts
    verdict = mltest.monitor.check_drift(ref, merged, raise_on_failure=False)
    assert verdict.failed == ["amount.distribution"]
    assert verdict.failed == mltest.monitor.check_drift(ref, whole, raise_on_failure=False).failed


def test_source_and_join_checks_give_pandas_results(spark):
    got = engine_source_checks(lambda f, n: spark.createDataFrame(f))
    assert got[1]["applications->outcomes.orphans"].counterexample == [
        {"id": 100},
        {"id": 200},
        {"id": 300},
        {"id": 50000},
        {"id": 50001},
    ]


def test_replay_of_a_spark_frame_raises_pandas_alerts_in_the_same_windows(spark, tmp_path):
    live, reference, model = replay_scenario()
    options = dict(time_column="at", reference=reference, labels="paid")
    # the model runs on the executors, partition by partition; windows straddle partitions
    got = mltest.monitor.replay(
        model,
        spark.createDataFrame(live).coalesce(3),
        store=f"sqlite:///{tmp_path}/m.db",
        **options,
    )
    same_replay(mltest.monitor.replay(model, live, **options), got)
    with pytest.raises(mltest.UsageError, match="must be ascending"):
        mltest.monitor.replay(model, spark.createDataFrame(live.iloc[::-1]), **options)

"""Dask: validation, profiles and drift on a real ``dask.distributed`` cluster (2 worker
processes) give pandas' verdicts, failing-row counts and example rows on the same data."""

from __future__ import annotations

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

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def test_validation_gives_pandas_counts_and_example_rows(client):
    df = planted(_frame())
    expected = mltest.data.check_valid(df, SCHEMA, raise_on_failure=False)
    got = mltest.data.check_valid(
        dd.from_pandas(df, npartitions=7), SCHEMA, raise_on_failure=False
    )
    same(expected, got)
    assert set(got.failed) >= {
        "amount.range",
        "id.unique",
        "country.categories",
        "code.pattern",
        "code.length",
        "fee.range",
        "note.nulls",
        "rule: fee <= amount",
    }
    assert got["id.unique"].counterexample == {"rows": [7, 10, 45000], "values": [7, 7, 7]}
    assert got["amount.range"].examples == 3


def test_a_valid_frame_passes_and_missing_or_wrong_columns_are_named(client):
    df = _frame(seed=1)
    got = mltest.data.check_valid(dd.from_pandas(df, npartitions=4), SCHEMA)
    assert got["<schema>"].message == "60000 rows, 8 columns valid"
    broken = df.drop(columns="fee").assign(level=df["level"] + 0.5, extra=1)
    same(
        mltest.data.check_valid(broken, SCHEMA, raise_on_failure=False),
        mltest.data.check_valid(
            dd.from_pandas(broken, npartitions=3), SCHEMA, raise_on_failure=False
        ),
    )


def test_profile_against_a_reference_counts_exactly_what_pandas_counts(client):
    ref = mltest.monitor.profile(_frame(seed=2))
    current = _frame(seed=3)
    expected = mltest.monitor.profile(current, reference=ref)
    got = mltest.monitor.profile(dd.from_pandas(current, npartitions=6), reference=ref)
    for name, column in expected.columns.items():
        mine, theirs = got.columns[name].to_dict(), column.to_dict()
        for key in ("total", "squares", "below", "above"):  # sums: equal to rounding
            if key in theirs:
                assert mine.pop(key) == pytest.approx(theirs.pop(key), rel=1e-9, abs=1e-6)
        assert mine == theirs, name


@pytest.mark.parametrize(
    "plant",
    [
        pytest.param(lambda d: d.assign(amount=d["amount"] * 1.1), id="scale"),
        pytest.param(lambda d: d.assign(country=d["country"].replace("it", "es")), id="category"),
        pytest.param(lambda d: d.assign(fee=d["fee"].mask(d.index % 10 == 0)), id="missing"),
        pytest.param(lambda d: d, id="unchanged"),
    ],
)
def test_drift_from_dask_profiles_gives_pandas_verdicts(client, plant):
    columns = ["amount", "fee", "level", "country", "at"]
    ref, cur = _frame(seed=4)[columns], plant(_frame(seed=5))[columns]
    expected = mltest.monitor.check_drift(ref, cur, raise_on_failure=False)
    got = mltest.monitor.check_drift(
        dd.from_pandas(ref, npartitions=5),
        dd.from_pandas(cur, npartitions=3),
        raise_on_failure=False,
    )
    assert [(r.name, r.status) for r in got.results] == [
        (r.name, r.status) for r in expected.results
    ]


def test_a_hundred_daily_partitions_merge_to_the_profile_of_their_concatenation(client):
    reference = _frame(seed=6)[["amount", "country"]]
    ref = mltest.monitor.profile(reference)
    days = [
        _frame(600, seed=100 + d)[["amount", "country"]].assign(
            amount=lambda f, d=d: f["amount"] * (1.2 if d >= 70 else 1.0)  # drift from day 70
        )
        for d in range(100)
    ]
    merged = mltest.monitor.profile(
        dd.from_pandas(pd.concat(days), npartitions=100), reference=ref
    )
    whole = mltest.monitor.profile(pd.concat(days), reference=ref)
    assert merged.columns["amount"].counts.tolist() == whole.columns["amount"].counts.tolist()
    assert merged.columns["country"].counts == whole.columns["country"].counts
    verdict = mltest.monitor.check_drift(ref, merged, raise_on_failure=False)
    assert verdict.failed == mltest.monitor.check_drift(ref, whole, raise_on_failure=False).failed
    assert verdict.failed == ["amount.distribution"]


def test_frames_mltest_cannot_scale_to_are_usage_errors():
    with pytest.raises(mltest.UsageError, match=r"^df=list: validate takes a pandas, Dask or"):
        mltest.data.check_valid([1, 2], SCHEMA)


def test_source_and_join_checks_give_pandas_results(client):
    report, join = engine_source_checks(lambda f, n: dd.from_pandas(f, npartitions=n))
    assert report["applications.key_unique"].status == "failed"
    assert report["applications.duplicate_rows"].message == "1 duplicated row(s)"
    assert join["applications->outcomes.orphans"].examples == 7


def test_infer_schema_says_what_to_do_with_a_dask_frame(client):
    ddf = dd.from_pandas(_frame(1_000), npartitions=2)
    with pytest.raises(mltest.UsageError, match=r"infer from a sample, ddf.head"):
        mltest.data.infer_schema(ddf)


def test_replay_of_a_dask_frame_raises_pandas_alerts_in_the_same_windows(client, tmp_path):
    live, reference, model = replay_scenario()
    options = dict(time_column="at", reference=reference, labels="paid")
    # 7 partitions: windows straddle partitions, whose pieces are profiled apart and merged
    got = mltest.monitor.replay(
        model,
        dd.from_pandas(live, npartitions=7, sort=False),
        store=f"sqlite:///{tmp_path}/m.db",
        **options,
    )
    same_replay(mltest.monitor.replay(model, live, **options), got)
    with pytest.raises(
        mltest.UsageError, match="with a Dask or Spark frame, the name of its column"
    ):
        mltest.monitor.replay(
            model,
            dd.from_pandas(live, npartitions=2),
            time_column="at",
            reference=reference,
            labels=live["paid"].to_numpy(),
        )

"""Data shared by the engine tests: a frame of every column kind, a schema with every
rule, and the faults planted in it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mltest.data import Column, Rule, Schema


def frame(n=60_000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "amount": 1.0 + rng.gamma(2.0, 50.0, n),
            "fee": rng.uniform(0, 0.5, n),
            "level": rng.integers(0, 5, n),
            "country": rng.choice(["de", "fr", "it"], n, p=[0.5, 0.3, 0.2]),
            "code": rng.choice(["AB-1", "CD-22", "EF-333"], n),
            "at": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 10**7, n), "s"),
            "note": np.where(rng.random(n) < 0.02, None, "ok"),
        }
    )


SCHEMA = Schema(
    columns={
        "id": Column("id", "int", min=0, unique=True),
        "amount": Column("amount", "float", min=0.0, max=2_000.0),
        "fee": Column("fee", "float", min=0.0, max=1.0),
        "level": Column("level", "int", min=0, max=4),
        "country": Column("country", "category", categories=["de", "fr", "it"]),
        "code": Column("code", "string", pattern=r"[A-Z]{2}-\d+", max_length=6),
        "at": Column("at", "datetime", min="2026-01-01", max="2026-06-01"),
        "note": Column("note", "string", nullable=True, max_null_fraction=0.05),
    },
    rules=[Rule("le", "fee", "amount")],
)


def planted(df):
    df = df.copy()
    df.loc[[3, 31_000, 59_000], "amount"] = -1.0  # range, in three partitions
    df.loc[[10, 45_000], "id"] = 7  # a duplicate across partitions
    df.loc[[20, 40_000], "country"] = "es"  # unseen category
    df.loc[[50, 50_001], "code"] = "abc"  # pattern
    df.loc[[60], "code"] = "XY-123456"  # too long
    df.loc[[70, 30_070], "fee"] = 5.0  # range
    df.loc[[70, 30_071], "amount"] = 2.0  # fee > amount in row 70 only
    df.loc[df.index[::10], "note"] = None  # 10% null: over the 5% allowed
    return df


def same(pandas_report, engine_report):
    assert [r.to_dict() for r in engine_report.results] == [
        r.to_dict() for r in pandas_report.results
    ]
    assert engine_report.details == pandas_report.details


def sources_with_faults():
    """Applications (a key repeated across partitions, a duplicated row) and outcomes
    (seven applications without one)."""
    applications = frame(seed=7)
    applications.loc[[5, 40_000], "id"] = 11
    applications.loc[[6], "id"] = 12
    applications.loc[[7], :] = applications.loc[[8], :].to_numpy()
    outcomes = pd.DataFrame({"id": np.arange(0, 60_000, 1), "paid": 1}).drop(
        index=[100, 200, 300, 50_000, 50_001, 50_002, 59_999]
    )
    return applications, outcomes


def source_checks(applications, outcomes):
    """check_sources and check_join of the two, as reports (never raised)."""
    import mltest

    sources = [
        mltest.data.Source(
            "applications",
            applications,
            timestamp="at",
            max_age="30D",
            volume=(50_000, 70_000),
            key="id",
            schema=SCHEMA,
        ),
        mltest.data.Source("outcomes", outcomes, key="id"),
    ]
    report = mltest.data.check_sources(sources, now="2026-05-01", raise_on_failure=False)
    join = mltest.data.check_join(sources[0], sources[1], on="id", raise_on_failure=False)
    return report, join


def engine_source_checks(convert):
    """``source_checks`` of the faulty sources on the frames ``convert(frame, partitions)``
    makes, asserted equal to pandas' result for result; the engine's reports."""
    applications, outcomes = sources_with_faults()
    expected = source_checks(applications, outcomes)
    got = source_checks(convert(applications, 6), convert(outcomes, 4))
    for a, b in zip(expected, got, strict=True):
        same(a, b)
    return got


def replay_scenario():
    """40 days of 500 rows, ``amount`` drifting from 25 March; the reference; a model."""
    rng = np.random.default_rng(8)
    n = 40 * 500
    live = frame(n, seed=9)[["amount", "fee", "country"]]
    live["at"] = pd.Timestamp("2026-03-01") + pd.to_timedelta(
        np.sort(rng.integers(0, 40 * 86400, n)), "s"
    )
    live.loc[live["at"] >= "2026-03-25", "amount"] *= 1.3
    live["paid"] = (live["fee"] < 0.25).astype(int)
    reference = frame(10_000, seed=10)[["amount", "fee", "country"]]
    return live, reference, FeeModel()


class FeeModel:
    """Predicts payment from the fee (a class: it pickles, to run on Spark's executors)."""

    def predict(self, df):
        return (df["fee"] < 0.25).astype(int).to_numpy()


def same_replay(expected, got):
    """The same alerts in the same windows, the same timeline and drift verdicts."""
    assert [(a.window, a.kind, a.subject) for a in got.alerts] == [
        (a.window, a.kind, a.subject) for a in expected.alerts
    ]
    assert got.alerts[0].window == pd.Timestamp("2026-03-25")
    pd.testing.assert_frame_equal(got.timeline, expected.timeline)
    for start, report in expected.drift.items():
        assert [(r.name, r.status) for r in got.drift[start].results] == [
            (r.name, r.status) for r in report.results
        ]

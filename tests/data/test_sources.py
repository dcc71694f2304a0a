"""Collection checks: a stale source, a 90% volume drop, 30% orphaned keys, duplicates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mltest
from mltest.data import Source, check_join, check_schema_agreement, check_sources
from mltest.data.sources import read_table

NOW = pd.Timestamp("2026-11-27 12:00")


def _orders(n=1000, *, newest=NOW, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "order_id": np.arange(n),
            "customer_id": rng.integers(0, 200, n),
            "placed_at": newest - pd.to_timedelta(rng.integers(0, 86400, n), unit="s"),
        }
    )


CUSTOMERS = pd.DataFrame({"customer_id": np.arange(200), "segment": ["a", "b"] * 100})


def _result(report, name):
    return next(r for r in report.results if r.name == name)


def test_healthy_sources_pass():
    orders = Source(
        "orders",
        _orders(),
        timestamp="placed_at",
        max_age="2h",
        volume_history=[980, 1010, 1000, 1030],
        key="order_id",
    )
    customers = Source("customers", lambda: CUSTOMERS, key="customer_id")
    assert check_sources([orders, customers], now=NOW).passed
    assert check_join(orders, customers, on="customer_id").passed


def test_stale_source_is_reported():
    stale = Source(
        "orders", _orders(newest=NOW - pd.Timedelta("3D")), timestamp="placed_at", max_age="1D"
    )
    result = _result(check_sources([stale], now=NOW, raise_on_failure=False), "orders.freshness")
    assert result.status == "failed"
    assert "3 days" in result.message


def test_volume_drop_of_90_percent_is_reported():
    src = Source("orders", _orders(100), volume_history=[980, 1010, 1000, 1030])
    result = _result(check_sources([src], now=NOW, raise_on_failure=False), "orders.volume")
    assert result.status == "failed"
    assert result.examples == 100


def test_thirty_percent_orphans_are_reported():
    orders = _orders()
    known = CUSTOMERS[CUSTOMERS.customer_id >= 60]  # 60 of 200 customers (30%) missing
    report = check_join(
        Source("orders", orders),
        Source("customers", known),
        on="customer_id",
        raise_on_failure=False,
    )
    result = _result(report, "orders->customers.orphans")
    assert result.status == "failed"
    used = orders.customer_id.unique()
    assert result.examples == int((used < 60).sum())
    assert f"({(used < 60).mean():.1%})" in result.message
    relaxed = check_join(orders, known, on="customer_id", max_orphan_rate=0.35)
    assert _result(relaxed, "left->right.orphans").status == "passed"


def test_duplicated_keys_and_fanout():
    dup = pd.concat([CUSTOMERS, CUSTOMERS.iloc[:10]])
    report = check_join(_orders(), dup, on="customer_id", raise_on_failure=False)
    assert _result(report, "right.key_unique").examples == 10
    assert _result(report, "left->right.fanout").status == "failed"
    src = Source("customers", dup, key="customer_id")
    assert (
        _result(
            check_sources([src], now=NOW, raise_on_failure=False), "customers.key_unique"
        ).examples
        == 20
    )


def test_duplicates_within_and_across_sources():
    a = _orders(50)
    b = pd.concat([a.iloc[:5], _orders(20, seed=3).assign(order_id=lambda d: d.order_id + 10_000)])
    report = check_sources(
        [Source("a", pd.concat([a, a.iloc[:2]])), Source("b", b)], now=NOW, raise_on_failure=False
    )
    assert _result(report, "a.duplicate_rows").examples == 2
    assert _result(report, "a~b.shared_rows").examples == 5


def test_schema_agreement():
    a = Source("eu", _orders(10))
    b = Source("us", _orders(10).assign(customer_id=lambda d: d.customer_id.astype(float)))
    result = check_schema_agreement([a, b], raise_on_failure=False).results[0]
    assert result.status == "failed"
    assert "customer_id: int64 vs float64" in result.message


def test_sources_from_files(tmp_path):
    path = tmp_path / "orders.parquet"
    _orders(30).to_parquet(path)
    assert len(Source("orders", str(path)).load()) == 30


@pytest.mark.parametrize(
    ("make", "match"),
    [
        pytest.param(lambda: check_sources([]), "at least one", id="empty"),
        pytest.param(lambda: check_schema_agreement([]), "at least 2", id="agreement-empty"),
        pytest.param(
            lambda: check_schema_agreement([Source("a", _orders())]),
            "at least 2",
            id="agreement-one",
        ),
        pytest.param(lambda: check_sources(Source("a", _orders())), "a list", id="not-a-list"),
        pytest.param(
            lambda: check_sources([Source("a", _orders()), Source("a", _orders())]),
            "distinct",
            id="same-names",
        ),
        pytest.param(lambda: check_join(_orders(), CUSTOMERS, on=[]), "on=", id="on-empty"),
        pytest.param(lambda: check_join(_orders(), "x.csv", on="id"), "right=", id="right"),
        pytest.param(
            lambda: check_sources([Source("a", _orders())], raise_on_failure="no"),
            "raise_on_failure",
            id="flag",
        ),
        pytest.param(lambda: Source("x", 3).load(), "data must be", id="data"),
        pytest.param(lambda: Source("x", lambda: [1]).load(), "not a DataFrame", id="loader"),
        pytest.param(lambda: Source("x", "missing.csv").load(), "does not exist", id="path"),
        pytest.param(lambda: check_join(_orders(), CUSTOMERS, on="nope"), "no column", id="on"),
        pytest.param(
            lambda: check_sources([Source("x", _orders(), timestamp="placed_at")]),
            "max_age",
            id="age",
        ),
    ],
)
def test_bad_input_is_a_usage_error(make, match):
    with pytest.raises(mltest.UsageError, match=match):
        make()


def test_freshness_limits_and_unusable_timestamps():
    frame = _orders()
    frame["placed_at"] += NOW - pd.Timedelta("1D") - frame.placed_at.max()
    on_the_limit = Source("orders", frame, timestamp="placed_at", max_age="1D")
    fresh = _result(check_sources([on_the_limit], now=NOW), "orders.freshness")
    assert fresh.status == "passed"
    assert fresh.counterexample is None
    stale = on_the_limit.data.assign(placed_at=lambda d: d.placed_at - pd.Timedelta("1s"))
    report = check_sources(
        [Source("orders", stale, timestamp="placed_at", max_age="1D")],
        now=NOW,
        raise_on_failure=False,
    )
    assert _result(report, "orders.freshness").counterexample == str(stale.placed_at.max())
    for frame, message in (
        (_orders().rename(columns={"placed_at": "created"}), "timestamp column 'placed_at'"),
        (_orders().assign(placed_at=pd.NaT), "no timestamps at all"),
    ):
        src = Source("orders", frame, timestamp="placed_at", max_age="1D")
        result = _result(check_sources([src], now=NOW, raise_on_failure=False), "orders.freshness")
        assert result.status == "failed"
        assert result.message.startswith(message)


def test_key_unique_on_a_composite_key_names_the_rows():
    frame = pd.DataFrame(
        {"day": [1, 1, 1, 2, 2, 2, 2, 2, 3], "shop": [1, 2, 2, 5, 5, 5, 5, 5, 1], "v": range(9)},
        index=list("abcdefghi"),
    )
    result = _result(
        check_sources([Source("sales", frame, key=["day", "shop"])], raise_on_failure=False),
        "sales.key_unique",
    )
    assert result.status == "failed"
    assert result.examples == 7
    assert result.message == "7 row(s) share a ['day', 'shop'] value"
    assert result.counterexample == {"rows": ["b", "c", "d", "e", "f"]}
    # one column of the key repeated is not a duplicated key
    unique = frame.assign(shop=range(9))
    ok = _result(check_sources([Source("sales", unique, key=["day", "shop"])]), "sales.key_unique")
    assert ok.status == "passed"
    assert ok.counterexample is None


def test_rows_shared_across_sources_compare_only_tables_with_the_same_columns():
    a = _orders(30)
    other_columns = Source("b", a.drop(columns="placed_at"))
    report = check_sources(
        [Source("a", a), other_columns, Source("c", a.iloc[[4]]), Source("d", _orders(5, seed=7))],
        now=NOW,
        raise_on_failure=False,
    )
    shared = {r.name: r for r in report.results if r.name.endswith("shared_rows")}
    assert sorted(shared) == ["a~c.shared_rows", "a~d.shared_rows", "c~d.shared_rows"]
    assert shared["a~c.shared_rows"].status == "failed"
    assert shared["a~c.shared_rows"].message == "1 row(s) appear in both"
    assert shared["c~d.shared_rows"].status == "passed"
    off = check_sources([Source("a", a), Source("c", a.iloc[[4]])], duplicates_across=False)
    assert not [r for r in off.results if r.name.endswith("shared_rows")]


def test_schema_agreement_names_columns_found_in_one_source_only():
    eu = Source("eu", _orders(10))
    us = Source("us", _orders(10).drop(columns="placed_at").assign(channel="web"))
    report = check_schema_agreement([eu, us], raise_on_failure=False)
    assert (report.subject, report.kind, report.stage) == (
        "schema agreement",
        "sources",
        "data-collection",
    )
    (result,) = report.results
    assert result.name == "eu~us.schema"
    assert result.message == "channel: only in us; placed_at: only in eu"
    with pytest.raises(mltest.CheckFailure, match="channel: only in us"):
        check_schema_agreement([eu, us])
    same = check_schema_agreement([eu, Source("us", _orders(10, seed=1))])
    assert same.results[0].message == "same columns and dtypes"
    with pytest.raises(mltest.UsageError, match=r"^raise_on_failure='no'"):
        check_schema_agreement([eu, us], raise_on_failure="no")
    with pytest.raises(mltest.UsageError, match="sources="):
        check_schema_agreement(eu)


def test_read_table_reads_csv_and_parquet_and_names_the_path_it_refuses(tmp_path):
    frame = _orders(12).drop(columns="placed_at")
    frame.to_csv(tmp_path / "a.csv", index=False)
    frame.to_parquet(tmp_path / "a.pq")
    for name in ("a.csv", "a.pq"):
        pd.testing.assert_frame_equal(read_table(tmp_path / name), frame)
    (tmp_path / "a.txt").write_text("x\n1\n")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    for name, message in (
        ("a.txt", "only .csv and .parquet files are read"),
        ("empty.csv", "the file is empty"),
        ("bad.parquet", "cannot be read"),
        ("missing.csv", "does not exist"),
    ):
        path = str(tmp_path / name)
        with pytest.raises(mltest.UsageError) as info:
            read_table(path)
        assert str(info.value).startswith(f"path {path!r}")
        assert message in str(info.value)


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch):
    path = tmp_path / "a.parquet"
    path.write_bytes(b"")

    def no_pyarrow(*args, **kwargs):
        raise ImportError("no pyarrow")

    monkeypatch.setattr(pd, "read_parquet", no_pyarrow)
    with pytest.raises(mltest.UsageError) as info:
        read_table(path)
    assert str(info.value) == (
        f"path {str(path)!r}: reading Parquet needs pyarrow (pip install 'pytest-mltest[data]')"
    )


def test_join_report_names_its_kind_and_at_most_five_orphans():
    orders = _orders()
    report = check_join(
        orders, CUSTOMERS[CUSTOMERS.customer_id >= 60], on="customer_id", raise_on_failure=False
    )
    assert (report.subject, report.kind, report.stage) == (
        "left join right",
        "join",
        "data-collection",
    )
    orphans = report["left->right.orphans"]
    assert len(orphans.counterexample) == 5
    assert all(row["customer_id"] < 60 for row in orphans.counterexample)
    with pytest.raises(mltest.UsageError, match=r"^max_fanout=0.5"):
        check_join(orders, CUSTOMERS, on="customer_id", max_fanout=0.5)
    with pytest.raises(mltest.UsageError, match=r"^max_orphan_rate=-1"):
        check_join(orders, CUSTOMERS, on="customer_id", max_orphan_rate=-1)


# --- each finding's exact text, count and verdict at the edges of its limit -------------


def _findings(report):
    return [(r.name, r.status, r.message, r.examples) for r in report.results]


def test_every_source_finding_reads_exactly_and_limits_are_inclusive():
    frame = pd.DataFrame(
        {
            "id": [1, 2, 2, 3, 3],
            "at": pd.to_datetime(["2026-11-27 10:00"] * 4 + ["2026-11-27 11:00"]),
        }
    )
    src = Source("a", frame, timestamp="at", max_age="1h", volume=(5, 5), key="id")
    report = check_sources([src], now=NOW, raise_on_failure=False)
    assert _findings(report) == [
        (
            "a.freshness",
            "passed",
            "newest record 2026-11-27 11:00:00 is 0 days 01:00:00 old (allowed 0 days 01:00:00)",
            0,
        ),
        ("a.volume", "passed", "5 rows (band 5..5)", 5),
        ("a.key_unique", "failed", "4 row(s) share a ['id'] value", 4),
        ("a.duplicate_rows", "failed", "1 duplicated row(s)", 1),
    ]
    assert report["a.key_unique"].counterexample == {"rows": [1, 2, 3, 4]}
    assert report["a.freshness"].counterexample is None  # a pass carries no example
    assert report.subject == "sources"
    assert (report.kind, report.stage) == ("sources", "data-collection")
    # one row fewer or more than the band fails it
    for rows in (4, 6):
        short = Source("b", pd.DataFrame({"v": range(rows)}), volume=(5, 5))
        assert check_sources([short], raise_on_failure=False)["b.volume"].status == "failed"


def test_a_learned_volume_band_is_median_plus_minus_three_mads_or_a_fifth():
    assert Source("s", None, volume_history=[10, 12, 14, 100]).band() == (7.0, 19.0)
    assert Source("s", None, volume_history=[100, 100, 100, 101]).band() == (80.0, 120.0)
    assert Source("s", None).band() is None
    assert Source("s", None, volume=(1, 2), volume_history=[5]).band() == (1, 2)


def test_a_source_with_a_schema_reports_its_rules_under_its_own_name():
    from mltest.data import Column, Schema

    schema = Schema({"v": Column("v", "int", min=0)})
    src = Source("s", pd.DataFrame({"v": [-1, 2]}), schema=schema)
    report = check_sources([src], raise_on_failure=False)
    assert report.failed == ["s.v.range"]
    assert report["s.v.range"].message == schema.validate(src.load())["v.range"].message


def test_a_freshness_check_without_timestamps_fails_with_the_reason():
    empty = pd.DataFrame({"at": pd.to_datetime([None, None])})
    report = check_sources(
        [
            Source("e", empty, timestamp="at", max_age="1h"),
            Source("m", empty, timestamp="when", max_age="1h"),
        ],
        now=NOW,
        raise_on_failure=False,
        duplicates_across=False,
    )
    assert _findings(report)[0] == ("e.freshness", "failed", "no timestamps at all", 0)
    assert report["m.freshness"].message == "timestamp column 'when' is missing"
    assert report["m.freshness"].status == "failed"


def test_one_source_has_no_cross_source_findings_and_a_single_source_is_refused():
    report = check_sources([Source("a", pd.DataFrame({"v": [1]}))], raise_on_failure=False)
    assert [r.name for r in report.results] == ["a.duplicate_rows"]
    with pytest.raises(mltest.UsageError, match=r"^sources=.*give at least one Source$"):
        check_sources([])
    with pytest.raises(mltest.UsageError, match=r"^sources: 'x' is not a mltest\.data\.Source"):
        check_sources([Source("a", pd.DataFrame()), "x"])
    with pytest.raises(mltest.UsageError, match=r"2 Sources to compare$"):
        check_schema_agreement([Source("a", pd.DataFrame())])
    with pytest.raises(mltest.UsageError, match=r"^duplicates_across="):
        check_sources([Source("a", pd.DataFrame())], duplicates_across="yes")
    with pytest.raises(mltest.UsageError, match=r"^raise_on_failure="):
        check_sources([Source("a", pd.DataFrame())], raise_on_failure="yes")
    with pytest.raises(mltest.UsageError, match=r"^raise_on_failure="):
        check_join(CUSTOMERS, CUSTOMERS, on="customer_id", raise_on_failure="yes")


def test_join_findings_read_exactly_and_limits_are_inclusive():
    left = pd.DataFrame({"k": [1, 2, 3, 4]})
    right = pd.DataFrame({"k": [1, 1, 2, 3]})
    report = check_join(
        left, right, on="k", max_orphan_rate=0.25, max_fanout=4 / 3, raise_on_failure=False
    )
    assert _findings(report) == [
        ("right.key_unique", "failed", "1 duplicated ['k'] value(s) on the right", 1),
        (
            "left->right.orphans",
            "passed",
            "1 of 4 keys (25.0%) find no match (allowed 25.0%); coverage 75.0%",
            1,
        ),
        (
            "left->right.fanout",
            "passed",
            "the join multiplies matched rows by 1.33 (allowed 1.33)",
            0,
        ),
    ]
    assert report.subject == "left join right"
    assert report.kind == "join"
    assert report["left->right.orphans"].counterexample is None
    tight = check_join(
        left, right, on=["k"], max_orphan_rate=0.2, max_fanout=1.3, raise_on_failure=False
    )
    assert tight.failed == ["right.key_unique", "left->right.orphans", "left->right.fanout"]
    assert tight["left->right.orphans"].counterexample == [{"k": 4}]
    # one left key: its rate is 1 of 1, its fan-out 2 of 1
    one = check_join(pd.DataFrame({"k": [9]}), right, on="k", raise_on_failure=False)
    assert one["left->right.orphans"].message.startswith("1 of 1 keys (100.0%)")
    two = check_join(
        pd.DataFrame({"k": [1]}), right, on="k", max_fanout=2.0, raise_on_failure=False
    )
    assert two["left->right.fanout"].message.startswith("the join multiplies matched rows by 2.00")
    assert two["left->right.fanout"].status == "passed"
    with pytest.raises(mltest.CheckFailure):  # raising is the default
        check_join(left, right, on="k")


def test_sources_with_the_same_columns_are_compared_row_by_row():
    a = Source("a", pd.DataFrame({"v": [1, 2, 3]}))
    b = Source("b", pd.DataFrame({"v": [3, 4]}))
    report = check_sources([a, b], raise_on_failure=False)
    assert _findings(report)[-1] == ("a~b.shared_rows", "failed", "1 row(s) appear in both", 1)
    agreement = check_schema_agreement([a, b], raise_on_failure=False)
    assert _findings(agreement) == [("a~b.schema", "passed", "same columns and dtypes", 0)]
    assert agreement.subject == "schema agreement"


def test_a_failed_collection_check_hides_mltest_frames_from_the_traceback():
    stale = Source(
        "a", _orders(newest=NOW - pd.Timedelta("3h")), timestamp="placed_at", max_age="1h"
    )
    calls = [
        lambda: check_sources([stale], now=NOW),
        lambda: check_join(pd.DataFrame({"k": [1]}), pd.DataFrame({"k": [2]}), on="k"),
        lambda: check_schema_agreement(
            [Source("x", pd.DataFrame({"v": [1]})), Source("y", pd.DataFrame({"w": [1]}))]
        ),
    ]
    for call in calls:
        with pytest.raises(mltest.CheckFailure) as excinfo:
            call()
        shown = [str(entry.path) for entry in excinfo.traceback.filter(excinfo)]
        assert not [p for p in shown if "mltest" in p and "tests" not in p], shown


def test_a_loader_returning_no_frame_is_named_and_now_defaults_to_the_clock():
    with pytest.raises(
        mltest.UsageError, match=r"^source 'bad': its loader returned int, not a DataFrame$"
    ):
        Source("bad", lambda: 5).load()
    recent = pd.DataFrame({"at": [pd.Timestamp.now() - pd.Timedelta("1min")]})
    report = check_sources([Source("r", recent, timestamp="at", max_age="1h")])
    assert report["r.freshness"].status == "passed"

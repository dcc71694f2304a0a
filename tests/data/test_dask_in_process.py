"""The collection checks and validation on Dask frames run by Dask's in-process scheduler
(no cluster): the same results as pandas, row for row. The cluster version of these tests
(``tests/scale/test_dask.py``) is the integration test; this one is quick enough for every
run, and for the mutation run's selection."""

from __future__ import annotations

import pytest

import mltest
from tests.scale.data import SCHEMA, engine_source_checks, planted, same, sources_with_faults
from tests.scale.data import frame as _frame

dd = pytest.importorskip("dask.dataframe")
dask = pytest.importorskip("dask")


@pytest.fixture(autouse=True)
def _in_process():
    with dask.config.set(scheduler="synchronous"):
        yield


def test_source_and_join_checks_give_pandas_results():
    engine_source_checks(lambda f, n: dd.from_pandas(f, npartitions=n))
    applications, outcomes = sources_with_faults()
    # a pandas frame joined to a Dask one, and the other way round
    plain = mltest.data.check_join(applications, outcomes, on="id", raise_on_failure=False)
    for left, right in (
        (applications, dd.from_pandas(outcomes, npartitions=2)),
        (dd.from_pandas(applications, npartitions=2), outcomes),
    ):
        same(plain, mltest.data.check_join(left, right, on="id", raise_on_failure=False))


def test_validation_gives_pandas_counts_and_example_rows():
    df = planted(_frame())
    expected = mltest.data.check_valid(df, SCHEMA, raise_on_failure=False)
    got = mltest.data.check_valid(
        dd.from_pandas(df, npartitions=3), SCHEMA, raise_on_failure=False
    )
    same(expected, got)
    assert not got.passed


def test_rows_shared_by_a_pandas_and_a_dask_source_are_counted():
    applications, _ = sources_with_faults()
    a = mltest.data.Source("a", applications.iloc[:100])
    b = mltest.data.Source("b", dd.from_pandas(applications.iloc[90:150], npartitions=2))
    report = mltest.data.check_sources([a, b], raise_on_failure=False)
    assert report["a~b.shared_rows"].message == "10 row(s) appear in both"


def test_a_dask_source_and_a_loader_returning_one_are_read_as_dask():
    applications, _ = sources_with_faults()
    ddf = dd.from_pandas(applications, npartitions=2)
    for data in (ddf, lambda: ddf):
        src = mltest.data.Source("a", data, key="id")
        report = mltest.data.check_sources([src], raise_on_failure=False)
        expected = mltest.data.check_sources(
            [mltest.data.Source("a", applications, key="id")], raise_on_failure=False
        )
        same(expected, report)

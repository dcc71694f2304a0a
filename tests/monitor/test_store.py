"""The monitor store: what is logged reads back exactly, in SQLite and PostgreSQL alike; a
killed process loses no committed batch and leaves no partial one."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

import mltest
from mltest.monitor import Store, profile
from mltest.monitor.store import VERSION

from .test_replay import INPUTS, _Model, _stream


def _batch(n, seed):
    rng = np.random.default_rng(seed)
    inputs = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["a", "b"], n)})
    when = pd.Timestamp("2026-03-01") + pd.to_timedelta(np.sort(rng.integers(0, 86400, n)), "s")
    return inputs, rng.integers(0, 2, n), when


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monitor.db'}"
    return request.getfixturevalue("fresh_postgres")


def test_logged_predictions_read_back_exactly(store_url):
    inputs, preds, when = _batch(500, 0)
    ids = [f"r{i}" for i in range(500)]
    with Store(store_url) as store:
        reference = profile(inputs)
        first = store.log_predictions(
            "churn", inputs, preds, time=when, ids=ids, reference=reference
        )
        second = store.log_predictions("churn", inputs.iloc[:10], preds[:10], labels=[1] * 10)
        store.log_predictions("other", inputs.iloc[:3], preds[:3])
        logged = store.predictions("churn")
        assert len(logged) == 510
        head = logged[logged["batch"] == first]
        assert head["id"].tolist() == ids
        assert head["prediction"].tolist() == preds.astype(float).tolist()
        assert (head["time"].to_numpy() == when.to_numpy()).all()
        assert head["label"].isna().all()
        assert logged.loc[logged["batch"] == second, "label"].tolist() == [1.0] * 10
        assert store.add_labels("churn", ids[:100], np.ones(100)) == 100
        assert store.predictions("churn")["label"].notna().sum() == 110
        batches = store.batches("churn")
        assert batches["rows"].tolist() == [500, 10]
        assert batches["first"].iloc[0] == when.min()
        saved = store.batch_profile(first)
        assert saved == profile(inputs, reference=reference)
        assert saved + profile(inputs, reference=reference) is not None  # merges
        assert store.version == VERSION


def test_reopening_keeps_data_and_the_schema_version(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    inputs, preds, when = _batch(20, 1)
    with Store(url) as store:
        store.log_predictions("m", inputs, preds, time=when)
    with Store(url) as store:
        assert store.version == VERSION
        assert len(store.predictions("m")) == 20
        store._execute("UPDATE mltest_schema SET version = 99")
    with pytest.raises(mltest.UsageError, match="newer than this mltest"):
        Store(url)


@pytest.mark.parametrize(
    ("url", "match"),
    [
        pytest.param("mysql://x", "must start with sqlite:/// or postgresql://", id="scheme"),
        pytest.param("sqlite:///no/such/folder/m.db", "does not exist", id="folder"),
        pytest.param("sqlite:///", "names no file", id="empty"),
        pytest.param(3, "must be a sqlite", id="type"),
        pytest.param("postgresql://postgres@127.0.0.1:1/x", "cannot be opened", id="refused"),
    ],
)
def test_a_store_that_cannot_be_opened_is_a_usage_error(url, match):
    with pytest.raises(mltest.UsageError, match=match):
        Store(url)


def test_bad_batches_are_usage_errors_and_write_nothing(tmp_path):
    inputs, preds, _ = _batch(10, 2)
    with Store(f"sqlite:///{tmp_path / 'm.db'}") as store:
        with pytest.raises(mltest.UsageError, match=r"^predictions: 9 values for 10 rows"):
            store.log_predictions("m", inputs, preds[:9])
        with pytest.raises(mltest.UsageError, match="encode class labels as integers"):
            store.log_predictions("m", inputs, ["yes"] * 10)
        with pytest.raises(mltest.UsageError, match=r"^time: must hold timestamps"):
            store.log_predictions("m", inputs, preds, time=["x"] * 10)
        with pytest.raises(mltest.UsageError, match=r"^model=''"):
            store.log_predictions("", inputs, preds)
        assert len(store.predictions("m")) == 0
        assert len(store.batches("m")) == 0


INGEST = textwrap.dedent(
    """
    import sys
    import numpy as np, pandas as pd
    from mltest.monitor import Store
    rng = np.random.default_rng(0)
    inputs = pd.DataFrame({"x": rng.normal(size=20_000)})
    store = Store(sys.argv[1])
    for i in range(10_000):
        batch = store.log_predictions("m", inputs, rng.integers(0, 2, 20_000))
        print(batch, flush=True)
    """
)


def test_a_killed_ingest_loses_no_committed_batch_and_leaves_no_partial_one(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    Store(url).close()
    proc = subprocess.Popen([sys.executable, "-c", INGEST, url], stdout=subprocess.PIPE, text=True)
    committed = []
    deadline = time.monotonic() + 60
    while len(committed) < 5 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            committed.append(int(line))
    time.sleep(0.05)  # most likely in the middle of the next batch
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert len(committed) >= 5
    with Store(url) as store:
        batches = store.batches("m")
        counts = store.predictions("m").groupby("batch").size()
    assert set(committed) <= set(batches["batch"])
    assert (batches["rows"] == 20_000).all()
    assert counts.reindex(batches["batch"]).tolist() == batches["rows"].tolist()


def test_the_same_replay_gives_the_same_results_in_sqlite_and_postgresql(tmp_path, fresh_postgres):
    reference = _stream(30, 300, 0, start="2025-11-01")
    model = _Model(reference)
    live = _stream(40, 1000, 1, drift_from="2026-01-20", flip_from="2026-01-25")
    saved = {}
    for url in (f"sqlite:///{tmp_path / 'replay.db'}", fresh_postgres):
        result = mltest.monitor.replay(
            model,
            live,
            time_column="at",
            reference=reference[INPUTS],
            labels="label",
            store=url,
            name="churn",
        )
        with Store(url) as store:
            saved[url] = (
                store.windows("churn"),
                store.alerts("churn"),
                store.predictions("churn").drop(columns="batch"),
            )
        assert saved[url][1] == result.alerts
    (w1, a1, p1), (w2, a2, p2) = saved.values()
    assert a1 == a2
    assert [a.subject for a in a1] == ["noise", "accuracy"]
    pd.testing.assert_frame_equal(p1, p2)
    assert w1["start"].tolist() == w2["start"].tolist()
    assert w1["rows"].tolist() == w2["rows"].tolist()
    assert w1["drift"].tolist() == w2["drift"].tolist()
    assert w1["profile"].tolist() == w2["profile"].tolist()

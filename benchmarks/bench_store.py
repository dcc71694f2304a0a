"""Ingest speed of the monitor store against SQLite's own floor.

Goal (issue 11): at least 200,000 prediction rows per second into SQLite in batches
(printed); asserted as a ratio: logging batches through ``Store.log_predictions`` (which
also profiles each batch's inputs and commits each batch as one transaction) costs at most
1.5x inserting the same values (batch, time, prediction) with ``sqlite3``'s ``executemany``
in the same transactions.
Run: pytest benchmarks/bench_store.py -s
"""

from __future__ import annotations

import sqlite3
import time

import numpy as np
import pandas as pd

from mltest.monitor import Store, profile

BATCHES, ROWS = 10, 100_000


def _data():
    rng = np.random.default_rng(0)
    inputs = pd.DataFrame({f"x{i}": rng.normal(size=ROWS) for i in range(5)})
    when = pd.Timestamp("2026-03-01") + pd.to_timedelta(np.arange(ROWS), "s")
    return inputs, rng.integers(0, 2, ROWS), when


def _ours(path, inputs, preds, when, reference):
    with Store(f"sqlite:///{path}") as store:
        start = time.perf_counter()
        for _ in range(BATCHES):
            store.log_predictions("m", inputs, preds, time=when, reference=reference)
        return time.perf_counter() - start


def _floor(path, preds, when):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE p (batch_id BIGINT, row_id TEXT, ts_ns BIGINT, prediction DOUBLE PRECISION,"
        " label DOUBLE PRECISION)"
    )
    conn.execute("CREATE INDEX pb ON p (batch_id)")
    ts = when.to_numpy().view("int64")
    start = time.perf_counter()
    for batch in range(BATCHES):
        rows = [
            (batch, None, t, p, None)
            for t, p in zip(ts.tolist(), preds.astype(float).tolist(), strict=True)
        ]
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO p VALUES (?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start


def test_ingest_rate_vs_sqlite_executemany(tmp_path):
    inputs, preds, when = _data()
    reference = profile(inputs)
    ours = min(_ours(tmp_path / f"a{i}.db", inputs, preds, when, reference) for i in range(2))
    floor = min(_floor(tmp_path / f"b{i}.db", preds, when) for i in range(2))
    rate = BATCHES * ROWS / ours
    print(
        f"\nstore ingest: {rate:,.0f} prediction rows/s ({BATCHES} batches of {ROWS:,}); "
        f"sqlite3 executemany floor {BATCHES * ROWS / floor:,.0f} rows/s: ours {ours / floor:.2f}x"
    )
    assert ours <= 1.5 * floor

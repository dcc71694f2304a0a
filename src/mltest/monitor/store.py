"""The monitor store: prediction logs, profiles per window, drift results and alerts, in
SQLite (the default: a file, WAL mode) or PostgreSQL (by URL, through psycopg), with the
same schema and the same results.

Every batch of predictions is one transaction: a process killed in the middle of logging
loses no batch that was committed and leaves no partial one. The schema is versioned;
opening a store applies the migrations it lacks, each in its own transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mltest import arguments
from mltest.errors import UsageError
from mltest.monitor.profile import Profile, as_frame, build_profile

# (version, statements): applied in order to a store whose version is lower. "{id}" is the
# dialect's auto-incrementing key.
MIGRATIONS: list[tuple[int, list[str]]] = [
    (
        1,
        [
            "CREATE TABLE batches (id {id}, model TEXT NOT NULL, created TEXT NOT NULL, "
            "first_ns BIGINT, last_ns BIGINT, n_rows BIGINT NOT NULL, profile TEXT)",
            "CREATE TABLE predictions (batch_id BIGINT NOT NULL REFERENCES batches(id), "
            "row_id TEXT, ts_ns BIGINT, prediction DOUBLE PRECISION, label DOUBLE PRECISION)",
            "CREATE INDEX predictions_batch ON predictions (batch_id)",
            "CREATE TABLE windows (model TEXT NOT NULL, start_ns BIGINT NOT NULL, rows BIGINT, "
            "profile TEXT, drift TEXT, PRIMARY KEY (model, start_ns))",
            "CREATE TABLE alerts (id {id}, model TEXT NOT NULL, window_ns BIGINT NOT NULL, "
            "kind TEXT NOT NULL, subject TEXT NOT NULL, message TEXT NOT NULL)",
        ],
    ),
    (
        2,
        [
            "CREATE TABLE audit (id {id}, ts_ns BIGINT NOT NULL, request_id TEXT NOT NULL, "
            "server TEXT NOT NULL, caller TEXT, client TEXT, forwarded_for TEXT, region TEXT, "
            "method TEXT NOT NULL, endpoint TEXT NOT NULL, status INTEGER NOT NULL, "
            "latency_s DOUBLE PRECISION NOT NULL, request_bytes BIGINT, response_bytes BIGINT, "
            "n_rows BIGINT, error TEXT)",
            "CREATE INDEX audit_server_time ON audit (server, ts_ns)",
        ],
    ),
]
VERSION = MIGRATIONS[-1][0]
# parameters per statement: 32,766 from SQLite 3.32 on, 999 before
_SQLITE_VARIABLES = 30_000 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999
AUDIT_COLUMNS = (
    "ts_ns",
    "request_id",
    "server",
    "caller",
    "client",
    "forwarded_for",
    "region",
    "method",
    "endpoint",
    "status",
    "latency_s",
    "request_bytes",
    "response_bytes",
    "n_rows",
    "error",
)


class Store:
    """``Store("sqlite:///monitor.db")`` (a path relative to the working directory;
    ``sqlite:////abs/path.db`` for an absolute one) or ``Store("postgresql://user@host/db")``.
    Use as a context manager, or ``close()`` it."""

    def __init__(self, url: str = "sqlite:///monitor.db") -> None:
        if not isinstance(url, str):
            raise UsageError(
                f"url={arguments.short(url)}: must be a sqlite:/// or postgresql:// URL"
            )
        self.url = url
        if url.startswith("sqlite:///"):
            self.dialect = "sqlite"
            path = url[len("sqlite:///") :]
            if not path:
                raise UsageError(f"url={url!r}: names no file (sqlite:///monitor.db)")
            if path != ":memory:" and not Path(path).parent.exists():
                raise UsageError(
                    f"url={url!r}: the folder {str(Path(path).parent)!r} does not exist"
                )
            try:
                self._conn: Any = sqlite3.connect(path, isolation_level=None)
                self._conn.execute("PRAGMA journal_mode=WAL")
                # durable across a killed process (the WAL is in the OS's hands at commit)
                self._conn.execute("PRAGMA synchronous=NORMAL")
                self._conn.execute("PRAGMA foreign_keys=ON")
            except sqlite3.Error as exc:
                raise UsageError(f"url={url!r}: cannot be opened ({exc})") from None
            self._mark = "?"
        elif url.startswith(("postgresql://", "postgres://")):
            self.dialect = "postgresql"
            try:
                import psycopg
            except ImportError:
                raise UsageError(
                    f"url={url!r}: PostgreSQL needs psycopg (pip install 'pytest-mltest[monitor]')"
                ) from None
            try:
                self._conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
            except psycopg.Error as exc:
                raise UsageError(f"url={url!r}: cannot be opened ({exc})".strip()) from None
            self._mark = "%s"
        else:
            raise UsageError(f"url={url!r}: must start with sqlite:/// or postgresql://")
        self._migrate()

    # --- plumbing ---------------------------------------------------------------------

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def _sql(self, statement: str) -> str:
        return statement.replace("?", self._mark)

    def _execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        cur = self._conn.cursor()
        cur.execute(self._sql(statement), params)
        return cur

    def _transaction(self) -> Any:
        if self.dialect == "sqlite":
            return _SqliteTransaction(self._conn)
        return self._conn.transaction()

    @property
    def version(self) -> int:
        rows = self._execute("SELECT version FROM mltest_schema").fetchall()
        return int(rows[0][0]) if rows else 0

    def _migrate(self) -> None:
        self._execute("CREATE TABLE IF NOT EXISTS mltest_schema (version INTEGER NOT NULL)")
        current = self.version
        if current > VERSION:
            raise UsageError(
                f"url={self.url!r}: the store's schema version {current} is newer than this "
                f"mltest's ({VERSION}); upgrade mltest"
            )
        key = "INTEGER PRIMARY KEY" if self.dialect == "sqlite" else "BIGSERIAL PRIMARY KEY"
        for version, statements in MIGRATIONS:
            if version <= current:
                continue
            with self._transaction():
                for statement in statements:
                    self._execute(statement.replace("{id}", key))
                self._execute("DELETE FROM mltest_schema")
                self._execute("INSERT INTO mltest_schema (version) VALUES (?)", (version,))

    # --- prediction logs --------------------------------------------------------------

    def log_predictions(
        self,
        model: str,
        inputs: Any,
        predictions: Any,
        *,
        time: Any = None,
        ids: Any = None,
        labels: Any = None,
        reference: Profile | None = None,
        summary: Profile | None = None,
    ) -> int:
        """Log one batch in one transaction: its inputs' profile (binned on
        ``reference``'s edges when given, so batches merge; or ``summary``, already
        computed; ``inputs`` may then be None) and one row per prediction (``ids`` to
        attach labels later, ``time``, ``labels`` if already known). Returns the batch's
        id."""
        model = _name(model)
        if inputs is None:  # the batch summarised elsewhere (on a Spark executor, say)
            if summary is None:
                raise UsageError("inputs=None: give the batch's profile as summary=")
            n = len(np.asarray(predictions))
        else:
            frame = as_frame("inputs", inputs)
            n = len(frame)
        preds = _numbers("predictions", predictions, n)
        label_values = None if labels is None else _numbers("labels", labels, n, missing=True)
        ts = None if time is None else _nanoseconds("time", time, n)
        row_ids = None if ids is None else [str(v) for v in _column("ids", ids, n)]
        if summary is None:
            summary = build_profile(frame, reference, None, "inputs")
        created = dt.datetime.now(dt.timezone.utc).isoformat()
        first = None if ts is None else int(ts.min())
        last = None if ts is None else int(ts.max())
        # only the columns this batch has values for: the others stay NULL, unbound
        given = {
            "row_id": row_ids,
            "ts_ns": None if ts is None else ts.tolist(),
            "prediction": preds.tolist(),
            "label": None if label_values is None else _with_none(label_values),
        }
        names = ["batch_id", *(k for k, v in given.items() if v is not None)]
        with self._transaction():
            batch = self._insert_returning_id(
                "INSERT INTO batches (model, created, first_ns, last_ns, n_rows, profile) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (model, created, first, last, n, json.dumps(summary.to_dict())),
            )
            values = [v for v in given.values() if v is not None]
            rows = zip(itertools.repeat(batch, n), *values, strict=False)  # repeat() is endless
            self._insert_many("predictions", names, rows)
        return batch

    def _insert_returning_id(self, statement: str, params: Sequence[Any]) -> int:
        if self.dialect == "sqlite":
            return int(self._execute(statement, params).lastrowid)
        return int(self._execute(statement + " RETURNING id", params).fetchone()[0])

    def _insert_many(self, table: str, columns: Sequence[str], rows: Iterator[Any]) -> None:
        if self.dialect == "sqlite":
            marks = ", ".join("?" for _ in columns)
            self._conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
            )
            return
        with self._conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def add_labels(self, model: str, ids: Any, labels: Any) -> int:
        """Attach labels that arrived later to logged predictions, by id; returns how many
        predictions got one."""
        model = _name(model)
        keys = [str(v) for v in _column("ids", ids, None)]
        values = _numbers("labels", labels, len(keys))
        with self._transaction():
            cur = self._conn.cursor()
            cur.executemany(
                self._sql(
                    "UPDATE predictions SET label = ? WHERE row_id = ? AND batch_id IN "
                    "(SELECT id FROM batches WHERE model = ?)"
                ),
                [(float(v), k, model) for v, k in zip(values, keys, strict=True)],
            )
            return max(int(cur.rowcount), 0)

    def predictions(self, model: str) -> pd.DataFrame:
        """Every logged prediction of ``model``: ``batch``, ``id``, ``time``, ``prediction``,
        ``label``, in logging order."""
        model = _name(model)
        rows = self._execute(
            "SELECT p.batch_id, p.row_id, p.ts_ns, p.prediction, p.label FROM predictions p "
            "JOIN batches b ON p.batch_id = b.id WHERE b.model = ? ORDER BY p.batch_id",
            (model,),
        ).fetchall()
        frame = pd.DataFrame(rows, columns=["batch", "id", "time", "prediction", "label"])
        frame["time"] = pd.to_datetime(frame["time"].astype("Int64"), unit="ns")
        frame["label"] = frame["label"].astype(float)
        return frame

    def batches(self, model: str) -> pd.DataFrame:
        """One row per logged batch: ``batch``, ``rows``, ``first``, ``last``."""
        rows = self._execute(
            "SELECT id, n_rows, first_ns, last_ns FROM batches WHERE model = ? ORDER BY id",
            (_name(model),),
        ).fetchall()
        frame = pd.DataFrame(rows, columns=["batch", "rows", "first", "last"])
        for column in ("first", "last"):
            frame[column] = pd.to_datetime(frame[column].astype("Int64"), unit="ns")
        return frame

    def batch_profile(self, batch: int) -> Profile:
        row = self._execute("SELECT profile FROM batches WHERE id = ?", (int(batch),)).fetchone()
        if row is None:
            raise UsageError(f"batch={batch!r}: no such batch")
        return Profile.from_dict(json.loads(row[0]))

    # --- windows and alerts -------------------------------------------------------------

    def save_window(
        self,
        model: str,
        start: Any,
        *,
        rows: int,
        profile: Profile | None = None,
        drift: dict[str, Any] | None = None,
    ) -> None:
        """Record one window (its profile and drift report as a dict); saving a window
        again replaces it."""
        model = _name(model)
        start_ns = int(pd.Timestamp(start).value)
        with self._transaction():
            self._execute(
                "DELETE FROM windows WHERE model = ? AND start_ns = ?", (model, start_ns)
            )
            self._execute(
                "INSERT INTO windows (model, start_ns, rows, profile, drift) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    model,
                    start_ns,
                    int(rows),
                    None if profile is None else json.dumps(profile.to_dict()),
                    None if drift is None else json.dumps(drift),
                ),
            )

    def windows(self, model: str) -> pd.DataFrame:
        """The recorded windows: ``start``, ``rows``, ``profile`` (a ``Profile``) and
        ``drift`` (the report as a dict), by start."""
        rows = self._execute(
            "SELECT start_ns, rows, profile, drift FROM windows WHERE model = ? ORDER BY start_ns",
            (_name(model),),
        ).fetchall()
        return pd.DataFrame(
            {
                "start": pd.to_datetime([r[0] for r in rows], unit="ns"),
                "rows": [int(r[1]) for r in rows],
                "profile": [
                    None if r[2] is None else Profile.from_dict(json.loads(r[2])) for r in rows
                ],
                "drift": [None if r[3] is None else json.loads(r[3]) for r in rows],
            }
        )

    def add_alert(self, model: str, alert: Any) -> None:
        self._execute(
            "INSERT INTO alerts (model, window_ns, kind, subject, message) VALUES (?, ?, ?, ?, ?)",
            (
                _name(model),
                int(pd.Timestamp(alert.window).value),
                alert.kind,
                alert.subject,
                alert.message,
            ),
        )

    def alerts(self, model: str) -> list[Any]:
        from mltest.monitor.replay import Alert

        rows = self._execute(
            "SELECT window_ns, kind, subject, message FROM alerts WHERE model = ? ORDER BY id",
            (_name(model),),
        ).fetchall()
        return [Alert(pd.Timestamp(int(r[0]), unit="ns"), r[1], r[2], r[3]) for r in rows]

    # --- audit log of served requests -------------------------------------------------

    def log_requests(self, rows: Sequence[Sequence[Any]]) -> int:
        """Append audit rows (values in ``AUDIT_COLUMNS`` order) in one transaction."""
        if self.dialect == "postgresql":
            with self._transaction():
                self._insert_many("audit", AUDIT_COLUMNS, iter(rows))
            return len(rows)
        # SQLite: many rows per statement, so the writer thread steps the database (and
        # hands the GIL back and forth with the serving thread) once per chunk, not per row
        width = len(AUDIT_COLUMNS)
        chunk = max(_SQLITE_VARIABLES // width, 1)
        one = "(" + ", ".join("?" for _ in AUDIT_COLUMNS) + ")"
        head = f"INSERT INTO audit ({', '.join(AUDIT_COLUMNS)}) VALUES "
        with self._transaction():
            for start in range(0, len(rows), chunk):
                part = rows[start : start + chunk]
                values = [v for row in part for v in row]
                self._conn.execute(head + ", ".join([one] * len(part)), values)
        return len(rows)

    def audit(self, server: str | None = None) -> pd.DataFrame:
        """Every logged request (of one ``server`` name, or all), oldest first, with ``time``
        as a timestamp."""
        where, params = ("WHERE server = ?", (server,)) if server is not None else ("", ())
        rows = self._execute(
            f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit {where} ORDER BY id", params
        ).fetchall()
        frame = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
        frame.insert(0, "time", pd.to_datetime(frame.pop("ts_ns").astype("int64"), unit="ns"))
        return frame


class _SqliteTransaction:
    """BEGIN ... COMMIT, or ROLLBACK when the block raises (sqlite3 in autocommit mode)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: Any, *rest: Any) -> None:
        self.conn.execute("ROLLBACK" if kind is not None else "COMMIT")


def _name(model: Any) -> str:
    if not isinstance(model, str) or not model:
        raise UsageError(f"model={arguments.short(model)}: must be a non-empty name")
    return model


def _column(argument: str, values: Any, n: int | None) -> list[Any] | np.ndarray:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise UsageError(f"{argument}={arguments.short(values)}: must be an array or a list")
    if n is not None and len(values) != n:
        raise UsageError(f"{argument}: {len(values)} values for {n} rows")
    if isinstance(values, np.ndarray):
        return values
    if isinstance(values, (pd.Series, pd.Index)):  # no Python object per row
        return values.to_numpy()
    return list(values)


def _numbers(argument: str, values: Any, n: int, *, missing: bool = False) -> np.ndarray:
    raw = _column(argument, values, n)
    array = raw if isinstance(raw, np.ndarray) else np.asarray(raw, dtype=object)
    if array.dtype.kind in "biuf":
        out = array.astype(np.float64)
    else:
        try:
            out = pd.to_numeric(pd.Series(array), errors="raise").to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise UsageError(
                f"{argument}: must be numbers (encode class labels as integers)"
            ) from None
    if not missing and np.isnan(out).any():
        raise UsageError(f"{argument}: has missing values")
    return out


def _with_none(values: np.ndarray) -> list[float | None]:
    return [None if v != v else v for v in values.tolist()]


def _nanoseconds(argument: str, values: Any, n: int) -> np.ndarray:
    raw = _column(argument, values, n)
    try:
        times = pd.to_datetime(pd.Series(raw))
    except (TypeError, ValueError):
        raise UsageError(f"{argument}: must hold timestamps") from None
    if times.isna().any():
        raise UsageError(f"{argument}: has missing timestamps")
    if getattr(times.dtype, "tz", None) is not None:
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    return times.to_numpy(dtype="datetime64[ns]").view("int64")

"""Collection checks over data sources: freshness, volume, keys, joins, duplicates and
schema agreement. Every check is one ``PropertyResult`` in the shared ``Report``.

A source's rows are a pandas or a Dask DataFrame: the checks are written in operations
both engines run (row counts, ``drop_duplicates``, ``merge``, group sizes), Dask's computed
where they lie; example rows come from an ordered scan of the partitions, so they are the
rows pandas would show."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mltest import arguments
from mltest.data.schema import Schema
from mltest.errors import UsageError
from mltest.report import PropertyResult, Report
from mltest.scale import engine_name, engine_of, is_distributed


@dataclasses.dataclass
class Source:
    """A named source of rows and what is expected of it.

    ``data`` is a DataFrame, a callable returning one, or a CSV/Parquet path.
    ``timestamp`` names the column whose newest value must be at most ``max_age`` old.
    ``volume`` is a ``(low, high)`` row-count band; or give ``volume_history`` (past row
    counts) to learn one. ``key`` must be unique; ``schema`` must validate.
    """

    name: str
    data: Any
    timestamp: str | None = None
    max_age: Any = None
    volume: tuple[int, int] | None = None
    volume_history: Sequence[int] | None = None
    key: str | list[str] | None = None
    schema: Schema | None = None
    _frame: pd.DataFrame | None = dataclasses.field(default=None, repr=False)

    def load(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = _load(self.name, self.data)
        return self._frame

    def band(self) -> tuple[float, float] | None:
        """The accepted row-count band: declared, or median +- max(3 MADs, 20%) of history."""
        if self.volume is not None:
            return self.volume
        if not self.volume_history:
            return None
        counts = np.asarray(self.volume_history, dtype=float)
        median = float(np.median(counts))
        spread = max(3 * float(np.median(np.abs(counts - median))), 0.2 * median)
        return (median - spread, median + spread)


def _load(name: str, data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if is_distributed(data):
        engine_of(data, f"source {name!r}: data must be a DataFrame, a callable or a file path")
        return data
    if isinstance(data, (str, Path)):
        return read_table(data)
    if callable(data):
        out = data()
        if is_distributed(out):
            engine_of(out, f"source {name!r}: its loader returned {type(out).__name__}")
        elif not isinstance(out, pd.DataFrame):
            raise UsageError(
                f"source {name!r}: its loader returned {type(out).__name__}, not a DataFrame"
            )
        return out
    raise UsageError(f"source {name!r}: data must be a DataFrame, a callable or a file path")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet file; anything else is a ``UsageError`` naming the path."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"path {str(path)!r} does not exist")
    if path.suffix not in (".csv", ".parquet", ".pq"):
        raise UsageError(f"path {str(path)!r}: only .csv and .parquet files are read")
    try:
        if path.suffix == ".csv":
            return pd.read_csv(path)
        return pd.read_parquet(path)
    except ImportError as exc:
        raise UsageError(
            f"path {str(path)!r}: reading Parquet needs pyarrow "
            "(pip install 'pytest-mltest[data]')"
        ) from exc
    except pd.errors.EmptyDataError:
        raise UsageError(f"path {str(path)!r}: the file is empty (no columns)") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise UsageError(f"path {str(path)!r}: cannot be read ({exc})") from None


def _result(
    name: str, ok: bool, message: str, *, count: int = 0, example: Any = None
) -> PropertyResult:
    return PropertyResult(
        name,
        "passed" if ok else "failed",
        message,
        counterexample=None if ok else example,
        examples=count,
    )


def _freshness(src: Source, df: pd.DataFrame, now: pd.Timestamp) -> PropertyResult:
    name = f"{src.name}.freshness"
    if src.timestamp not in df.columns:
        return _result(name, False, f"timestamp column {src.timestamp!r} is missing")
    newest = _table(df).newest(df, src.timestamp)
    if pd.isna(newest):
        return _result(name, False, "no timestamps at all")
    age = now - newest
    limit = pd.Timedelta(src.max_age)
    return _result(
        name,
        age <= limit,
        f"newest record {newest} is {age} old (allowed {limit})",
        example=str(newest),
    )


class Frames:
    """The operations the source checks need, on pandas or Dask frames (Dask's computed
    where the data lies); ``mltest.scale._spark.Tables`` has them for Spark."""

    @staticmethod
    def value(x: Any) -> Any:
        """A Dask result computed; a pandas one as it is."""
        return x.compute() if hasattr(x, "compute") else x

    def rows(self, df: Any) -> int:
        return len(df)

    def newest(self, df: Any, column: str) -> Any:
        s = df[column]
        if is_distributed(s):
            import dask.dataframe as dd

            return self.value(dd.to_datetime(s).max())
        return pd.to_datetime(s).max()

    def repeated_keys(self, df: Any, keys: list[str]) -> tuple[int, list[Any]]:
        """Rows sharing their key with another row, and the first five (index labels)."""
        if is_distributed(df):
            return engine_of(df, "df").repeated_keys(df, keys)
        dup = df.duplicated(subset=keys, keep=False)
        return int(dup.sum()), df.index[dup.to_numpy()][:5].tolist()

    def duplicate_rows(self, df: Any) -> int:
        return len(df) - len(df.drop_duplicates())  # rows repeating an earlier one

    def repeated_key_rows(self, df: Any, keys: list[str]) -> int:
        return len(df) - len(df[keys].drop_duplicates())  # rows repeating an earlier key

    def shared_rows(self, a: Any, b: Any, common: list[str]) -> int:
        left = a[common].drop_duplicates()
        return len(left.merge(b[common].drop_duplicates(), how="inner", on=common))

    def orphans(self, ldf: Any, rdf: Any, keys: list[str]) -> tuple[int, int, list[Any]]:
        """Distinct left keys with no right match: how many, of how many, the first five."""
        lkeys = ldf[keys].drop_duplicates()
        matched = lkeys.merge(rdf[keys].drop_duplicates(), how="left", on=keys, indicator=True)
        orphans = int(self.value((matched["_merge"] == "left_only").sum()))
        if is_distributed(ldf) or is_distributed(rdf):
            side = ldf if is_distributed(ldf) else rdf
            sample = engine_of(side, "left").orphans(ldf, rdf, keys)
        else:
            sample = matched.loc[matched["_merge"] == "left_only", keys].head(5).to_dict("records")
        return orphans, len(lkeys), sample

    def join_sizes(self, ldf: Any, rdf: Any, keys: list[str]) -> tuple[int, int]:
        """Rows of the inner join, and of the inner join on the right's distinct keys."""
        joined = len(ldf.merge(rdf[keys], how="inner", on=keys))
        return joined, len(ldf.merge(rdf[keys].drop_duplicates(), how="inner", on=keys))

    def dtype(self, df: Any, column: str) -> str:
        return str(df[column].dtype)


def _alike(a: Any, b: Any) -> tuple[Any, Any]:
    """Two frames one engine can compare: a pandas frame met with a Dask one becomes a
    one-partition Dask frame (pandas cannot merge a Dask frame; Spark's operations
    convert the other frame themselves)."""
    names = {engine_name(a), engine_name(b)}
    if names == {"dask", None}:
        import dask.dataframe as dd

        a, b = (dd.from_pandas(f, npartitions=1) if engine_name(f) is None else f for f in (a, b))
    return a, b


def _table(*frames: Any) -> Any:
    """The operations for these frames: Spark's where one is a Spark frame (the others then
    made Spark frames too), pandas' and Dask's otherwise."""
    spark = [f for f in frames if engine_name(f) == "spark"]
    if spark:
        return engine_of(spark[0], "df").Tables()
    return Frames()


def _key_unique(src: Source, df: pd.DataFrame) -> PropertyResult:
    keys = [src.key] if isinstance(src.key, str) else list(src.key or [])
    n, rows = _table(df).repeated_keys(df, keys)
    return _result(
        f"{src.name}.key_unique",
        n == 0,
        f"{n} row(s) share a {keys} value",
        count=n,
        example={"rows": rows},
    )


def check_sources(
    sources: Sequence[Source],
    *,
    now: Any = None,
    duplicates_across: bool = True,
    raise_on_failure: bool = True,
) -> Report:
    """Check every source (freshness, volume, key uniqueness, schema, duplicate rows) and
    rows duplicated across sources with the same columns; one result per check, raised as
    ``CheckFailure`` when one fails and ``raise_on_failure``."""
    __tracebackhide__ = True
    sources = _sources("sources", sources, at_least=1)
    arguments.flag("duplicates_across", duplicates_across)
    arguments.flag("raise_on_failure", raise_on_failure)
    now = pd.Timestamp.now(tz=None) if now is None else pd.Timestamp(now)
    report = Report("sources", kind="sources", stage="data-collection")
    frames = {}
    for src in sources:
        df = src.load()
        frames[src.name] = df
        if src.timestamp is not None:
            if src.max_age is None:
                raise UsageError(f"source {src.name!r}: timestamp= needs max_age=")
            report.add(_freshness(src, df, now))
        table = _table(df)
        band = src.band()
        if band is not None:
            lo, hi = band
            rows = table.rows(df)
            report.add(
                _result(
                    f"{src.name}.volume",
                    lo <= rows <= hi,
                    f"{rows} rows (band {lo:.0f}..{hi:.0f})",
                    count=rows,
                )
            )
        if src.key is not None:
            report.add(_key_unique(src, df))
        if src.schema is not None:
            for r in src.schema.validate(df).results:
                report.add(dataclasses.replace(r, name=f"{src.name}.{r.name}"))
        dup = table.duplicate_rows(df)
        report.add(
            _result(f"{src.name}.duplicate_rows", dup == 0, f"{dup} duplicated row(s)", count=dup)
        )
    if duplicates_across and len(sources) > 1:
        for result in _across(frames):
            report.add(result)
    return report.conclude(raise_on_failure)


def _sources(argument: str, sources: Any, *, at_least: int) -> list[Source]:
    """A list of ``Source``s, at least ``at_least`` of them, with distinct names."""
    if (
        isinstance(sources, (Source, pd.DataFrame, str))
        or is_distributed(sources)
        or not isinstance(sources, Sequence)
    ):
        raise UsageError(f"{argument}={sources!r:.60}: must be a list of mltest.data.Source")
    sources = list(sources)
    if len(sources) < at_least:
        want = "one Source" if at_least == 1 else f"{at_least} Sources to compare"
        raise UsageError(f"{argument}={sources!r:.60}: give at least {want}")
    bad = [s for s in sources if not isinstance(s, Source)]
    if bad:
        raise UsageError(f"{argument}: {bad[0]!r:.60} is not a mltest.data.Source")
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise UsageError(f"{argument}: source names must be distinct, got {names}")
    return sources


def _across(frames: dict[str, pd.DataFrame]) -> list[PropertyResult]:
    out = []
    names = list(frames)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if set(frames[a].columns) != set(frames[b].columns):
                continue  # only sources that feed the same table can duplicate each other
            common = list(frames[a].columns)
            fa, fb = _alike(frames[a], frames[b])
            n = _table(fa, fb).shared_rows(fa, fb, common)
            out.append(
                _result(f"{a}~{b}.shared_rows", n == 0, f"{n} row(s) appear in both", count=n)
            )
    return out


def check_join(
    left: Source | pd.DataFrame,
    right: Source | pd.DataFrame,
    *,
    on: str | list[str],
    max_orphan_rate: float = 0.0,
    max_fanout: float = 1.0,
    raise_on_failure: bool = True,
) -> Report:
    """Integration of two sources on ``on``: the right key is unique, the share of left
    keys without a match (orphans) is at most ``max_orphan_rate``, and the join multiplies
    rows by at most ``max_fanout``; raised as ``CheckFailure`` when one fails and
    ``raise_on_failure``."""
    __tracebackhide__ = True
    arguments.number("max_orphan_rate", max_orphan_rate, minimum=0)
    arguments.number("max_fanout", max_fanout, minimum=1)
    arguments.flag("raise_on_failure", raise_on_failure)
    for label, side in (("left", left), ("right", right)):
        if is_distributed(side):
            engine_of(side, f"{label}={type(side).__name__}")
        elif not isinstance(side, (Source, pd.DataFrame)):
            raise UsageError(f"{label}={side!r:.60}: must be a Source or a DataFrame")
    if not on or not isinstance(on, (str, list, tuple)):
        raise UsageError(f"on={on!r}: must be a column name or a list of them")
    ldf = left.load() if isinstance(left, Source) else left
    rdf = right.load() if isinstance(right, Source) else right
    lname = left.name if isinstance(left, Source) else "left"
    rname = right.name if isinstance(right, Source) else "right"
    keys = [on] if isinstance(on, str) else list(on)
    for frame, label in ((ldf, lname), (rdf, rname)):
        missing = [k for k in keys if k not in frame.columns]
        if missing:
            raise UsageError(f"on={on!r}: {label} has no column(s) {missing}")
    report = Report(f"{lname} join {rname}", kind="join", stage="data-collection")
    ldf, rdf = _alike(ldf, rdf)
    table = _table(ldf, rdf)
    dup = table.repeated_key_rows(rdf, keys)
    report.add(
        _result(
            f"{rname}.key_unique",
            dup == 0,
            f"{dup} duplicated {keys} value(s) on the right",
            count=dup,
        )
    )
    orphans, left_keys, sample = table.orphans(ldf, rdf, keys)
    rate = orphans / max(left_keys, 1)
    report.add(
        _result(
            f"{lname}->{rname}.orphans",
            rate <= max_orphan_rate + 1e-12,
            f"{orphans} of {left_keys} keys ({rate:.1%}) find no match "
            f"(allowed {max_orphan_rate:.1%}); coverage {1 - rate:.1%}",
            count=orphans,
            example=sample,
        )
    )
    joined, inner_left = table.join_sizes(ldf, rdf, keys)
    fanout = joined / max(inner_left, 1)
    report.add(
        _result(
            f"{lname}->{rname}.fanout",
            fanout <= max_fanout + 1e-12,
            f"the join multiplies matched rows by {fanout:.2f} (allowed {max_fanout:.2f})",
        )
    )
    return report.conclude(raise_on_failure)


def check_schema_agreement(sources: Sequence[Source], *, raise_on_failure: bool = True) -> Report:
    """Sources that feed the same table have the same columns with the same dtypes; raised
    as ``CheckFailure`` when they differ and ``raise_on_failure``."""
    __tracebackhide__ = True
    sources = _sources("sources", sources, at_least=2)
    arguments.flag("raise_on_failure", raise_on_failure)
    report = Report("schema agreement", kind="sources", stage="data-collection")
    base = sources[0]
    bdf = base.load()
    for src in sources[1:]:
        df = src.load()
        diffs = []
        for col in sorted(set(bdf.columns) | set(df.columns)):
            if col not in df.columns or col not in bdf.columns:
                diffs.append(f"{col}: only in {base.name if col in bdf.columns else src.name}")
            elif _table(bdf).dtype(bdf, col) != _table(df).dtype(df, col):
                diffs.append(
                    f"{col}: {_table(bdf).dtype(bdf, col)} vs {_table(df).dtype(df, col)}"
                )
        report.add(
            _result(
                f"{base.name}~{src.name}.schema",
                not diffs,
                "; ".join(diffs) or "same columns and dtypes",
            )
        )
    return report.conclude(raise_on_failure)

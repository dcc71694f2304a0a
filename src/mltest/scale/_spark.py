"""Spark DataFrames: validation as Spark column expressions; profiles (and so drift) by the
pandas profile code run on the executors.

Every (column, rule) pair of the schema becomes one Spark expression counting its failing
rows; all of them are evaluated in one aggregation over the data (``DataFrame.agg``), on
the executors. For each rule that fails, one more bounded query fetches its first
``EXAMPLES`` rows in row order (a top-k on the row position, never a ``collect()`` of the
data). Row positions are those of pandas' default index on the same rows: each row's
position in its partition plus the rows of the partitions before it (one small count per
partition). Uniqueness is Spark's own ``groupBy().count()``.

Semantics follow the pandas path: NaN counts as null in float columns (Spark orders NaN
above every number, so every comparison excludes it), a pattern must match the whole
value, lengths count characters.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mltest.data.schema import Column, Rule, Schema
from mltest.data.validate import RULES, UNIQUE_WHAT, Finding, Scan, judge
from mltest.errors import UsageError
from mltest.monitor.profile import Profile, _names, build_profile, merge
from mltest.report import Report
from mltest.scale import engine_name
from mltest.scale._sketch import merge_sketches, skeleton, sketch

EXAMPLES = 5
POSITION = "__mltest_position__"
_INTEGRAL = ("ByteType", "ShortType", "IntegerType", "LongType")
_FRACTIONAL = ("FloatType", "DoubleType", "DecimalType")
_TIMES = ("TimestampType", "TimestampNTZType", "DateType")


def _dtype(spark_type: Any) -> Any:
    """The pandas dtype a Spark column becomes, for the schema's kind check."""
    name = type(spark_type).__name__
    if name in _INTEGRAL:
        return np.dtype("int64")
    if name in _FRACTIONAL:
        return np.dtype("float64")
    if name == "BooleanType":
        return np.dtype("bool")
    if name in _TIMES:
        return np.dtype("datetime64[ns]")
    return np.dtype("object")  # strings (and binaries, arrays, maps, structs: no kind has them)


def validate(schema: Schema, sdf: Any, *, env: str | None = None) -> Report:
    from pyspark.sql import functions as F

    types = {f.name: f.dataType for f in sdf.schema.fields}
    dtypes = {name: _dtype(t) for name, t in types.items()}
    fractional = {n for n, t in types.items() if type(t).__name__ in ("FloatType", "DoubleType")}
    cache: dict[str, Any] = {}

    def positioned() -> Any:  # row positions cost a small job: only where a rule fails
        if "frame" not in cache:
            cache["frame"] = _with_position(sdf)
        return cache["frame"]

    def null(name: str) -> Any:
        c = F.col(name)
        return c.isNull() | F.isnan(c) if name in fractional else c.isNull()

    def scanner(columns: list[Column], rules: list[Rule]) -> Scan:
        checks: dict[str, tuple[Any, str, list[str]]] = {}  # name: (failing, what, shown)
        for col in columns:
            for kind, (failing, what) in _column_checks(col, null, types).items():
                checks[f"{col.name}.{kind}"] = (failing, what, [col.name])
        for rule in rules:
            failing, what = _rule_check(rule, null)
            checks[f"rule: {rule.name}"] = (failing, what, [rule.left, rule.right])
        counts = [F.count(F.lit(1)).alias("rows")]
        counts += [
            F.sum(F.when(failing, 1).otherwise(0)).alias(f"c{i}")
            for i, (failing, _, _) in enumerate(checks.values())
        ]
        row = sdf.agg(*counts).collect()[0]  # the one pass over the data
        rows = int(row["rows"])
        limits = {c.name: c for c in columns}
        nulls: dict[str, Finding] = {}
        findings: dict[str, Finding] = {}
        for i, (name, (failing, what, shown)) in enumerate(checks.items()):
            finding = Finding(name, what, int(row[f"c{i}"] or 0), [], [])
            if name.endswith(".nulls"):
                col = limits[name.removesuffix(".nulls")]
                share = finding.count / max(rows, 1)
                fails = not col.nullable or share > col.max_null_fraction + 1e-12
                nulls[col.name] = (
                    _examples(positioned, failing, shown, finding) if fails else finding
                )
            elif finding.count:
                findings[name] = _examples(positioned, failing, shown, finding)
        return Scan(rows, nulls, findings)

    def duplicated(name: str) -> Finding:
        repeated = (
            sdf.where(~null(name)).groupBy(name).count().where(F.col("count") > 1).select(name)
        )
        count = int(
            sdf.join(repeated, on=name, how="left_semi").agg(F.count(F.lit(1))).collect()[0][0]
        )
        finding = Finding(f"{name}.unique", UNIQUE_WHAT, count, [], [])
        if count == 0:
            return finding
        rows = (
            positioned()
            .join(repeated, on=name, how="left_semi")
            .select(POSITION, name)
            .orderBy(POSITION)
            .limit(EXAMPLES)
            .collect()
        )
        return Finding(
            finding.name,
            UNIQUE_WHAT,
            count,
            [r[POSITION] for r in rows],
            [_plain(r[name]) for r in rows],
        )

    return judge(schema, list(types), dtypes, env, scanner, duplicated)


def _with_position(sdf: Any) -> Any:
    """``sdf`` with each row's position (pandas' default index for the same rows)."""
    from pyspark.sql import functions as F

    tagged = sdf.withColumn("__part__", F.spark_partition_id()).withColumn(
        "__id__", F.monotonically_increasing_id()
    )
    sizes = tagged.groupBy("__part__").count().collect()  # one small row per partition
    offsets, total = {}, 0
    for row in sorted(sizes, key=lambda r: r["__part__"]):
        offsets[row["__part__"]] = total
        total += row["count"]
    if not offsets:
        return tagged.withColumn(POSITION, F.lit(0).cast("long"))
    start = F.create_map(*[x for p, o in offsets.items() for x in (F.lit(p), F.lit(o))])
    within = F.col("__id__").bitwiseAND(F.lit((1 << 33) - 1))  # the row's place in its partition
    return tagged.withColumn(POSITION, start[F.col("__part__")] + within)


def _examples(
    positioned: Callable[[], Any], failing: Any, shown: list[str], finding: Finding
) -> Finding:
    """The finding with its first ``EXAMPLES`` rows (positions and values), by a top-k
    on the position of the failing rows."""
    if finding.count == 0:
        return finding
    rows = (
        positioned()
        .where(failing)
        .select(POSITION, *shown)
        .orderBy(POSITION)
        .limit(EXAMPLES)
        .collect()
    )
    if len(shown) == 1:
        values = [_plain(r[shown[0]]) for r in rows]
    else:
        values = [tuple(_plain(r[c]) for c in shown) for r in rows]
    return Finding(finding.name, finding.what, finding.count, [r[POSITION] for r in rows], values)


def _plain(value: Any) -> Any:
    """A Spark value as the pandas path shows it: timestamps in ISO form, NaN as None."""
    import datetime

    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (datetime.datetime, datetime.date)):
        return pd.Timestamp(value).isoformat()
    return value


def _column_checks(col: Column, null: Any, types: dict[Hashable, Any]) -> dict[str, tuple]:
    """(failing rows, what they break) for each row-wise rule of ``col``, in RULES order."""
    from pyspark.sql import functions as F

    c = F.col(col.name)
    present = ~null(col.name)
    allowed = f"at most {col.max_null_fraction:.1%}" if col.nullable else "none"
    out: dict[str, tuple] = {"nulls": (null(col.name), f"null ({allowed} allowed)")}
    if col.min is not None or col.max is not None:
        lo, hi = col.min, col.max
        if col.kind == "datetime":
            lo = None if lo is None else F.lit(pd.Timestamp(lo).to_pydatetime())
            hi = None if hi is None else F.lit(pd.Timestamp(hi).to_pydatetime())
        bad = F.lit(False)
        if lo is not None:
            bad = bad | (c < lo)
        if hi is not None:
            bad = bad | (c > hi)
        out["range"] = (present & bad, f"outside [{col.min}, {col.max}]")
    if col.categories is not None:
        out["categories"] = (present & ~c.isin(list(col.categories)), "with unseen categories")
    if col.kind in ("string", "category") and (
        col.min_length is not None or col.max_length is not None
    ):
        length = F.length(c.cast("string"))
        bad = F.lit(False)
        if col.min_length is not None:
            bad = bad | (length < col.min_length)
        if col.max_length is not None:
            bad = bad | (length > col.max_length)
        what = f"of length outside [{col.min_length}, {col.max_length}]"
        out["length"] = (present & bad, what)
    if col.pattern is not None:
        whole = f"^(?:{col.pattern})$"
        out["pattern"] = (
            present & ~c.cast("string").rlike(whole),
            f"not matching {col.pattern!r}",
        )
    return {rule: out[rule] for rule in RULES if rule in out}


def _rule_check(rule: Rule, null: Any) -> tuple[Any, str]:
    from pyspark.sql import functions as F

    left, right = F.col(rule.left), F.col(rule.right)
    if rule.kind == "le":
        both = ~null(rule.left) & ~null(rule.right)
        return both & ~(left <= right), f"with {rule.left} > {rule.right}"
    what = f"with {rule.left} and {rule.right} not present together"
    return null(rule.left) != null(rule.right), what


# --- profiles -----------------------------------------------------------------------------


def profile(
    sdf: Any,
    *,
    reference: Profile | None = None,
    categorical: Sequence[Hashable] | None = None,
    argument: str = "df",
) -> Profile:
    """``mltest.monitor.profile`` of a Spark frame: each partition profiled by the pandas
    code on the executors (``mapInPandas``, Arrow batches), the partitions' profiles sent
    back serialized and merged. Against ``reference`` it equals the pandas profile of the
    same rows (counts exactly, sums to rounding); on its own bins the edges come from a
    merged quantile sketch (``mltest.scale._sketch``). The executors
    need mltest installed (they run its profile code)."""
    names = list(sdf.columns)
    if not names:
        raise UsageError(f"{argument}: has no columns")
    if reference is None:
        meta = pd.DataFrame(
            {f.name: pd.Series([], dtype=_dtype(f.dataType)) for f in sdf.schema.fields}
        )

        def sketch_all(numeric: list[Hashable], families: dict[Hashable, str]) -> dict:
            parts = _per_partition(sdf.select(*numeric), _sketch_task(numeric, families))
            return merge_sketches(parts)

        reference = skeleton(meta, names, _names("categorical", categorical, names), sketch_all)
    elif categorical is not None:
        raise UsageError("categorical=: column kinds come from the reference profile")
    parts = _per_partition(sdf, _profile_task(reference, argument))
    if not parts:
        raise UsageError(f"{argument}: has no rows")
    result = merge(parts)
    if result.rows == 0:
        raise UsageError(f"{argument}: has no rows")
    return result


def _per_partition(sdf: Any, task: Callable[[pd.DataFrame], Any]) -> list[Any]:
    """``task`` over each partition's rows (Arrow batches concatenated per partition by
    the task's own merge), run on the executors; its small pickled results collected."""
    import pickle

    def run(batches: Any) -> Any:
        results = [task(batch) for batch in batches if len(batch)]
        if results:
            yield pd.DataFrame({"payload": [pickle.dumps(results)]})

    rows = sdf.mapInPandas(run, "payload binary").collect()
    return [r for row in rows for r in pickle.loads(row["payload"])]


def _sketch_task(numeric: list[Hashable], families: dict[Hashable, str]) -> Any:
    return lambda batch: sketch(batch, numeric, families)


def _profile_task(reference: Profile, argument: str) -> Any:
    return lambda batch: build_profile(batch, reference, None, argument)


# --- sources ------------------------------------------------------------------------------


class Tables:
    """The operations the source checks need (``mltest.data.sources.Frames``), as Spark
    queries: counts, distinct keys, joins; the first offending rows by position. A pandas
    frame checked beside a Spark one is made a Spark frame of the same session."""

    def rows(self, df: Any) -> int:
        return int(df.count())

    def newest(self, df: Any, column: str) -> Any:
        from pyspark.sql import functions as F

        value = df.agg(F.max(column)).collect()[0][0]
        return pd.NaT if value is None else pd.Timestamp(pd.to_datetime(value))

    def repeated_keys(self, df: Any, keys: list[str]) -> tuple[int, list[Any]]:
        from pyspark.sql import functions as F

        repeated = df.groupBy(*keys).count().where(F.col("count") > 1)
        n = int(repeated.agg(F.sum("count")).collect()[0][0] or 0)
        if n == 0:
            return 0, []
        first = (
            _with_position(df)
            .join(repeated.select(*keys), on=keys, how="left_semi")
            .select(POSITION)
            .orderBy(POSITION)
            .limit(EXAMPLES)
            .collect()
        )
        return n, [r[POSITION] for r in first]

    def duplicate_rows(self, df: Any) -> int:
        return int(df.count() - df.dropDuplicates().count())

    def repeated_key_rows(self, df: Any, keys: list[str]) -> int:
        return int(df.count() - df.select(*keys).dropDuplicates().count())

    def shared_rows(self, a: Any, b: Any, common: list[str]) -> int:
        a, b = _spark_pair(a, b)
        left, right = a.select(*common).distinct(), b.select(*common).distinct()
        return int(left.join(right, on=common, how="inner").count())

    def orphans(self, ldf: Any, rdf: Any, keys: list[str]) -> tuple[int, int, list[Any]]:
        from pyspark.sql import functions as F

        ldf, rdf = _spark_pair(ldf, rdf)
        left, right = ldf.select(*keys).distinct(), rdf.select(*keys).distinct()
        orphans = int(left.join(right, on=keys, how="left_anti").count())
        sample: list[Any] = []
        if orphans:
            first = (
                _with_position(ldf)
                .join(right, on=keys, how="left_anti")
                .groupBy(*keys)
                .agg(F.min(POSITION).alias("__first__"))
                .orderBy("__first__")
                .limit(EXAMPLES)
                .collect()
            )
            sample = [{k: _plain(r[k]) for k in keys} for r in first]
        return orphans, int(left.count()), sample

    def join_sizes(self, ldf: Any, rdf: Any, keys: list[str]) -> tuple[int, int]:
        ldf, rdf = _spark_pair(ldf, rdf)
        joined = ldf.join(rdf.select(*keys), on=keys, how="inner").count()
        distinct = ldf.join(rdf.select(*keys).distinct(), on=keys, how="inner").count()
        return int(joined), int(distinct)

    def dtype(self, df: Any, column: str) -> str:
        if isinstance(df, pd.DataFrame):
            return str(df[column].dtype)
        return str(_dtype(df.schema[column].dataType))


def _spark_pair(a: Any, b: Any) -> tuple[Any, Any]:
    """Both sides as Spark frames of one session (a pandas side converted)."""
    spark = a if not isinstance(a, pd.DataFrame) else b
    session = spark.sparkSession
    a = session.createDataFrame(a) if isinstance(a, pd.DataFrame) else a
    b = session.createDataFrame(b) if isinstance(b, pd.DataFrame) else b
    for side in (a, b):
        if engine_name(side) != "spark":
            raise UsageError(
                f"{type(side).__name__}: a Spark source is compared with pandas or Spark "
                "frames only"
            )
    return a, b


# --- replay -------------------------------------------------------------------------------


def replay_pieces(
    sdf: Any,
    names: list[Hashable],
    time_column: Hashable,
    labels: Any,
    predict: Callable[[pd.DataFrame], Any],
    reference: Profile,
    window: str,
) -> list[list[Any]]:
    """Each partition's replay pieces (``mltest.monitor.replay.pieces_of``: predictions, and
    per window a profile, times, predictions and labels), computed on the executors, in
    partition order. The model is shipped to the executors (it must pickle)."""
    import pickle

    from pyspark.sql import functions as F

    from mltest.monitor.replay import _times, pieces_of

    first = sdf.agg(F.min(str(time_column))).collect()[0][0]
    if first is None:
        return []
    origin = pd.Timestamp(pd.to_datetime(first)).normalize()
    wanted = [*names, time_column] + ([labels] if labels is not None else [])
    columns = [str(c) for c in dict.fromkeys(wanted)]

    def task(batches: Any) -> Any:
        from pyspark import TaskContext

        frames = list(batches)
        chunk = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        if len(chunk):
            times = _times(chunk, time_column, None)
            pieces = pieces_of(
                chunk, times, names, labels, predict, reference, window, origin, keep_inputs=False
            )
            context = TaskContext.get()
            part = context.partitionId() if context is not None else 0
            yield pd.DataFrame({"part": [part], "payload": [pickle.dumps(pieces)]})

    try:
        rows = sdf.select(*columns).mapInPandas(task, "part int, payload binary").collect()
    except Exception as exc:  # a UsageError raised on an executor, said as ours
        text = str(exc)
        if "UsageError: " in text:
            raise UsageError(text.split("UsageError: ", 1)[1].splitlines()[0]) from None
        raise
    return [pickle.loads(r["payload"]) for r in sorted(rows, key=lambda r: r["part"])]

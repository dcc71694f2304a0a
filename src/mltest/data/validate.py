"""Vectorised validation of a DataFrame against a ``Schema``: no Python loop over rows.

Every (column, rule) pair becomes one ``PropertyResult`` in the shared ``Report``, with the
number of failing rows, a few example row indices and values, and a one-line summary.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from mltest import arguments
from mltest.data.schema import Column, Rule, Schema
from mltest.errors import UsageError
from mltest.report import PropertyResult, Report

EXAMPLES = 5


@dataclasses.dataclass
class Finding:
    """The rows of one part of the data that break one (column, rule) pair: how many, and
    the first ``EXAMPLES`` of them (index labels and values). Findings of the parts of a
    partitioned frame add up (``+``) to the finding of the whole, in partition order."""

    name: str
    what: str
    count: int
    rows: list[Any]
    values: list[Any]

    def __add__(self, other: Finding) -> Finding:
        keep = EXAMPLES - len(self.rows)
        return Finding(
            self.name,
            self.what,
            self.count + other.count,
            self.rows + other.rows[:keep],
            self.values + other.values[:keep],
        )

    def result(self) -> PropertyResult:
        return PropertyResult(
            self.name,
            "failed",
            f"{self.count} row(s) {self.what}",
            counterexample={"rows": list(self.rows), "values": list(self.values)},
            examples=self.count,
        )


def _finding(name: str, mask: np.ndarray, s: Any, what: str) -> Finding:
    """The failing rows of ``mask``, values fetched for the first few only (materialising a
    whole text column costs more than the check)."""
    rows = np.flatnonzero(mask)
    sample = rows[:EXAMPLES]
    if isinstance(s, pd.Series):
        index, shown = s.index[sample], [_plain(v) for v in s.iloc[sample]]
    else:  # (index, values) of a cross-column rule
        index, shown = s[0][sample], [_plain(v) for v in s[1][sample]]
    return Finding(name, what, len(rows), [_plain(i) for i in index], shown)


def _plain(v: Any) -> Any:
    if not isinstance(v, (str, bytes, tuple, list)) and pd.isna(v) is True:
        return None  # NaN, NaT, pd.NA or None: one null, whatever the dtype holds it as
    if isinstance(v, (np.generic,)):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return v


def _kind_ok(col: Column, dtype: Any) -> bool:
    if col.kind == "int":
        return pd.api.types.is_integer_dtype(dtype) or (
            pd.api.types.is_float_dtype(dtype) and col.nullable  # ints with NaN become floats
        )
    if col.kind == "float":
        return pd.api.types.is_float_dtype(dtype) or pd.api.types.is_integer_dtype(dtype)
    if col.kind == "bool":
        return pd.api.types.is_bool_dtype(dtype)
    if col.kind == "datetime":
        return pd.api.types.is_datetime64_any_dtype(dtype)
    if col.kind == "category":
        return isinstance(dtype, pd.CategoricalDtype) or _texty(dtype)
    return _texty(dtype)


def _texty(dtype: Any) -> bool:
    return pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)


def _nulls(s: pd.Series, arr: np.ndarray | None) -> np.ndarray:
    if arr is not None and arr.dtype.kind == "f":
        return np.isnan(arr)
    if arr is not None and arr.dtype.kind in "biu":
        return np.zeros(len(arr), dtype=bool)
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy() < 0
    return s.isna().to_numpy()


def _range_mask(col: Column, s: pd.Series, arr: np.ndarray | None) -> np.ndarray:
    if col.kind == "datetime":
        values = s.to_numpy(dtype="datetime64[ns]")
        lo = None if col.min is None else np.datetime64(pd.Timestamp(col.min).to_datetime64())
        hi = None if col.max is None else np.datetime64(pd.Timestamp(col.max).to_datetime64())
    else:
        values = arr if arr is not None else s.to_numpy(dtype=float, na_value=np.nan)
        lo, hi = col.min, col.max
    bad = np.zeros(len(s), dtype=bool)
    if lo is not None:
        bad |= values < lo  # NaN and NaT compare False: nulls are the nulls check's business
    if hi is not None:
        bad |= values > hi
    return bad


def _category_mask(col: Column, s: pd.Series, present: np.ndarray) -> np.ndarray:
    if isinstance(s.dtype, pd.CategoricalDtype):  # compare integer codes, not strings
        allowed = np.flatnonzero(s.cat.categories.isin(col.categories or []))
        return present & ~np.isin(s.cat.codes.to_numpy(), allowed)
    return present & ~s.isin(col.categories or []).to_numpy()


def _length_mask(col: Column, s: pd.Series) -> np.ndarray:
    lengths = s.astype("string").str.len().to_numpy(dtype=float, na_value=np.nan)
    bad = np.zeros(len(s), dtype=bool)
    with np.errstate(invalid="ignore"):
        if col.min_length is not None:
            bad |= lengths < col.min_length
        if col.max_length is not None:
            bad |= lengths > col.max_length
    return bad


RULES = ("nulls", "range", "categories", "unique", "length", "pattern")  # a column's order


@dataclasses.dataclass
class Scan:
    """What one part of a frame gives the validation: its row count, the null rows of each
    checked column (failing or not: the null limit is a share of the whole), and every
    other failing rule but uniqueness (which needs the whole column). Scans of the parts of
    a partitioned frame add up to the scan of the whole."""

    rows: int
    nulls: dict[str, Finding]
    findings: dict[str, Finding]

    def __add__(self, other: Scan) -> Scan:
        nulls = {k: v + other.nulls[k] for k, v in self.nulls.items()}
        findings = dict(self.findings)
        for name, finding in other.findings.items():
            findings[name] = findings[name] + finding if name in findings else finding
        return Scan(self.rows + other.rows, nulls, findings)


def scan(df: pd.DataFrame, columns: list[Column], rules: list[Rule]) -> Scan:
    """Every row-wise rule of ``columns`` and ``rules`` on one (part of a) frame."""
    nulls: dict[str, Finding] = {}
    findings: dict[str, Finding] = {}
    for col in columns:
        null, found = _column_findings(col, df[col.name])
        nulls[col.name] = null
        findings.update((f.name, f) for f in found)
    for rule in rules:
        findings.update((f.name, f) for f in _rule_findings(rule, df))
    return Scan(len(df), nulls, findings)


def _column_findings(col: Column, s: pd.Series) -> tuple[Finding, list[Finding]]:
    prefix = col.name
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    arr = (
        s.to_numpy(copy=False)
        if numeric and not pd.api.types.is_extension_array_dtype(s.dtype)
        else None
    )
    null = _nulls(s, arr)
    allowed = f"at most {col.max_null_fraction:.1%}" if col.nullable else "none"
    nulls = _finding(f"{prefix}.nulls", null, s, f"null ({allowed} allowed)")
    present = ~null
    checks = []
    if col.min is not None or col.max is not None:
        checks.append(("range", _range_mask(col, s, arr), f"outside [{col.min}, {col.max}]"))
    if col.categories is not None:
        checks.append(("categories", _category_mask(col, s, present), "with unseen categories"))
    if col.kind in ("string", "category") and (
        col.min_length is not None or col.max_length is not None
    ):
        checks.append(
            (
                "length",
                _length_mask(col, s),
                f"of length outside [{col.min_length}, {col.max_length}]",
            )
        )
    if col.pattern is not None:
        matched = s.astype("string").str.fullmatch(col.pattern).to_numpy(dtype=bool, na_value=True)
        checks.append(("pattern", present & ~matched, f"not matching {col.pattern!r}"))
    found = [_finding(f"{prefix}.{rule}", bad, s, what) for rule, bad, what in checks if bad.any()]
    return nulls, found


UNIQUE_WHAT = "with duplicated values"


def duplicates(s: pd.Series) -> Finding:
    """The rows of ``s`` whose (non-null) value occurs more than once."""
    null = _nulls(s, None)
    bad = ~null & s.duplicated(keep=False).to_numpy()
    return _finding(f"{s.name}.unique", bad, s, UNIQUE_WHAT)


def _rule_findings(rule: Rule, df: pd.DataFrame) -> list[Finding]:
    left, right = df[rule.left], df[rule.right]
    if rule.kind == "le":
        both = left.notna() & right.notna()
        bad = (both & ~(left <= right).fillna(False)).to_numpy(dtype=bool)
        what = f"with {rule.left} > {rule.right}"
    else:
        bad = (left.notna() != right.notna()).to_numpy(dtype=bool)
        what = f"with {rule.left} and {rule.right} not present together"
    if not bad.any():
        return []
    rows = np.flatnonzero(bad)[:EXAMPLES]
    pairs = np.empty(len(df), dtype=object)
    pairs[rows] = [
        (_plain(a), _plain(b)) for a, b in zip(left.iloc[rows], right.iloc[rows], strict=True)
    ]
    return [_finding(f"rule: {rule.name}", bad, (df.index, pairs), what)]


def validate(schema: Schema, df: Any, *, env: str | None = None) -> Report:
    """``df`` against ``schema``: a pandas frame, a Dask one (each partition scanned where
    it lies, the scans added up) or a Spark one (each rule a column expression, counted in
    one aggregation); see ``mltest.scale``."""
    if env is not None and env not in schema.environments:
        raise UsageError(f"env={env!r}: the schema's environments are {schema.environments}")
    if isinstance(df, pd.DataFrame):
        return judge(
            schema,
            df.columns,
            df.dtypes,
            env,
            lambda columns, rules: scan(df, columns, rules),
            lambda name: duplicates(df[name]),
        )
    from mltest.scale import engine_of

    engine = engine_of(
        df, f"df={type(df).__name__}: validate takes a pandas, Dask or Spark DataFrame"
    )
    return engine.validate(schema, df, env=env)


def judge(
    schema: Schema,
    names: Any,
    dtypes: Any,
    env: str | None,
    scanner: Callable[[list[Column], list[Rule]], Scan],
    duplicated: Callable[[str], Finding],
) -> Report:
    """The validation report, whatever holds the rows: ``names`` and ``dtypes`` are the
    frame's columns and their dtypes, ``scanner`` scans the rows for the given columns and
    rules (one pass), ``duplicated`` finds one column's duplicated values."""
    report = Report("DataFrame", kind="schema", stage="data-verification")
    outcome: dict[str, str] = {}  # column: missing, kind (its dtype is wrong) or checked
    for col in schema.columns.values():
        required = col.required_in is None or env is None or env in col.required_in
        if col.name not in names:
            if required:
                outcome[col.name] = "missing"
        elif not _kind_ok(col, dtypes[col.name]):
            outcome[col.name] = "kind"
        else:
            outcome[col.name] = "checked"
    checked = [c for c in schema.columns.values() if outcome.get(c.name) == "checked"]
    rules = [r for r in schema.rules if r.left in names and r.right in names]
    seen = scanner(checked, rules)
    found = dict(seen.findings)
    for col in checked:
        null = seen.nulls[col.name]
        fraction = null.count / max(seen.rows, 1)
        if null.count and (not col.nullable or fraction > col.max_null_fraction + 1e-12):
            found[null.name] = null
        if col.unique:
            dup = duplicated(col.name)
            if dup.count:
                found[dup.name] = dup
    results: list[PropertyResult] = []
    for col in schema.columns.values():  # column by column, rule by rule
        if outcome.get(col.name) == "missing":
            results.append(PropertyResult(f"{col.name}.present", "failed", "column is missing"))
        elif outcome.get(col.name) == "kind":
            message = f"dtype {dtypes[col.name]} is not {col.kind}"
            results.append(
                PropertyResult(f"{col.name}.kind", "failed", message, examples=seen.rows)
            )
        else:
            results.extend(
                found[f"{col.name}.{rule}"].result()
                for rule in RULES
                if f"{col.name}.{rule}" in found
            )
    extra = [c for c in names if c not in schema.columns]
    if extra and schema.strict:
        results.append(PropertyResult("<columns>.extra", "failed", f"unexpected columns {extra}"))
    for rule in rules:
        if f"rule: {rule.name}" in found:
            results.append(found[f"rule: {rule.name}"].result())
    if not results:
        results.append(
            PropertyResult("<schema>", "passed", f"{seen.rows} rows, {len(checked)} columns valid")
        )
    for result in results:
        report.add(result)
    if not report.passed:
        report.details = failure_table(report)
    return report


def failure_table(report: Report) -> str:
    """The failures of a validation report as an aligned, readable table."""
    rows = [("check", "failing rows", "example rows", "example values")]
    for r in report.results:
        if r.status != "failed":
            continue
        ce = r.counterexample or {}
        rows.append(
            (
                r.name,
                str(r.examples or ""),
                str(ce.get("rows", "")),
                str(ce.get("values", ""))[:60],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    summary = "\n".join(f"  {r.name}: {r.message}" for r in report.results if r.status == "failed")
    return "\n".join(lines) + "\n\n" + summary


def check_valid(
    df: Any, schema: Schema, *, env: str | None = None, raise_on_failure: bool = True
) -> Report:
    """Validate ``df`` against ``schema``: one result per failing column and rule (with the
    failing row count and example rows), raised as ``CheckFailure`` with a table of them
    when ``raise_on_failure``. Never modifies ``df``."""
    __tracebackhide__ = True
    arguments.flag("raise_on_failure", raise_on_failure)
    return validate(schema, df, env=env).conclude(raise_on_failure)


def assert_valid(df: Any, schema: Schema, *, env: str | None = None) -> Report:
    """``check_valid`` raising ``CheckFailure`` with a table of each failing column and
    rule; returns the ``Report`` when ``df`` is valid."""
    __tracebackhide__ = True
    return check_valid(df, schema, env=env)

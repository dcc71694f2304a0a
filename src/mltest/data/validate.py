"""Vectorised validation of a DataFrame against a ``Schema``: no Python loop over rows.

Every (column, rule) pair becomes one ``PropertyResult`` in the shared ``Report``, with the
number of failing rows, a few example row indices and values, and a one-line summary.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mltest import arguments
from mltest.data.schema import Column, Schema
from mltest.errors import UsageError
from mltest.report import PropertyResult, Report

EXAMPLES = 5


def _failure(name: str, mask: np.ndarray, s: Any, what: str) -> PropertyResult:
    """A failed check with its count and the first few failing rows (values fetched for
    those rows only: materialising a whole text column costs more than the check)."""
    rows = np.flatnonzero(mask)
    sample = rows[:EXAMPLES]
    if isinstance(s, pd.Series):
        index, shown = s.index[sample], [_plain(v) for v in s.iloc[sample]]
    else:  # (index, values) of a cross-column rule
        index, shown = s[0][sample], [_plain(v) for v in s[1][sample]]
    return PropertyResult(
        name,
        "failed",
        f"{len(rows)} row(s) {what}",
        counterexample={"rows": [_plain(i) for i in index], "values": shown},
        examples=len(rows),
    )


def _plain(v: Any) -> Any:
    if isinstance(v, (np.generic,)):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return v


def _kind_ok(col: Column, s: pd.Series) -> bool:
    dtype = s.dtype
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


def _column_results(col: Column, s: pd.Series) -> list[PropertyResult]:
    out: list[PropertyResult] = []
    prefix = col.name
    if not _kind_ok(col, s):
        return [
            PropertyResult(
                f"{prefix}.kind", "failed", f"dtype {s.dtype} is not {col.kind}", examples=len(s)
            )
        ]
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    arr = (
        s.to_numpy(copy=False)
        if numeric and not pd.api.types.is_extension_array_dtype(s.dtype)
        else None
    )
    null = _nulls(s, arr)
    n_null = int(null.sum())
    if n_null and (not col.nullable or n_null / max(len(s), 1) > col.max_null_fraction + 1e-12):
        allowed = f"at most {col.max_null_fraction:.1%}" if col.nullable else "none"
        out.append(_failure(f"{prefix}.nulls", null, s, f"null ({allowed} allowed)"))
    present = ~null
    checks = []
    if col.min is not None or col.max is not None:
        checks.append(("range", _range_mask(col, s, arr), f"outside [{col.min}, {col.max}]"))
    if col.categories is not None:
        checks.append(("categories", _category_mask(col, s, present), "with unseen categories"))
    if col.unique:
        checks.append(
            ("unique", present & s.duplicated(keep=False).to_numpy(), "with duplicated values")
        )
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
    for rule, bad, what in checks:
        if bad.any():
            out.append(_failure(f"{prefix}.{rule}", bad, s, what))
    return out


def validate(schema: Schema, df: Any, *, env: str | None = None) -> Report:
    if not isinstance(df, pd.DataFrame):
        raise UsageError(f"df={type(df).__name__}: validate takes a pandas DataFrame")
    if env is not None and env not in schema.environments:
        raise UsageError(f"env={env!r}: the schema's environments are {schema.environments}")
    report = Report("DataFrame", kind="schema", stage="data-verification")
    results: list[PropertyResult] = []
    checked = []
    for col in schema.columns.values():
        required = col.required_in is None or env is None or env in col.required_in
        if col.name not in df.columns:
            if required:
                results.append(
                    PropertyResult(f"{col.name}.present", "failed", "column is missing")
                )
            continue
        checked.append(col.name)
        results.extend(_column_results(col, df[col.name]))
    extra = [c for c in df.columns if c not in schema.columns]
    if extra and schema.strict:
        results.append(PropertyResult("<columns>.extra", "failed", f"unexpected columns {extra}"))
    for rule in schema.rules:
        if rule.left in df.columns and rule.right in df.columns:
            results.extend(_rule_results(rule, df))
    if not results:
        results.append(
            PropertyResult("<schema>", "passed", f"{len(df)} rows, {len(checked)} columns valid")
        )
    for result in results:
        report.add(result)
    if not report.passed:
        report.details = failure_table(report)
    return report


def _rule_results(rule: Any, df: pd.DataFrame) -> list[PropertyResult]:
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
    pairs[rows] = list(zip(left.iloc[rows], right.iloc[rows], strict=True))
    return [_failure(f"rule: {rule.name}", bad, (df.index, pairs), what)]


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

"""From a request body to the model's input, or to a list of what is wrong with it.

Bodies: ``/predict`` takes a list of records (objects keyed by feature, or arrays in feature
order) or ``{"records": [...]}``; ``/v2/models/{name}/infer`` takes the Open Inference
Protocol's ``{"inputs": [...]}`` (one ``[rows, features]`` tensor, or one ``[rows]`` tensor
per named feature). Each record is checked field by field against the ``Schema`` (kind,
finiteness, range, categories, length, pattern, nulls, unknown fields, cross-column rules):
pure Python, no DataFrame per request. Per-request checks cannot see whole-table rules
(``unique``, ``max_null_fraction``); those stay with batch validation.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import numpy as np

MAX_LISTED = 50  # problems listed in one 422 answer
V2_TYPES = {
    "BOOL": bool,
    "INT8": int,
    "INT16": int,
    "INT32": int,
    "INT64": int,
    "UINT8": int,
    "UINT16": int,
    "UINT32": int,
    "UINT64": int,
    "FP16": float,
    "FP32": float,
    "FP64": float,
    "BYTES": str,
}


class Invalid(Exception):
    """A body the server refuses: ``status`` (400 or 422) and the problems found."""

    def __init__(self, status: int, problems: list[dict[str, Any]]) -> None:
        super().__init__(problems[0]["message"] if problems else "invalid input")
        self.status = status
        self.problems = problems[:MAX_LISTED]
        self.total = len(problems)


def _problem(
    message: str, *, row: int | None = None, field: Any = None, rule: str = ""
) -> dict[str, Any]:
    return {"row": row, "field": field, "rule": rule, "message": message}


class Features:
    """What the model takes: named columns (from the schema or ``feature_names_in_``) or a
    width; and whether it wants a DataFrame."""

    def __init__(self, model: Any, schema: Any) -> None:
        self.schema = schema
        names = getattr(model, "feature_names_in_", None)
        if schema is not None:
            self.names: list[str] | None = list(schema.columns)
        elif names is not None:
            self.names = [str(n) for n in names]
        else:
            self.names = None
        width = getattr(model, "n_features_in_", None)
        self.width = len(self.names) if self.names is not None else width
        numeric = schema is None or all(
            c.kind in ("int", "float", "bool") for c in schema.columns.values()
        )
        self.frame = names is not None or not numeric
        self._patterns = {
            c.name: re.compile(c.pattern)
            for c in (schema.columns.values() if schema is not None else ())
            if c.pattern is not None
        }

    def metadata(self) -> list[dict[str, Any]]:
        if self.names is None:
            return [{"name": "input-0", "datatype": "FP64", "shape": [-1, self.width or -1]}]
        kinds = {"int": "INT64", "float": "FP64", "bool": "BOOL"}
        out = []
        for name in self.names:
            kind = self.schema.columns[name].kind if self.schema is not None else "float"
            out.append({"name": name, "datatype": kinds.get(kind, "BYTES"), "shape": [-1]})
        return out

    # --- bodies -------------------------------------------------------------------------

    def from_records(self, body: Any, max_rows: int) -> tuple[Any, int]:
        records = body.get("records") if isinstance(body, dict) else body
        if isinstance(body, dict) and set(body) != {"records"}:
            raise Invalid(
                422,
                [
                    _problem(
                        "the body must be a list of records or {'records': [...]}", rule="shape"
                    )
                ],
            )
        if not isinstance(records, list) or not records:
            raise Invalid(422, [_problem("'records' must be a non-empty list", rule="shape")])
        if len(records) > max_rows:
            raise Invalid(
                422,
                [_problem(f"{len(records)} rows; at most {max_rows} per request", rule="rows")],
            )
        return self._rows(records), len(records)

    def from_v2(self, body: Any, max_rows: int) -> tuple[Any, int]:
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if (
            not isinstance(inputs, list)
            or not inputs
            or not all(isinstance(i, dict) for i in inputs)
        ):
            raise Invalid(
                422, [_problem("'inputs' must be a non-empty list of tensors", rule="shape")]
            )
        tensors = [_tensor(t, i) for i, t in enumerate(inputs)]
        if len(tensors) == 1 and len(tensors[0][1]) == 2:
            _name, shape, data = tensors[0]
            rows: list[Any] = [data[r * shape[1] : (r + 1) * shape[1]] for r in range(shape[0])]
        else:
            n = tensors[0][1][0]
            if any(t[1][0] != n or math.prod(t[1]) != n for t in tensors):
                raise Invalid(
                    422,
                    [
                        _problem(
                            "named inputs must each have shape [rows] or [rows, 1], the same rows",
                            rule="shape",
                        )
                    ],
                )
            rows = [{name: data[r] for name, _, data in tensors} for r in range(n)]
        if len(rows) > max_rows:
            raise Invalid(
                422, [_problem(f"{len(rows)} rows; at most {max_rows} per request", rule="rows")]
            )
        if not rows:
            raise Invalid(422, [_problem("no rows", rule="shape")])
        return self._rows(rows), len(rows)

    # --- records --------------------------------------------------------------------------

    def _rows(self, records: list[Any]) -> Any:
        if self.schema is None and not self.frame and _plain_numbers(records, self.width):
            plain = np.asarray(records, dtype=np.float64)
            if np.isfinite(plain).all():
                return plain  # the common case, without the per-value checks below
        problems: list[dict[str, Any]] = []
        table: list[list[Any]] = []
        # a model that does not say its width takes that of the first array record
        first = records[0]
        width = self.width if self.width is not None or type(first) is not list else len(first)
        for i, record in enumerate(records):
            values = self._record(i, record, problems, width)
            if values is not None:
                table.append(values)
            if len(problems) >= MAX_LISTED:
                break
        if problems:
            raise Invalid(422, problems)
        if not self.frame:
            return np.asarray(table, dtype=np.float64)
        import pandas as pd

        frame = pd.DataFrame(table, columns=self.names)
        if self.schema is not None:
            for name, col in self.schema.columns.items():
                if col.kind == "datetime":
                    frame[name] = pd.to_datetime(frame[name])
        return frame

    def _record(
        self, i: int, record: Any, problems: list[dict[str, Any]], width: int | None
    ) -> list[Any] | None:
        if isinstance(record, dict):
            if self.names is None:
                problems.append(
                    _problem(
                        "records as objects need a schema or a model with "
                        "feature_names_in_; send arrays",
                        row=i,
                        rule="shape",
                    )
                )
                return None
            unknown = [k for k in record if k not in self.names]
            if unknown and (self.schema is None or self.schema.strict):
                problems.append(
                    _problem(
                        f"unknown fields {unknown[:5]}", row=i, field=unknown[0], rule="extra"
                    )
                )
            values = [record.get(name) for name in self.names]
            present = [name in record for name in self.names]
        elif isinstance(record, list):
            if width is not None and len(record) != width:
                takes = "the model takes" if self.width is not None else "the first record has"
                problems.append(
                    _problem(f"{len(record)} values; {takes} {width}", row=i, rule="width")
                )
                return None
            values, present = record, [True] * len(record)
        else:
            problems.append(
                _problem("each record must be an object or an array", row=i, rule="shape")
            )
            return None
        before = len(problems)
        for j, value in enumerate(values):
            name = self.names[j] if self.names is not None else j
            col = self.schema.columns[name] if self.schema is not None else None
            if not present[j] and col is not None and not col.nullable:
                problems.append(_problem("missing", row=i, field=name, rule="missing"))
                continue
            message, rule = _field(value, col, self._patterns.get(str(name)))
            if message:
                problems.append(_problem(message, row=i, field=name, rule=rule))
        if self.schema is not None and len(problems) == before:
            problems.extend(
                _rules(self.schema, dict(zip(self.names or [], values, strict=True)), i)
            )
        return values if len(problems) == before else None


def _plain_numbers(records: list[Any], width: int | None) -> bool:
    """Whether every record is an array of ``width`` JSON numbers (no booleans, no integer
    beyond int64): rows that need no per-value check but finiteness."""
    for record in records:
        if type(record) is not list or (width is not None and len(record) != width):
            return False
        for value in record:
            kind = type(value)
            if kind is not float and (kind is not int or abs(value) > 2**63):
                return False
    return bool(records) and len({len(r) for r in records}) == 1


def _field(value: Any, col: Any, pattern: Any) -> tuple[str, str]:
    """("", "") for a good value, else (what is wrong, the rule)."""
    if value is None:
        if col is None or not col.nullable:
            return "null where a value is required", "nulls"
        return "", ""
    kind = "float" if col is None else col.kind
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{_short(value)} is not a number", "kind"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{value} is not finite", "finite"
        if kind == "int" and isinstance(value, float) and not value.is_integer():
            return f"{value} is not an integer", "kind"
        if isinstance(value, int) and abs(value) > 2**63:
            return "integer out of range", "range"
    elif kind == "bool":
        if not isinstance(value, bool):
            return f"{_short(value)} is not true/false", "kind"
    elif kind == "datetime":
        if not isinstance(value, str):
            return f"{_short(value)} is not an ISO date-time string", "kind"
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return f"{_short(value)} is not an ISO date-time string", "kind"
    elif not isinstance(value, str):
        return f"{_short(value)} is not a string", "kind"
    if col is None:
        return "", ""
    return _bounds(value, col, pattern)


def _bounds(value: Any, col: Any, pattern: Any) -> tuple[str, str]:
    low, high = col.min, col.max
    if col.kind == "datetime":
        low = dt.datetime.fromisoformat(low) if isinstance(low, str) else None
        high = dt.datetime.fromisoformat(high) if isinstance(high, str) else None
        if low is not None and high is not None and (value.tzinfo is None) != (low.tzinfo is None):
            return "time zone awareness differs from the schema's", "kind"
    if (low is not None and value < low) or (high is not None and value > high):
        return f"{_short(value)} outside [{col.min}, {col.max}]", "range"
    if col.categories is not None and value not in col.categories:
        return f"{_short(value)} is not one of the categories", "categories"
    if isinstance(value, str):
        if col.min_length is not None and len(value) < col.min_length:
            return f"length {len(value)} below {col.min_length}", "length"
        if col.max_length is not None and len(value) > col.max_length:
            return f"length {len(value)} above {col.max_length}", "length"
        if pattern is not None and not pattern.fullmatch(value):
            return f"{_short(value)} does not match {col.pattern!r}", "pattern"
    return "", ""


def _rules(schema: Any, record: dict[str, Any], i: int) -> list[dict[str, Any]]:
    out = []
    for rule in schema.rules:
        left, right = record.get(rule.left), record.get(rule.right)
        if rule.kind == "le" and left is not None and right is not None:
            try:
                broken = left > right
            except TypeError:
                broken = False
            if broken:
                out.append(_problem(f"{rule.name} broken", row=i, field=rule.left, rule="le"))
        elif rule.kind == "present_iff" and (left is None) != (right is None):
            out.append(_problem(f"{rule.name} broken", row=i, field=rule.left, rule="present_iff"))
    return out


def _tensor(tensor: dict[str, Any], i: int) -> tuple[str, list[int], list[Any]]:
    name, shape, kind, data = (tensor.get(k) for k in ("name", "shape", "datatype", "data"))
    where = f"inputs[{i}]"
    if not isinstance(name, str):
        raise Invalid(422, [_problem(f"{where}.name must be a string", field=where, rule="shape")])
    if (
        not isinstance(shape, list)
        or not 1 <= len(shape) <= 2
        or not all(
            isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= 10**7 for s in shape
        )
    ):
        raise Invalid(
            422,
            [
                _problem(
                    f"{where}.shape must be [rows] or [rows, features]", field=name, rule="shape"
                )
            ],
        )
    if kind not in V2_TYPES:
        raise Invalid(
            422,
            [
                _problem(
                    f"{where}.datatype {_short(kind)} is not one of {list(V2_TYPES)}",
                    field=name,
                    rule="datatype",
                )
            ],
        )
    flat = _flatten(data, where, name)
    if len(flat) != math.prod(shape):
        raise Invalid(
            422,
            [_problem(f"{where}: {len(flat)} values for shape {shape}", field=name, rule="shape")],
        )
    wanted = V2_TYPES[kind]
    for value in flat:
        ok = (
            isinstance(value, bool)
            if wanted is bool
            else (
                (isinstance(value, wanted) and not isinstance(value, bool))
                or (wanted is float and isinstance(value, int) and not isinstance(value, bool))
            )
        )
        if not ok and value is not None:
            raise Invalid(
                422,
                [_problem(f"{where}: {_short(value)} is not {kind}", field=name, rule="datatype")],
            )
    return name, shape, flat


def _flatten(data: Any, where: str, name: str) -> list[Any]:
    if not isinstance(data, list):
        raise Invalid(422, [_problem(f"{where}.data must be a list", field=name, rule="shape")])
    if all(not isinstance(v, list) for v in data):
        return data
    out: list[Any] = []
    for row in data:
        if not isinstance(row, list) or any(isinstance(v, list) for v in row):
            raise Invalid(
                422,
                [
                    _problem(
                        f"{where}.data nests deeper than [rows][features]",
                        field=name,
                        rule="shape",
                    )
                ],
            )
        out.extend(row)
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def encode_outputs(predictions: Any) -> tuple[list[Any], str, list[int]]:
    """JSON-ready predictions, their V2 datatype and shape."""
    array = np.asarray(predictions)
    if array.dtype.kind == "b":
        kind = "BOOL"
    elif array.dtype.kind in "iu":
        kind = "INT64"
    elif array.dtype.kind == "f":
        kind = "FP64"
    else:
        kind = "BYTES"
        array = array.astype(str)
    values = array.tolist()
    if kind == "FP64":
        values = _finite_or_none(values)
    return values, kind, list(array.shape)


def _finite_or_none(values: Any) -> Any:
    if isinstance(values, list):
        return [_finite_or_none(v) for v in values]
    return values if math.isfinite(values) else None

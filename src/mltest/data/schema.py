"""The schema: a plain, editable description of a table that round-trips to a file.

A ``Schema`` holds one ``Column`` per column (kind, nullability, range, categories,
uniqueness, string lengths and pattern, the environments it is required in) and
cross-column ``Rule``s. It is written as YAML (when PyYAML is installed) or JSON, both
readable in a pull request.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from mltest.errors import UsageError

KINDS = ("int", "float", "bool", "string", "category", "datetime")
RULE_KINDS = ("le", "present_iff")


@dataclasses.dataclass
class Column:
    """What one column must look like. ``None`` means "not checked"."""

    name: str
    kind: str
    nullable: bool = False
    max_null_fraction: float = 0.0
    min: Any = None  # numbers, or ISO strings for datetimes
    max: Any = None
    categories: list[Any] | None = None
    unique: bool = False
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    required_in: list[str] | None = None  # environments; None means every environment

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UsageError(
                f"column {self.name!r}: kind={self.kind!r}; choose from {list(KINDS)}"
            )
        if not 0.0 <= self.max_null_fraction <= 1.0:
            raise UsageError(
                f"column {self.name!r}: max_null_fraction={self.max_null_fraction!r} not in [0, 1]"
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            raise UsageError(f"column {self.name!r}: min={self.min!r} above max={self.max!r}")


@dataclasses.dataclass
class Rule:
    """A cross-column rule: ``le`` (``left <= right`` where both are present) or
    ``present_iff`` (``left`` is non-null exactly where ``right`` is)."""

    kind: str
    left: str
    right: str

    def __post_init__(self) -> None:
        if self.kind not in RULE_KINDS:
            raise UsageError(f"rule kind={self.kind!r}; choose from {list(RULE_KINDS)}")

    @property
    def name(self) -> str:
        return (
            f"{self.left} <= {self.right}"
            if self.kind == "le"
            else f"{self.left} present iff {self.right}"
        )


@dataclasses.dataclass
class Schema:
    """Columns and rules of a table; ``validate`` checks a DataFrame against them."""

    columns: dict[str, Column]
    rules: list[Rule] = dataclasses.field(default_factory=list)
    environments: list[str] = dataclasses.field(default_factory=list)
    strict: bool = True  # extra columns are failures

    def __post_init__(self) -> None:
        for rule in self.rules:
            for name in (rule.left, rule.right):
                if name not in self.columns:
                    raise UsageError(f"rule {rule.name!r}: unknown column {name!r}")
        for col in self.columns.values():
            unknown = set(col.required_in or ()) - set(self.environments)
            if unknown:
                names = sorted(unknown)
                raise UsageError(
                    f"column {col.name!r}: required_in names unknown environments {names}"
                )

    # --- checking ---------------------------------------------------------------------

    def validate(self, df: Any, *, env: str | None = None) -> Any:
        """Every failure of ``df`` against the schema, as a ``Report`` (never raises on bad
        data; ``UsageError`` for a non-DataFrame or an unknown environment)."""
        from mltest.data.validate import validate

        return validate(self, df, env=env)

    def strategy(self, *, min_rows: int = 1, max_rows: int = 20) -> Any:
        """A hypothesis strategy of DataFrames valid for this schema, built directly."""
        from mltest.data.generate import frames, row_limit

        rows = row_limit(self, min_rows, max_rows)
        return frames(self, min_rows=min_rows, max_rows=rows)

    # --- files ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        defaults = {f.name: f.default for f in dataclasses.fields(Column)}
        columns = []
        for col in self.columns.values():
            # a field is left out only when it *is* its default: 0 and 0.0 (a lower bound
            # of zero) compare equal to False, and must be written
            columns.append(
                {
                    k: v
                    for k, v in dataclasses.asdict(col).items()
                    if k in ("name", "kind") or not _is_default(v, defaults[k])
                }
            )
        out: dict[str, Any] = {"columns": columns}
        if self.rules:
            out["rules"] = [dataclasses.asdict(r) for r in self.rules]
        if self.environments:
            out["environments"] = list(self.environments)
        if not self.strict:
            out["strict"] = False
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Schema:
        if not isinstance(data, dict) or not isinstance(data.get("columns"), list):
            raise UsageError("schema: expected a mapping with a 'columns' list")
        fields = {f.name for f in dataclasses.fields(Column)}
        columns = {}
        for i, entry in enumerate(data["columns"]):
            if not isinstance(entry, dict) or "name" not in entry or "kind" not in entry:
                raise UsageError(f"schema: column #{i} needs at least 'name' and 'kind'")
            unknown = set(entry) - fields
            if unknown:
                raise UsageError(
                    f"schema: column {entry['name']!r} has unknown keys {sorted(unknown)}"
                )
            columns[entry["name"]] = Column(**entry)
        try:
            rules = [Rule(**r) for r in data.get("rules", [])]
        except TypeError as exc:
            raise UsageError(f"schema: malformed rule: {exc}") from exc
        return cls(
            columns, rules, list(data.get("environments", [])), bool(data.get("strict", True))
        )

    def save(self, path: str | Path) -> Path:
        """Write the schema as YAML (``.yaml``/``.yml``, needs PyYAML) or JSON."""
        path = Path(path)
        data = self.to_dict()
        if path.suffix in (".yaml", ".yml"):
            text = _yaml().safe_dump(data, sort_keys=False, allow_unicode=True)
        else:
            text = json.dumps(data, indent=2, default=str) + "\n"
        try:
            path.write_text(text)
        except OSError as exc:
            raise UsageError(
                f"schema file {str(path)!r}: cannot be written ({exc.strerror})"
            ) from None
        return path

    @classmethod
    def load(cls, path: str | Path) -> Schema:
        """Read a schema file written by ``save`` (or by hand); a malformed file is a
        ``UsageError`` naming it."""
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise UsageError(f"schema file {str(path)!r}: {exc.strerror}") from exc
        try:
            data = (
                _yaml().safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
            )
        except Exception as exc:
            raise UsageError(f"schema file {str(path)!r} is malformed: {exc}") from exc
        return cls.from_dict(data)


def _is_default(value: Any, default: Any) -> bool:
    return type(value) is type(default) and value == default


def _yaml() -> Any:
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - PyYAML is common but optional
        raise UsageError("YAML schema files need PyYAML (pip install pyyaml); use .json") from exc
    return yaml

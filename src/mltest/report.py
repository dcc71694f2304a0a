"""Results of a check: one ``PropertyResult`` per property, gathered in a ``Report``."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

from mltest.errors import CheckFailure

Status = Literal["passed", "failed", "skipped", "error"]


@dataclasses.dataclass
class PropertyResult:
    """The verdict of one property on one object.

    ``message`` says what happened (for ``passed``, how many examples were checked);
    ``counterexample`` is the minimal input hypothesis shrank to, when a property failed;
    ``notes`` carries hypothesis' own notes (``Falsifying example: ...``).
    """

    name: str
    status: Status
    message: str = ""
    counterexample: Any = None
    notes: list[str] = dataclasses.field(default_factory=list)
    examples: int = 0
    shrunk: bool = True  # False when a flaky failure could not be replayed and shrunk
    cause: BaseException | None = dataclasses.field(default=None, repr=False, compare=False)

    def describe(self) -> str:
        """One block of text for a failure message."""
        lines = [f"{self.name}: {self.message}"]
        if self.counterexample is not None:
            label = "minimal counterexample" if self.shrunk else "counterexample (not shrunk)"
            lines.append(f"  {label}: {_short_repr(self.counterexample)}")
        lines.extend(f"  {line}" for note in self.notes for line in note.splitlines())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "message": self.message,
            "counterexample": to_jsonable(self.counterexample),
            "notes": list(self.notes),
            "examples": self.examples,
            "shrunk": self.shrunk,
        }


@dataclasses.dataclass
class Report:
    """Every property's result for one object under test."""

    subject: str
    results: list[PropertyResult] = dataclasses.field(default_factory=list)
    cause: BaseException | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        return all(r.status in ("passed", "skipped") for r in self.results)

    @property
    def failed(self) -> list[str]:
        return [r.name for r in self.results if r.status in ("failed", "error")]

    def __getitem__(self, name: str) -> PropertyResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for result in self.results:
            counts[result.status] = counts.get(result.status, 0) + 1
        parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        return f"{self.subject}: {parts or 'no properties'}"

    def failure_message(self) -> str:
        bad = [r for r in self.results if r.status in ("failed", "error")]
        head = f"{self.subject} failed {len(bad)} of {len(self.results)} properties"
        return "\n\n".join([head, *(r.describe() for r in bad)])

    def raise_if_failed(self) -> Report:
        """Raise ``CheckFailure`` naming every failed property; return self otherwise."""
        __tracebackhide__ = True
        if not self.passed:
            raise CheckFailure(self.failure_message(), report=self) from self.cause
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "passed": self.passed,
            "failed": self.failed,
            "results": [r.to_dict() for r in self.results],
        }


def to_jsonable(value: Any) -> Any:
    """A JSON-serialisable rendering of a counterexample (arrays and frames as lists)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return value if not isinstance(value, float) or math.isfinite(value) else repr(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    tolist = getattr(value, "tolist", None)
    if callable(tolist):  # numpy arrays and scalars, pandas Series, torch tensors
        return to_jsonable(tolist())
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):  # pandas DataFrame
        return to_jsonable(to_dict(orient="list"))
    return repr(value)


def _short_repr(value: Any, limit: int = 2000) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " ..."

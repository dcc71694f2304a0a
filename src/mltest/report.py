"""Results of a check: one ``PropertyResult`` per property, gathered in a ``Report``.

Every check in mltest returns a ``Report``; every ``assert_*`` raises it as a
``CheckFailure``. A result's ``status`` says what happened and its ``reason`` says why, as
a fixed code a program can read (never text to grep for).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import sys
from collections.abc import Iterator
from typing import Any, Literal

from mltest.errors import CheckFailure

Status = Literal["passed", "failed", "skipped", "error", "inconclusive"]
STATUSES: tuple[str, ...] = ("passed", "failed", "skipped", "error", "inconclusive")

# Why a result has its status, when the status alone does not say it.
REASONS: dict[str, str] = {
    "declared_off": "the user turned the property off (skip=)",
    "not_applicable": "the property does not apply to what was declared or to any example",
    "blocked": "not checked because a property it depends on failed",
    "unavailable": "a device, package or resource the check needs is not present",
    "refused": "the code under test refused every generated input (ValueError)",
    "out_of_time": "the check's time budget ran out before the property was decided",
    "insufficient_data": "the data cannot decide the verdict either way",
    "internal": "mltest itself failed while running the property",
}

# The lifecycle stages a check belongs to, in the order a project meets them.
STAGES: tuple[str, ...] = (
    "data-collection",
    "data-verification",
    "code",
    "reproducibility",
    "model-analysis",
    "deployment",
    "monitoring",
    "performance",
)


# Called with every concluded Report (``mltest.stages`` listens during a test's call).
LISTENERS: list[Any] = []


@contextlib.contextmanager
def unheard() -> Iterator[None]:
    """Reports concluded inside the block reach no listener: for a check built of other
    checks (a replay's drift report per window), whose own report is the one to record."""
    saved = LISTENERS[:]
    LISTENERS.clear()
    try:
        yield
    finally:
        LISTENERS[:] = saved


@dataclasses.dataclass
class PropertyResult:
    """The verdict of one property on one object.

    ``message`` says what happened (for ``passed``, how many examples were checked);
    ``counterexample`` is the minimal input hypothesis shrank to, when a property failed;
    ``notes`` carries hypothesis' own notes (``Falsifying example: ...``); ``reason`` is one
    of ``REASONS`` where the status needs one; ``stage`` is set by the check's kind;
    ``figures`` holds what the check measured (numbers, lists of numbers) for reports.
    """

    name: str
    status: Status
    message: str = ""
    counterexample: Any = None
    notes: list[str] = dataclasses.field(default_factory=list)
    examples: int = 0
    shrunk: bool | None = None  # True: hypothesis shrank it; False: a flaky one it could not
    reason: str | None = None
    stage: str | None = None
    figures: dict[str, Any] = dataclasses.field(default_factory=dict)
    cause: BaseException | None = dataclasses.field(default=None, repr=False, compare=False)

    def describe(self) -> str:
        """One block of text for a failure message."""
        lines = [f"{self.name}: {self.message}"]
        if self.counterexample is not None:
            label = "counterexample"
            if self.shrunk is not None:
                label = "minimal counterexample" if self.shrunk else "counterexample (not shrunk)"
            lines.append(f"  {label}: {safe_repr(self.counterexample)}")
        lines.extend(f"  {line}" for note in self.notes for line in note.splitlines())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "reason": self.reason,
            "stage": self.stage,
            "message": self.message,
            "counterexample": to_jsonable(self.counterexample),
            "notes": list(self.notes),
            "examples": self.examples,
            "shrunk": self.shrunk,
            "figures": to_jsonable(self.figures),
        }


@dataclasses.dataclass
class Report:
    """Every property's result for one object under test.

    ``kind`` names the checker that produced it (``transformer``, ``metric``, ...),
    ``stage`` its lifecycle stage, ``seed`` the seed it ran with and ``seconds`` how long
    it took. ``details``, when set, replaces the per-property blocks of the failure
    message with the kind's own rendering (a validation report's table, say). ``data``
    holds what the report's plot is drawn from (a load test's latencies, a drift check's
    two profiles, a fairness check's group table, ...): kept in memory, never saved.
    """

    subject: str
    results: list[PropertyResult] = dataclasses.field(default_factory=list)
    kind: str | None = None
    stage: str | None = None
    seed: int | None = None
    seconds: float | None = None
    details: str | None = None
    cause: BaseException | None = dataclasses.field(default=None, repr=False, compare=False)
    data: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        """No property failed or errored (skipped and inconclusive results do not fail)."""
        return not self.failed

    @property
    def failed(self) -> list[str]:
        return [r.name for r in self.results if r.status in ("failed", "error")]

    @property
    def inconclusive(self) -> list[str]:
        return [r.name for r in self.results if r.status == "inconclusive"]

    def __getitem__(self, name: str) -> PropertyResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)

    def add(self, result: PropertyResult) -> PropertyResult:
        """Append a result, stamping it with the report's stage unless it has its own."""
        if result.stage is None:
            result.stage = self.stage
        self.results.append(result)
        return result

    def finish(self, *, kind: str, stage: str, seed: int | None, seconds: float) -> Report:
        """Stamp what the checker knows on the report and on every result (a seed the
        run itself recorded is kept)."""
        self.kind, self.stage, self.seconds = kind, stage, seconds
        self.seed = seed if self.seed is None else self.seed
        for result in self.results:
            if result.stage is None:
                result.stage = stage
        return self

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for result in self.results:
            counts[result.status] = counts.get(result.status, 0) + 1
        parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        return f"{self.subject}: {parts or 'no properties'}"

    def failure_message(self) -> str:
        bad = [r for r in self.results if r.status in ("failed", "error")]
        head = f"{self.subject} failed {len(bad)} of {len(self.results)} properties"
        if self.details is not None:
            return f"{head}:\n{self.details}"
        return "\n\n".join([head, *(r.describe() for r in bad)])

    def conclude(self, raise_on_failure: bool) -> Report:
        """The end of every check: the report, raised as ``CheckFailure`` when it failed
        and ``raise_on_failure`` is set."""
        __tracebackhide__ = True
        for listener in LISTENERS:  # the session report collects every check a test runs
            listener(self)
        return self.raise_if_failed() if raise_on_failure else self

    def raise_if_failed(self) -> Report:
        """Raise ``CheckFailure`` naming every failed property; return self otherwise.

        Inside a pytest run, a report whose every result is ``unavailable`` (a device or
        package the check needs is missing) skips the test with the reason: a check that
        could not run is never a silent pass.
        """
        __tracebackhide__ = True
        if not self.passed:
            # the report is the whole story: no chained traceback of mltest's internals
            raise CheckFailure(self.failure_message(), report=self) from None
        if self.results and all(r.reason == "unavailable" for r in self.results):
            pytest = sys.modules.get("pytest")
            if pytest is not None:
                pytest.skip("; ".join(sorted({r.message for r in self.results})))
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "kind": self.kind,
            "stage": self.stage,
            "seed": self.seed,
            "seconds": self.seconds,
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
    return safe_repr(value)


def safe_repr(value: Any, limit: int = 2000) -> str:
    """``repr(value)``, shortened; a ``repr`` that raises (a broken ``get_params`` makes
    scikit-learn's raise) gives the type's name and the exception instead."""
    try:
        text = repr(value)
    except Exception as exc:
        text = f"<{type(value).__name__}: repr() raised {type(exc).__name__}: {exc}>"
    return text if len(text) <= limit else text[:limit] + " ..."

"""The ``Checker`` contract: one object per kind of check.

A kind (``transformer``, ``metric``, ``loss``, ``reproducible``, or one a plugin adds)
says what it checks (its properties), which arguments it takes and how it validates them
(``prepare``), its lifecycle stage, and how it runs (``run``). ``Checker.check`` is the one
front door every ``check_*`` function goes through: shared argument checks, the run, the
stamps on the report (kind, stage, seed, time), and raising on failure.

Kinds built on the property engine subclass ``PropertyChecker``: they draw examples
(``strategy``), prepare each one (``make_case``) and may check the object once before
drawing anything (``preflight``). Kinds reach ``pytest --mltest`` through the
``pytest_mltest_checkers`` hook (see ``mltest.hookspec``), never through an edit here.

This module imports nothing heavy; the engine is imported when a check runs.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from mltest import arguments
from mltest.errors import UsageError
from mltest.report import STAGES, PropertyResult, Report, safe_repr

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from mltest.engine import Property, Violation

F = TypeVar("F", bound=Callable[..., Any])
_EVERY_KIND = ("only", "raise_on_failure")


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """What ``Checker.run`` is told besides the spec: the report's name and the shared
    options, validated."""

    name: str
    seed: int | None = None
    max_examples: int | None = None
    max_seconds: float | None = None
    skip: frozenset[str] = frozenset()
    only: frozenset[str] | None = None


class Checker:
    """One kind of check. Subclasses set the class attributes and implement
    ``properties``, ``prepare`` and ``run``.

    - ``name``: the kind's name (``@mltest.register(name)``, node ids, reports);
    - ``stage``: its lifecycle stage (one of ``mltest.report.STAGES``);
    - ``argument``: what messages call the checked object (``estimator``, ``fn``);
    - ``instantiate``: registered classes are instantiated with no arguments;
    - ``common_options``: which of ``check``'s shared options the kind takes (besides
      ``only`` and ``raise_on_failure``, which every kind takes).

    A kind with a public function (``check_metric``) marks it with ``@KIND.public``: its
    signature is then the one place the kind's options and their defaults are declared,
    for direct calls and decorators alike, and ``prepare`` receives every option.
    """

    name: ClassVar[str] = ""
    stage: ClassVar[str] = "code"
    argument: ClassVar[str] = "obj"
    instantiate: ClassVar[bool] = False
    common_options: ClassVar[tuple[str, ...]] = ("seed", "skip")
    front_door: Callable[..., Report] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.stage not in STAGES:
            raise UsageError(f"{cls.__name__}.stage={cls.stage!r}: must be one of {STAGES}")

    # --- what a kind provides ------------------------------------------------------------

    def properties(self) -> Sequence[Property]:
        """Every property of this kind, in report order."""
        raise NotImplementedError

    def prepare(self, *args: Any, **options: Any) -> Any:
        """``prepare(subject, **options)``: validate the kind's own options
        (``UsageError`` naming the argument) and return the *spec*: what ``run`` needs to
        know about the subject. Without a public function, declare the options
        keyword-only here: ``accepts`` reads them."""
        raise NotImplementedError

    def run(self, spec: Any, options: RunOptions) -> Report:
        """Check the subject described by ``spec``; never raises ``CheckFailure``."""
        raise NotImplementedError

    # --- shared by every kind ----------------------------------------------------------

    def public(self, fn: F) -> F:
        """Mark ``fn`` as this kind's public function (a decorator)."""
        self.front_door = fn
        return fn

    def property_names(self) -> list[str]:
        return [p.name for p in self.properties()]

    def describe(self, subject: Any) -> str:
        """The subject's name in reports: a function's or class's qualified name, else a
        ``repr`` that cannot raise."""
        if callable(subject) and hasattr(subject, "__qualname__"):
            return str(subject.__qualname__)
        return safe_repr(subject, 200)

    def _signature(self) -> inspect.Signature:
        return inspect.signature(self.front_door or self.prepare)

    def accepts(self, options: dict[str, Any]) -> None:
        """A cheap check that ``options`` are this kind's keyword arguments, the required
        ones included (decorators' options are checked so when their object is
        collected): ``UsageError`` naming what is wrong."""
        self._bind(None, options)

    def _bind(self, subject: Any, options: dict[str, Any]) -> dict[str, Any]:
        """Every option, defaults applied (from the public function's signature)."""
        signature = self._signature()
        own = dict(options)
        if self.front_door is None:  # prepare's signature knows the kind's options only
            common = {k: own.pop(k) for k in (*self.common_options, *_EVERY_KIND) if k in own}
        try:
            bound = signature.bind(subject, **own)
        except TypeError as exc:
            known = sorted({*self.common_options, *list(signature.parameters)[1:]})
            raise UsageError(f"mltest {self.name} check: {exc}; its options: {known}") from None
        bound.apply_defaults()
        found = dict(list(bound.arguments.items())[1:])
        return found if self.front_door is not None else {**found, **common}

    def make(self, obj: Any) -> Any:
        """The object to check for a registered ``obj``: classes are instantiated when
        this kind says so."""
        if not (self.instantiate and isinstance(obj, type)):
            return obj
        try:
            return obj()
        except Exception as exc:
            raise UsageError(
                f"@mltest.{self.name} on {obj.__qualname__}: the class must be constructible "
                f"with no arguments to be checked ({type(exc).__name__}: {exc})"
            ) from exc

    def check_arguments(self, arguments: dict[str, Any]) -> Report:
        """``check`` with a public function's arguments, as its ``locals()`` has them (the
        first one is the subject)."""
        __tracebackhide__ = True
        named = {k: v for k, v in arguments.items() if not k.startswith("__")}
        subject = named.pop(next(iter(self._signature().parameters)))
        return self.check(subject, **named)

    def check(self, subject: Any, /, **options: Any) -> Report:
        """Validate every argument, run the check, stamp and return the ``Report``;
        with ``raise_on_failure`` (the default) a failing report is raised as
        ``CheckFailure``."""
        __tracebackhide__ = True
        options = self._bind(subject, options)
        seed = arguments.seed(options.pop("seed", None))
        max_examples = options.pop("max_examples", None)
        if max_examples is not None:
            if "max_examples" not in self.common_options:
                raise UsageError(
                    f"max_examples={max_examples!r}: the {self.name} check draws no examples"
                )
            arguments.positive_int("max_examples", max_examples)
        max_seconds = options.pop("max_seconds", None)
        if max_seconds is not None:
            if "max_seconds" not in self.common_options:
                raise UsageError(
                    f"max_seconds={max_seconds!r}: the {self.name} check has no budget"
                )
            if arguments.number("max_seconds", max_seconds) <= 0:
                raise UsageError(f"max_seconds={max_seconds!r}: must be a positive number")
        raise_on_failure = arguments.flag(
            "raise_on_failure", options.pop("raise_on_failure", True)
        )
        names = self.property_names()
        skip = arguments.names("skip", options.pop("skip", ()), names) or set()
        only = arguments.names("only", options.pop("only", None), names)
        spec = self.prepare(subject, **options)
        run = RunOptions(
            self.describe(subject),
            seed,
            max_examples,
            max_seconds,
            frozenset(skip),
            None if only is None else frozenset(only),
        )
        start = time.perf_counter()
        report = self.run(spec, run)
        report.finish(
            kind=self.name, stage=self.stage, seed=seed, seconds=time.perf_counter() - start
        )
        return report.conclude(raise_on_failure)


class PropertyChecker(Checker):
    """A kind checked by the property engine: hypothesis draws examples from
    ``strategy(spec)``, ``make_case(spec, example)`` prepares each one, and every property
    reads the prepared case. ``runs_on_valid_input`` comes first in every such kind.

    ``max_examples`` is the kind's default; ``usage_hint`` is added to the ``UsageError``
    raised when the subject refuses or crashes on every generated input (that is a wrong
    declaration, not a finding).
    """

    common_options: ClassVar[tuple[str, ...]] = ("seed", "max_examples", "max_seconds", "skip")
    max_examples: ClassVar[int] = 50
    max_seconds: ClassVar[float] = 60.0
    usage_hint: ClassVar[str] = "check the declaration"

    def kind_properties(self) -> Sequence[Property]:
        """The kind's own properties (``runs_on_valid_input`` is added in front)."""
        raise NotImplementedError

    def properties(self) -> Sequence[Property]:
        from mltest.engine import RUNS_ON_VALID_INPUT

        return [RUNS_ON_VALID_INPUT, *self.kind_properties()]

    def strategy(self, spec: Any) -> SearchStrategy[Any]:
        raise NotImplementedError

    def make_case(self, spec: Any, example: Any) -> Any:
        raise NotImplementedError

    def preflight(self, spec: Any) -> dict[str, Violation]:
        """Findings about the subject itself, before any data is drawn (a ``clone`` that
        raises): property name -> ``Violation``. When there are any, the other properties
        are reported as not checked because of them."""
        return {}

    def declaration(self, spec: Any) -> str:
        """What the user declared, for the every-input-refused ``UsageError``."""
        return ""

    def run(self, spec: Any, options: RunOptions) -> Report:
        from mltest import engine

        found = self.preflight(spec)
        if found:
            return self._blocked(options, found)
        max_examples = options.max_examples
        report = engine.run_properties(
            options.name,
            self.properties(),
            spec,
            self.strategy(spec),
            self.make_case,
            max_examples=self.max_examples if max_examples is None else max_examples,
            seed=options.seed,
            skip=options.skip,
            only=options.only,
            max_seconds=self.max_seconds if options.max_seconds is None else options.max_seconds,
        )
        self._raise_if_unusable(report, options.name, spec)
        return report

    def _blocked(self, options: RunOptions, found: dict[str, Violation]) -> Report:
        report = Report(options.name)
        skip, only = options.skip, options.only
        owners = ", ".join(sorted(found))
        for p in self.properties():
            if only is not None and p.name not in only and p.name not in found:
                continue
            if p.name in found:
                exc = found[p.name]
                shown = getattr(exc, "counterexample", None)
                report.add(
                    PropertyResult(p.name, "failed", str(exc), counterexample=shown, cause=exc)
                )
            elif p.name in skip:
                report.add(
                    PropertyResult(p.name, "skipped", "skipped by skip=", reason="declared_off")
                )
            else:
                message = f"not checked: {owners} failed before any data was drawn"
                report.add(PropertyResult(p.name, "skipped", message, reason="blocked"))
        return report

    def _raise_if_unusable(self, report: Report, name: str, spec: Any) -> None:
        """A subject that refuses, or raises on, every generated input was declared for
        data it does not take: a ``UsageError``, not a finding about it."""
        ran = [r for r in report.results if r.reason not in ("declared_off", "not_applicable")]
        if not ran:
            return
        declared = self.declaration(spec)
        where = f" for {declared}" if declared else ""
        if all(r.reason == "refused" for r in ran):
            raise UsageError(
                f"{self.argument}={name}: refused every generated input{where}; "
                f"{self.usage_hint}. {ran[0].message}"
            )
        prepared = next((r for r in ran if r.name == "runs_on_valid_input"), None)
        if prepared is not None and prepared.status == "failed" and prepared.examples == 0:
            raise UsageError(
                f"{self.argument}={name}: raised on every generated input{where}; "
                f"{self.usage_hint}.\n{prepared.describe()}"
            )

"""The property engine: a property is a small named object; one runner checks them all.

The runner draws each example once, prepares it once (a fit, a metric's value: the shared
work every property reads, kept on the example's *case*), and lets every pending property
look at it. A property that fails is then re-run on its own so hypothesis can shrink its
counterexample to a minimal one.

Three signals come from the code under test, through ``call_user``:

- ``Violation``: it broke a property (an exception it raised counts as one);
- ``Refused``: it refused an input outside its domain (``fit`` raising ``ValueError`` on
  too few rows): while preparing, the example is discarded; inside a property, that
  property says nothing about the example;
- ``NotApplicable``: a property's body found the example irrelevant.

A failure while *preparing* an example belongs to one property, ``runs_on_valid_input``;
the other properties are not checked on that example (``blocked``), instead of each
reporting the same exception under its own name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase, errors
from hypothesis import strategies as st

from mltest.report import PropertyResult, Report, Status


class Violation(AssertionError):
    """Raised by a property body: the object under test broke the property.

    ``counterexample`` is the input the failure was seen on when the property derived it
    from the drawn example (a rescaled copy, an edge case); it is what the user is shown.
    """

    def __init__(self, message: str, *, counterexample: Any = None) -> None:
        super().__init__(message)
        self.counterexample = counterexample


class NotApplicable(Exception):
    """Raised by a property body: this example says nothing about the property."""


class Refused(Exception):
    """The code under test refused an input outside its domain (``ValueError``)."""


@dataclasses.dataclass(frozen=True)
class Property:
    """A named check. ``applies(spec)`` returns ``None`` or the reason it does not apply."""

    name: str
    check: Callable[[Any], None]
    applies: Callable[[Any], str | None]
    max_checks: int | None = None  # an expensive property stops after holding this often

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.check) or ""


def _always(spec: Any) -> str | None:
    return None


def prop(
    registry: list[Property],
    *,
    applies: Callable[[Any], str | None] = _always,
    max_checks: int | None = None,
) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Decorator adding a property (named after the function) to ``registry``."""

    def decorate(check: Callable[[Any], None]) -> Callable[[Any], None]:
        registry.append(Property(check.__name__, check, applies, max_checks))
        return check

    return decorate


def runs_on_valid_input(case: Any) -> None:
    """The code under test runs on every valid generated input: it returns a result or
    refuses the input with a ``ValueError``, and raises nothing else.

    An ``IndexError`` on a single class, a ``TypeError`` on a float32 column, a loss that
    returns a Python float: whatever the input that triggers it, the code crashes in
    production on the first such batch. Every other property is checked on the examples
    this one holds on, and is reported as not checked where it fails.
    """
    # the engine prepared the case before calling this: reaching here means it held


RUNS_ON_VALID_INPUT = Property("runs_on_valid_input", runs_on_valid_input, _always)


def call_user(
    what: str,
    fn: Callable[..., Any],
    *args: Any,
    refuse: type[BaseException] | tuple[type[BaseException], ...] = (),
    **kwargs: Any,
) -> Any:
    """Call the code under test: the one place its exceptions are classified.

    An exception of a type in ``refuse`` is a refusal of the input (``Refused``); any
    other is a ``Violation`` naming ``what``. The engine's own signals pass through.
    """
    try:
        return fn(*args, **kwargs)
    except (Violation, NotApplicable, Refused):
        raise  # the engine's own signals, from a nested preparation step
    except refuse as exc:
        raise Refused(f"{what} raised {type(exc).__name__}: {exc}") from exc
    except Exception as exc:
        raise Violation(f"{what} raised {type(exc).__name__}: {exc}") from exc


def _settings(max_examples: int) -> hypothesis.settings:
    """The user's active profile, with what verdict stability needs on top of it."""
    profile = hypothesis.settings.default
    assert profile is not None  # hypothesis always has a current profile
    if profile.max_examples != hypothesis.settings.get_profile("default").max_examples:
        max_examples = profile.max_examples  # a loaded profile that sets it wins
    return hypothesis.settings(
        profile,
        max_examples=max_examples,
        deadline=None,  # first calls of ML code are slow; deadlines make verdicts flaky
        database=None,  # verdicts must not depend on what earlier runs stored
        derandomize=False,  # the seed below fixes the stream
        report_multiple_bugs=False,  # one property, one minimal counterexample
        # the explain phase lists mltest's own lines, which say nothing about the bug
        phases=[phase for phase in profile.phases if phase != Phase.explain],
        suppress_health_check=[
            *profile.suppress_health_check,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
            HealthCheck.nested_given,
        ],
    )


@dataclasses.dataclass
class _Budget:
    """The check's time budget: the shared pass stops looking at examples once half of it
    is spent; shrinking the failures may use the rest (each at most ``SHRINK_SECONDS``)."""

    seconds: float | None
    start: float = dataclasses.field(default_factory=time.perf_counter)
    exhausted: bool = False  # the shared pass ran out

    def shared_pass_over(self) -> bool:
        if self.seconds is not None and time.perf_counter() - self.start > self.seconds / 2:
            self.exhausted = True
        return self.exhausted

    def shrink_seconds(self) -> float:
        if self.seconds is None:
            return SHRINK_SECONDS
        left = self.seconds - (time.perf_counter() - self.start)
        return min(SHRINK_SECONDS, max(2.0, left))


@dataclasses.dataclass
class _Tally:
    examples: int = 0
    blocked: int = 0  # examples whose preparation failed, so this property never saw them
    skipped: int = 0  # examples the property found irrelevant, or its call refused
    last_skip: str = ""
    failure: BaseException | None = None
    failing_example: Any = None


def run_properties(
    subject: str,
    properties: Sequence[Property],
    spec: Any,
    strategy: st.SearchStrategy[Any],
    make_case: Callable[[Any, Any], Any],
    *,
    max_examples: int,
    seed: int | None,
    skip: Iterable[str] = (),
    only: Iterable[str] | None = None,
    max_seconds: float | None = None,
) -> Report:
    """Check ``properties`` on examples from ``strategy`` and return the ``Report``.

    ``make_case(spec, example)`` prepares one drawn example: the object the property
    bodies read, with the shared work done. ``only`` restricts the run to some names.
    ``max_seconds`` bounds the run: properties are decided on the examples seen in time,
    and say so.
    """
    budget = _Budget(max_seconds)
    skip, wanted = set(skip), None if only is None else set(only)
    report = Report(subject)
    pending: list[Property] = []
    for p in properties:
        if wanted is not None and p.name not in wanted:
            continue
        if p.name in skip:
            report.add(
                PropertyResult(p.name, "skipped", "skipped by skip=", reason="declared_off")
            )
        elif reason := p.applies(spec):
            report.add(PropertyResult(p.name, "skipped", reason, reason="not_applicable"))
        else:
            pending.append(p)
    tallies = {p.name: _Tally() for p in pending}
    prepared = tallies.get(RUNS_ON_VALID_INPUT.name, _Tally())
    others = [p for p in pending if p is not RUNS_ON_VALID_INPUT]
    refused: list[BaseException] = []
    conf = _settings(max_examples)
    fixed_seed = 0 if seed is None else seed

    def shared(example: Any) -> None:
        if budget.shared_pass_over():
            return  # out of time: the remaining draws are not looked at
        try:
            case = _prepare(make_case, spec, example)
        except Refused as exc:
            refused.append(exc)
            hypothesis.reject()
        except Exception as exc:  # the code under test broke on this example
            if prepared.failure is None:
                prepared.failure, prepared.failing_example = exc, example
            for p in others:
                tallies[p.name].blocked += 1
            return
        prepared.examples += 1
        for p in others:
            tally = tallies[p.name]
            if tally.failure is not None or tally.examples == p.max_checks:
                continue
            outcome = _apply(p, case)
            if isinstance(outcome, (NotApplicable, Refused)):
                tally.skipped += 1
                tally.last_skip = str(outcome)
            elif outcome is not None:
                tally.failure, tally.failing_example = outcome, example
            else:
                tally.examples += 1

    with _one_torch_thread():
        error = _run_given(shared, strategy, conf, fixed_seed)
    run = _Run(strategy, spec, make_case, conf, fixed_seed, error, refused, budget)
    for p in pending:
        report.add(run.verdict(p, tallies[p.name]))
    order = [q.name for q in properties]
    report.results.sort(key=lambda r: order.index(r.name))
    report.cause = next((r.cause for r in report.results if r.cause is not None), None)
    return report


def _prepare(make_case: Callable[[Any, Any], Any], spec: Any, example: Any) -> Any:
    """Build the case; warnings from the code under test stay inside the check."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make_case(spec, example)


def _apply(p: Property, case: Any) -> BaseException | None:
    """Run one property on one case: ``None`` when it held, else what happened."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p.check(case)
    except Exception as exc:
        return exc
    return None


def _run_given(
    body: Callable[[Any], None], strategy: st.SearchStrategy[Any], conf: Any, seed: int
) -> BaseException | None:
    test = hypothesis.seed(seed)(conf(hypothesis.given(strategy)(body)))
    try:
        with _same_stream_everywhere():
            test()
    except (errors.Unsatisfiable, errors.FailedHealthCheck) as exc:
        return exc
    return None


@contextlib.contextmanager
def _one_torch_thread() -> Any:
    """torch on one intra-op thread while checks run (restored afterwards): the tensors
    of a check are tiny, and a second thread only adds synchronisation (check_loss ran
    about 3x faster so)."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def _same_stream_everywhere() -> Any:
    """Keep hypothesis from mixing in constants it finds in the process's local modules.

    Hypothesis sometimes draws a literal found in any loaded module of the user's project,
    so the same seed gave another stream (and another verdict) depending on what else the
    process had imported: a test session, a worker, a notebook. Verdicts of a derandomized
    check must depend on the seed alone. Hypothesis has no public setting for this; where
    its internals differ, nothing is changed.
    """
    from hypothesis.internal.conjecture import providers

    local = getattr(providers, "_get_local_constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    if local is None or cache is None or not hasattr(providers, "Constants"):
        yield
        return
    empty = providers.Constants()
    providers._get_local_constants = lambda: empty
    cache.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = local
        cache.cache.clear()


SHRINK_SECONDS = 30


@dataclasses.dataclass
class _Run:
    """What the shared pass leaves for the verdicts: how to replay a property alone."""

    strategy: st.SearchStrategy[Any]
    spec: Any
    make_case: Callable[[Any, Any], Any]
    conf: Any
    seed: int
    error: BaseException | None
    refused: list[BaseException]
    budget: _Budget

    def verdict(self, p: Property, tally: _Tally) -> PropertyResult:
        if tally.failure is not None:
            return self.shrink(p, tally)
        not_checked = ""
        if tally.blocked:
            not_checked = (
                f"{tally.blocked} example(s) not checked: the code under test raised while "
                "preparing them (see runs_on_valid_input)"
            )
        if tally.examples == 0 and tally.blocked:
            return PropertyResult(p.name, "skipped", not_checked, reason="blocked")
        out_of_time = ""
        if self.budget.exhausted:
            out_of_time = f"the time budget of {self.budget.seconds:g}s ran out"
            if tally.examples == 0:
                message = f"not checked on any example: {out_of_time}"
                return PropertyResult(p.name, "skipped", message, reason="out_of_time")
        if self.error is not None and tally.examples == 0:
            why = f"; the last refusal: {self.refused[-1]}" if self.refused else ""
            return PropertyResult(
                p.name,
                "error",
                f"no usable example: every generated input was refused{why}",
                reason="refused",
            )
        if tally.examples == 0:
            why = tally.last_skip or "no generated example was relevant"
            return PropertyResult(
                p.name, "skipped", f"not checked on any example: {why}", reason="not_applicable"
            )
        refused = ""
        if p is RUNS_ON_VALID_INPUT and self.refused:
            refused = f"{len(self.refused)} refused, the last: {self.refused[-1]}"
        unused = ""
        if tally.skipped:
            unused = f"{tally.skipped} example(s) not applicable, the last: {tally.last_skip}"
        notes = "; ".join(n for n in (unused, not_checked, out_of_time, refused) if n)
        message = f"held on {tally.examples} examples" + (f" ({notes})" if notes else "")
        return PropertyResult(p.name, "passed", message, examples=tally.examples)

    def shrink(self, p: Property, tally: _Tally) -> PropertyResult:
        """Re-run one failed property alone so hypothesis shrinks its counterexample."""
        last: list[Any] = []
        first, first_example = tally.failure, tally.failing_example
        assert first is not None
        owns_preparation = p is RUNS_ON_VALID_INPUT

        def alone(example: Any) -> None:
            try:
                case = _prepare(self.make_case, self.spec, example)
            except Refused:
                hypothesis.reject()
            except Exception as exc:
                if not owns_preparation:
                    hypothesis.reject()  # another property's failure, not this one's
                last[:] = [example]
                raise exc from None
            outcome = _apply(p, case)
            if outcome is not None and not isinstance(outcome, (NotApplicable, Refused)):
                last[:] = [example]
                raise outcome

        alone.__name__ = alone.__qualname__ = p.name  # hypothesis names the test in its notes
        try:
            with (
                _bounded_shrinking(self.budget.shrink_seconds()) as stopped,
                _same_stream_everywhere(),
                _one_torch_thread(),
            ):
                hypothesis.seed(self.seed)(self.conf(hypothesis.given(self.strategy)(alone)))()
        except errors.Flaky as exc:
            result = _failed(p, first, first_example, [_NOT_SHRUNK, str(exc)], shrunk=False)
        except (errors.Unsatisfiable, errors.FailedHealthCheck):
            result = _failed(p, first, first_example, [_NOT_SHRUNK], shrunk=False)
        except Exception as exc:  # the shrunk failure itself
            notes = [*getattr(exc, "__notes__", []), *stopped]
            result = _failed(p, exc, last[0] if last else None, notes)
        else:
            result = _failed(p, first, first_example, [_NOT_SHRUNK], shrunk=False)
        result.examples = tally.examples  # how often it held (runs_on_valid_input: in all)
        return result


@contextlib.contextmanager
def _bounded_shrinking(seconds: float) -> Any:
    """Cap hypothesis' time spent shrinking one failure (its own ceiling is 5 minutes),
    and yield a list that holds a note when the cap stopped it.

    Hypothesis prints a warning about five minutes when it stops, whatever the cap; that
    message is replaced by the note. Hypothesis has no public setting for either; where
    its internals differ, the cap is simply not applied.
    """
    from hypothesis import reporting
    from hypothesis.internal.conjecture import engine

    stopped: list[str] = []
    before = getattr(engine, "MAX_SHRINKING_SECONDS", None)
    if before is None:
        yield stopped
        return
    outer = reporting.current_reporter()

    def report(text: Any) -> None:
        if isinstance(text, str) and "more than five minutes working to shrink" in text:
            stopped[:] = [
                f"shrinking was stopped after {int(seconds)}s (mltest's cap): the "
                "counterexample is the smallest found by then"
            ]
        else:
            outer(text)

    engine.MAX_SHRINKING_SECONDS = int(seconds)
    try:
        with reporting.with_reporter(report):
            yield stopped
    finally:
        engine.MAX_SHRINKING_SECONDS = before


_NOT_SHRUNK = (
    "the failure did not repeat when replayed, so the counterexample is the input it first "
    "failed on, not shrunk: the object under test is not deterministic"
)


def _failed(
    p: Property, exc: BaseException, example: Any, notes: list[str], *, shrunk: bool = True
) -> PropertyResult:
    status: Status
    reason = None
    if isinstance(exc, Violation):
        status, message = "failed", str(exc)
        if exc.counterexample is not None:
            example = exc.counterexample  # what the property actually fed the code
    else:
        status, reason = "error", "internal"
        message = "mltest could not run this property:\n" + "".join(
            traceback.format_exception(exc)
        )
    return PropertyResult(
        p.name, status, message, example, notes, shrunk=shrunk, reason=reason, cause=exc
    )

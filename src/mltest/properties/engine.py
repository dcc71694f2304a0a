"""The property engine: a property is a small named object; one runner checks them all.

The runner draws each example once and lets every pending property look at it (a fitted
estimator, say, is shared through the example's case object). A property that fails is
then re-run on its own so hypothesis can shrink its counterexample to a minimal one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import traceback
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase, errors
from hypothesis import strategies as st

from mltest.errors import UsageError
from mltest.report import PropertyResult, Report, Status


class Violation(AssertionError):
    """Raised by a property body: the object under test broke the property."""


class NotApplicable(Exception):
    """Raised by a property body: this example says nothing about the property."""


class Rejected(Exception):
    """Raised while preparing an example the object refuses (e.g. ``fit`` raised
    ``ValueError`` on it): no property is checked on that example."""


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


def validate_common(
    *, max_examples: Any, seed: Any, skip: Any, names: Sequence[str], only: Any = None
) -> None:
    """Argument checks every ``check_*`` function shares."""
    if isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 1:
        raise UsageError(f"max_examples={max_examples!r}: must be a positive integer")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise UsageError(f"seed={seed!r}: must be None (derandomized) or an integer")
    for argument, value in (("skip", skip), ("only", only)):
        if value is None:
            continue
        if isinstance(value, str):
            raise UsageError(
                f"{argument}={value!r}: must be a collection of property names, not a string"
            )
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise UsageError(
                f"{argument}={unknown!r}: unknown property names; known: {sorted(names)}"
            )


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
class _Tally:
    examples: int = 0
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
) -> Report:
    """Check ``properties`` on examples from ``strategy`` and return the ``Report``.

    ``make_case(spec, example)`` wraps one drawn example in the object the property bodies
    read (caching shared work such as a fit). ``only`` restricts the run to some names.
    """
    skip, wanted = set(skip), None if only is None else set(only)
    report = Report(subject)
    pending: list[Property] = []
    for p in properties:
        if wanted is not None and p.name not in wanted:
            continue
        reason = "skipped by skip=" if p.name in skip else p.applies(spec)
        if reason:
            report.results.append(PropertyResult(p.name, "skipped", reason))
        else:
            pending.append(p)
    tallies = {p.name: _Tally() for p in pending}
    rejected: list[BaseException] = []
    conf = _settings(max_examples)
    fixed_seed = 0 if seed is None else seed

    def shared(example: Any) -> None:
        case = _make(make_case, spec, example, rejected)
        for p in pending:
            tally = tallies[p.name]
            if tally.failure is not None or tally.examples == p.max_checks:
                continue
            outcome = _apply(p, case, rejected)
            if isinstance(outcome, NotApplicable):
                tally.last_skip = str(outcome)
            elif outcome is not None:
                tally.failure, tally.failing_example = outcome, example
            else:
                tally.examples += 1

    error = _run_given(shared, strategy, conf, fixed_seed)
    for p in pending:
        report.results.append(
            _verdict(
                p, tallies[p.name], error, rejected, strategy, spec, make_case, conf, fixed_seed
            )
        )
    order = [q.name for q in properties]
    report.results.sort(key=lambda r: order.index(r.name))
    report.cause = next((r.cause for r in report.results if r.cause is not None), None)
    return report


def _make(
    make_case: Callable[[Any, Any], Any], spec: Any, example: Any, rejected: list[BaseException]
) -> Any:
    """Build the case; a case may refuse its example while being built."""
    try:
        return make_case(spec, example)
    except Rejected as exc:
        rejected.append(exc)
        hypothesis.reject()


def _apply(p: Property, case: Any, rejected: list[BaseException]) -> BaseException | None:
    """Run one property on one case: ``None`` when it held, else what happened."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p.check(case)
    except Rejected as exc:
        rejected.append(exc)
        hypothesis.reject()
    except NotApplicable as exc:
        return exc
    except Exception as exc:
        return exc
    return None


def _run_given(
    body: Callable[[Any], None], strategy: st.SearchStrategy[Any], conf: Any, seed: int
) -> BaseException | None:
    test = hypothesis.seed(seed)(conf(hypothesis.given(strategy)(body)))
    try:
        test()
    except (errors.Unsatisfiable, errors.FailedHealthCheck) as exc:
        return exc
    return None


def _verdict(
    p: Property,
    tally: _Tally,
    error: BaseException | None,
    rejected: list[BaseException],
    strategy: st.SearchStrategy[Any],
    spec: Any,
    make_case: Callable[[Any, Any], Any],
    conf: Any,
    seed: int,
) -> PropertyResult:
    if tally.failure is not None:
        return _shrink(p, tally, strategy, spec, make_case, conf, seed)
    if error is not None and tally.examples == 0:
        why = f"; the last refusal: {rejected[-1]}" if rejected else ""
        return PropertyResult(
            p.name, "error", f"no usable example: every generated input was refused{why}"
        )
    if tally.examples == 0:
        reason = tally.last_skip or "no generated example was relevant"
        return PropertyResult(p.name, "skipped", f"not checked on any example: {reason}")
    return PropertyResult(
        p.name, "passed", f"held on {tally.examples} examples", examples=tally.examples
    )


SHRINK_SECONDS = 30


@contextlib.contextmanager
def _bounded_shrinking(seconds: float) -> Any:
    """Cap hypothesis' time spent shrinking one failure (its own ceiling is 5 minutes).

    Hypothesis has no public setting for this; where its internals differ, the cap is
    simply not applied.
    """
    from hypothesis.internal.conjecture import engine

    before = getattr(engine, "MAX_SHRINKING_SECONDS", None)
    if before is None:
        yield
        return
    engine.MAX_SHRINKING_SECONDS = int(seconds)
    try:
        yield
    finally:
        engine.MAX_SHRINKING_SECONDS = before


def _shrink(
    p: Property,
    tally: _Tally,
    strategy: st.SearchStrategy[Any],
    spec: Any,
    make_case: Callable[[Any, Any], Any],
    conf: Any,
    seed: int,
) -> PropertyResult:
    """Re-run one failed property alone so hypothesis shrinks its counterexample."""
    last: list[Any] = []
    first, first_example = tally.failure, tally.failing_example
    assert first is not None

    def alone(example: Any) -> None:
        outcome = _apply(p, _make(make_case, spec, example, []), [])
        if outcome is not None and not isinstance(outcome, NotApplicable):
            last[:] = [example]
            raise outcome

    alone.__name__ = alone.__qualname__ = p.name  # hypothesis names the test in its notes

    try:
        with _bounded_shrinking(SHRINK_SECONDS):
            hypothesis.seed(seed)(conf(hypothesis.given(strategy)(alone)))()
    except errors.Flaky as exc:
        return _failed(p, first, first_example, [_NOT_SHRUNK, str(exc)], shrunk=False)
    except (errors.Unsatisfiable, errors.FailedHealthCheck):
        pass
    except BaseException as exc:  # the shrunk failure itself
        return _failed(p, exc, last[0] if last else None, list(getattr(exc, "__notes__", [])))
    return _failed(p, first, first_example, [_NOT_SHRUNK], shrunk=False)


_NOT_SHRUNK = (
    "the failure did not repeat when replayed, so the counterexample is the input it first "
    "failed on, not shrunk: the object under test is not deterministic"
)


def _failed(
    p: Property, exc: BaseException, example: Any, notes: list[str], *, shrunk: bool = True
) -> PropertyResult:
    status: Status
    if isinstance(exc, Violation):
        status, message = "failed", str(exc)
    else:
        status = "error"
        message = "mltest could not run this property:\n" + "".join(
            traceback.format_exception(exc)
        )
    return PropertyResult(p.name, status, message, example, notes, shrunk=shrunk, cause=exc)


def call_user(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the code under test; an exception from it becomes a ``Violation`` naming ``what``."""
    try:
        return fn(*args, **kwargs)
    except (Violation, NotApplicable, Rejected):
        raise  # the engine's own signals, from a nested preparation step
    except Exception as exc:
        raise Violation(f"{what} raised {type(exc).__name__}: {exc}") from exc


def raise_if_every_input_refused(report: Report, argument: str, value: Any, declared: str) -> None:
    """A callable that refuses every generated input was declared wrongly: ``UsageError``."""
    refused = [
        r for r in report.results if r.status == "error" and "every generated input" in r.message
    ]
    ran = [r for r in report.results if r.status != "skipped"]
    if ran and len(refused) == len(ran):
        raise UsageError(
            f"{argument}={getattr(value, '__qualname__', value)!r}: raised on every generated "
            f"input for {declared}; check the declaration. {refused[0].message}"
        )

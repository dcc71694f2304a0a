"""Declarations for the sweeps over trusted libraries: what a user would declare about an
estimator or a metric, each with its true cause.

- ``options``: keyword arguments of the check (``data=``, ``target=``, ``max_examples=``),
  each with the reason in ``why``.
- ``skip``: properties that do not hold *by design* (documented behaviour), property ->
  the cause.
- ``known``: upstream defects (in the manner of scikit-learn's ``expected_failed_checks``):
  property -> ``Defect``, whose reproducer in ``test_upstream_defects.py`` shows the defect
  without mltest and fails the day the library fixes it. In the sweep the property may
  fail, but only with the defect's message. ``known_anywhere``: a defect of ``fit`` itself
  (a crash on a constant column) that any property fitting on such data meets.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest


@dataclasses.dataclass(frozen=True)
class Defect:
    """An upstream defect: ``reproducer`` names its test, ``message`` a regular expression
    the property's failure (message and counterexample) must match."""

    reproducer: str
    message: str


@dataclasses.dataclass(frozen=True)
class Declaration:
    options: dict[str, Any] = dataclasses.field(default_factory=dict)
    why: str = ""
    skip: dict[str, str] = dataclasses.field(default_factory=dict)
    known: dict[str, Defect] = dataclasses.field(default_factory=dict)
    known_anywhere: tuple[Defect, ...] = ()

    def defects(self) -> list[Defect]:
        return [*self.known.values(), *self.known_anywhere]

    def check_options(self) -> dict[str, Any]:
        return {**self.options, "skip": tuple(self.skip)}


def seed_of(request: pytest.FixtureRequest) -> int | None:
    """The seed the sweep runs with: ``--mltest-seed N`` (``None``: the default stream)."""
    return request.config.getoption("mltest_seed")


def assert_only_declared_failures(report: Any, declaration: Declaration) -> None:
    """Every failed property is a known defect failing with the defect's message."""
    __tracebackhide__ = True
    unexpected = []
    for name in report.failed:
        result = report[name]
        candidates = [declaration.known[name]] if name in declaration.known else []
        candidates += declaration.known_anywhere
        if not any(re.search(d.message, result.describe()) for d in candidates):
            unexpected.append(result.describe())
    assert not unexpected, "\n\n".join(unexpected)


def declared_names(declarations: dict[str, Declaration]) -> set[str]:
    return {prop for d in declarations.values() for prop in (*d.skip, *d.known)}

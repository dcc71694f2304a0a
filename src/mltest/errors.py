"""The two error families of mltest: misuse of mltest, and failures of the code under test."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mltest.report import Report


class UsageError(ValueError):
    """mltest was called wrongly: the message names the argument and its value.

    It subclasses ``ValueError`` so callers that already guard bad arguments keep working.
    """


class CheckFailure(AssertionError):
    """The code under test broke a property; ``report`` holds every result."""

    def __init__(self, message: str, report: Report | None = None) -> None:
        super().__init__(message)
        self.report = report

"""Argument validation every front door shares: each failure is a ``UsageError`` that names
the argument and the value it was given.

Light on purpose (imports nothing beyond the standard library), so that decorators and the
pytest plugin can validate without importing the checkers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from mltest.errors import UsageError

# The kinds of supervised task every checker speaks of (metrics, losses, targets of
# transformers, models): one list, so the same word means the same thing everywhere.
TASKS: tuple[str, ...] = ("binary", "multiclass", "regression")


def short(value: Any, limit: int = 80) -> str:
    """A value for a message: its ``repr`` shortened, never raising."""
    from mltest.report import safe_repr

    return safe_repr(value, limit)


def choice(argument: str, value: Any, allowed: Sequence[Any]) -> Any:
    if value not in allowed:
        raise UsageError(f"{argument}={short(value)}: must be one of {list(allowed)}")
    return value


def flag(argument: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{argument}={short(value)}: must be True or False")
    return value


def positive_int(argument: str, value: Any, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageError(f"{argument}={short(value)}: must be an integer >= {minimum}")
    return value


def number(argument: str, value: Any, *, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise UsageError(f"{argument}={short(value)}: must be a number")
    if minimum is not None and value < minimum:
        raise UsageError(f"{argument}={short(value)}: must be >= {minimum}")
    return float(value)


def seed(value: Any) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise UsageError(f"seed={short(value)}: must be None (derandomized) or an integer")
    return value


def callable_or_none(argument: str, value: Any) -> Callable[..., Any] | None:
    if value is not None and not callable(value):
        raise UsageError(f"{argument}={short(value)}: must be callable or None")
    return value


def instance_of_callable(argument: str, value: Any, usage: str) -> Callable[..., Any]:
    """A callable object (function or instance), not a class; ``usage`` shows the call."""
    if isinstance(value, type):
        raise UsageError(f"{argument}={value.__name__}: pass an instance, e.g. {value.__name__}()")
    if not callable(value):
        raise UsageError(f"{argument}={short(value)}: must be callable as {usage}")
    return value


def names(argument: str, value: Any, known: Iterable[str]) -> set[str] | None:
    """A collection of property names (``skip=``, ``only=``); ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, str):
        raise UsageError(
            f"{argument}={value!r}: must be a collection of property names, not a string"
        )
    known = list(known)
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise UsageError(f"{argument}={unknown!r}: unknown property names; known: {sorted(known)}")
    return set(value)

"""Decorators register user objects here; ``pytest --mltest`` reads them back.

Registration is cheap and imports nothing heavy (no hypothesis, pandas or scikit-learn):
an object is recorded with the *name* of its kind and its options, and the options are
validated when the object is collected, by the kind's ``Checker``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from mltest.errors import UsageError

if TYPE_CHECKING:
    from mltest.checker import Checker
    from mltest.report import Report

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Registration:
    kind: str
    obj: Any
    options: dict[str, Any]

    @property
    def module(self) -> str:
        return getattr(self.obj, "__module__", "")

    @property
    def qualname(self) -> str:
        return getattr(self.obj, "__qualname__", repr(self.obj))

    def run(
        self, checker: Checker, *, only: list[str] | None = None, seed: int | None = None
    ) -> Report:
        """Run the check with the registered options; returns the ``Report`` (never raises
        ``CheckFailure``; a misdeclared object raises ``UsageError``)."""
        checker.accepts(self.options)
        options = dict(self.options)
        if seed is not None:
            options["seed"] = seed
        return checker.check(checker.make(self.obj), **options, only=only, raise_on_failure=False)


_REGISTRY: dict[tuple[str, str, str], Registration] = {}


def registrations(module: str | None = None) -> list[Registration]:
    """Registered objects, in registration order, optionally of one module."""
    return [r for r in _REGISTRY.values() if module is None or r.module == module]


def registration_of(obj: Any) -> list[Registration]:
    """The registrations of one object (one per kind it is registered for)."""
    return [r for r in _REGISTRY.values() if r.obj is obj]


def register(kind: str, **options: Any) -> Callable[[T], T]:
    """Register the decorated object for ``pytest --mltest`` as a ``kind`` (a built-in
    kind or one a plugin adds through ``pytest_mltest_checkers``); returns it unchanged.

    ``options`` are the kind's ``check`` keyword arguments; they are validated when the
    object is collected.
    """
    if not isinstance(kind, str) or not kind:
        raise UsageError(f"kind={kind!r}: must be the name of a kind of check")
    for name in ("raise_on_failure", "only"):
        if name in options:
            raise UsageError(f"@mltest.{kind}({name}=...): not an option of the decorator")

    def decorate(obj: T) -> T:
        reg = Registration(kind, obj, options)
        _REGISTRY[(reg.module, reg.qualname, kind)] = reg
        return obj

    return decorate


def transformer(**options: Any) -> Callable[[T], T]:
    """Register a transformer class for ``pytest --mltest``; returns the class unchanged.

    ``options`` are ``check_transformer``'s keyword arguments (``data=``, ``target=``,
    ``max_examples=``, ``seed=``, ``skip=``). The class is instantiated with no arguments.
    """
    return register("transformer", **options)


def metric(**options: Any) -> Callable[[T], T]:
    """Register a metric function for ``pytest --mltest``; returns it unchanged.

    ``options`` are ``check_metric``'s keyword arguments; ``task=`` is required.
    """
    return register("metric", **options)


def loss(**options: Any) -> Callable[[T], T]:
    """Register a PyTorch loss (a function, or an ``nn.Module`` class instantiated with no
    arguments) for ``pytest --mltest``; returns it unchanged.

    ``options`` are ``check_loss``'s keyword arguments; ``task=`` is required.
    """
    return register("loss", **options)


def reproducible(**options: Any) -> Callable[[T], T]:
    """Register a function of no arguments whose output must repeat under
    ``seed_everything(seed)``; ``pytest --mltest`` yields one ``reproducible`` item for it.

    ``options`` are ``check_reproducible``'s keyword arguments (``seed=0``, ``runs=2``,
    ``rtol=``, ``atol=``, ``fresh_interpreter=``).
    """
    return register("reproducible", **options)


def model(**options: Any) -> Callable[[T], T]:
    """Register a function of no arguments that returns a trained model for
    ``pytest --mltest``; returns it unchanged. The function is called when the check runs.

    ``options`` are ``check_model``'s keyword arguments (``schema=`` or ``X=``,
    ``invariant_to=``, ``monotone=``, ``cases=``, ``max_examples=``, ``seed=``, ``skip=``).
    """
    return register("model", **options)

"""Decorators register user objects here; ``pytest --mltest`` and the CLI read them back.

Registration is cheap and imports nothing heavy: the checks run only when asked for.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from mltest.errors import UsageError

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class CheckKind:
    """How to run one kind of registered object: the module that holds its checker."""

    module: str
    checker: str
    instantiate: bool  # classes are instantiated with no arguments before checking

    def load(self) -> Any:
        return importlib.import_module(self.module)


KINDS: dict[str, CheckKind] = {
    "transformer": CheckKind("mltest.properties.transformer", "check_transformer", True),
    "metric": CheckKind("mltest.properties.metric", "check_metric", False),
    "loss": CheckKind("mltest.properties.loss", "check_loss", True),
    "reproducible": CheckKind("mltest.repro", "check_reproducible", False),
}


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

    def property_names(self) -> list[str]:
        return list(self._kind.load().property_names())

    def run(self, only: list[str] | None = None) -> Any:
        """Run the check; returns the ``Report`` (never raises ``CheckFailure``)."""
        kind = self._kind
        checker = getattr(kind.load(), kind.checker)
        target = self.obj
        if kind.instantiate and isinstance(target, type):
            try:
                target = target()
            except Exception as exc:
                raise UsageError(
                    f"@mltest.{self.kind} on {self.qualname}: the class must be constructible "
                    f"with no arguments to be checked ({type(exc).__name__}: {exc})"
                ) from exc
        return checker(target, **self.options, only=only, raise_on_failure=False)

    @property
    def _kind(self) -> CheckKind:
        return KINDS[self.kind]


_REGISTRY: dict[tuple[str, str, str], Registration] = {}


def register(kind: str, obj: Any, options: dict[str, Any]) -> None:
    reg = Registration(kind, obj, options)
    _REGISTRY[(reg.module, reg.qualname, kind)] = reg


def registrations(module: str | None = None) -> list[Registration]:
    """Registered objects, in registration order, optionally of one module."""
    return [r for r in _REGISTRY.values() if module is None or r.module == module]


def _decorator(kind: str, options: dict[str, Any]) -> Callable[[T], T]:
    spec = KINDS[kind]
    checker = getattr(spec.load(), spec.checker)
    for name in ("raise_on_failure", "only"):
        if name in options:
            raise UsageError(f"@mltest.{kind}({name}=...): not an option of the decorator")
    try:
        inspect.signature(checker).bind(None, **options)
    except TypeError as exc:
        raise UsageError(f"@mltest.{kind}(**{options!r}): {exc}") from exc

    def decorate(obj: T) -> T:
        register(kind, obj, options)
        return obj

    return decorate


def transformer(**options: Any) -> Callable[[T], T]:
    """Register a transformer class for ``pytest --mltest``; returns the class unchanged.

    ``options`` are ``check_transformer``'s keyword arguments (``data=``, ``target=``,
    ``max_examples=``, ``seed=``, ``skip=``). The class is instantiated with no arguments.
    """
    return _decorator("transformer", options)


def metric(**options: Any) -> Callable[[T], T]:
    """Register a metric function for ``pytest --mltest``; returns it unchanged.

    ``options`` are ``check_metric``'s keyword arguments; ``task=`` is required.
    """
    if "task" not in options:
        raise UsageError("@mltest.metric(...): task= is required")
    return _decorator("metric", options)


def loss(**options: Any) -> Callable[[T], T]:
    """Register a PyTorch loss (a function, or an ``nn.Module`` class instantiated with no
    arguments) for ``pytest --mltest``; returns it unchanged.

    ``options`` are ``check_loss``'s keyword arguments; ``task=`` is required.
    """
    if "task" not in options:
        raise UsageError("@mltest.loss(...): task= is required")
    return _decorator("loss", options)


def reproducible(
    seed: int = 0,
    runs: int = 2,
    *,
    rtol: float = 0.0,
    atol: float = 0.0,
    fresh_interpreter: bool = False,
) -> Callable[[T], T]:
    """Register a function of no arguments whose output must repeat under
    ``seed_everything(seed)``; ``pytest --mltest`` yields one ``reproducible`` item for it."""
    options = {
        "seed": seed,
        "runs": runs,
        "rtol": rtol,
        "atol": atol,
        "fresh_interpreter": fresh_interpreter,
    }
    return _decorator("reproducible", options)

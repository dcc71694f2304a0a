"""Optional dependencies, imported where they are used, with a clear message when absent."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from mltest.errors import UsageError


def require(module: str, *, extra: str, what: str) -> ModuleType:
    """Import ``module``; when it is not installed, a ``UsageError`` saying which extra of
    pytest-mltest provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise UsageError(
            f"{what} needs {module}, which is not installed: pip install 'pytest-mltest[{extra}]'"
        ) from exc


class LazyModule:
    """Stands for a module until an attribute is first read, then imports it (through
    ``require``). Lets a module that uses torch throughout be imported without torch."""

    def __init__(self, module: str, *, extra: str, what: str) -> None:
        self._spec = (module, extra, what)
        self._module: ModuleType | None = None

    def __getattr__(self, name: str) -> Any:
        if self._module is None:
            module, extra, what = self._spec
            self._module = require(module, extra=extra, what=what)
        return getattr(self._module, name)

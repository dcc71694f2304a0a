"""Reading a saved model file: one loader for every command that takes one."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from mltest.errors import UsageError


def load_model(path: str | Path, argument: str = "model") -> Any:
    """The object in a pickle (``.pkl``, any other suffix) or joblib (``.joblib``) file;
    ``UsageError`` naming ``argument`` (a keyword, or a ``--flag`` of the CLI) when it
    cannot be read."""
    try:
        if str(path).endswith(".joblib"):
            import joblib

            return joblib.load(path)
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except (
        OSError,
        pickle.UnpicklingError,
        EOFError,
        AttributeError,
        ImportError,
        ValueError,
    ) as exc:
        named = (
            f"{argument} {str(path)!r}"
            if argument.startswith("-")
            else f"{argument}={str(path)!r}"
        )
        raise UsageError(f"{named}: cannot be loaded ({exc})") from None

"""Models as mltest meets them: one loader for every command that reads a saved model,
and one way to call a trained model (scikit-learn style, torch module, or callable)."""

from __future__ import annotations

import functools
import pickle
from collections.abc import Callable
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


def model_kind(model: Any) -> str | None:
    """How a trained model is called: ``"torch"`` (an ``nn.Module``, on a float32 tensor
    under ``no_grad``), ``"predict"`` (its ``predict`` method), ``"callable"`` (itself), or
    None for an object that is none of these."""
    if any(c.__module__.startswith("torch.nn") for c in type(model).__mro__):
        return "torch"
    if callable(getattr(model, "predict", None)):
        return "predict"
    if callable(model):
        return "callable"
    return None


def call_model(model: Any, kind: str, x: Any, method: str = "predict") -> Any:
    """The model's output on ``x`` (``method`` names another method of a ``predict``
    model, such as ``predict_proba``)."""
    if kind == "torch":
        import numpy as np
        import torch

        with torch.no_grad():
            out = model(torch.as_tensor(np.asarray(x, dtype=np.float32)))
        return out.detach().cpu().numpy()
    if kind == "callable":
        return model(x)
    return getattr(model, method)(x)


def predictor(model: Any) -> Callable[[Any], Any] | None:
    """``model``'s predict as one function of a batch, or None (see ``model_kind``)."""
    kind = model_kind(model)
    if kind == "predict":
        return model.predict
    if kind == "callable":
        return model
    if kind == "torch":
        return functools.partial(call_model, model, "torch")
    return None

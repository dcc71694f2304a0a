"""Device parity (CPU vs CUDA vs MPS), float64-reference mode, and implementation parity.

torch is imported only when a device is asked for; ``assert_equivalent`` needs no torch.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from mltest.compare import deep_differences, default_tolerances
from mltest.errors import CheckFailure, UsageError
from mltest.properties.engine import Property, Violation, run_properties, validate_common
from mltest.report import Report

FLOAT32_EPS = float(np.finfo(np.float32).eps)


def available_devices() -> list[str]:
    """``cpu``, then ``cuda:N`` for each visible GPU, then ``mps`` when present."""
    try:
        import torch
    except ImportError:
        return ["cpu"]
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices


def _move(value: Any, device: str) -> Any:
    """Tensors and modules (copied) moved to ``device``, inside containers too."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, torch.nn.Module):
        return copy.deepcopy(value).to(device)
    if isinstance(value, dict):
        return type(value)((k, _move(v, device)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_move(v, device) for v in value)
    return value


def _skip(reason: str) -> None:
    import pytest

    pytest.skip(reason)


def _dtypes(value: Any) -> list[Any]:
    if hasattr(value, "dtype"):
        return [value.dtype]
    if isinstance(value, dict):
        return [d for v in value.values() for d in _dtypes(v)]
    if isinstance(value, (list, tuple)):
        return [d for v in value for d in _dtypes(v)]
    return []


def assert_parity(
    fn: Callable[..., Any],
    *args: Any,
    devices: list[str] | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    **kwargs: Any,
) -> None:
    """Run ``fn`` with its tensor arguments (and modules) on each device and compare every
    output with the first device's, with dtype-aware default tolerances.

    ``devices=None`` means every device present; with only the CPU there is nothing to
    compare and the test is *skipped* with that reason. A named device that is not present
    is a skip too, never a silent pass.
    """
    __tracebackhide__ = True
    present = available_devices()
    wanted = present if devices is None else list(devices)
    missing = [d for d in wanted if d not in present]
    if missing:
        _skip(f"device(s) {missing} not present (present: {present})")
    if len(wanted) < 2:
        _skip(f"parity needs two devices; present: {present}")
    outputs = [(d, fn(*_move(args, d), **_move(kwargs, d))) for d in wanted]
    base, expected = outputs[0]
    d_rtol, d_atol = default_tolerances(*_dtypes(expected))
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol
    report = []
    for device, out in outputs[1:]:
        found = deep_differences(_cpu(out), _cpu(expected), rtol=rtol, atol=atol)
        report += [f"  {device} vs {base}: {d}" for d in found]
    if report:
        raise CheckFailure(
            f"{getattr(fn, '__qualname__', fn)} differs across devices:\n" + "\n".join(report)
        )


def _to_float64(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.dtype == np.float32:
        return value.astype(np.float64)
    if hasattr(value, "dtype") and str(value.dtype) == "torch.float32":
        return value.double()
    if isinstance(value, dict):
        return type(value)((k, _to_float64(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_to_float64(v) for v in value)
    if hasattr(value, "double") and hasattr(value, "parameters"):  # nn.Module
        return copy.deepcopy(value).double()
    return value


def assert_matches_float64(
    fn: Callable[..., Any], *args: Any, ulps: float = 128.0, **kwargs: Any
) -> None:
    """Compare ``fn``'s float32 result with the same function run on float64 copies of its
    inputs; the tolerance is ``ulps`` float32 epsilons (relative, and absolute scaled by the
    output's magnitude).

    Catches float32 cancellation and accumulation error without a second implementation.
    """
    __tracebackhide__ = True
    if not isinstance(ulps, (int, float)) or ulps <= 0:
        raise UsageError(f"ulps={ulps!r}: must be a positive number")
    low = fn(*args, **kwargs)
    high = fn(*_to_float64(args), **_to_float64(kwargs))
    tol = ulps * FLOAT32_EPS
    scale = (
        max(1.0, *(float(np.max(np.abs(np.asarray(_cpu(v))))) for v in _leaves(high)))
        if _leaves(high)
        else 1.0
    )
    found = deep_differences(_to_float64(_cpu(low)), _cpu(high), rtol=tol, atol=tol * scale)
    if found:
        lines = "\n".join(f"  {d}" for d in found)
        raise CheckFailure(
            f"float32 result differs from float64 by more than {ulps:g} eps:\n{lines}"
        )


def _cpu(value: Any) -> Any:
    if hasattr(value, "detach"):
        return value.detach().cpu()
    if isinstance(value, dict):
        return type(value)((k, _cpu(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_cpu(v) for v in value)
    return value


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _leaves(v)]
    return [value] if hasattr(value, "dtype") or isinstance(value, (int, float)) else []


# --- implementation parity, on the property engine ---------------------------------------


@dataclasses.dataclass(frozen=True)
class _EquivalenceSpec:
    fn_a: Callable[..., Any]
    fn_b: Callable[..., Any]
    rtol: float | None
    atol: float | None


def _equivalent(case: tuple[_EquivalenceSpec, Any]) -> None:
    """``fn_a`` and ``fn_b`` give the same outputs on every generated input."""
    spec, example = case
    args = example if isinstance(example, tuple) else (example,)
    try:
        a, b = spec.fn_a(*copy.deepcopy(args)), spec.fn_b(*copy.deepcopy(args))
    except Exception as exc:
        raise Violation(f"raised {type(exc).__name__}: {exc}") from exc
    found = deep_differences(_cpu(a), _cpu(b), rtol=spec.rtol, atol=spec.atol)
    if found:
        raise Violation("outputs differ: " + "; ".join(str(d) for d in found[:5]))


EQUIVALENT = Property("equivalent", _equivalent, lambda spec: None)


def assert_equivalent(
    fn_a: Callable[..., Any],
    fn_b: Callable[..., Any],
    strategy: st.SearchStrategy[Any],
    *,
    rtol: float | None = None,
    atol: float | None = None,
    max_examples: int = 100,
    seed: int | None = None,
) -> Report:
    """Check two implementations of one function (a numpy and a torch metric, say) agree on
    inputs drawn from ``strategy`` (a tuple is spread as arguments). Raises ``CheckFailure``
    with the minimal input where they differ; returns the ``Report``.

    >>> from hypothesis import strategies as st
    >>> assert_equivalent(abs, lambda x: x if x >= 0 else -x, st.integers()).passed
    True
    """
    __tracebackhide__ = True
    for name, f in (("fn_a", fn_a), ("fn_b", fn_b)):
        if not callable(f):
            raise UsageError(f"{name}={f!r:.60}: must be callable")
    if not isinstance(strategy, st.SearchStrategy):
        raise UsageError(f"strategy={strategy!r:.60}: must be a hypothesis strategy")
    validate_common(max_examples=max_examples, seed=seed, skip=(), names=["equivalent"])
    spec = _EquivalenceSpec(fn_a, fn_b, rtol, atol)
    names = f"{getattr(fn_a, '__qualname__', fn_a)} vs {getattr(fn_b, '__qualname__', fn_b)}"
    report = run_properties(
        names,
        [EQUIVALENT],
        spec,
        strategy,
        lambda s, ex: (s, ex),
        max_examples=max_examples,
        seed=seed,
    )
    return report.raise_if_failed()

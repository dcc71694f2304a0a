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

from mltest import arguments
from mltest.checker import PropertyChecker, RunOptions
from mltest.compare import deep_differences, default_tolerances
from mltest.engine import Property, Violation, call_user
from mltest.errors import UsageError
from mltest.report import PropertyResult, Report

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
    """Tensors and modules, copied, moved to ``device``, inside containers too."""
    import torch

    if isinstance(value, torch.Tensor):
        # a copy even on the device it is on: fn may write into its input, and the next
        # device (and the caller) must see the original
        return value.to(device, copy=True)
    if isinstance(value, torch.nn.Module):
        return copy.deepcopy(value).to(device)
    if isinstance(value, dict):
        return type(value)((k, _move(v, device)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_move(v, device) for v in value)
    return value


def _dtypes(value: Any) -> list[Any]:
    if hasattr(value, "dtype"):
        return [value.dtype]
    if isinstance(value, dict):
        return [d for v in value.values() for d in _dtypes(v)]
    if isinstance(value, (list, tuple)):
        return [d for v in value for d in _dtypes(v)]
    return []


def check_parity(
    fn: Callable[..., Any],
    *args: Any,
    devices: list[str] | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    raise_on_failure: bool = True,
    **kwargs: Any,
) -> Report:
    """Run ``fn`` with its tensor arguments (and modules) on each device and compare every
    output with the first device's, with dtype-aware default tolerances.

    ``devices=None`` means every device present. With only the CPU there is nothing to
    compare, and a named device that is not present cannot be compared: the result is
    ``skipped`` with reason ``unavailable`` (``assert_parity`` turns that into a pytest
    skip), never a silent pass. An exception from ``fn`` on a device is a failure.
    """
    __tracebackhide__ = True
    arguments.flag("raise_on_failure", raise_on_failure)
    name = getattr(fn, "__qualname__", repr(fn))
    report = Report(name, kind="parity", stage="reproducibility")
    present = available_devices()
    wanted = present if devices is None else list(devices)
    missing = [d for d in wanted if d not in present]
    if missing or len(wanted) < 2:
        why = (
            f"device(s) {missing} not present (present: {present})"
            if missing
            else f"parity needs two devices; present: {present}"
        )
        report.add(PropertyResult("device_parity", "skipped", why, reason="unavailable"))
        return report.conclude(raise_on_failure)
    report.add(_device_parity(fn, args, kwargs, wanted, rtol, atol))
    return report.conclude(raise_on_failure)


def _device_parity(
    fn: Callable[..., Any],
    args: Any,
    kwargs: Any,
    devices: list[str],
    rtol: float | None,
    atol: float | None,
) -> PropertyResult:
    """``fn`` gives the same outputs on every device, within dtype-aware tolerances."""
    try:
        outputs = [
            (d, call_user(f"fn on {d}", fn, *_move(args, d), **_move(kwargs, d))) for d in devices
        ]
    except Violation as exc:
        return PropertyResult("device_parity", "failed", str(exc), cause=exc)
    base, expected = outputs[0]
    d_rtol, d_atol = default_tolerances(*_dtypes(expected))
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol
    found = [
        f"{device} vs {base}: {d}"
        for device, out in outputs[1:]
        for d in deep_differences(_cpu(out), _cpu(expected), rtol=rtol, atol=atol)
    ]
    if found:
        return PropertyResult(
            "device_parity", "failed", "differs across devices:\n  " + "\n  ".join(found)
        )
    return PropertyResult(
        "device_parity",
        "passed",
        f"{', '.join(devices)} agree",
        figures={"rtol": rtol, "atol": atol},
    )


def assert_parity(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Report:
    """``check_parity`` raising ``CheckFailure`` on failure; inside pytest, a device that
    is not present skips the test with the reason."""
    __tracebackhide__ = True
    return check_parity(fn, *args, **kwargs, raise_on_failure=True)


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


def check_matches_float64(
    fn: Callable[..., Any],
    *args: Any,
    ulps: float = 128.0,
    raise_on_failure: bool = True,
    **kwargs: Any,
) -> Report:
    """Compare ``fn``'s float32 result with the same function run on float64 copies of its
    inputs; the tolerance is ``ulps`` float32 epsilons (relative, and absolute scaled by the
    output's magnitude).

    Catches float32 cancellation and accumulation error without a second implementation.
    """
    __tracebackhide__ = True
    arguments.number("ulps", ulps)
    if ulps <= 0:
        raise UsageError(f"ulps={ulps!r}: must be a positive number")
    arguments.flag("raise_on_failure", raise_on_failure)
    report = Report(getattr(fn, "__qualname__", repr(fn)), kind="float64", stage="reproducibility")
    report.add(_matches_float64(fn, args, kwargs, ulps))
    return report.conclude(raise_on_failure)


def _matches_float64(
    fn: Callable[..., Any], args: Any, kwargs: Any, ulps: float
) -> PropertyResult:
    try:
        low = call_user("fn", fn, *args, **kwargs)
        high = call_user("fn on float64 copies", fn, *_to_float64(args), **_to_float64(kwargs))
    except Violation as exc:
        return PropertyResult("matches_float64", "failed", str(exc), cause=exc)
    tol = ulps * FLOAT32_EPS
    scale = (
        max(1.0, *(float(np.max(np.abs(np.asarray(_cpu(v))))) for v in _leaves(high)))
        if _leaves(high)
        else 1.0
    )
    found = deep_differences(_to_float64(_cpu(low)), _cpu(high), rtol=tol, atol=tol * scale)
    if found:
        lines = "\n".join(f"  {d}" for d in found)
        message = f"float32 result differs from float64 by more than {ulps:g} eps:\n{lines}"
        return PropertyResult("matches_float64", "failed", message)
    return PropertyResult("matches_float64", "passed", f"within {ulps:g} float32 eps")


def assert_matches_float64(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Report:
    """``check_matches_float64`` raising ``CheckFailure`` on failure."""
    __tracebackhide__ = True
    return check_matches_float64(fn, *args, **kwargs, raise_on_failure=True)


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
    strategy: st.SearchStrategy[Any]
    rtol: float | None
    atol: float | None


@dataclasses.dataclass(frozen=True)
class _Outputs:
    """One drawn input, prepared: both implementations' outputs on copies of it."""

    spec: _EquivalenceSpec
    a: Any
    b: Any


def _outputs(spec: _EquivalenceSpec, example: Any) -> _Outputs:
    args = example if isinstance(example, tuple) else (example,)
    a = call_user("fn_a", spec.fn_a, *copy.deepcopy(args))
    b = call_user("fn_b", spec.fn_b, *copy.deepcopy(args))
    return _Outputs(spec, a, b)


def equivalent(case: _Outputs) -> None:
    """``fn_a`` and ``fn_b`` give the same outputs on every generated input.

    A re-implementation (vectorised, in another framework, fused for speed) must compute
    the same function as the one it replaces, on every input the strategy can produce.
    """
    found = deep_differences(_cpu(case.a), _cpu(case.b), rtol=case.spec.rtol, atol=case.spec.atol)
    if found:
        raise Violation("outputs differ: " + "; ".join(str(d) for d in found[:5]))


EQUIVALENT = Property("equivalent", equivalent, lambda spec: None)


class EquivalenceChecker(PropertyChecker):
    """Two implementations of one function, on inputs from a user's strategy."""

    name = "equivalent"
    stage = "code"
    argument = "fn_a"
    max_examples = 100

    def kind_properties(self) -> list[Property]:
        return [EQUIVALENT]

    def prepare(self, fn_a: Any, **options: Any) -> _EquivalenceSpec:
        fn_b, strategy = options["fn_b"], options["strategy"]
        arguments.instance_of_callable("fn_a", fn_a, "fn_a(*example)")
        arguments.instance_of_callable("fn_b", fn_b, "fn_b(*example)")
        if not isinstance(strategy, st.SearchStrategy):
            raise UsageError(f"strategy={strategy!r:.60}: must be a hypothesis strategy")
        return _EquivalenceSpec(fn_a, fn_b, strategy, options["rtol"], options["atol"])

    def strategy(self, spec: _EquivalenceSpec) -> st.SearchStrategy[Any]:
        return spec.strategy

    def make_case(self, spec: _EquivalenceSpec, example: Any) -> _Outputs:
        return _outputs(spec, example)

    def run(self, spec: _EquivalenceSpec, options: RunOptions) -> Report:
        name = f"{options.name} vs {self.describe(spec.fn_b)}"
        return super().run(spec, dataclasses.replace(options, name=name))


EQUIVALENCE = EquivalenceChecker()


@EQUIVALENCE.public
def check_equivalent(
    fn_a: Callable[..., Any],
    fn_b: Callable[..., Any],
    strategy: st.SearchStrategy[Any],
    *,
    rtol: float | None = None,
    atol: float | None = None,
    max_examples: int = EQUIVALENCE.max_examples,
    max_seconds: float = EQUIVALENCE.max_seconds,
    seed: int | None = None,
    raise_on_failure: bool = True,
) -> Report:
    """Check two implementations of one function (a numpy and a torch metric, say) agree on
    inputs drawn from ``strategy`` (a tuple is spread as arguments); a failure carries the
    minimal input where they differ.

    >>> from hypothesis import strategies as st
    >>> check_equivalent(abs, lambda x: x if x >= 0 else -x, st.integers()).passed
    True
    """
    __tracebackhide__ = True
    return EQUIVALENCE.check_arguments(locals())


def assert_equivalent(
    fn_a: Callable[..., Any],
    fn_b: Callable[..., Any],
    strategy: st.SearchStrategy[Any],
    **kwargs: Any,
) -> Report:
    """``check_equivalent`` raising ``CheckFailure`` on failure.

    >>> from hypothesis import strategies as st
    >>> assert_equivalent(abs, lambda x: x if x >= 0 else -x, st.integers()).passed
    True
    """
    __tracebackhide__ = True
    return check_equivalent(fn_a, fn_b, strategy, **kwargs, raise_on_failure=True)

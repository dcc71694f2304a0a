"""Reproducibility: seeding, deterministic algorithms, and ``assert_reproducible``.

In-process repeats catch unseeded randomness and state kept between calls; the
fresh-interpreter mode also catches what only changes between processes: hash-order
iteration over sets of strings (``PYTHONHASHSEED``), module-level state, thread counts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import os
import pickle
import random
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from mltest import arguments
from mltest.checker import Checker, RunOptions
from mltest.compare import deep_differences
from mltest.engine import Property, Violation, call_user
from mltest.errors import UsageError
from mltest.report import PropertyResult, Report


def _torch() -> Any:
    """torch, if the user's code can use it (imported only when installed)."""
    if "torch" in sys.modules or importlib.util.find_spec("torch") is not None:
        import torch

        return torch
    return None


def seed_everything(seed: int) -> dict[str, Any]:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and every CUDA
    device). Returns what was seeded, and a note on what cannot be from inside a process.

    ``PYTHONHASHSEED`` (the order of sets of strings) is fixed when the interpreter starts;
    only a fresh process with it set (``assert_reproducible(..., fresh_interpreter=True)``)
    controls it.

    >>> seed_everything(0)["seed"]
    0
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise UsageError(f"seed={seed!r}: must be an integer in [0, 2**32)")
    random.seed(seed)
    np.random.seed(seed)
    seeded = ["random", "numpy"]
    torch = _torch()
    if torch is not None:
        torch.manual_seed(seed)  # seeds every CUDA device too
        seeded.append("torch")
    note = None
    if os.environ.get("PYTHONHASHSEED") in (None, "random"):
        note = (
            "PYTHONHASHSEED is not set: set iteration order of strings differs between processes"
        )
    return {"seed": seed, "seeded": seeded, "hash_seed_note": note}


@contextlib.contextmanager
def deterministic() -> Iterator[None]:
    """Within the block, torch uses deterministic algorithms (an error for an operation
    that has none), cuDNN picks deterministic kernels without benchmarking, and cuBLAS gets
    the workspace setting deterministic GEMMs need. Everything is restored afterwards.

    Warns about what it cannot control: ``PYTHONHASHSEED`` when unset.
    """
    torch = _torch()
    env_before = os.environ.get("CUBLAS_WORKSPACE_CONFIG")
    state = None
    if torch is not None:
        state = (
            torch.are_deterministic_algorithms_enabled(),
            torch.is_deterministic_algorithms_warn_only_enabled(),
            torch.backends.cudnn.deterministic,
            torch.backends.cudnn.benchmark,
        )
        if env_before is None:
            os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"  # needed by CUDA >= 10.2
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    if os.environ.get("PYTHONHASHSEED") in (None, "random"):
        warnings.warn(
            "mltest.deterministic(): PYTHONHASHSEED is not set, so set iteration order of "
            "strings can still differ between processes",
            stacklevel=3,
        )
    try:
        yield
    finally:
        if torch is not None and state is not None:
            torch.use_deterministic_algorithms(state[0], warn_only=state[1])
            torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = state[2:]
        if env_before is None:
            os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)


def _fresh_interpreter_output(
    fn: Callable[..., Any], seed: int, args: Any, kwargs: Any, run: int
) -> Any:
    """Call ``fn`` in a new Python process with another hash seed and thread count."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if not module or "<locals>" in qualname or "<lambda>" in qualname:
        raise UsageError(
            f"fn={qualname or fn!r}: fresh_interpreter=True needs a function importable by "
            "module and name (not a lambda or a nested function)"
        )
    mod = sys.modules.get(module)
    path = getattr(mod, "__file__", None)
    payload = pickle.dumps((module, qualname, path, seed, args, kwargs))
    runner = textwrap.dedent(
        """
        import importlib, importlib.util, pickle, sys
        module, qualname, path, seed, args, kwargs = pickle.load(sys.stdin.buffer)
        try:
            mod = importlib.import_module(module)
        except ImportError:
            spec = importlib.util.spec_from_file_location(module, path)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[module] = mod
            spec.loader.exec_module(mod)
        fn = mod
        for part in qualname.split("."):
            fn = getattr(fn, part)
        from mltest.repro import seed_everything
        seed_everything(seed)
        sys.stdout.buffer.write(pickle.dumps(fn(*args, **kwargs)))
        """
    )
    threads = str(1 + run % 2)
    env = {
        **os.environ,
        "PYTHONHASHSEED": str(1000 + run),
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "PYTHONPATH": os.pathsep.join([os.path.dirname(path or "."), *sys.path]),
    }
    proc = subprocess.run(
        [sys.executable, "-c", runner],
        input=payload,
        capture_output=True,
        env=env,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise Violation(
            f"{qualname} failed in a fresh interpreter:\n{proc.stderr.decode()[-2000:]}"
        )
    return pickle.loads(proc.stdout)


# --- the reproducible kind: one property, checked by running the function again --------


@dataclasses.dataclass(frozen=True)
class ReproducibleSpec:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    runs: int
    rtol: float
    atol: float
    fresh_interpreter: bool
    seed: int = 0


def reproducible(spec: ReproducibleSpec) -> None:
    """Calling the function ``runs`` times under ``seed_everything(seed)`` gives the same
    output every time (numbers, arrays, tensors, frames, state_dicts, fitted estimators).

    Unseeded generators, the clock, module-level state and, in fresh interpreters, hash
    order of sets of strings and thread counts make a training run or a pipeline give
    other numbers on the next run: results nobody can reproduce or bisect.
    """
    name = getattr(spec.fn, "__qualname__", repr(spec.fn))
    first = _run(spec, 0)
    for run in range(1, spec.runs):
        again = _run(spec, run)
        found = deep_differences(again, first, rtol=spec.rtol, atol=spec.atol)
        if found:
            where = "in a fresh interpreter" if spec.fresh_interpreter else "in this process"
            lines = "\n".join(f"  {d}" for d in found[:50])
            raise Violation(
                f"{name} is not reproducible: run {run + 1} ({where}, seed={spec.seed}) "
                f"differs from run 1 at {len(found)} path(s):\n{lines}"
            )


def _run(spec: ReproducibleSpec, run: int) -> Any:
    """One run: in this process for the first, or every run without fresh_interpreter."""
    if run and spec.fresh_interpreter:
        return _fresh_interpreter_output(spec.fn, spec.seed, spec.args, spec.kwargs, run)
    seed_everything(spec.seed)
    return call_user(f"run {run + 1}", spec.fn, *spec.args, **spec.kwargs)


REPRODUCIBLE = Property("reproducible", reproducible, lambda spec: None)


class ReproducibleChecker(Checker):
    """Functions whose output must repeat: the ``reproducibility`` stage."""

    name = "reproducible"
    stage = "reproducibility"
    argument = "fn"
    common_options = ("seed", "skip")

    def properties(self) -> list[Property]:
        return [REPRODUCIBLE]

    def prepare(
        self,
        fn: Any,
        *,
        runs: int = 2,
        rtol: float = 0.0,
        atol: float = 0.0,
        fresh_interpreter: bool = False,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> ReproducibleSpec:
        if not callable(fn):
            raise UsageError(f"fn={fn!r:.60}: must be callable")
        arguments.positive_int("runs", runs, minimum=2)
        arguments.number("rtol", rtol, minimum=0)
        arguments.number("atol", atol, minimum=0)
        arguments.flag("fresh_interpreter", fresh_interpreter)
        return ReproducibleSpec(
            fn, tuple(args), dict(kwargs or {}), runs, rtol, atol, fresh_interpreter
        )

    def run(self, spec: ReproducibleSpec, options: RunOptions) -> Report:
        seed = 0 if options.seed is None else options.seed
        seed_everything(seed)  # validates it before any run
        report = Report(options.name, seed=seed)
        if options.only is not None and REPRODUCIBLE.name not in options.only:
            return report
        if REPRODUCIBLE.name in options.skip:
            report.add(
                PropertyResult(
                    REPRODUCIBLE.name, "skipped", "skipped by skip=", reason="declared_off"
                )
            )
            return report
        spec = dataclasses.replace(spec, seed=seed)
        try:
            reproducible(spec)
        except Violation as exc:
            report.add(PropertyResult(REPRODUCIBLE.name, "failed", str(exc), cause=exc))
        else:
            where = " (later runs in fresh interpreters)" if spec.fresh_interpreter else ""
            message = f"{spec.runs} runs agreed{where}"
            report.add(PropertyResult(REPRODUCIBLE.name, "passed", message, examples=spec.runs))
        return report


REPRODUCIBLE_CHECKER = ReproducibleChecker()


def check_reproducible(
    fn: Callable[..., Any],
    *args: Any,
    seed: int = 0,
    runs: int = 2,
    rtol: float = 0.0,
    atol: float = 0.0,
    fresh_interpreter: bool = False,
    raise_on_failure: bool = True,
    **kwargs: Any,
) -> Report:
    """Call ``fn(*args, **kwargs)`` under ``seed_everything(seed)`` ``runs`` times; the
    ``Report``'s ``reproducible`` result names every path where an output differs from
    the first, and by how much. An exception from ``fn`` is a failure too.

    ``fresh_interpreter=True`` makes every run after the first a new Python process with
    another ``PYTHONHASHSEED`` and thread count (``fn`` must be importable, its arguments
    and output picklable). ``seed``, ``runs``, ``rtol``, ``atol``, ``fresh_interpreter``
    and ``raise_on_failure`` are mltest's; every other keyword goes to ``fn``.

    >>> check_reproducible(lambda: np.random.rand(3)).passed
    True
    """
    __tracebackhide__ = True
    options: dict[str, Any] = {
        "runs": runs,
        "rtol": rtol,
        "atol": atol,
        "fresh_interpreter": fresh_interpreter,
    }
    return REPRODUCIBLE_CHECKER.check(
        fn, seed=seed, raise_on_failure=raise_on_failure, args=args, kwargs=kwargs, **options
    )


def assert_reproducible(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Report:
    """``check_reproducible`` raising ``CheckFailure`` (with the report) on failure.

    >>> assert_reproducible(lambda: np.random.rand(3)).passed
    True
    """
    __tracebackhide__ = True
    return check_reproducible(fn, *args, **kwargs, raise_on_failure=True)

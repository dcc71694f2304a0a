"""What a model runs on: capture an environment, and name what differs between two.

``capture_environment()`` records the Python, every installed distribution and its
version, the platform, the CPU (model, count and the instruction-set flags numeric kernels
dispatch on), the BLAS/OpenMP libraries numpy and scipy loaded with their thread counts,
torch's CUDA, cuDNN and GPUs where torch is installed, and the environment variables that
steer threads, hashing and determinism. ``diff_environments(a, b)`` lists each difference
and says whether it can change a model's numbers (a numeric package's version, the BLAS,
the CPU's vector flags, thread counts, the GPU stack) or not (an unrelated package).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import importlib.util
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from mltest.errors import UsageError

FORMAT = 1
# Distributions whose version can move a model's numbers (normalised names).
NUMERIC = {
    "numpy",
    "scipy",
    "scikit-learn",
    "pandas",
    "torch",
    "jax",
    "jaxlib",
    "tensorflow",
    "xgboost",
    "lightgbm",
    "catboost",
    "statsmodels",
    "numba",
    "onnxruntime",
    "joblib",
    "threadpoolctl",
    "pyarrow",
    "mkl",
    "intel-openmp",
    "nvidia-cublas-cu12",
    "nvidia-cudnn-cu12",
    "scikit-lego",
    "skrub",
}
# Instruction-set flags BLAS and torch kernels dispatch on.
CPU_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile")
VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "MKL_CBWR",
    "PYTHONHASHSEED",
    "CUDA_VISIBLE_DEVICES",
    "CUBLAS_WORKSPACE_CONFIG",
    "TF_DETERMINISTIC_OPS",
    "TORCH_DETERMINISTIC",
)


@dataclasses.dataclass(frozen=True)
class Difference:
    """One thing that differs: ``what`` (``packages.scikit-learn``, ``cpu.flags``, ...),
    its value in each environment (None: absent), and whether it can change numbers."""

    what: str
    before: Any
    after: Any
    changes_numbers: bool

    def describe(self) -> str:
        mark = "can change numbers" if self.changes_numbers else "unlikely to change numbers"
        return f"{self.what}: {_show(self.before)} -> {_show(self.after)} ({mark})"


def capture_environment() -> dict[str, Any]:
    """A JSON-ready record of this environment (see the module's docstring)."""
    return {
        "mltest_environment": FORMAT,
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "libc": "-".join(platform.libc_ver()).strip("-") or None,
        },
        "cpu": _cpu(),
        "packages": _packages(),
        "blas": _blas(),
        "gpu": _gpu(),
        "variables": {name: os.environ[name] for name in VARIABLES if name in os.environ},
    }


def save_environment(environment: dict[str, Any], path: str | Path) -> Path:
    target = Path(path)
    try:
        target.write_text(json.dumps(environment, indent=2, sort_keys=True) + "\n")
    except OSError as exc:
        raise UsageError(f"out={str(path)!r}: cannot be written ({exc.strerror})") from None
    return target


def load_environment(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"{str(path)!r}: not a readable environment file ({exc})") from None
    if not isinstance(data, dict) or data.get("mltest_environment") != FORMAT:
        raise UsageError(f"{str(path)!r}: not written by `mltest env capture`")
    return data


def diff_environments(before: dict[str, Any], after: dict[str, Any]) -> list[Difference]:
    """Every difference between two captured environments, those that can change numbers
    first."""
    for name, env in (("before", before), ("after", after)):
        if not isinstance(env, dict) or env.get("mltest_environment") != FORMAT:
            raise UsageError(f"{name}: not an environment from capture_environment()")
    out: list[Difference] = []
    out += _compare(
        "python.version", before["python"]["version"], after["python"]["version"], True
    )
    for key in ("system", "machine", "libc"):
        out += _compare(
            f"platform.{key}", before["platform"].get(key), after["platform"].get(key), True
        )
    cpu_a, cpu_b = before["cpu"], after["cpu"]
    out += _compare("cpu.model", cpu_a.get("model"), cpu_b.get("model"), False)
    out += _compare("cpu.count", cpu_a.get("count"), cpu_b.get("count"), True)
    flags_a, flags_b = set(cpu_a.get("flags", [])), set(cpu_b.get("flags", []))
    if flags_a != flags_b:
        out.append(
            Difference("cpu.flags", sorted(flags_a - flags_b), sorted(flags_b - flags_a), True)
        )
    packages_a, packages_b = before["packages"], after["packages"]
    for name in sorted(set(packages_a) | set(packages_b)):
        out += _compare(
            f"packages.{name}", packages_a.get(name), packages_b.get(name), name in NUMERIC
        )
    out += _compare("blas", before.get("blas"), after.get("blas"), True)
    out += _compare("gpu", before.get("gpu"), after.get("gpu"), True)
    variables_a, variables_b = before.get("variables", {}), after.get("variables", {})
    for name in sorted(set(variables_a) | set(variables_b)):
        out += _compare(f"variables.{name}", variables_a.get(name), variables_b.get(name), True)
    return sorted(out, key=lambda d: not d.changes_numbers)


def _compare(what: str, a: Any, b: Any, numbers: bool) -> list[Difference]:
    return [] if a == b else [Difference(what, a, b, numbers)]


def _show(value: Any) -> str:
    if value is None:
        return "absent"
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "..."


def _cpu() -> dict[str, Any]:
    model, flags = platform.processor() or None, set[str]()
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        text = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and model in (None, "", platform.machine()):
            model = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = set(value.split())
    return {
        "model": model,
        "count": os.cpu_count(),
        "flags": sorted(flag for flag in CPU_FLAGS if flag in flags),
    }


def _packages() -> dict[str, str]:
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found[_normalise(name)] = dist.version
    return dict(sorted(found.items()))


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _blas() -> list[dict[str, Any]]:
    try:
        import numpy  # noqa: F401  (loads its BLAS, so threadpoolctl can see it)
        import threadpoolctl
    except ImportError:
        return []
    if importlib.util.find_spec("scipy") is not None:
        import scipy.linalg  # noqa: F401
    keep = (
        "user_api",
        "internal_api",
        "version",
        "num_threads",
        "architecture",
        "threading_layer",
    )
    libraries = [{k: info.get(k) for k in keep} for info in threadpoolctl.threadpool_info()]
    return sorted(libraries, key=lambda info: json.dumps(info, sort_keys=True, default=str))


def _gpu() -> dict[str, Any] | None:
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    info: dict[str, Any] = {
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cuda_available": torch.cuda.is_available(),
    }
    if torch.cuda.is_available():
        info["cudnn"] = torch.backends.cudnn.version()
        info["devices"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return info

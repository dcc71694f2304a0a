"""``check_portable``: will the saved model run, with the same predictions, elsewhere?

The model file is opened here with an unpickler that records every module it names. Those
modules are mapped to the installed distributions that provide them, and pinned at the
versions installed here: that is the model's requirement list, and the only thing the
fresh virtual environment receives (plus ``packages`` the user names: a local package
folder or wheel, and ``requirements`` to add or override). There the model is loaded and
asked for predictions on ``X``, which are compared with the golden ones. What it catches: a
pickle that needs a module from the training repository (named in the failure), a
dependency nobody declared, a version that moves predictions.
"""

from __future__ import annotations

import importlib.metadata
import io
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from mltest import arguments
from mltest.errors import UsageError
from mltest.report import PropertyResult, Report

_RUNNER = """
import pickle, sys
import numpy as np
model_path, x_path, out_path = sys.argv[1:4]
if model_path.endswith(".joblib"):
    import joblib
    model = joblib.load(model_path)
else:
    with open(model_path, "rb") as f:
        model = pickle.load(f)
with open(x_path, "rb") as f:
    X = pickle.load(f)
np.save(out_path, np.asarray(model.predict(X)), allow_pickle=False)
"""


def model_requirements(model_path: str | Path) -> tuple[list[str], list[str]]:
    """(pinned requirements of the distributions the pickle's modules come from, the
    top-level modules no installed distribution provides — local code)."""
    modules = _modules(Path(model_path))
    provided = importlib.metadata.packages_distributions()
    stdlib = set(sys.stdlib_module_names)
    pins, local = set(), set()
    for module in modules:
        if module in stdlib or module == "builtins":
            continue
        dists = provided.get(module)
        if not dists:
            local.add(module)
            continue
        for dist in dists:
            pins.add(f"{dist}=={importlib.metadata.version(dist)}")
    return sorted(pins), sorted(local)


def check_portable(
    model_path: str | Path,
    X: Any,
    *,
    golden: Any = None,
    packages: Any = (),
    requirements: Any = (),
    python: str | None = None,
    rtol: float = 1e-7,
    atol: float = 0.0,
    timeout: float = 900.0,
    raise_on_failure: bool = True,
) -> Report:
    """Build a fresh virtual environment from the model's requirements only, load the
    model there and compare its predictions on ``X`` with ``golden`` (default: the
    model's predictions here). ``packages``: local package folders or wheels to install
    too (the code the pickle imports); ``requirements``: extra or overriding pip
    requirement strings; ``python``: the interpreter of the fresh environment."""
    path = _model_path(model_path)
    extra = _strings("packages", packages)
    wanted = _strings("requirements", requirements)
    rtol = arguments.number("rtol", rtol, minimum=0.0)
    atol = arguments.number("atol", atol, minimum=0.0)
    started = time.perf_counter()
    pins, local = model_requirements(path)
    if golden is None:
        golden = _predict_here(path, X)
    golden = np.asarray(golden)
    # a package the user hands over replaces any pin of the same distribution (a local
    # package installed here in development mode is on no index)
    given = {_key(name) for name in map(_distribution_name, extra) if name}
    pins = [pin for pin in pins if _key(pin) not in given]
    pins = _override([*pins, "numpy==" + np.__version__], wanted)
    if type(X).__module__.startswith("pandas"):
        import pandas as pd

        pins = _override(pins, [f"pandas=={pd.__version__}"])
    report = Report(f"portable {path.name}", kind="portable", stage="deployment")
    report.add(
        PropertyResult(
            "requirements",
            "passed",
            f"{len(pins)} pinned requirement(s)"
            + (f"; modules no distribution provides: {local}" if local else ""),
            figures={"requirements": pins, "local_modules": local, "packages": extra},
        )
    )
    with tempfile.TemporaryDirectory(prefix="mltest-portable-") as tmp:
        folder = Path(tmp)
        outcome = _fresh_environment(folder, python or sys.executable, pins + extra, timeout)
        report.add(outcome)
        if outcome.status == "passed":
            report.add(_predict_there(folder, path, X, golden, rtol, atol, local, timeout))
        else:
            report.add(PropertyResult("loads", "skipped", "no environment", reason="blocked"))
    report.seconds = time.perf_counter() - started
    return report.conclude(raise_on_failure)


def _model_path(model_path: Any) -> Path:
    if not isinstance(model_path, (str, Path)):
        raise UsageError(f"model_path={arguments.short(model_path)}: must be a file path")
    path = Path(model_path).resolve()
    if not path.is_file():
        raise UsageError(f"model_path={str(model_path)!r}: no such file")
    return path


def _strings(argument: str, values: Any) -> list[str]:
    if isinstance(values, (str, Path)):
        values = [values]
    try:
        items = [str(v) for v in values]
    except TypeError:
        raise UsageError(
            f"{argument}={arguments.short(values)}: must be a list of strings"
        ) from None
    return items


def _key(requirement: str) -> str:
    for sep in ("==", ">=", "<=", "~=", "!=", "<", ">", "["):
        requirement = requirement.split(sep)[0]
    return requirement.strip().lower().replace("_", "-").replace(".", "-")


def _override(pins: list[str], wanted: list[str]) -> list[str]:
    chosen = {_key(p): p for p in pins}
    chosen.update({_key(w): w for w in wanted})
    return sorted(chosen.values())


def _distribution_name(package: str) -> str | None:
    """The distribution a package folder (its pyproject.toml) or wheel file provides."""
    path = Path(package)
    if path.suffix == ".whl":
        return path.name.split("-")[0]
    project = path / "pyproject.toml"
    if project.is_file() and sys.version_info >= (3, 11):
        import tomllib

        try:
            name = tomllib.loads(project.read_text()).get("project", {}).get("name")
        except (OSError, ValueError):
            return None
        return str(name) if name else None
    return None


class _Recorder(pickle.Unpickler):
    def __init__(self, file: Any) -> None:
        super().__init__(file)
        self.modules: set[str] = set()

    def find_class(self, module: str, name: str) -> Any:
        self.modules.add(module.split(".")[0])
        return super().find_class(module, name)


def _modules(path: Path) -> set[str]:
    """Top-level modules the pickle names (joblib files hold pickles too)."""
    data = path.read_bytes()
    if path.suffix == ".joblib":
        return _joblib_modules(path)
    recorder = _Recorder(io.BytesIO(data))
    try:
        recorder.load()
    except ModuleNotFoundError as exc:  # unimportable here too: still a module it needs
        recorder.modules.add(str(exc.name).split(".")[0])
    except Exception as exc:
        raise UsageError(
            f"model_path={str(path)!r}: not a pickle this Python reads ({exc})"
        ) from None
    return recorder.modules


def _joblib_modules(path: Path) -> set[str]:
    from joblib import numpy_pickle

    seen: set[str] = set()
    original = numpy_pickle.NumpyUnpickler.find_class

    def find_class(self: Any, module: str, name: str) -> Any:
        seen.add(module.split(".")[0])
        return original(self, module, name)

    numpy_pickle.NumpyUnpickler.find_class = find_class
    try:
        numpy_pickle.load(path)
    except Exception as exc:
        raise UsageError(f"model_path={str(path)!r}: joblib cannot read it ({exc})") from None
    finally:
        numpy_pickle.NumpyUnpickler.find_class = original
    return seen | {"joblib"}


def _predict_here(path: Path, X: Any) -> np.ndarray:
    from mltest._models import load_model

    return np.asarray(load_model(path, "model_path").predict(X))


def _fresh_environment(
    folder: Path, python: str, requirements: list[str], timeout: float
) -> PropertyResult:
    venv = folder / "venv"
    steps = [
        [python, "-m", "venv", str(venv)],
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",  # byte-compiling scipy and scikit-learn would double the time
            "--only-binary=numpy,scipy,scikit-learn,pandas,torch",
            *requirements,
        ],
    ]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return PropertyResult(
                "installs", "error", f"{step[2]} took over {timeout:g} s", reason="out_of_time"
            )
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-6:])
            return PropertyResult(
                "installs",
                "failed",
                f"the requirements do not install in a fresh environment:\n{tail}",
                figures={"requirements": requirements},
            )
    return PropertyResult("installs", "passed", f"{len(requirements)} requirement(s) installed")


def _predict_there(
    folder: Path,
    path: Path,
    X: Any,
    golden: np.ndarray,
    rtol: float,
    atol: float,
    local: list[str],
    timeout: float,
) -> PropertyResult:
    x_path, out_path, runner = folder / "X.pkl", folder / "out.npy", folder / "run.py"
    x_path.write_bytes(pickle.dumps(X))
    runner.write_text(_RUNNER)
    command = [
        str(folder / "venv" / "bin" / "python"),
        "-I",
        str(runner),
        str(path),
        str(x_path),
        str(out_path),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=folder)
    except subprocess.TimeoutExpired:
        return PropertyResult(
            "loads", "error", f"predicting took over {timeout:g} s", reason="out_of_time"
        )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        hint = ""
        if "ModuleNotFoundError" in last and local:
            hint = (
                f"; the pickle imports {local}, which no installed distribution provides: "
                "package it and pass packages=[...]"
            )
        return PropertyResult(
            "loads", "failed", f"the model does not load and predict there: {last}{hint}"
        )
    there = np.load(out_path, allow_pickle=False)
    return _same(there, golden, rtol, atol)


def _same(there: np.ndarray, golden: np.ndarray, rtol: float, atol: float) -> PropertyResult:
    if there.shape != golden.shape:
        return PropertyResult(
            "predictions", "failed", f"shape {there.shape} there, {golden.shape} golden"
        )
    if there.dtype.kind in "fc" or golden.dtype.kind in "fc":
        close = np.isclose(
            there.astype(float), golden.astype(float), rtol=rtol, atol=atol, equal_nan=True
        )
    else:
        close = there == golden
    bad = (
        np.flatnonzero(~np.asarray(close).reshape(len(close), -1).all(axis=1))
        if close.ndim
        else np.array([] if close else [0])
    )
    if bad.size:
        first = int(bad[0])
        return PropertyResult(
            "predictions",
            "failed",
            f"{bad.size} of {len(golden)} predictions differ from the golden ones "
            f"(first at row {first}: {there[first]!r} vs {golden[first]!r})",
            counterexample={"row": first, "there": there[first], "golden": golden[first]},
            figures={"differing": int(bad.size)},
        )
    return PropertyResult(
        "predictions", "passed", f"{len(golden)} predictions match", examples=len(golden)
    )

"""capture_environment / diff_environments and check_portable in a fresh environment."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import mltest
from mltest.deploy import capture_environment, check_portable, diff_environments
from mltest.deploy.portable import model_requirements


def test_capture_names_what_can_change_numbers():
    env = capture_environment()
    assert env["python"]["version"].count(".") == 2
    assert env["packages"]["scikit-learn"]
    assert env["packages"]["numpy"]
    assert env["cpu"]["count"] >= 1
    assert any(lib["user_api"] == "blas" for lib in env["blas"])
    assert diff_environments(env, copy.deepcopy(env)) == []


def test_diff_names_a_changed_scikit_learn_first():
    before = capture_environment()
    after = copy.deepcopy(before)
    after["packages"]["scikit-learn"] = "1.0.2"
    after["packages"]["some-docs-theme"] = "1.0"
    after["variables"]["OMP_NUM_THREADS"] = "1"
    after["cpu"]["flags"] = [f for f in before["cpu"]["flags"] if f != "avx512f"]
    diffs = diff_environments(before, after)
    numeric = [d.what for d in diffs if d.changes_numbers]
    assert "packages.scikit-learn" in numeric
    assert "variables.OMP_NUM_THREADS" in numeric
    assert [d.what for d in diffs if not d.changes_numbers] == ["packages.some-docs-theme"]
    assert diffs[-1].what == "packages.some-docs-theme"  # harmless ones last
    text = next(d for d in diffs if d.what == "packages.scikit-learn").describe()
    assert "-> 1.0.2 (can change numbers)" in text


def test_env_cli_capture_and_diff(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    run = [sys.executable, "-m", "mltest.cli", "env"]
    assert subprocess.run([*run, "capture", "--out", str(a)], check=False).returncode == 0
    import json

    data = json.loads(a.read_text())
    same = subprocess.run([*run, "diff", str(a), str(a)], capture_output=True, text=True)
    assert same.returncode == 0
    assert "no differences" in same.stdout
    data["packages"]["scikit-learn"] = "0.24.2"
    b.write_text(json.dumps(data))
    changed = subprocess.run([*run, "diff", str(a), str(b)], capture_output=True, text=True)
    assert changed.returncode == 1
    assert "packages.scikit-learn" in changed.stdout
    assert "0.24.2" in changed.stdout
    bad = subprocess.run(
        [*run, "diff", str(a), str(tmp_path / "none.json")], capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert "none.json" in bad.stderr


def _local_package(root):
    """A package only this test's sys.path knows: the training repository's own code."""
    pkg = root / "featpkg"
    (pkg / "mlt_localfeat").mkdir(parents=True)
    (pkg / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"
            [project]
            name = "mlt-localfeat"
            version = "0.1"
            dependencies = ["scikit-learn"]
            """
        )
    )
    (pkg / "mlt_localfeat" / "__init__.py").write_text(
        textwrap.dedent(
            """
            from sklearn.base import BaseEstimator, TransformerMixin
            class Doubler(TransformerMixin, BaseEstimator):
                def fit(self, X, y=None):
                    return self
                def transform(self, X):
                    return X * 2.0
            """
        )
    )
    return pkg


@pytest.mark.slow
def test_portable_names_a_missing_local_module_and_passes_once_packaged(tmp_path, monkeypatch):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pkg = _local_package(tmp_path)
    monkeypatch.syspath_prepend(str(pkg))
    from mlt_localfeat import Doubler

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    model = make_pipeline(Doubler(), LogisticRegression()).fit(X, (X[:, 0] > 0).astype(int))
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(model))
    pins, local = model_requirements(path)
    assert local == ["mlt_localfeat"]
    assert any(p.startswith("scikit-learn==") for p in pins)
    with pytest.raises(mltest.CheckFailure, match="No module named 'mlt_localfeat'") as info:
        check_portable(path, X)
    assert info.value.report["installs"].status == "passed"
    report = check_portable(path, X, packages=[pkg])
    assert report.passed
    assert report["predictions"].message == "100 predictions match"


def test_moved_predictions_are_named_with_the_first_differing_row():
    from mltest.deploy.portable import _same

    golden = np.array([0, 1, 1, 0])
    assert _same(golden.copy(), golden, 1e-7, 0.0).status == "passed"
    moved = _same(np.array([0, 1, 0, 1]), golden, 1e-7, 0.0)
    assert moved.status == "failed"
    assert "2 of 4 predictions differ" in moved.message
    assert "first at row 2" in moved.message
    floats = np.array([0.1, 0.2])
    assert _same(floats + 1e-12, floats, 1e-7, 0.0).status == "passed"
    assert _same(floats + 1e-3, floats, 1e-7, 0.0).status == "failed"
    assert _same(floats[:1], floats, 1e-7, 0.0).status == "failed"  # shape


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"model_path": "nope.pkl"}, "no such file", id="missing"),
        pytest.param({"model_path": 3}, "model_path=", id="type"),
        pytest.param({"rtol": -1}, "rtol=", id="rtol"),
    ],
)
def test_portable_bad_arguments(tmp_path, kwargs, match):
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps(None))
    kwargs = {"model_path": path, "X": np.zeros((1, 1)), **kwargs}
    with pytest.raises(mltest.UsageError, match=match):
        check_portable(**kwargs)


def test_not_a_pickle_is_a_usage_error(tmp_path):
    path = tmp_path / "m.pkl"
    path.write_bytes(b"not a pickle")
    with pytest.raises(mltest.UsageError, match="not a pickle"):
        check_portable(path, np.zeros((1, 1)))

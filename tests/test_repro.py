from __future__ import annotations

import os

import numpy as np
import pytest

import mltest
from mltest.repro import check_reproducible

from .targets import nondeterministic as nd


@pytest.mark.parametrize(
    ("fn", "path"),
    [
        (nd.unseeded_generator, "<root>"),
        (nd.time_dependent, "['stamp']"),
        (nd.module_counter, "<root>"),
    ],
    ids=["unseeded-rng", "time", "module-counter"],
)
def test_non_reproducible_functions_are_caught_with_the_path(fn, path):
    with pytest.raises(mltest.CheckFailure) as info:
        mltest.assert_reproducible(fn)
    assert "is not reproducible" in str(info.value)
    assert path in str(info.value)


def test_torch_dropout_with_unseeded_generator_is_caught():
    pytest.importorskip("torch")
    with pytest.raises(mltest.CheckFailure, match="values differ"):
        mltest.assert_reproducible(nd.torch_dropout_unseeded_generator)


def test_set_iteration_order_is_caught_only_in_a_fresh_interpreter():
    mltest.assert_reproducible(nd.vocabulary_from_set)  # in-process: same hash seed
    with pytest.raises(mltest.CheckFailure, match="fresh interpreter"):
        mltest.assert_reproducible(nd.vocabulary_from_set, fresh_interpreter=True, runs=3)


@pytest.mark.parametrize(
    "fn", [nd.seeded_sklearn_training, nd.globally_seeded_numpy], ids=["sklearn", "numpy"]
)
def test_seeded_functions_pass(fn):
    mltest.assert_reproducible(fn)


def test_seeded_torch_training_passes_in_process_and_fresh_interpreter():
    pytest.importorskip("torch")
    assert set(nd.seeded_torch_training()) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    report = mltest.assert_reproducible(nd.seeded_torch_training)
    assert report["reproducible"].stage == "reproducibility"
    mltest.assert_reproducible(nd.seeded_torch_training, fresh_interpreter=True)


def test_tolerances_apply():
    calls = iter([np.array([1.0]), np.array([1.0 + 1e-9])])
    mltest.assert_reproducible(lambda: next(calls), atol=1e-6)


def test_seed_everything_seeds_and_notes_hash_seed(monkeypatch):
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    info = mltest.seed_everything(3)
    a = np.random.rand()
    mltest.seed_everything(3)
    assert np.random.rand() == a
    assert "PYTHONHASHSEED" in info["hash_seed_note"]


def test_deterministic_sets_and_restores_torch_flags(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    before = torch.are_deterministic_algorithms_enabled()
    with mltest.deterministic():
        assert torch.are_deterministic_algorithms_enabled()
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    assert torch.are_deterministic_algorithms_enabled() == before


def test_deterministic_warns_about_hash_seed(monkeypatch):
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    with pytest.warns(UserWarning, match="PYTHONHASHSEED"), mltest.deterministic():
        pass


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"runs": 1}, "runs=1", id="runs"),
        pytest.param({"rtol": -1}, "rtol=-1", id="rtol"),
        pytest.param({"seed": -5}, "seed=-5", id="seed"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(mltest.UsageError, match=match):
        mltest.assert_reproducible(nd.globally_seeded_numpy, **kwargs)


def test_fresh_interpreter_needs_an_importable_function():
    with pytest.raises(mltest.UsageError, match="importable"):
        mltest.assert_reproducible(lambda: 1, fresh_interpreter=True)


def test_check_reproducible_report():
    report = check_reproducible(nd.unseeded_generator, raise_on_failure=False)
    assert report.failed == ["reproducible"]

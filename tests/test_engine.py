"""The engine's contract: derandomized verdicts, profiles, argument checks, messages; and
the array helpers every property leans on (what counts as an unchanged input, how rows
are counted and taken, for each container a user may pass)."""

from __future__ import annotations

import hypothesis
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import StandardScaler

import mltest
from mltest.engine import Violation
from mltest.properties._arrays import (
    assert_outputs_close,
    dense,
    n_rows,
    snapshot,
    take_rows,
    unchanged,
)
from mltest.properties.transformer import TRANSFORMER

from .properties import buggy_transformers as bug


def test_default_runs_are_derandomized():
    first = mltest.check_transformer(bug.NaiveScaler(), raise_on_failure=False, max_examples=20)
    second = mltest.check_transformer(bug.NaiveScaler(), raise_on_failure=False, max_examples=20)
    first.seconds = second.seconds = None  # how long it took is the one thing that may differ
    assert first.to_dict() == second.to_dict()


def test_another_seed_gives_the_same_verdicts_on_clear_bugs():
    report = mltest.check_transformer(
        bug.NaiveScaler(), raise_on_failure=False, max_examples=20, seed=12345
    )
    assert "finite_output" in report.failed


def test_check_failure_is_an_assertion_error_with_the_report():
    with pytest.raises(AssertionError) as info:
        mltest.check_transformer(bug.CentresInPlace(), only=["no_input_mutation"])
    assert isinstance(info.value, mltest.CheckFailure)
    assert info.value.report.failed == ["no_input_mutation"]
    assert "modified X in place" in str(info.value)


def test_a_loaded_hypothesis_profile_is_respected():
    hypothesis.settings.register_profile("mltest-tiny", max_examples=3)
    previous = hypothesis.settings.default
    hypothesis.settings.load_profile("mltest-tiny")
    try:
        report = mltest.check_transformer(StandardScaler(), only=["fit_returns_self"])
    finally:
        hypothesis.settings.load_profile("default")
        assert hypothesis.settings.default.max_examples == previous.max_examples
    assert report["fit_returns_self"].examples <= 3


def test_flaky_object_is_reported_not_crashed():
    report = mltest.check_transformer(
        bug.NoisyTransform(), only=["transform_deterministic"], raise_on_failure=False
    )
    assert report.failed == ["transform_deterministic"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"estimator": StandardScaler}, "pass an instance", id="class"),
        pytest.param({"estimator": object()}, "has no fit", id="no-fit"),
        pytest.param({"target": "ranking"}, "target='ranking'", id="target"),
        pytest.param({"max_examples": 0}, "max_examples=0", id="max-examples"),
        pytest.param({"max_examples": True}, "max_examples=True", id="max-examples-bool"),
        pytest.param({"seed": "1"}, "seed='1'", id="seed"),
        pytest.param({"skip": "finite_output"}, "not a string", id="skip-string"),
        pytest.param({"skip": ["finite"]}, "unknown property names", id="skip-unknown"),
        pytest.param({"data": [[1.0]]}, "data=", id="data"),
    ],
)
def test_bad_arguments_are_usage_errors(kwargs, match):
    kwargs = {"estimator": StandardScaler(), **kwargs}
    with pytest.raises(mltest.UsageError, match=match):
        mltest.check_transformer(**kwargs)


def test_usage_error_for_estimator_taking_no_2d_input():
    from sklearn.preprocessing import LabelEncoder

    with pytest.raises(mltest.UsageError, match="does not take 2-D arrays"):
        mltest.check_transformer(LabelEncoder())


def test_exception_in_user_code_is_a_failure_not_an_internal_error():
    class Crashes(bug.GoodScaler):
        def transform(self, X):
            if np.any(np.asarray(X) == 0):
                raise ZeroDivisionError("boom")
            return super().transform(X)

    report = mltest.check_transformer(Crashes(), raise_on_failure=False, max_examples=20)
    result = report["runs_on_valid_input"]
    assert result.status == "failed"
    assert "ZeroDivisionError: boom" in result.message
    assert "mltest could not run" not in result.message
    assert result.counterexample.X.shape == (2, 1)  # shrunk: the smallest input with a 0


def test_exception_on_every_input_is_a_usage_error_not_an_internal_error():
    class Crashes(bug.GoodScaler):
        def transform(self, X):
            raise ZeroDivisionError("boom")

    with pytest.raises(mltest.UsageError, match="ZeroDivisionError: boom"):
        mltest.check_transformer(Crashes(), raise_on_failure=False, max_examples=5)


def test_results_follow_the_property_order():
    report = mltest.check_transformer(StandardScaler(), max_examples=3)
    assert [r.name for r in report.results] == TRANSFORMER.property_names()
    assert report.passed
    assert report.summary().startswith("StandardScaler(): ")
    skipped = [r for r in report.results if r.status == "skipped"]
    assert {r.reason for r in skipped} <= {"not_applicable"}  # expectations not declared


def test_strategy_data_is_used():
    from hypothesis import strategies as st

    seen = []

    class Records(bug.GoodScaler):
        def fit(self, X, y=None):
            seen.append(np.asarray(X).shape)
            return super().fit(X, y)

    fixed = st.just(np.arange(12.0).reshape(4, 3))
    mltest.check_transformer(Records(), data=fixed, max_examples=2, only=["fit_returns_self"])
    assert set(seen) == {(4, 3)}


def test_unknown_only_is_named_as_only():
    with pytest.raises(mltest.UsageError, match=r"only=\['nope'\]"):
        mltest.check_transformer(StandardScaler(), only=["nope"])


IMPORT_CONTEXT = """
import hashlib, sys
import numpy as np
sys.path.insert(0, {folder!r})
if {noisy}:
    import lots_of_constants  # a local module hypothesis would mine for values
import mltest

seen = hashlib.sha256()


def weighted_accuracy(y_true, y_pred, sample_weight=None):
    for part in (y_true, y_pred, sample_weight):
        seen.update(np.asarray(part, dtype=float).tobytes())
    return float(np.average(np.asarray(y_true) == np.asarray(y_pred), weights=sample_weight))


mltest.check_metric(weighted_accuracy, task="binary", bounds=(0, 1), max_examples=60)
print(seen.hexdigest())
"""


def test_the_stream_does_not_depend_on_what_else_is_imported(tmp_path):
    """Hypothesis mixes in constants it finds in loaded local modules; mltest's runs must
    draw the same inputs whatever the process imported (a fresh interpreter, a test session,
    a worker)."""
    import os
    import subprocess
    import sys

    (tmp_path / "lots_of_constants.py").write_text(
        "WEIGHTS = [101, 997, 4093, 8191, -17, 250, 640]\n"
        "FACTORS = [0.37, 12.5, 2.0**-9, 1e4]\n"
        "NAMES = ['spam', 'eggs']\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", IMPORT_CONTEXT.format(folder=str(tmp_path), noisy=noisy)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=os.environ,
            check=True,
        ).stdout
        for noisy in (False, True)
    ]
    assert runs[0] == runs[1]


# --- the array helpers ---------------------------------------------------------------

FRAME = pd.DataFrame({"a": [1.0, np.nan], "b": ["x", "y"]})
SERIES = pd.Series([1.0, np.nan], name="s")
SPARSE = sp.csr_matrix(np.array([[0.0, 1.0], [2.0, 0.0]]))


@pytest.mark.parametrize(
    ("before", "after", "same"),
    [
        (None, None, True),
        (None, np.zeros(1), False),
        (np.array([1.0, np.nan]), np.array([1.0, np.nan]), True),  # NaN equals NaN
        (np.array([1, 2]), np.array([1.0, 2.0]), False),  # the dtype changed
        (np.array([1, 2]), np.array([[1, 2]]), False),  # the shape changed
        (np.array([1, 2]), np.array([1, 3]), False),
        (np.array(["a", "b"]), np.array(["a", "b"]), True),
        ([1, 2], [1, 2], True),
        (SPARSE, SPARSE.copy(), True),
        (SPARSE, sp.csr_matrix(np.array([[0.0, 1.0], [2.0, 5.0]])), False),
        (SPARSE, SPARSE.astype(np.float32), False),
        (SPARSE, sp.csr_matrix(np.zeros((2, 3))), False),
        (SPARSE, SPARSE.toarray(), False),  # densified in place of the sparse input
        (FRAME, FRAME.copy(), True),
        (FRAME, FRAME.assign(a=[1.0, 2.0]), False),
        (FRAME, FRAME.set_axis(["a", "c"], axis=1), False),
        (FRAME, FRAME.to_numpy(), False),
        (SERIES, SERIES.copy(), True),
        (SERIES, SERIES.rename("t"), False),  # renamed in place
        (SERIES, pd.Series([1.0, 2.0], name="s"), False),
        (SERIES, SERIES.to_numpy(), False),
    ],
)
def test_unchanged_is_exact_equality_with_the_copy(before, after, same):
    assert unchanged(before, after) is same


@pytest.mark.parametrize(
    ("X", "rows"),
    [
        (np.zeros((3, 2)), 3),
        (FRAME, 2),
        (SPARSE, 2),
        (["doc one", "doc two", "doc three"], 3),
    ],
)
def test_rows_are_counted_and_taken_in_order_whatever_the_container(X, rows):
    assert n_rows(X) == rows
    taken = take_rows(X, [1, 0])
    assert n_rows(taken) == 2
    first = taken.iloc[1] if hasattr(taken, "iloc") else taken[1]
    original = X.iloc[0] if hasattr(X, "iloc") else X[0]
    assert unchanged(
        original.toarray() if hasattr(original, "toarray") else np.asarray(original),
        first.toarray() if hasattr(first, "toarray") else np.asarray(first),
    )
    assert type(taken) is type(X)


def test_outputs_without_values_agree_whatever_their_shapes_but_not_with_values():

    assert_outputs_close(np.empty((3, 0)), np.empty((0,)), "no columns")  # both empty: agree
    for a, b in [(np.empty((2, 0)), np.zeros((2, 1))), (np.zeros((2, 1)), np.empty((2, 0)))]:
        shapes = r"^one empty: shape \(2, [01]\), expected \(2, [01]\)$"
        with pytest.raises(Violation, match=shapes):
            assert_outputs_close(a, b, "one empty")


def test_outputs_of_labels_are_compared_value_by_value():

    labels = np.array(["a", "b"], dtype=object)
    assert_outputs_close(labels, labels.copy(), "labels")
    with pytest.raises(Violation, match=r"^labels: 1 of 2 values differ .+'b'.+'c'"):
        assert_outputs_close(labels, np.array(["a", "c"], dtype=object), "labels")


def test_dense_reads_tensors_that_require_grad_and_frames():

    torch = pytest.importorskip("torch")
    assert np.array_equal(dense(torch.ones(2, requires_grad=True)), [1.0, 1.0])
    frame = dense(pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4]}))
    assert frame.shape == (2, 2)
    assert frame.dtype == np.float64


def test_snapshot_is_deep():

    rows = [[1.0, 2.0]]
    kept = snapshot(rows)
    rows[0][0] = 9.0  # an in-place change inside a nested list
    assert kept == [[1.0, 2.0]]

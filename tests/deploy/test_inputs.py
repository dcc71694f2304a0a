"""Rows of plain numbers take a fast path in ``Features._rows`` (no per-value checks but
finiteness); whatever the records, it must give what the checked path gives: the same
array, or the same problems."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from mltest.deploy import inputs
from mltest.deploy.inputs import Features, Invalid

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**64), 2**64),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
)
records = st.lists(
    st.one_of(st.lists(numbers, min_size=2, max_size=4), st.lists(st.floats(), min_size=3)),
    min_size=1,
    max_size=4,
)


def _model(width: int | None):
    X = np.random.default_rng(0).normal(size=(20, 3))
    model = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    if width is None:
        del model.n_features_in_  # a model that does not say its width
    return model


def _outcome(features: Features, body: list) -> object:
    try:
        return features.from_records(body, 100)[0].tolist()
    except Invalid as exc:
        return exc.problems


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(records, st.sampled_from([3, None]))
def test_the_fast_path_for_plain_numbers_answers_as_the_checked_path(body, width):
    features = Features(_model(width), None)
    fast = _outcome(features, body)
    original = inputs._plain_numbers
    try:
        inputs._plain_numbers = lambda records, width: False
        checked = _outcome(features, body)
    finally:
        inputs._plain_numbers = original
    assert fast == checked


def test_ragged_records_for_a_model_without_a_width_are_a_422_not_a_crash():
    features = Features(_model(None), None)
    with pytest.raises(Invalid) as info:
        features.from_records([[1.0, 2.0], [1.0, 2.0, 3.0]], 100)
    assert info.value.status == 422
    assert info.value.problems[0]["row"] == 1
    assert info.value.problems[0]["message"] == "3 values; the first record has 2"

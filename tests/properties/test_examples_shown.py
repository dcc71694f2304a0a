"""How a counterexample is printed: one ``name=repr`` per argument, four digits (six for
transformer inputs), long arrays summarised, lines wrapped at 100 columns, and ``None``
arguments (no sample_weight, no y) left out."""

from __future__ import annotations

import numpy as np

from mltest.properties._arrays import shown
from mltest.properties.metric_case import MetricExample
from mltest.properties.transformer_case import TransformerExample


def test_metric_examples_show_four_digits_and_leave_out_a_missing_weight():
    ex = MetricExample(np.array([0, 1]), np.array([0.123456, 1 / 3]), None)
    assert repr(ex) == "y_true=array([0, 1]), y_pred=array([0.1235, 0.3333])"
    weighted = MetricExample(np.array([0]), np.array([1]), np.array([0.5]))
    assert repr(weighted) == "y_true=array([0]), y_pred=array([1]), sample_weight=array([0.5])"


def test_transformer_examples_show_six_digits_and_y_only_when_given():
    assert repr(TransformerExample(np.array([[1 / 3]]))) == "X=array([[0.333333]])"
    assert repr(TransformerExample(np.array([[1.0]]), np.array([2]))) == (
        "X=array([[1.]]), y=array([2])"
    )
    assert "..." not in repr(TransformerExample(np.zeros((200, 1))))
    assert "..." in repr(TransformerExample(np.zeros((201, 1))))


def test_long_arrays_are_summarised_past_sixty_values_and_wrapped_at_100_columns():
    assert "..." not in shown(a=np.arange(60))
    assert shown(a=np.arange(61)).startswith("a=array([ 0,  1,  2, ...")
    lines = shown(a=np.arange(60) * 1000).splitlines()
    assert [len(line) for line in lines] == [99, 97, 97, 97, 63]  # 13 values in 100 columns
    assert shown(a=None, b=1) == "b=1"


def test_loss_examples_show_input_and_target():
    from mltest.properties.loss import LossExample

    ex = LossExample(np.array([0.123456, 2.0]), np.array([1, 0]))
    assert repr(ex) == "input=array([0.1235, 2.    ]), target=array([1, 0])"

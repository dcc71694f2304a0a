"""Each loss property: a realistic buggy loss fails it (named in the message); torch.nn
losses pass every applicable property."""

from __future__ import annotations

import re

import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import mltest  # noqa: E402
from mltest.properties.loss import LOSS, check_loss  # noqa: E402

from . import buggy_losses as bug  # noqa: E402
from .sweep import seed_of  # noqa: E402

pytestmark = pytest.mark.torch

BUGS = [
    ("runs_on_valid_input", bug.bce_with_first_positive_margin, {"task": "binary"}),
    ("output_shape_matches_reduction", bug.mse_forgets_reduction, {"task": "regression"}),
    ("nonnegative", bug.hinge_without_clamp, {"task": "binary"}),
    ("minimal_at_perfect_prediction", bug.cross_entropy_sign_error, {"task": "multiclass"}),
    ("finite_at_extreme_inputs", bug.naive_bce, {"task": "binary"}),
    ("gradient_matches_finite_differences", bug.mse_backward_off_by_two, {"task": "regression"}),
    ("gradient_reaches_input", bug.mse_through_numpy, {"task": "regression"}),
    ("reduction_consistent", bug.cross_entropy_over_configured_batch, {"task": "multiclass"}),
    ("batch_order_invariant", bug.sorted_prediction_mse, {"task": "regression"}),
    ("float32_agrees_with_float64", bug.expanded_mse, {"task": "regression"}),
    ("no_input_mutation", bug.mse_clamping_in_place, {"task": "regression"}),
    ("deterministic", bug.mse_with_dropout, {"task": "regression"}),
    (
        "matches_reference",
        bug.huber_wrong_delta,
        {"task": "regression", "reference": F.huber_loss},
    ),
    ("descent_step_lowers_loss", bug.mse_backward_wrong_sign, {"task": "regression"}),
]


def test_every_property_has_a_bug_that_fails_it():
    assert {name for name, *_ in BUGS} == set(LOSS.property_names())


# what each failure says: the finding in words, then the numbers
MESSAGES = {
    "runs_on_valid_input": r"^fn raised IndexError: ",
    "output_shape_matches_reduction": r"^reduction='mean' but the loss has shape \(1,\)$",
    "nonnegative": r"^the loss is negative: -",
    "minimal_at_perfect_prediction": r"^raising the target's logit by 1 raised the loss: ",
    "finite_at_extreme_inputs": r"^inputs of magnitude 100 \(float32\) give loss inf$",
    "gradient_matches_finite_differences": (
        r"^analytic and numerical gradients disagree: Jacobian mismatch"
    ),
    "gradient_reaches_input": (
        r"^the loss does not require grad: the input was detached from the graph$"
    ),
    "reduction_consistent": r"^mean over the batch differs from the mean of per-row losses: ",
    "batch_order_invariant": r"^permuting the batch by \[[\d, ]+\] changes the loss: ",
    "float32_agrees_with_float64": r"^float32 loss differs from float64: ",
    "no_input_mutation": r"^fn modified input or target in place$",
    "deterministic": r"^a second call gives another loss: ",
    "matches_reference": r"^fn differs from the reference: ",
    "descent_step_lowers_loss": r"^no step against the gradient lowered the loss ",
}


@pytest.mark.parametrize(("prop", "fn", "kwargs"), BUGS, ids=[b[0] for b in BUGS])
def test_buggy_loss_fails_the_property(prop, fn, kwargs):
    with pytest.raises(mltest.CheckFailure) as info:
        check_loss(fn, only=[prop], **kwargs)
    assert f"{prop}: " in str(info.value)
    message = info.value.report[prop].message
    assert re.search(MESSAGES[prop], message), message
    assert info.value.report.failed == [prop]


def test_off_by_two_backward_fails_only_the_gradient_check_among_gradient_properties():
    report = check_loss(bug.mse_backward_off_by_two, task="regression", raise_on_failure=False)
    assert "gradient_matches_finite_differences" in report.failed
    assert report["descent_step_lowers_loss"].status == "passed"


def test_naive_bce_counterexample_is_shrunk():
    with pytest.raises(mltest.CheckFailure) as info:
        check_loss(bug.naive_bce, task="binary", only=["finite_at_extreme_inputs"])
    example = info.value.report["finite_at_extreme_inputs"].counterexample
    assert example.input.shape == (1,)
    assert "Failing test case" in str(info.value)


def _kl(input, target):
    rows = len(input)
    log_q = F.log_softmax(input.reshape(rows, -1), dim=1)
    p = F.softmax(target.reshape(rows, -1), dim=1)
    return F.kl_div(log_q, p, reduction="batchmean")


def _poisson(input, target):
    # maps a regression pair into the Poisson domain: log-rates in [-10, 10], counts >= 0
    return F.poisson_nll_loss(input / 10, target.abs())


def _nll_log_softmax(input, target):
    return F.nll_loss(F.log_softmax(input, dim=1), target)


TRUSTED = [
    ("mse", F.mse_loss, {"task": "regression"}),
    ("mse-sum", nn.MSELoss(reduction="sum"), {"task": "regression", "reduction": "sum"}),
    ("l1", F.l1_loss, {"task": "regression"}),
    ("l1-none", nn.L1Loss(reduction="none"), {"task": "regression", "reduction": "none"}),
    ("smooth_l1", F.smooth_l1_loss, {"task": "regression"}),
    ("huber", nn.HuberLoss(), {"task": "regression", "reference": F.huber_loss}),
    ("bce_with_logits", F.binary_cross_entropy_with_logits, {"task": "binary"}),
    (
        "bce_with_logits-none",
        nn.BCEWithLogitsLoss(reduction="none"),
        {"task": "binary", "reduction": "none"},
    ),
    ("cross_entropy", F.cross_entropy, {"task": "multiclass"}),
    (
        "cross_entropy-sum",
        nn.CrossEntropyLoss(reduction="sum"),
        {"task": "multiclass", "reduction": "sum"},
    ),
    ("nll_log_softmax", _nll_log_softmax, {"task": "multiclass", "reference": F.cross_entropy}),
    ("kl_div", _kl, {"task": "regression"}),
    # The Poisson NLL takes log-rates (log_input=True): its minimum is at input = log(target),
    # not at input = target, exp(x) - t x can be negative, and exp() of the 1e2..1e4
    # log-rates of the extreme-input check overflows by definition. All three declared.
    (
        "poisson_nll",
        _poisson,
        {
            "task": "regression",
            "nonnegative": False,
            "skip": (
                "minimal_at_perfect_prediction",
                "finite_at_extreme_inputs",
            ),
        },
    ),
]


@pytest.mark.parametrize(("fn", "kwargs"), [t[1:] for t in TRUSTED], ids=[t[0] for t in TRUSTED])
def test_torch_losses_pass_every_applicable_property(request, fn, kwargs):
    report = check_loss(fn, raise_on_failure=False, seed=seed_of(request), **kwargs)
    assert report.passed, report.failure_message()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"fn": 1}, "fn=1", id="fn"),
        pytest.param({"fn": nn.MSELoss}, "pass an instance", id="class"),
        pytest.param({"task": "ranking"}, "task='ranking'", id="task"),
        pytest.param({"reduction": "batchmean"}, "reduction='batchmean'", id="reduction"),
        pytest.param({"nonnegative": 1}, "nonnegative=1", id="nonnegative"),
        pytest.param({"reference": "mse"}, "reference=", id="reference"),
        pytest.param({"skip": ["finite"]}, "unknown property", id="skip"),
    ],
)
def test_bad_arguments_are_usage_errors(kwargs, match):
    kwargs = {"fn": F.mse_loss, "task": "regression", **kwargs}
    with pytest.raises(mltest.UsageError, match=match):
        check_loss(**kwargs)


def test_loss_for_another_task_is_a_usage_error():
    with pytest.raises(mltest.UsageError, match="every generated input"):
        check_loss(F.nll_loss, task="regression", max_examples=5)


def test_extreme_input_failure_shows_the_input_fed_to_the_loss():
    report = check_loss(
        bug.naive_bce, task="binary", only=["finite_at_extreme_inputs"], raise_on_failure=False
    )
    shown = report["finite_at_extreme_inputs"].counterexample
    assert shown.input.dtype == "float32"
    assert float(abs(shown.input).max()) in (1e2, 1e4)  # scaled, as fed, not as drawn


def test_loss_returning_a_python_float_is_a_finding_not_an_internal_error():
    def mse_item(input, target):
        return float(((input - target) ** 2).mean())  # .item() cuts the graph, and more

    with pytest.raises(mltest.UsageError, match="returned float"):
        check_loss(mse_item, task="regression", max_examples=5, raise_on_failure=False)


def test_check_loss_without_torch_names_the_extra(monkeypatch):
    import mltest.properties.loss as loss_module
    from mltest._lazy import LazyModule

    monkeypatch.setitem(__import__("sys").modules, "torch", None)  # as if not installed
    monkeypatch.setattr(loss_module, "torch", LazyModule("torch", extra="torch", what="x"))
    with pytest.raises(mltest.UsageError, match=r"pytest-mltest\[torch\]"):
        check_loss(F.mse_loss, task="regression")


def _mean_over_n_plus_one(input, target):
    """An off-by-one denominator: a batch of n rows is averaged over n + 1."""
    return ((input - target) ** 2).sum() / (len(input) + 1)


def test_an_off_by_one_mean_fails_reduction_consistency_at_the_default_tolerance():
    report = check_loss(
        _mean_over_n_plus_one,
        task="regression",
        only=["reduction_consistent"],
        raise_on_failure=False,
    )
    assert report.failed == ["reduction_consistent"]
    assert "rel diff 0.333" in report["reduction_consistent"].message  # 2 rows: 2/3 vs 1/2


_TEMPERATURE = torch.ones(1, requires_grad=True)


def _detached_with_a_learned_temperature(input, target):
    """The input is detached, but the loss still requires grad through its parameter."""
    return ((input.detach() - target) ** 2).mean() * _TEMPERATURE.sum()


def test_a_gradient_missing_on_either_side_of_the_reference_is_named():
    missing = check_loss(
        _detached_with_a_learned_temperature,
        task="regression",
        reference=F.mse_loss,
        only=["matches_reference"],
        raise_on_failure=False,
    )
    assert missing["matches_reference"].message.endswith(
        "the gradient differs from the reference's: no value"
    )
    expected_missing = check_loss(
        F.mse_loss,
        task="regression",
        reference=_detached_with_a_learned_temperature,
        only=["matches_reference"],
        raise_on_failure=False,
    )
    assert expected_missing["matches_reference"].message.endswith(
        "the gradient differs from the reference's: no expected value"
    )


def test_properties_that_do_not_apply_say_why():
    report = check_loss(
        nn.MSELoss(reduction="none"),
        task="regression",
        reduction="none",
        nonnegative=False,
        raise_on_failure=False,
    )
    reasons = {
        "nonnegative": "nonnegative=False",
        "matches_reference": "no reference= given",
        "descent_step_lowers_loss": "reduction='none' has no total to descend",
    }
    for name, reason in reasons.items():
        assert (report[name].reason, report[name].message) == ("not_applicable", reason)


def test_a_summed_loss_is_descended_like_a_mean_one():
    report = check_loss(
        nn.MSELoss(reduction="sum"),
        task="regression",
        reduction="sum",
        only=["descent_step_lowers_loss"],
    )
    assert report["descent_step_lowers_loss"].status == "passed"


def _mse_refusing_zero_input(input, target):
    if not input.detach().abs().max() > 0:
        raise RuntimeError("an all-zero input is not a prediction")
    return F.mse_loss(input, target)


def test_a_runtime_error_while_preparing_an_example_is_a_refusal():
    # torch raises RuntimeError for inputs it will not take (shapes, dtypes): a refusal of
    # that example, as a ValueError is
    report = check_loss(_mse_refusing_zero_input, task="regression", only=["runs_on_valid_input"])
    assert re.search(
        r"\(\d+ refused, the last: fn raised RuntimeError: an all-zero input is not a "
        r"prediction\)$",
        report["runs_on_valid_input"].message,
    ), report["runs_on_valid_input"].message


@pytest.mark.parametrize(
    ("fn", "subject"),
    [(torch.nn.MSELoss(), "MSELoss"), (_mse_refusing_zero_input, "_mse_refusing_zero_input")],
    ids=["module", "function"],
)
def test_the_report_names_the_loss(fn, subject):
    report = check_loss(fn, task="regression", max_examples=3, raise_on_failure=False)
    assert report.subject == subject


def test_a_loss_that_is_not_callable_is_a_usage_error():
    with pytest.raises(mltest.UsageError, match=r"fn\(input, target\)"):
        check_loss("mse", task="regression")

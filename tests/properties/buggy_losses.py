"""Realistic buggy PyTorch losses, one bug class each."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def mse_forgets_reduction(input, target):
    return (input - target) ** 2  # declared reduction="mean"


def hinge_without_clamp(input, target):
    """Hinge loss missing max(0, .): confident correct predictions score negative."""
    sign = 2 * target - 1
    return (1 - sign * input).mean()


def cross_entropy_sign_error(input, target):
    return (torch.logsumexp(input, dim=1) + input[torch.arange(len(target)), target]).mean()


def naive_bce(input, target):
    """-(y log s(x) + (1-y) log(1 - s(x))): log(0) at large |x| in float32."""
    p = torch.sigmoid(input)
    return -(target * torch.log(p) + (1 - target) * torch.log(1 - p)).mean()


class _SquareDoubleGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, diff):
        ctx.save_for_backward(diff)
        return (diff**2).mean()

    @staticmethod
    def backward(ctx, grad):
        (diff,) = ctx.saved_tensors
        return grad * 4 * diff / diff.numel()  # should be 2 * diff / n


def mse_backward_off_by_two(input, target):
    return _SquareDoubleGrad.apply(input - target)


class _SquareWrongSign(torch.autograd.Function):
    @staticmethod
    def forward(ctx, diff):
        ctx.save_for_backward(diff)
        return (diff**2).mean()

    @staticmethod
    def backward(ctx, grad):
        (diff,) = ctx.saved_tensors
        return -grad * 2 * diff / diff.numel()


def mse_backward_wrong_sign(input, target):
    return _SquareWrongSign.apply(input - target)


def mse_through_numpy(input, target):
    diff = torch.as_tensor(input.detach().numpy()) - target
    return (diff**2).mean()


BATCH_SIZE = 32


def cross_entropy_over_configured_batch(input, target):
    """Divides by the configured batch size, not the rows present (the last batch)."""
    return F.cross_entropy(input, target, reduction="sum") / BATCH_SIZE


def sorted_prediction_mse(input, target):
    """Sorts the predictions but not the targets."""
    return ((input.sort(dim=0).values - target) ** 2).mean()


def expanded_mse(input, target):
    """mean(x^2) - 2 mean(x t) + mean(t^2): cancellation in float32 when x is near t."""
    return (input**2).mean() - 2 * (input * target).mean() + (target**2).mean()


def mse_clamping_in_place(input, target):
    input.data.clamp_(-5, 5)
    return ((input - target) ** 2).mean()


def mse_with_dropout(input, target):
    return F.dropout((input - target) ** 2, p=0.2).mean()


def huber_wrong_delta(input, target):
    """Claims to be Huber with delta=1 but switches at 0.5."""
    return F.huber_loss(input, target, delta=0.5) * 2


def bce_with_first_positive_margin(input, target):
    """Adds a margin relative to the first positive's logit: a batch without positives
    raises IndexError, which only small batches meet."""
    anchor = input[target.nonzero()[0]]
    margin = torch.relu(input - anchor.detach()).mean()
    return F.binary_cross_entropy_with_logits(input, target) + 0.1 * margin

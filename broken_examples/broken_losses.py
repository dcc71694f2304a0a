"""Deliberately broken losses: ``pytest --mltest broken_examples/`` shows each bug."""

from __future__ import annotations

import torch

import mltest


@mltest.loss(task="binary")
def naive_bce(input, target):
    """-(y log s(x) + (1-y) log(1 - s(x))): log(0) = -inf at large logits in float32
    (finite_at_extreme_inputs)."""
    p = torch.sigmoid(input)
    return -(target * torch.log(p) + (1 - target) * torch.log(1 - p)).mean()


class _Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, diff):
        ctx.save_for_backward(diff)
        return (diff**2).mean()

    @staticmethod
    def backward(ctx, grad):
        (diff,) = ctx.saved_tensors
        return grad * 4 * diff / diff.numel()  # off by a factor of 2


@mltest.loss(task="regression")
def custom_mse(input, target):
    """A hand-written backward off by a factor of two (gradient_matches_finite_differences)."""
    return _Square.apply(input - target)

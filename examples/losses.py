"""Training losses of the pricing model, checked by ``pytest --mltest examples/``."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

import mltest


@mltest.loss(task="regression", reference=F.smooth_l1_loss)
def stable_smooth_l1(input, target):
    """Smooth L1 (beta=1) written out: quadratic near zero, linear in the tails."""
    diff = (input - target).abs()
    return torch.where(diff < 1.0, 0.5 * diff**2, diff - 0.5).mean()


@mltest.loss(task="binary", reference=F.binary_cross_entropy_with_logits)
class FocalFreeBCE(nn.Module):
    """Binary cross entropy on logits via ``logsigmoid``: finite at any logit."""

    def forward(self, input, target):
        return -(target * F.logsigmoid(input) + (1 - target) * F.logsigmoid(-input)).mean()

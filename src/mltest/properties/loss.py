"""Properties of PyTorch loss functions ``fn(input, target)``, and ``check_loss``.

The only module of the property sets that uses torch. torch itself is imported when a
loss is first checked (not when this module is imported), and its absence is a
``UsageError`` naming the extra to install.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st

from mltest import arguments
from mltest import strategies as mst
from mltest._lazy import LazyModule, require
from mltest.checker import PropertyChecker
from mltest.engine import NotApplicable, Property, Violation, call_user, prop
from mltest.properties._arrays import assert_outputs_close, shown
from mltest.report import Report

if TYPE_CHECKING:
    import torch
else:
    torch = LazyModule("torch", extra="torch", what="check_loss")

PROPERTIES: list[Property] = []
REDUCTIONS = ("mean", "sum", "none")
EXTREMES = (1e2, 1e4)


@dataclasses.dataclass(frozen=True)
class LossSpec:
    fn: Callable[..., Any]
    task: str
    reduction: str
    reference: Callable[..., Any] | None
    nonnegative: bool


@dataclasses.dataclass(frozen=True)
class LossExample:
    input: np.ndarray
    target: np.ndarray

    def __repr__(self) -> str:
        return shown(input=self.input, target=self.target)


class LossCase:
    """One drawn (input, target) pair, prepared: the loss on it in float64. A
    ``ValueError`` or ``RuntimeError`` there (a shape the loss does not take) refuses the
    example."""

    def __init__(self, spec: LossSpec, example: LossExample) -> None:
        self.spec = spec
        self.ex = example
        out = self.call(*self.tensors(), refuse=(ValueError, RuntimeError))
        self.loss64 = out.detach()

    def tensors(
        self, dtype: torch.dtype | None = None, *, grad: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        dtype = torch.float64 if dtype is None else dtype
        x = torch.tensor(self.ex.input, dtype=dtype, requires_grad=grad)
        if self.spec.task == "multiclass":
            t = torch.tensor(self.ex.target, dtype=torch.int64)
        else:
            t = torch.tensor(self.ex.target, dtype=dtype)
        return x, t

    def call(
        self, x: torch.Tensor, t: torch.Tensor, what: str = "fn", *, refuse: Any = ()
    ) -> torch.Tensor:
        out = call_user(what, self.spec.fn, x, t, refuse=refuse)
        if not isinstance(out, torch.Tensor):
            raise Violation(f"{what} returned {type(out).__name__} {out!r:.40}, not a tensor")
        return out

    def total(self, out: torch.Tensor) -> float:
        """A scalar summary of a loss of any reduction (sum over 'none' outputs)."""
        return float(out.sum()) if self.spec.reduction == "none" else float(out)

    def rows(self) -> int:
        return int(self.ex.input.shape[0])


def _close(
    a: torch.Tensor | None,
    b: torch.Tensor | None,
    what: str,
    *,
    rtol: float = 1e-7,
    atol: float = 1e-9,
) -> None:
    """Compare two losses or gradients, in float64 (atol scaled by b's magnitude)."""
    if a is None or b is None:
        raise Violation(f"{what}: {'no value' if a is None else 'no expected value'}")
    x, y = (v.detach().to(torch.float64) for v in (a, b))
    assert_outputs_close(x, y, what, rtol=rtol, atol=atol)


def _perfect_logit_shift(case: LossCase, x: torch.Tensor, step: float) -> torch.Tensor:
    """Move each row's logits ``step`` towards its target class."""
    t = torch.tensor(case.ex.target)
    if case.spec.task == "binary":
        return x + step * (2 * t.to(x.dtype) - 1)
    shift = torch.zeros_like(x)
    shift[torch.arange(len(t)), t.to(torch.int64)] = step
    return x + shift


# --- applicability -----------------------------------------------------------------------


def _declared_nonnegative(spec: LossSpec) -> str | None:
    return None if spec.nonnegative else "nonnegative=False"


def _reduces(spec: LossSpec) -> str | None:
    return (
        None if spec.reduction in ("mean", "sum") else "reduction='none' has no total to descend"
    )


def _has_reference(spec: LossSpec) -> str | None:
    return None if spec.reference is not None else "no reference= given"


# --- the properties ----------------------------------------------------------------------


@prop(PROPERTIES)
def output_shape_matches_reduction(case: LossCase) -> None:
    """The loss is a scalar for ``mean`` and ``sum``, one value per sample (per element for
    regression) for ``none``.

    A loss that forgets to reduce makes ``backward()`` fail or silently sums a vector; one
    that reduces when asked not to breaks per-sample weighting.
    """
    out, reduction = case.loss64, case.spec.reduction
    if reduction in ("mean", "sum"):
        if out.dim() != 0:
            raise Violation(f"reduction={reduction!r} but the loss has shape {tuple(out.shape)}")
        return
    want = tuple(case.ex.input.shape) if case.spec.task == "regression" else (case.rows(),)
    if tuple(out.shape) != want:
        raise Violation(f"reduction='none' gave shape {tuple(out.shape)}, expected {want}")


@prop(PROPERTIES, applies=_declared_nonnegative)
def nonnegative(case: LossCase) -> None:
    """Every loss value is >= 0 (when declared ``nonnegative=True``).

    A negative loss from a sign error or a missing constant lets the optimiser "improve"
    without bound.
    """
    worst = float(case.loss64.min())
    if worst < -1e-12:
        raise Violation(f"the loss is negative: {worst!r}")


@prop(PROPERTIES)
def minimal_at_perfect_prediction(case: LossCase) -> None:
    """Regression: the loss at ``input == target`` is no larger than anywhere else (and zero
    when non-negative). Classification: moving the logits towards the target class does
    not increase the loss, and decreases it while it is not saturated.

    A loss whose minimum is not at the truth trains a biased model however long it runs.
    """
    x, t = case.tensors()
    base = case.total(case.loss64)
    if case.spec.task == "regression":
        at_target = case.total(case.call(t.clone(), t.clone(), "fn(target, target)"))
        if case.spec.nonnegative and abs(at_target) > 1e-9:
            raise Violation(f"fn(target, target) = {at_target!r}, expected 0")
        if at_target > base + 1e-9 * max(1.0, abs(base)):
            raise Violation(
                f"fn(target, target) = {at_target!r} exceeds fn(input, target) = {base!r}"
            )
        return
    better = case.total(case.call(_perfect_logit_shift(case, x, 1.0), t, "fn on better logits"))
    if better > base + 1e-12 * max(1.0, abs(base)):
        raise Violation(f"raising the target's logit by 1 raised the loss: {base!r} -> {better!r}")
    if base > 1e-6 * case.rows() and not better < base:
        raise Violation(f"raising the target's logit by 1 left the loss at {base!r}")


@prop(PROPERTIES)
def finite_at_extreme_inputs(case: LossCase) -> None:
    """In float32, inputs scaled to magnitude 1e2 and 1e4 give a finite loss and finite
    gradients.

    ``log(sigmoid(x))`` written out underflows to ``log(0) = -inf`` at x = -100 in float32;
    stable formulations (log-sum-exp, ``logsigmoid``) stay finite. One inf loss wipes out
    a whole training run.
    """
    base = torch.tensor(case.ex.input, dtype=torch.float64)
    peak = float(base.abs().max())
    if peak == 0:
        raise NotApplicable("an all-zero input has no direction to scale")
    for magnitude in EXTREMES:
        x = (base / peak * magnitude).to(torch.float32).requires_grad_(True)
        _, t = case.tensors(torch.float32)
        shown = LossExample(x.detach().numpy().copy(), t.numpy().copy())  # what fn was fed
        out = case.call(x, t, f"fn at magnitude {magnitude:g}")
        if not torch.isfinite(out).all():
            raise Violation(
                f"inputs of magnitude {magnitude:g} (float32) give loss {out.detach().tolist()}",
                counterexample=shown,
            )
        call_user(f"backward at magnitude {magnitude:g}", out.sum().backward)
        if x.grad is not None and not torch.isfinite(x.grad).all():
            raise Violation(
                f"inputs of magnitude {magnitude:g} (float32) give non-finite gradients",
                counterexample=shown,
            )


def _generic_point(case: LossCase) -> tuple[torch.Tensor, torch.Tensor]:
    """The drawn input moved by a small irrational shift: finite differences are meaningless
    at kinks (|x - t| = 0 for L1, = beta for Huber), and drawn values hit them exactly."""
    x, t = case.tensors()
    shift = 0.01 * math.sqrt(2) * (1 + torch.arange(x.numel(), dtype=torch.float64) / math.pi)
    return (x + shift.reshape(x.shape)).detach().requires_grad_(True), t


@prop(PROPERTIES, max_checks=20)
def gradient_matches_finite_differences(case: LossCase) -> None:
    """The gradient with respect to ``input`` matches finite differences in float64
    (``torch.autograd.gradcheck``).

    Hand-written ``backward`` methods are where loss bugs hide: a factor of two, a sign, a
    missing term still train — badly.
    """
    from torch.autograd.gradcheck import GradcheckError

    x, t = _generic_point(case)
    # finite differences of a function of magnitude |F| carry about |F| * 2.2e-16 / eps of
    # absolute error: one huge row would otherwise swamp the small gradients of the others
    magnitude = float(case.call(x.detach(), t).abs().sum())
    try:
        torch.autograd.gradcheck(
            lambda z: case.spec.fn(z, t), (x,), eps=1e-6, atol=1e-5 + 1e-8 * magnitude, rtol=1e-3
        )
    except GradcheckError as exc:
        first = str(exc).strip().splitlines()[0]
        raise Violation(f"analytic and numerical gradients disagree: {first}") from exc
    except Exception as exc:
        raise Violation(f"gradcheck could not differentiate fn: {exc}") from exc


@prop(PROPERTIES)
def gradient_reaches_input(case: LossCase) -> None:
    """``backward()`` produces a finite gradient on ``input``: nothing detaches it.

    A ``.detach()``, ``.item()`` or numpy round trip inside the loss cuts the graph; the
    model then never learns, without any error.
    """
    x, t = case.tensors(grad=True)
    out = case.call(x, t)
    if not out.requires_grad:
        raise Violation("the loss does not require grad: the input was detached from the graph")
    call_user("backward", out.sum().backward)
    if x.grad is None:
        raise Violation("backward() left input.grad empty")
    if not torch.isfinite(x.grad).all():
        raise Violation(f"input.grad is not finite: {x.grad.tolist()}")


@prop(PROPERTIES)
def reduction_consistent(case: LossCase) -> None:
    """``mean`` equals the mean of the per-sample losses, ``sum`` their sum, and ``none``
    gives each sample's loss (each computed on its own one-row batch).

    Dividing by the wrong count (elements vs rows, a hard-coded batch size) rescales the
    learning rate with the batch size.
    """
    x, t = case.tensors()
    # .sum() of a one-row batch is that row's loss whatever the reduction
    singles = torch.stack(
        [case.call(x[i : i + 1], t[i : i + 1], f"fn on row {i}").sum() for i in range(case.rows())]
    )
    out = case.loss64
    if case.spec.reduction == "mean":
        _close(out, singles.mean(), "mean over the batch differs from the mean of per-row losses")
    elif case.spec.reduction == "sum":
        _close(out, singles.sum(), "sum over the batch differs from the sum of per-row losses")
    else:
        per_row = out.reshape(case.rows(), -1).sum(dim=1)
        _close(per_row, singles, "reduction='none' rows differ from one-row batches")


@prop(PROPERTIES)
def batch_order_invariant(case: LossCase) -> None:
    """Permuting the batch permutes ``none`` outputs and leaves ``mean``/``sum`` unchanged.

    A loss that pairs row i of the input with another row of the target (a sort, a
    misplaced ``flip``) trains on mismatched pairs.
    """
    n = case.rows()
    perm = torch.as_tensor(np.random.default_rng(n).permutation(n)[::-1].copy())
    x, t = case.tensors()
    out = case.call(x[perm], t[perm], "fn on a permuted batch")
    want = case.loss64[perm] if case.spec.reduction == "none" else case.loss64
    _close(out, want, f"permuting the batch by {perm.tolist()} changes the loss")


@prop(PROPERTIES)
def float32_agrees_with_float64(case: LossCase) -> None:
    """The float32 loss agrees with the float64 one within float32 precision.

    Catastrophic cancellation (``log(1 - p)`` near p = 1, differences of large sums) shows
    as a float32 result far from the float64 one long before it overflows.
    """
    x, t = case.tensors(torch.float32)
    out = case.call(x, t, "fn in float32")
    if out.dtype != torch.float32:
        raise Violation(f"float32 input gave a {out.dtype} loss")
    _close(out, case.loss64, "float32 loss differs from float64", rtol=1e-4, atol=1e-5)


@prop(PROPERTIES)
def no_input_mutation(case: LossCase) -> None:
    """Neither the forward nor the backward pass modifies ``input`` or ``target`` in place.

    An in-place ``clamp_`` on the input corrupts the model's output tensor (and autograd
    may or may not notice).
    """
    x, t = case.tensors(grad=True)
    x0, t0 = x.detach().clone(), t.clone()
    out = case.call(x, t)
    if out.requires_grad:
        call_user("backward", out.sum().backward)
    if not torch.equal(x.detach(), x0) or not torch.equal(t, t0):
        raise Violation("fn modified input or target in place")


@prop(PROPERTIES)
def deterministic(case: LossCase) -> None:
    """The same inputs give the same loss twice (on the CPU).

    Random masking or sampling left inside a loss makes training curves irreproducible.
    """
    x, t = case.tensors()
    _close(
        case.call(x, t, "fn called again"),
        case.loss64,
        "a second call gives another loss",
        rtol=0,
        atol=0,
    )


@prop(PROPERTIES, applies=_has_reference)
def matches_reference(case: LossCase) -> None:
    """The loss and its gradient agree with the trusted ``reference`` implementation.

    A custom fused or "numerically improved" loss must still compute the same function.
    """
    ref = case.spec.reference
    assert ref is not None
    x, t = case.tensors(grad=True)
    xr = x.detach().clone().requires_grad_(True)
    out, want = case.call(x, t), ref(xr, t.clone())
    _close(out, want, "fn differs from the reference", rtol=1e-6)
    if out.requires_grad and want.requires_grad:
        call_user("backward", out.sum().backward)
        want.sum().backward()
        _close(x.grad, xr.grad, "the gradient differs from the reference's", rtol=1e-6)


@prop(PROPERTIES, applies=_reduces)
def descent_step_lowers_loss(case: LossCase) -> None:
    """A small step against the gradient lowers the loss (the largest of 1e-4, 1e-6 and
    1e-8 times the input's scale that does).

    The end-to-end check of a backward pass: a gradient with the wrong sign or pointing
    elsewhere makes gradient descent climb.
    """
    x, t = _generic_point(case)
    out = case.call(x, t)
    call_user("backward", out.backward)
    g = x.grad
    if g is None:
        raise Violation("backward() left input.grad empty")
    norm = float(g.norm())
    if norm < 1e-8:
        raise NotApplicable("the gradient vanishes here")
    scale = max(1.0, float(x.detach().abs().max()))
    before = float(out)
    # near a minimum a fixed step overshoots it: a descent direction lowers the loss for
    # some small enough step, so a few shrinking ones are tried
    moves = []
    for step in (1e-4 * scale, 1e-6 * scale, 1e-8 * scale):
        after = float(case.call(x.detach() - step * g / norm, t, "fn after a descent step"))
        if after < before:
            return
        moves.append(f"{step:g}: {after!r}")
    raise Violation(
        f"no step against the gradient lowered the loss {before!r} (step: loss after, "
        + "; ".join(moves)
        + ")"
    )


# --- the kind, and its front door -------------------------------------------------------


def _strategy(spec: LossSpec) -> st.SearchStrategy[LossExample]:
    @st.composite
    def example(draw: st.DrawFn) -> LossExample:
        n = draw(st.integers(1, 16))
        if spec.task == "regression":
            width = draw(st.sampled_from([None, 1, 3]))
            shape = n if width is None else (n, width)
            size = int(np.prod(shape))
            t = draw(mst.regression_values(size)).reshape(shape)
            # predictions at several distances from their targets, as a trained model's are:
            # near-equal pairs are where cancellation and kinks live
            closeness = draw(st.sampled_from([1.0, 1e-2, 1e-4]))
            x = t + draw(mst.regression_values(size)).reshape(shape) * closeness
            return LossExample(x, t)
        if spec.task == "binary":
            return LossExample(
                draw(mst.logits(n)), draw(mst.labels(n, 2, every_class=False)).astype(np.float64)
            )
        k = draw(st.integers(2, 4))
        return LossExample(
            draw(mst.logits(n, k)), draw(mst.labels(n, k, every_class=False)).astype(np.int64)
        )

    return example()


class LossChecker(PropertyChecker):
    """PyTorch losses ``fn(input, target)``: the ``code`` stage."""

    name = "loss"
    stage = "code"
    argument = "fn"
    instantiate = True
    max_examples = 50
    usage_hint = "check task= (and reduction=); a ValueError or RuntimeError refuses an input"

    def kind_properties(self) -> list[Property]:
        return PROPERTIES

    def prepare(self, fn: Any, **options: Any) -> LossSpec:
        task, reduction = options["task"], options["reduction"]
        reference, nonnegative = options["reference"], options["nonnegative"]
        arguments.instance_of_callable("fn", fn, "fn(input, target)")
        arguments.choice("task", task, arguments.TASKS)
        arguments.choice("reduction", reduction, REDUCTIONS)
        arguments.flag("nonnegative", nonnegative)
        arguments.callable_or_none("reference", reference)
        require("torch", extra="torch", what="check_loss")
        return LossSpec(fn, task, reduction, reference, nonnegative)

    def describe(self, subject: Any) -> str:
        return getattr(subject, "__qualname__", None) or type(subject).__name__

    def strategy(self, spec: LossSpec) -> st.SearchStrategy[LossExample]:
        return _strategy(spec)

    def make_case(self, spec: LossSpec, example: LossExample) -> LossCase:
        return LossCase(spec, example)

    def declaration(self, spec: LossSpec) -> str:
        return f"task={spec.task!r}, reduction={spec.reduction!r}"


LOSS = LossChecker()


@LOSS.public
def check_loss(
    fn: Callable[..., Any],
    *,
    task: str,
    reduction: str = "mean",
    reference: Callable[..., Any] | None = None,
    nonnegative: bool = True,
    max_examples: int = LOSS.max_examples,
    max_seconds: float = LOSS.max_seconds,
    seed: int | None = None,
    skip: tuple[str, ...] | list[str] = (),
    raise_on_failure: bool = True,
    only: tuple[str, ...] | list[str] | None = None,
) -> Report:
    """Property-test a PyTorch loss ``fn(input, target) -> loss`` (a function or an
    ``nn.Module`` instance).

    ``task``: ``regression`` (float input and target of one shape), ``binary`` (logits
    ``(N,)``, float targets in {0, 1}) or ``multiclass`` (logits ``(N, C)``, int64 class
    targets). ``reduction`` states what ``fn`` does. Gradients are checked in float64.
    Without PyTorch installed, a ``UsageError`` names the extra to install.

    >>> import torch.nn.functional as F
    >>> check_loss(F.mse_loss, task="regression", max_examples=5).passed
    True
    """
    __tracebackhide__ = True
    return LOSS.check_arguments(locals())

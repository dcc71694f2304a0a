"""The properties of metric functions: what every metric must do, whatever it computes
(``check_metric`` runs them; ``metric_case`` says how each calls the metric)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from mltest.engine import NotApplicable, Property, Refused, Violation, prop
from mltest.properties._arrays import unchanged
from mltest.properties.metric_case import (
    ATOL,
    LARGE_ROWS,
    RTOL,
    MetricCase,
    MetricExample,
    MetricSpec,
    _accepts,
    _labels,
    _same,
    evaluate,
)

PROPERTIES: list[Property] = []
# ``max_checks`` below: properties whose bugs show on any input (a separate code path for
# sample_weight=None, container handling, label indexing, ignored weights, an order that
# matters) are decided by a few dozen examples; capping them keeps the metric's own cost
# (milliseconds a call for scikit-learn's metrics, whatever the input size) bounded.
# Properties whose bugs need particular values (bounds, the optimum) run on all.


def _best(spec: MetricSpec) -> float | None:
    if spec.best is not None:
        return spec.best
    if spec.bounds is None:
        return None
    return spec.bounds[1] if spec.greater_is_better else spec.bounds[0]


# --- applicability -----------------------------------------------------------------------


def _has_bounds(spec: MetricSpec) -> str | None:
    return None if spec.bounds is not None else "no bounds= declared"


def _has_best(spec: MetricSpec) -> str | None:
    return None if _best(spec) is not None else "no best= (or bound on the good side) declared"


def _is_symmetric(spec: MetricSpec) -> str | None:
    if not spec.symmetric:
        return "symmetric=False"
    if spec.y_pred != "labels":
        return "y_true and y_pred are of different kinds"
    return None


def _takes_weight(spec: MetricSpec) -> str | None:
    return None if spec.takes_weight else "fn takes no sample_weight"


def _class_labels(spec: MetricSpec) -> str | None:
    if not spec.classes:
        return "regression targets have no labels to encode"
    if spec.y_pred == "proba":
        return "probability columns follow the label order"
    return None


def _has_reference(spec: MetricSpec) -> str | None:
    return None if spec.reference is not None else "no reference= given"


# --- the properties ----------------------------------------------------------------------


@prop(PROPERTIES, applies=_has_bounds)
def within_bounds(case: MetricCase) -> None:
    """The value lies within the declared ``bounds``, for any prediction and for the
    perfect one.

    A score outside its documented range (an F1 above 1, a negative error) means a wrong
    normalisation, and thresholds or dashboards built on the range silently misfire.
    """
    lo, hi = case.spec.bounds  # type: ignore[misc]
    values = {
        "fn(y_true, y_pred)": case.value,
        "fn(y_true, perfect prediction)": case.perfect_value,
    }
    for what, v in values.items():
        if (
            math.isnan(v)
            or (lo is not None and v < lo - ATOL)
            or (hi is not None and v > hi + ATOL)
        ):
            raise Violation(f"{what} = {v!r}, outside bounds=({lo}, {hi})")


@prop(PROPERTIES, applies=_has_best)
def perfect_prediction_is_best(case: MetricCase) -> None:
    """A perfect prediction scores the best value, and no prediction scores better.

    A metric whose optimum is not at the truth (an off-by-one in a count, a sign error)
    drives model selection towards wrong models.
    """
    best = _best(case.spec)
    assert best is not None
    got = case.perfect_value
    if not math.isclose(got, best, rel_tol=RTOL, abs_tol=1e-7):
        raise Violation(f"a perfect prediction scores {got!r}, expected best={best!r}")
    value = case.value
    if case.spec.greater_is_better and value > best + 1e-7:
        raise Violation(f"fn(y_true, y_pred) = {value!r} beats best={best!r}")
    if not case.spec.greater_is_better and value < best - 1e-7:
        raise Violation(f"fn(y_true, y_pred) = {value!r} beats best={best!r}")


@prop(PROPERTIES, applies=_is_symmetric)
def symmetric(case: MetricCase) -> None:
    """``fn(y_true, y_pred) == fn(y_pred, y_true)`` for metrics declared symmetric.

    Agreement scores (accuracy, kappa, MCC, MAE) are symmetric; an asymmetric
    implementation normalises by the wrong side.
    """
    y_true, y_pred = case.inputs
    swapped = case.call(y_pred.copy(), y_true.copy(), "fn(y_pred, y_true)")
    _same(swapped, case.value, "fn(y_pred, y_true) differs from fn(y_true, y_pred)")


@prop(PROPERTIES, max_checks=50)
def sample_order_invariant(case: MetricCase) -> None:
    """Shuffling the rows (together) leaves the value unchanged.

    Evaluation data order is an accident; a metric that depends on it (using the first
    row as a reference, a cumulative sum without sorting) is irreproducible.
    """
    n = len(case.ex.y_true)
    perm = np.random.default_rng(n).permutation(n)[::-1]
    got = case.call(
        case.ex.y_true[perm], case.ex.y_pred[perm], "fn on shuffled rows", same_data=True
    )
    _same(got, case.value, f"rows reordered by {perm.tolist()} change the value")


@prop(PROPERTIES, applies=_takes_weight, max_checks=25)
def weights_none_equals_ones(case: MetricCase) -> None:
    """``sample_weight=None`` gives the same value as all-ones weights.

    The unweighted path and the weighted path are often separate code; they drift apart.
    """
    ones = case.weighted(
        np.ones(len(case.ex.y_true)), "fn with sample_weight=ones", same_data=True
    )
    _same(ones, case.value, "sample_weight=ones differs from sample_weight=None")


def _same_domain(case: MetricCase, keep: np.ndarray) -> None:
    """Weights are compared with dropped or repeated rows only where dropping rows leaves
    the metric's domain as it was: the same set of labels (scikit-learn takes the label set
    from the data, whatever the weights) and a target that is not constant (where scores
    such as R^2 jump between their undefined-case values)."""
    if case.spec.classes:
        before = set(np.unique(case.ex.y_true)) | _label_set(case.ex.y_pred, case.spec)
        after = set(np.unique(case.ex.y_true[keep])) | _label_set(case.ex.y_pred[keep], case.spec)
        if before != after:
            raise NotApplicable("dropping the rows would change the set of labels")
    elif np.ptp(case.ex.y_true[keep]) == 0:
        raise NotApplicable("the remaining target would be constant")


def _label_set(y_pred: np.ndarray, spec: MetricSpec) -> set[Any]:
    return set(np.unique(y_pred)) if spec.y_pred == "labels" else set()


def _integer_weights(w: np.ndarray) -> np.ndarray:
    ints = np.clip(np.round(w), 0, 3)
    if not ints.any():
        ints[0] = 1
    return ints.astype(np.int64)


@prop(PROPERTIES, applies=_takes_weight, max_checks=50)
def integer_weights_repeat_rows(case: MetricCase) -> None:
    """Integer weights give the same value as repeating each row that many times.

    This is what a sample weight means; a metric that ignores ``sample_weight`` (or applies
    it to only one of two sums) fails here.
    """
    w = _integer_weights(case.weights)
    _same_domain(case, w > 0)
    rows = np.repeat(np.arange(len(w)), w)
    repeated = case.call(case.ex.y_true[rows], case.ex.y_pred[rows], "fn on repeated rows")
    got = case.weighted(w.astype(np.float64), "fn with integer sample_weight")
    _same(got, repeated, f"sample_weight={w.tolist()} differs from repeating rows")


@prop(PROPERTIES, applies=_takes_weight, max_checks=50)
def zero_weights_drop_rows(case: MetricCase) -> None:
    """Rows of weight zero count as if they were absent.

    A zero weight is how users mask samples out; a metric that still counts them (in a
    denominator, a class list) changes with data it was told to ignore.
    """
    w = case.weights.copy()
    w[::2] = 0.0
    if not w.any():
        raise NotApplicable("every row would be dropped")
    keep = w > 0
    _same_domain(case, keep)
    dropped = case.call(
        case.ex.y_true[keep], case.ex.y_pred[keep], "fn on the rows left", sample_weight=w[keep]
    )
    got = case.weighted(w, "fn with zero weights")
    _same(got, dropped, "zero-weight rows change the value")


def _relabelled(case: MetricCase) -> list[tuple[str, Any, Any]]:
    """Other encodings of the same classes (the positive class stays ``1`` for binary)."""
    y_true, y_pred = case.ex.y_true.astype(np.int64), case.ex.y_pred
    variants = []
    if case.spec.task == "binary":
        mapping = np.array([-1, 1])
        labels_pred = mapping[y_pred.astype(np.int64)] if case.spec.y_pred == "labels" else y_pred
        variants.append(("classes {0, 1} encoded as {-1, 1}", mapping[y_true], labels_pred))
    else:
        ints = np.array([10, -3, 7, 100])[: case.ex.n_classes]
        strs = np.array(["c10", "b-3", "z7", "a100"], dtype=object)[: case.ex.n_classes]
        for label, mapping in (("non-contiguous integers", ints), ("strings", strs)):
            pred = mapping[y_pred.astype(np.int64)]
            variants.append(
                (f"classes encoded as {label} {mapping.tolist()}", mapping[y_true], pred)
            )
    return variants


@prop(PROPERTIES, applies=_class_labels, max_checks=50)
def label_encoding_invariant(case: MetricCase) -> None:
    """Encoding the classes differently (labels not starting at 0, strings) does not change
    the value.

    Code that indexes arrays by label (``np.bincount``, ``eye(k)[y]``) silently assumes
    labels ``0..k-1``; real labels are often ``{-1, 1}`` or names.
    """
    value = case.value
    for label, y_true, y_pred in _relabelled(case):
        got = case.call(y_true, y_pred, f"fn with {label}", same_data=True)
        _same(got, value, f"{label} change the value")


@prop(PROPERTIES, max_checks=25)
def container_agnostic(case: MetricCase) -> None:
    """Python lists, numpy arrays and pandas Series give the same value.

    ``y_true == y_pred`` means something else on lists, and Series align on their index:
    both give silently wrong numbers.
    """
    value = case.value
    y_true, y_pred = case.ex.y_true, case.ex.y_pred
    got = case.call(y_true.tolist(), y_pred.tolist(), "fn on lists", same_data=True)
    _same(got, value, "lists give another value than arrays")
    if y_pred.ndim == 1:
        index = np.arange(len(y_true))[::-1] + 100  # a non-default index, as after a split
        got = case.call(
            pd.Series(y_true, index=index),
            pd.Series(y_pred, index=index),
            "fn on Series",
            same_data=True,
        )
        _same(got, value, "pandas Series give another value than arrays")


@prop(PROPERTIES, max_checks=50)
def no_input_mutation(case: MetricCase) -> None:
    """The metric leaves ``y_true``, ``y_pred`` and ``sample_weight`` unchanged.

    An in-place sort or clip corrupts the predictions the caller evaluates next.
    """
    case.value  # noqa: B018 - computes on copies kept in case.inputs
    y_true, y_pred = case.inputs
    if not unchanged(case.ex.y_true, y_true) or not unchanged(case.ex.y_pred, y_pred):
        raise Violation("fn modified y_true or y_pred in place")
    if case.spec.takes_weight:
        w = case.weights.copy()
        case.weighted(w, "fn with sample_weight")
        if not unchanged(case.weights, w):
            raise Violation("fn modified sample_weight in place")


@prop(PROPERTIES, max_checks=25)
def deterministic(case: MetricCase) -> None:
    """The same inputs give the same value twice.

    Random tie-breaking or state kept between calls makes model comparisons noisy.
    """
    value = case.value
    again = case.call(
        case.ex.y_true.copy(), case.ex.y_pred.copy(), "fn called again", same_data=True
    )
    _same(again, value, "a second call gives another value")


def _edge_cases(case: MetricCase) -> list[tuple[str, np.ndarray, np.ndarray]]:
    y_true, y_pred = case.ex.y_true, case.ex.y_pred
    single = np.full_like(y_true, y_true[0])
    label = "a single class in y_true" if case.spec.classes else "a constant y_true"
    edges = [(label, single, y_pred.copy())]
    edges.append((f"{label}, predicted perfectly", single.copy(), case.perfect(single)))
    edges.append(("a single row", y_true[:1].copy(), y_pred[:1].copy()))
    return edges


@prop(PROPERTIES, max_checks=25)
def finite_on_edge_cases(case: MetricCase) -> None:
    """On degenerate input (one class, a constant target, a single row) the metric returns
    a finite number, raises a clear ``ValueError``, or returns NaN *with a warning* that
    says the value is undefined.

    A silent 0/0 NaN poisons averages over cross-validation folds and makes every
    comparison with it false.
    """
    for label, y_true, y_pred in _edge_cases(case):
        try:
            case.call(y_true, y_pred, "fn")
        except Refused:
            continue  # undefined, and saying so: what the property asks
        except Violation as exc:
            raise Violation(f"on {label}, {exc}", counterexample=_shown(y_true, y_pred)) from exc


def _shown(y_true: np.ndarray, y_pred: np.ndarray, weight: Any = None) -> MetricExample:
    """An input a property derived from the drawn example, as the user is shown it."""
    return MetricExample(y_true, y_pred, weight)


@prop(PROPERTIES, applies=_has_reference, max_checks=30)
def matches_reference(case: MetricCase) -> None:
    """The value agrees with the trusted ``reference`` implementation, on ordinary and
    degenerate inputs, weighted and not.

    The most direct check there is: a re-implementation (for speed, for another framework)
    must give the reference's numbers.
    """
    ref = case.spec.reference
    assert ref is not None
    inputs = [("the drawn input", case.ex.y_true, case.ex.y_pred)]
    inputs += [(label, t, p) for label, t, p in _edge_cases(case)]
    weighted = case.spec.takes_weight and _accepts(ref, "sample_weight")
    if weighted:
        inputs.append(("weighted", case.ex.y_true, case.ex.y_pred))
    for label, y_true, y_pred in inputs:
        kwargs = {"sample_weight": case.weights.copy()} if label == "weighted" else {}
        ref_labels = _labels(case.spec, case.ex.n_classes, _accepts(ref, "labels"))
        try:  # the reference is trusted: where it is undefined there is nothing to compare
            want = evaluate(ref, y_true.copy(), y_pred.copy(), "reference", **ref_labels, **kwargs)
        except (Refused, Violation):
            continue
        shown = _shown(y_true, y_pred, kwargs.get("sample_weight"))
        try:
            got = evaluate(
                case.spec.fn, y_true.copy(), y_pred.copy(), "fn", **case.labels, **kwargs
            )
            _same(got, want, f"on {label}, fn differs from the reference", rtol=1e-5)
        except Refused as exc:
            raise Violation(
                f"on {label}, {exc} but the reference gives {want!r}", counterexample=shown
            ) from exc
        except Violation as exc:
            raise Violation(str(exc), counterexample=shown) from exc


def _regression(spec: MetricSpec) -> str | None:
    return None if spec.task == "regression" else "class labels have no magnitude to shift"


@prop(PROPERTIES, applies=_regression, max_checks=25)
def stable_at_large_offsets(case: MetricCase) -> None:
    """A metric of differences (one that a small common shift of ``y_true`` and ``y_pred``
    leaves unchanged, as checked first) gives the same value after shifting both by 1e8.

    Float64 holds every digit of values around 1e8 (prices in cents, timestamps, counters);
    a metric that computes in float32, or in the input's integer dtype, loses all of an
    error that small against them, and reports noise.
    """
    y_true = case.ex.y_true.astype(np.float64)
    y_pred = case.ex.y_pred.astype(np.float64)
    if max(np.abs(y_true).max(), np.abs(y_pred).max()) > 1e6:
        raise NotApplicable("the values are far from zero already")
    base = case.call(y_true, y_pred, "fn on float64 values", same_data=True)
    small = case.call(y_true + 3.0, y_pred + 3.0, "fn after a shift of 3")
    try:
        _same(small, base, "a shift of 3", rtol=1e-9)
    except Violation as exc:
        raise NotApplicable(f"the metric is not shift-invariant ({exc})") from exc
    shifted = case.call(y_true + 1e8, y_pred + 1e8, "fn after a shift of 1e8")
    _same(shifted, base, "y_true + 1e8 and y_pred + 1e8 change the value", rtol=1e-6)


@prop(PROPERTIES, max_checks=3)
def stable_for_large_inputs(case: MetricCase) -> None:
    """On 100,000+ rows, narrow dtypes (int8 labels, float32 values) give the value the same
    data gives in int64/float64.

    Counting in the input's dtype overflows (an int8 confusion matrix wraps at 127), and
    float32 running sums drift; both appear only at production sizes.
    """
    labels = case.spec.classes
    reps = -(-LARGE_ROWS // len(case.ex.y_true))
    y_true, y_pred = (
        np.tile(case.ex.y_true, reps),
        np.tile(case.ex.y_pred, (reps,) + (1,) * (case.ex.y_pred.ndim - 1)),
    )
    wide = case.call(
        y_true.astype(_wide(y_true, labels)),
        y_pred.astype(_wide(y_pred, labels)),
        "fn on wide dtypes",
    )
    # scores and probabilities keep float64: clipping at the dtype's eps (log loss) is a
    # documented difference, not a loss of precision
    narrow_t = y_true.astype(_narrow(y_true, labels))
    keep_wide = case.spec.y_pred != "labels"
    narrow_p = y_pred.astype(np.float64 if keep_wide else _narrow(y_pred, labels))
    _narrowing_tells((y_true, narrow_t), (y_pred, narrow_p))
    narrow = case.call(narrow_t, narrow_p, f"fn on {narrow_t.dtype}/{narrow_p.dtype} input")
    rtol = 1e-4 if "float32" in (narrow_t.dtype.name, narrow_p.dtype.name) else RTOL
    _same(
        narrow, wide, f"{len(y_true)} rows as {narrow_t.dtype}/{narrow_p.dtype} differ", rtol=rtol
    )


def _narrowing_tells(*pairs: tuple[np.ndarray, np.ndarray]) -> None:
    """Refuse an example where the narrow dtypes cannot lose anything: only float columns
    narrowed to float32, and all of them whole numbers (the first examples drawn are
    zeros and ones), which float32 sums exactly; a float32 running sum only drifts on
    fractions."""
    changed = [(a, n) for a, n in pairs if a.dtype != n.dtype]
    if changed and all(
        n.dtype == np.float32 and np.array_equal(a, np.round(a)) for a, n in changed
    ):
        raise NotApplicable("whole numbers add up exactly in float32: nothing to compare")


def _wide(a: np.ndarray, labels: bool) -> Any:
    return np.int64 if labels and a.dtype.kind != "f" else np.float64


def _narrow(a: np.ndarray, labels: bool) -> Any:
    """The narrow twin of a dtype: int8 for class labels; for values, float32 where
    float32 can hold them (values near 1e8 it cannot: comparing them would test the data,
    not the metric) and an integer dtype as drawn (uint8 counts)."""
    if a.dtype.kind == "f":
        return np.float32 if np.abs(a).max(initial=0) < 2**24 else a.dtype
    return np.int8 if labels else a.dtype

"""Model analysis: how a trained model behaves (``check_model``: behavioural properties
on rows drawn from a schema) and how it treats groups (``group_metrics``,
``check_fairness``/``assert_fair``) and where it is wrong (``find_slices``,
``check_slices``/``assert_no_weak_slice``). See ``docs/analysis.md``."""

from mltest.analysis.fairness import (
    CRITERIA,
    RATES,
    assert_fair,
    check_fairness,
    group_metrics,
)
from mltest.analysis.importance import (
    assert_no_leakage,
    assert_not_relying_on,
    check_leakage,
    check_not_relying_on,
    permutation_importance,
)
from mltest.analysis.model import check_model
from mltest.analysis.plots import (
    plot_error_curve,
    plot_group_metrics,
    plot_importance,
    plot_slices,
)
from mltest.analysis.slices import assert_no_weak_slice, check_slices, error_curve, find_slices

__all__ = [
    "CRITERIA",
    "RATES",
    "assert_fair",
    "assert_no_leakage",
    "assert_no_weak_slice",
    "assert_not_relying_on",
    "check_fairness",
    "check_leakage",
    "check_model",
    "check_not_relying_on",
    "check_slices",
    "error_curve",
    "find_slices",
    "group_metrics",
    "permutation_importance",
    "plot_error_curve",
    "plot_group_metrics",
    "plot_importance",
    "plot_slices",
]

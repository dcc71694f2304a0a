"""Model analysis: how a trained model behaves (``check_model``: behavioural properties
on rows drawn from a schema) and how it treats groups (``group_metrics``,
``check_fairness``/``assert_fair``). See ``docs/analysis.md``."""

from mltest.analysis.fairness import (
    CRITERIA,
    RATES,
    assert_fair,
    check_fairness,
    group_metrics,
)
from mltest.analysis.model import check_model
from mltest.analysis.plots import plot_group_metrics

__all__ = [
    "CRITERIA",
    "RATES",
    "assert_fair",
    "check_fairness",
    "check_model",
    "group_metrics",
    "plot_group_metrics",
]

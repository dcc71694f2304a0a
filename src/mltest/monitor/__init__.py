"""Monitoring: is the data a model sees today the data it was built on?

``check_drift`` compares a current frame (or predictions, or labels) with a reference,
column by column, and flags a column only when its change is both statistically
supported and larger than a practical effect size. See ``docs/monitor.md``.
"""

from mltest.monitor.drift import DEFAULT_THRESHOLDS, assert_no_drift, check_drift

__all__ = ["DEFAULT_THRESHOLDS", "assert_no_drift", "check_drift"]

"""Monitoring: is the data a model sees today the data it was built on?

``check_drift`` compares a current frame (or predictions, or labels) with a reference,
column by column, and flags a column only when its change is both statistically
supported and larger than a practical effect size. ``profile`` summarises a frame so that
batches merge (``profile_a + profile_b``) and drift can be computed without raw rows. See
``docs/monitor.md``.
"""

from mltest.monitor.drift import DEFAULT_THRESHOLDS, assert_no_drift, check_drift
from mltest.monitor.performance import Timeline, check_performance, performance_timeline
from mltest.monitor.plots import plot_column
from mltest.monitor.profile import Profile, merge, profile
from mltest.monitor.replay import Alert, Replay, assert_no_alerts, check_replay, replay
from mltest.monitor.store import Store

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Alert",
    "Profile",
    "Replay",
    "Store",
    "Timeline",
    "assert_no_alerts",
    "assert_no_drift",
    "check_drift",
    "check_performance",
    "check_replay",
    "merge",
    "performance_timeline",
    "plot_column",
    "profile",
    "replay",
]

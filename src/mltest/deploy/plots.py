"""The load test as a picture: where the latencies fall, and where the percentiles and
thresholds sit among them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from mltest._plot import ALERT, CURRENT, REFERENCE, pyplot
from mltest.errors import UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def plot_latency(report: Any) -> Figure:
    """A histogram of every latency of a ``load_test`` report (log-scaled milliseconds),
    with p50, p99 and max marked and any latency threshold drawn as a limit."""
    latencies = getattr(report, "data", {}).get("latencies")
    if latencies is None:
        raise UsageError("report: not a load_test report (it holds no latencies)")
    ms = np.asarray(latencies, dtype=float) * 1e3
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    if ms.size:
        low, high = max(ms.min(), 1e-3), max(ms.max(), 1e-3 * 1.01)
        bins = np.geomspace(low, high * 1.001, 60) if high > low else 10
        ax.hist(ms, bins=bins, color=REFERENCE, alpha=0.85)
        ax.set_xscale("log")
        figures = report["load"].figures
        for name, colour in (("p50", CURRENT), ("p99", ALERT), ("max", "black")):
            value = figures[name] * 1e3
            ax.axvline(value, color=colour, linestyle="--", linewidth=1)
            ax.annotate(
                f"{name} {value:.3g} ms",
                (value, ax.get_ylim()[1] * 0.9),
                rotation=90,
                fontsize=8,
                ha="right",
                va="top",
            )
    for result in report.results:
        limit = result.figures.get("limit") if result.name in _DURATIONS else None
        if limit is not None:
            ax.axvline(limit * 1e3, color=ALERT, linewidth=2, alpha=0.6)
            ax.annotate(f"{result.name} limit", (limit * 1e3, 0), fontsize=8, color=ALERT)
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("requests")
    ax.set_title(report.subject)
    fig.tight_layout()
    return fig


_DURATIONS = ("p50", "p90", "p95", "p99", "p99.9", "max", "mean")

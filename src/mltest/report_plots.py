"""The picture of a check, by its kind, for the session report: the latency histogram of a
load test, the weakest slices, the groups' rates with their intervals, the drifted columns'
distributions, drift and quality over a replay, quality over time, and timings against the
saved baseline. A kind without a picture has none; each area's own plot functions draw
them (``mltest.deploy.plots``, ``mltest.analysis.plots``, ``mltest.monitor.plots``)."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from mltest._plot import ALERT, CURRENT, REFERENCE, pyplot

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from mltest.report import Report


def _load(report: Report) -> Figure | None:
    from mltest.deploy.plots import plot_latency

    return plot_latency(report) if "latencies" in report.data else None


def _slices(report: Report) -> Figure | None:
    """The weakest slices found, failing or not (a passing check shows how close the
    weakest came)."""
    from mltest.analysis.plots import plot_slices

    table = report.data.get("table")
    return None if table is None or table.empty else plot_slices(table)


def _fairness(report: Report) -> Figure | None:
    from mltest.analysis.plots import plot_group_metrics

    if "table" not in report.data:
        return None
    # the rate of the first failed comparison, else the first rate compared
    failed = [r.name.split(".")[0] for r in report.results if r.status == "failed"]
    rate = failed[0] if failed else report.data["rates"][0]
    return plot_group_metrics(report.data["table"], rate, limit=report.data.get("limit"))


def _drift(report: Report) -> Figure | None:
    from mltest.monitor.plots import plot_drift

    return plot_drift(report) if "reference" in report.data else None


def _replay(report: Report) -> Figure | None:
    return report.data["replay"].plot() if "replay" in report.data else None


def _performance(report: Report) -> Figure | None:
    return report.data["timeline"].plot() if "timeline" in report.data else None


def _perf(report: Report) -> Figure | None:
    """The perf gate: this run's timings against the saved baseline's, in calibration
    units, with the verdict's ratio."""
    if "samples" not in report.data:
        return None
    baseline, samples = report.data["baseline"], report.data["samples"]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 2.6))
    parts = ax.boxplot([baseline, samples], vert=False, widths=0.6, patch_artist=True)
    for patch, colour in zip(parts["boxes"], (REFERENCE, CURRENT), strict=True):
        patch.set_facecolor(colour)
        patch.set_alpha(0.5)
    ax.set_yticks([1, 2], [f"baseline ({len(baseline)})", f"this run ({len(samples)})"])
    ax.set_xlabel("time per call (calibration units)")
    result = report.results[0] if report.results else None
    ratio = result.figures.get("ratio") if result is not None else None
    title = report.subject if ratio is None else f"{report.subject}: {ratio:.2f}x the baseline"
    ax.set_title(title, fontsize=9, color=ALERT if not report.passed else "black")
    fig.tight_layout()
    return fig


PLOTS: dict[str, Callable[[Report], Figure | None]] = {
    "load": _load,
    "slices": _slices,
    "fairness": _fairness,
    "drift": _drift,
    "replay": _replay,
    "performance": _performance,
    "perf": _perf,
}


def plot_report(report: Report) -> Figure | None:
    """The report's figure, or None where its kind has none."""
    draw = PLOTS.get(report.kind or "")
    return None if draw is None else draw(report)


def data_url(report: Report) -> str | None:
    """The report's figure as a PNG data URL (for a self-contained page), or None where its
    kind has no figure or matplotlib is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None
    figure = plot_report(report)
    if figure is None:
        return None
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=72)
    pyplot().close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()

"""Plots for model analysis (matplotlib, imported when a plot is drawn)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mltest._plot import ALERT, REFERENCE
from mltest._plot import pyplot as _pyplot
from mltest.errors import UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def plot_group_metrics(table: pd.DataFrame, metric: str, *, limit: float | None = None) -> Figure:
    """One metric per group from ``group_metrics``: a dot per group with its interval and
    its size, the overall spread, and ``limit`` around the best group when given."""
    if not isinstance(table, pd.DataFrame) or metric not in table.columns:
        raise UsageError(f"metric={metric!r}: not a column of the group_metrics table")
    keys = list(table.columns[: list(table.columns).index("size")])
    labels = ["/".join(str(v) for v in row) for row in table[keys].itertuples(index=False)]
    value = table[metric].to_numpy(dtype=float)
    low = table.get(f"{metric}_low", pd.Series(value)).to_numpy(dtype=float)
    high = table.get(f"{metric}_high", pd.Series(value)).to_numpy(dtype=float)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(labels) + 1.5))
    y = np.arange(len(labels))
    ax.errorbar(value, y, xerr=[value - low, high - value], fmt="o", color=REFERENCE, capsize=3)
    for i, size in enumerate(table["size"]):
        ax.annotate(
            f"{size:,} rows",
            (np.nan_to_num(high[i], nan=0), y[i]),
            xytext=(6, -3),
            textcoords="offset points",
            fontsize=8,
        )
    if limit is not None and np.isfinite(value).any():
        best = np.nanmax(value)
        ax.axvspan(best - limit, best, color=ALERT, alpha=0.08, label=f"within {limit:g}")
        ax.legend(frameon=False, fontsize=8)
    ax.set_yticks(y, labels)
    ax.set_xlabel(metric)
    ax.set_title(f"{metric} by group")
    fig.tight_layout()
    return fig


def plot_slices(table: pd.DataFrame, *, top: int = 10) -> Figure:
    """The ``top`` slices of ``find_slices``: each slice's loss (its lower 95% bound as a
    whisker) against the rest's, with its size."""
    needed = {"slice", "size", "loss", "rest", "low"}
    if not isinstance(table, pd.DataFrame) or not needed <= set(table.columns):
        raise UsageError("table: not a find_slices result")
    shown = table.head(top).iloc[::-1]
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(shown), 1) + 1.5))
    y = np.arange(len(shown))
    loss = shown["loss"].to_numpy(dtype=float)
    ax.barh(y, loss, color=ALERT, alpha=0.75, label="slice")
    ax.errorbar(
        loss,
        y,
        xerr=[loss - shown["low"].to_numpy(dtype=float), np.zeros(len(y))],
        fmt="none",
        color="black",
        capsize=3,
    )
    ax.scatter(shown["rest"], y, color=REFERENCE, zorder=3, label="rest of the data")
    for i, size in enumerate(shown["size"]):
        ax.annotate(
            f"{int(size):,} rows",
            (loss[i], y[i]),
            xytext=(4, -3),
            textcoords="offset points",
            fontsize=8,
        )
    ax.set_yticks(y, shown["slice"].tolist(), fontsize=8)
    ax.set_xlabel("loss (error rate)")
    ax.set_title("weakest slices")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_importance(table: pd.DataFrame, *, top: int = 15) -> Figure:
    """``permutation_importance``'s table: each feature's mean score drop with its
    interval, most important at the top."""
    if not isinstance(table, pd.DataFrame) or not {"feature", "importance", "low", "high"} <= set(
        table.columns
    ):
        raise UsageError("table: not a permutation_importance result")
    shown = table.head(top).iloc[::-1]
    value = shown["importance"].to_numpy(dtype=float)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 0.4 * max(len(shown), 1) + 1.4))
    y = np.arange(len(shown))
    ax.barh(y, value, color=REFERENCE, alpha=0.8)
    ax.errorbar(value, y, xerr=_spread(shown, value), fmt="none", color="black", capsize=3)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(y, shown["feature"].tolist())
    ax.set_xlabel("score drop when shuffled")
    ax.set_title("permutation importance")
    fig.tight_layout()
    return fig


def plot_error_curve(curve: pd.DataFrame, *, feature: str = "") -> Figure:
    """``error_curve``'s table: the loss per bin with its interval, and each bin's size."""
    if not isinstance(curve, pd.DataFrame) or not {"bin", "loss", "low", "high", "size"} <= set(
        curve.columns
    ):
        raise UsageError("curve: not an error_curve result")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    x = np.arange(len(curve))
    loss = curve["loss"].to_numpy(dtype=float)
    ax.errorbar(x, loss, yerr=_spread(curve, loss), fmt="o-", color=ALERT, capsize=3)
    ax.set_xticks(x, curve["bin"].tolist(), rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("loss (error rate)")
    ax.set_title(f"loss by {feature}" if feature else "loss by bin")
    sizes = ax.twinx()
    sizes.bar(x, curve["size"], color=REFERENCE, alpha=0.15)
    sizes.set_ylabel("rows", color=REFERENCE)
    fig.tight_layout()
    return fig


def _spread(table: pd.DataFrame, value: np.ndarray) -> list[np.ndarray]:
    """Error-bar lengths below and above ``value`` from the table's ``low``/``high``."""
    return [
        value - table["low"].to_numpy(dtype=float),
        table["high"].to_numpy(dtype=float) - value,
    ]

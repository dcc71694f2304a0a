"""Statistics every verdict shares: Wilson intervals for rates, Benjamini-Hochberg for
many tests at once. One definition each, used by fairness, slices and drift."""

from __future__ import annotations

import numpy as np


def wilson(
    p: np.ndarray, n: np.ndarray, confidence: float | None = 0.95, *, z: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval (low, high) of rates ``p`` observed on ``n`` rows each."""
    if z is None:
        from scipy import stats

        z = float(stats.norm.ppf(0.5 + float(confidence) / 2))  # type: ignore[arg-type]
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), in the order given."""
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out

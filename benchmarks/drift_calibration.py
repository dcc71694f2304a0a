"""Calibration of ``check_drift`` on generated data with known truth.

For each size, many independent reference/current pairs of a 12-column frame: six
columns never change (normal, log-normal, uniform, integer counts, a categorical, a
datetime), the others carry one planted change each (a 0.1-sd mean shift, a 20% variance
increase, a category's share moving by 5 points, a missing rate going from 0% to 5%, and
two negligible ones: a 0.02-sd shift and a 1-point category move). Prints, per size, the
share of runs in which each column was flagged (``failed``) and the share that was
``inconclusive``.

    python benchmarks/drift_calibration.py [--sizes 1000,10000,100000,1000000] [--runs N]

The goals (issue 11): unchanged columns flagged at most 1% at every size; meaningful
changes flagged at least 95% from 10,000 rows; negligible changes flagged at most 5% at
100,000 rows and more; the missing rate always flagged.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np
import pandas as pd

from mltest.monitor import check_drift

UNCHANGED = ["normal", "lognormal", "uniform", "counts", "category", "when"]
PLANTED = {
    "shift_0.1sd": "meaningful",
    "variance_+20%": "meaningful",
    "share_5pts": "meaningful",
    "missing_5%": "meaningful",
    "shift_0.02sd": "negligible",
    "share_1pt": "negligible",
}
CATS = np.array(list("abcde"))


def frame(rng: np.random.Generator, n: int, drifted: bool) -> pd.DataFrame:
    def shares(move: float) -> np.ndarray:
        p = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
        if drifted:
            p = p + np.array([-move, move, 0, 0, 0])
        return rng.choice(CATS, n, p=p)

    missing = rng.normal(size=n)
    if drifted:
        missing[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "normal": rng.normal(size=n),
            "lognormal": rng.lognormal(size=n),
            "uniform": rng.uniform(size=n),
            "counts": rng.poisson(40, size=n),
            "category": rng.choice(CATS, n),
            "when": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 10**6, n), "s"),
            "shift_0.1sd": rng.normal(0.1 if drifted else 0.0, 1.0, size=n),
            "variance_+20%": rng.normal(0.0, np.sqrt(1.2) if drifted else 1.0, size=n),
            "share_5pts": shares(0.05),
            "missing_5%": missing,
            "shift_0.02sd": rng.normal(0.02 if drifted else 0.0, 1.0, size=n),
            "share_1pt": shares(0.01),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=0, help="runs per size (default: by size)")
    args = parser.parse_args()
    for n in [int(s) for s in args.sizes.split(",")]:
        runs = args.runs or {1000: 200, 10000: 200, 100000: 40}.get(n, 10)
        flagged: dict[str, int] = defaultdict(int)
        unsure: dict[str, int] = defaultdict(int)
        start = time.perf_counter()
        for run in range(runs):
            rng = np.random.default_rng([n, run])
            report = check_drift(frame(rng, n, False), frame(rng, n, True), raise_on_failure=False)
            for column in [*UNCHANGED, *PLANTED]:
                statuses = {r.status for r in report.results if r.figures["column"] == column}
                flagged[column] += "failed" in statuses
                unsure[column] += "inconclusive" in statuses
        seconds = time.perf_counter() - start
        null = sum(flagged[c] for c in UNCHANGED) / (runs * len(UNCHANGED))
        print(f"n={n:>9,} runs={runs:>3} ({seconds:.0f} s)  unchanged flagged {null:.2%}")
        for column in [*UNCHANGED, *PLANTED]:
            kind = PLANTED.get(column, "unchanged")
            print(
                f"    {column:<14} {kind:<11} flagged {flagged[column] / runs:7.2%}"
                f"  inconclusive {unsure[column] / runs:7.2%}"
            )


if __name__ == "__main__":
    main()

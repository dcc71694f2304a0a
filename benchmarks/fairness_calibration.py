"""Calibration of ``check_fairness`` on generated data with known truth.

    python benchmarks/fairness_calibration.py [--runs 200]

No difference (groups of 6,000, 3,000, 500 and 30 rows, selection rate 0.4 everywhere):
the share of runs that fail (goal: at most 5%) and that are inconclusive for the 30-row
group; a 10-point gap at 20,000 rows (12,000 vs 8,000): the share that fail (goal: at
least 95%).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mltest.analysis import check_fairness


def run(sizes, rates, seed):
    rng = np.random.default_rng([seed, *sizes])
    groups = np.repeat([chr(97 + i) for i in range(len(sizes))], sizes)
    y_pred = (rng.random(len(groups)) < np.repeat(rates, sizes)).astype(int)
    y_true = rng.integers(0, 2, len(groups))
    report = check_fairness(
        y_true, y_pred, groups, criterion="demographic_parity", raise_on_failure=False
    )
    return report["selection_rate.difference"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    runs = parser.parse_args().runs
    start = time.perf_counter()
    null = [run([6000, 3000, 500, 30], [0.4] * 4, s) for s in range(runs)]
    failed = sum(r.status == "failed" for r in null)
    small = sum(r.status == "inconclusive" and "d" in r.figures.get("undecided", []) for r in null)
    gap = [run([12_000, 8_000], [0.45, 0.35], s) for s in range(runs)]
    caught = sum(r.status == "failed" for r in gap)
    print(
        f"{runs} runs each ({time.perf_counter() - start:.0f} s): no difference: failed "
        f"{failed / runs:.1%}, inconclusive naming the 30-row group {small / runs:.1%}; "
        f"10-point gap at 20,000 rows: failed {caught / runs:.1%}"
    )


if __name__ == "__main__":
    main()

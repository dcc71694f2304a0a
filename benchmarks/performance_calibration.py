"""Calibration of the quality-change detector (``performance_timeline``'s CUSUM).

Runs many generated timelines of daily accuracy and prints the share with an alarm:
with no change (goal: at most alpha = 1%), with a drop of exactly ``min_change`` (the
edge of what matters: at most 1%), and the detection delay for a 5-point drop.

    python benchmarks/performance_calibration.py [--runs N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from mltest.monitor import performance_timeline


def timeline(seed: int, days: int, per_day: int, drop: float, drop_day: int):
    rng = np.random.default_rng([seed, days, per_day, int(drop * 1000)])
    start = pd.date_range("2026-01-01", periods=days, freq="D")
    t = np.repeat(start, per_day)
    y = rng.integers(0, 2, len(t))
    level = np.where(np.arange(len(t)) >= drop_day * per_day, 0.9 - drop, 0.9)
    pred = np.where(rng.random(len(t)) < level, y, 1 - y)
    return performance_timeline(y, pred, t)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    for days, per_day in ((90, 300), (365, 1000)):
        runs = args.runs if days == 90 else max(args.runs // 5, 20)
        begin = time.perf_counter()
        null = sum(timeline(s, days, per_day, 0.0, 0).alarm is not None for s in range(runs))
        edge = sum(timeline(s, days, per_day, 0.02, 30).alarm is not None for s in range(runs))
        delays = []
        for s in range(runs):
            t = timeline(s, days, per_day, 0.05, 30)
            if t.alarm is not None:
                delays.append((t.alarm - pd.Timestamp("2026-01-31")).days)
        print(
            f"{days} days x {per_day} rows, {runs} runs ({time.perf_counter() - begin:.0f} s): "
            f"false alarms with no change {null / runs:.2%}, with a drop of exactly "
            f"min_change {edge / runs:.2%}; 5-point drop found in {len(delays) / runs:.1%} "
            f"of runs, median delay {np.median(delays) if delays else float('nan'):.0f} "
            f"day(s), max {max(delays) if delays else float('nan')}"
        )


if __name__ == "__main__":
    main()

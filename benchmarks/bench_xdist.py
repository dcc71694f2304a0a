"""``pytest --mltest -n 2 examples/`` against the same run serially, same machine, same run.

Goal (issue #8): each registered object's check runs once across xdist workers, so two
workers finish the main job's checks faster than one process (before, each worker re-ran
the whole check of every object it touched and ``-n 2`` was 1.5x *slower*). Runs alternate
so machine noise hits both alike; the medians are compared.
Run: pytest benchmarks/bench_xdist.py -s
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(*extra: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--mltest",
            str(EXAMPLES),
            "-q",
            "-p",
            "no:cacheprovider",
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, proc.stdout[-2000:]
    return elapsed


def test_two_workers_beat_one_process_on_the_main_job():
    serial, parallel = [], []
    for _ in range(3):
        serial.append(_run())
        parallel.append(_run("-n", "2"))
    a, b = statistics.median(serial), statistics.median(parallel)
    ratio = b / a
    print(f"\npytest --mltest examples/: serial {a:.1f}s, -n 2 {b:.1f}s, {ratio:.2f}x (goal < 1)")
    assert b < a

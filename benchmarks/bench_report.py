"""What the session report costs: ``pytest --mltest examples/`` with and without
``--mltest-report DIR``, alternated three times, fastest of each.

Goal (issue 13): collecting and writing the report (report.json, report.html with its
plots) adds at most 5% to the run.
Run: pytest benchmarks/bench_report.py -s
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*extra: str) -> float:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--mltest",
        "examples/",
        "-q",
        "-p",
        "no:cacheprovider",
        *extra,
    ]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stdout[-2000:]
    return seconds


def test_report_overhead(tmp_path):
    plain, reported = [], []
    for i in range(3):
        plain.append(_run())
        reported.append(_run("--mltest-report", str(tmp_path / f"r{i}")))
    ratio = min(reported) / min(plain)
    size = (tmp_path / "r0" / "report.html").stat().st_size
    print(
        f"\npytest --mltest examples/: {min(plain):.1f} s, with --mltest-report "
        f"{min(reported):.1f} s ({ratio:.3f}x); report.html {size / 1e3:.0f} kB"
    )
    assert ratio <= 1.05

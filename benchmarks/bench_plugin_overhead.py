"""What the installed plugin costs a pytest run that does not use it.

Goal (issue #2): ``pytest --co -q`` over a 300-test suite costs at most 3% more with the
plugin installed (``--mltest`` off) than with ``-p no:mltest``. Runs alternate between the
two so machine noise hits both alike; the medians are compared.
Run: pytest benchmarks/bench_plugin_overhead.py -s
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def _suite(root):
    for i in range(30):
        body = "\n".join(f"def test_{i}_{j}():\n    assert {j} == {j}\n" for j in range(10))
        (root / f"test_dummy_{i}.py").write_text(body)


def _collect(root, *extra):
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", *extra],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    assert "300 tests collected" in proc.stdout, proc.stdout[-500:]
    return elapsed


def test_plugin_costs_nothing_measurable_without_flag(tmp_path):
    _suite(tmp_path)
    with_plugin, without = [], []
    for _ in range(15):
        with_plugin.append(_collect(tmp_path))
        without.append(_collect(tmp_path, "-p", "no:mltest"))
    a, b = statistics.median(with_plugin), statistics.median(without)
    overhead = a / b - 1
    print(f"\nmedian --co: plugin on {a:.3f}s, -p no:mltest {b:.3f}s, overhead {overhead:+.1%}")
    assert overhead <= 0.03

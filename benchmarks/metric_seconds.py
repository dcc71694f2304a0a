"""Seconds of a plain ``check_metric`` at defaults for the scikit-learn metrics of
``bench_metric_loss.py`` (issue 9's "any scikit-learn metric under 3 s"), best of 3.

    PYTHONPATH=. python benchmarks/metric_seconds.py

The benchmark asserts call counts, which hold on any machine; this prints the seconds on
this one, without the benchmark's call-counting wrapper.
"""

from __future__ import annotations

import warnings

from benchmarks.bench_metric_loss import METRICS

from mltest.perf import best_time
from mltest.properties.metric import check_metric


def main() -> None:
    warnings.simplefilter("ignore")
    for name, fn, _data, kwargs, reference in METRICS:
        options = dict(kwargs, reference=fn) if reference else dict(kwargs)
        check_metric(fn, raise_on_failure=False, **options)  # warm up
        seconds = best_time(lambda: check_metric(fn, raise_on_failure=False, **options), rounds=3)  # noqa: B023
        print(f"check_metric({name}) at defaults: {seconds:.2f}s (goal < 3 s)")


if __name__ == "__main__":
    main()

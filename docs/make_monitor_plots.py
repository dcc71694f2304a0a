"""Draw the images of docs/monitor.md: PYTHONPATH=. python docs/make_monitor_plots.py"""

from __future__ import annotations

from pathlib import Path

from tests.monitor.test_replay import INPUTS, _Model, _stream

from mltest.monitor import performance_timeline, plot_column, replay

OUT = Path(__file__).parent / "img"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    reference = _stream(60, 400, 0, start="2025-10-01")
    model = _Model(reference)
    live = _stream(365, 1000, 1, drift_from="2026-07-01", flip_from="2026-09-01")
    result = replay(model, live, time_column="at", reference=reference[INPUTS], labels="label")
    result.plot().savefig(OUT / "replay.png", dpi=90)
    timeline = performance_timeline(live["label"].to_numpy(), model.predict(live), live["at"])
    timeline.plot().savefig(OUT / "timeline.png", dpi=90)
    july = live[live["at"] >= "2026-07-01"]
    plot_column(reference[INPUTS], july[INPUTS], "noise").savefig(OUT / "column.png", dpi=90)


if __name__ == "__main__":
    main()

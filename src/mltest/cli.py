"""The ``mltest`` command.

- ``mltest check PATH... [-- PYTEST_ARGS]``: ``pytest --mltest PATH...`` (in a fresh
  Python process, so pytest imports mltest itself as its plugin).
- ``mltest data infer PATH --out schema.yaml``: learn a schema from a CSV/Parquet file.
- ``mltest data validate PATH --schema schema.yaml [--env NAME]``: exit 1 on failures.
- ``mltest monitor replay PATH --model MODEL.pkl --reference REF --time-column COL``:
  replay a model over a timestamped CSV/Parquet file window by window; exit 1 on alerts.
- ``mltest monitor report --store URL --name NAME [--out FILE.json]``: what a store holds.
- ``mltest serve MODEL``, ``mltest token new CALLER``, ``mltest load URL``,
  ``mltest env capture|diff``: the deploy harness (see ``mltest.deploy.commands``).
- ``mltest gate DIR/report.json [--baseline OLD] [--config pyproject.toml]``: exit 0 when
  the report passes the ``[tool.mltest.gate]`` rules, 1 when it does not.
- ``mltest --version``.

Exit codes: 0 success, 1 failed checks, 2 misuse (the message names the argument).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence


def _parser() -> argparse.ArgumentParser:
    from mltest import __version__

    parser = argparse.ArgumentParser(
        prog="mltest", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"mltest {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser(
        "check",
        help="check every @mltest-registered object under PATHs",
        usage="mltest check PATH [PATH ...] [-- PYTEST_ARGS ...]",
        description="Run pytest --mltest PATH...; arguments after -- go to pytest.",
    )
    check.add_argument("paths", nargs="+", metavar="PATH")
    data = sub.add_parser("data", help="infer or validate a data schema").add_subparsers(
        dest="action", required=True
    )
    infer = data.add_parser("infer", help="learn a schema from a CSV or Parquet file")
    infer.add_argument("path")
    infer.add_argument("--out", required=True, help="schema file to write (.yaml or .json)")
    infer.add_argument(
        "--margin", type=float, default=2.0, help="range widening, in spans (default 2)"
    )
    validate = data.add_parser("validate", help="validate a CSV or Parquet file against a schema")
    validate.add_argument("path")
    validate.add_argument("--schema", required=True)
    validate.add_argument("--env", default=None, help="environment (e.g. serving)")
    monitor = sub.add_parser("monitor", help="replay a model, or report on a monitor store")
    actions = monitor.add_subparsers(dest="action", required=True)
    replay = actions.add_parser(
        "replay", help="run a model over a timestamped file window by window; exit 1 on alerts"
    )
    replay.add_argument("path", help="CSV or Parquet file of the model's inputs and times")
    replay.add_argument("--model", required=True, help="the model, pickled (.pkl)")
    replay.add_argument("--reference", required=True, help="the training inputs (CSV/Parquet)")
    replay.add_argument("--time-column", required=True)
    replay.add_argument("--window", default="1D", help="pandas frequency (default 1D)")
    replay.add_argument("--labels", default=None, help="column of true labels, if any")
    replay.add_argument("--store", default=None, help="store URL to write to")
    replay.add_argument("--name", default=None, help="the model's name in the store")
    report = actions.add_parser("report", help="summarise what a store holds for a model")
    report.add_argument("--store", required=True, help="store URL (sqlite:///monitor.db)")
    report.add_argument("--name", required=True, help="the model's name in the store")
    report.add_argument("--out", default=None, help="write the summary as JSON here too")
    gate = sub.add_parser(
        "gate", help="may this change ship? judge a report.json by [tool.mltest.gate] rules"
    )
    gate.add_argument("report", help="DIR/report.json written by pytest --mltest-report DIR")
    gate.add_argument("--baseline", default=None, help="an earlier report.json to compare with")
    gate.add_argument("--config", default=None, help="pyproject.toml (default: ./pyproject.toml)")
    from mltest.deploy.commands import add_parsers

    add_parsers(sub)
    return parser


def _data(args: argparse.Namespace) -> int:
    from mltest.data import Schema, infer_schema
    from mltest.data.sources import read_table
    from mltest.data.validate import failure_table

    frame = read_table(args.path)
    if args.action == "infer":
        path = infer_schema(frame, margin=args.margin).save(args.out)
        print(f"wrote {path} ({frame.shape[1]} columns learned from {len(frame)} rows)")
        return 0
    report = Schema.load(args.schema).validate(frame, env=args.env)
    if report.passed:
        print(f"{args.path}: valid ({len(frame)} rows)")
        return 0
    print(f"{args.path}: {len(report.failed)} check(s) failed\n{failure_table(report)}")
    return 1


def _monitor(args: argparse.Namespace) -> int:
    import json

    from mltest._models import load_model
    from mltest.data.sources import read_table
    from mltest.monitor import Store, replay

    if args.action == "report":
        with Store(args.store) as store:
            windows, alerts = store.windows(args.name), store.alerts(args.name)
            batches = store.batches(args.name)
        drifted = {
            str(w.start.date()): sorted(
                {r["figures"]["column"] for r in w.drift["results"] if r["status"] == "failed"}
            )
            for w in windows.itertuples()
            if w.drift is not None
        }
        summary = {
            "name": args.name,
            "windows": len(windows),
            "batches": len(batches),
            "predictions": int(batches["rows"].sum()) if len(batches) else 0,
            "alerts": [
                {
                    "window": str(a.window),
                    "kind": a.kind,
                    "subject": a.subject,
                    "message": a.message,
                }
                for a in alerts
            ],
            "drifted": {day: cols for day, cols in drifted.items() if cols},
        }
        print(
            f"{args.name}: {summary['windows']} windows, {summary['predictions']} predictions "
            f"in {summary['batches']} batches, {len(alerts)} alert(s)"
        )
        for alert in alerts:
            print(f"  {alert.window}  {alert.kind:<11} {alert.subject}: {alert.message}")
        if args.out:
            with open(args.out, "w") as handle:
                json.dump(summary, handle, indent=2)
        return 0
    model = load_model(args.model, "--model")
    frame = read_table(args.path)
    reference = read_table(args.reference)
    result = replay(
        model,
        frame,
        time_column=args.time_column,
        window=args.window,
        reference=reference,
        labels=args.labels,
        store=args.store,
        name=args.name,
        progress=True,
    )
    print(f"{args.path}: {len(result.timeline)} windows, {len(result.alerts)} alert(s)")
    for alert in result.alerts:
        print(f"  {alert.window}  {alert.kind:<11} {alert.subject}: {alert.message}")
    return 1 if result.alerts else 0


def _check(paths: list[str], pytest_args: list[str]) -> int:
    command = [sys.executable, "-m", "pytest", "--mltest", *paths, *pytest_args]
    return subprocess.run(command, check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    from mltest.errors import UsageError

    argv = list(sys.argv[1:] if argv is None else argv)
    # everything after "--" belongs to pytest, not to this parser
    pytest_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    args = _parser().parse_args(argv)
    try:
        if args.command == "data":
            return _data(args)
        if args.command == "monitor":
            return _monitor(args)
        if args.command == "gate":
            from mltest import gate

            return gate.run(args.report, args.baseline, args.config)
        if args.command in ("serve", "token", "load", "env"):
            from mltest.deploy.commands import run

            return run(args)
        return _check(args.paths, pytest_args)
    except UsageError as exc:
        print(f"mltest: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

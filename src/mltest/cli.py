"""The ``mltest`` command.

- ``mltest check PATH... [-- PYTEST_ARGS]``: ``pytest --mltest PATH...`` (in a fresh
  Python process, so pytest imports mltest itself as its plugin).
- ``mltest data infer PATH --out schema.yaml``: learn a schema from a CSV/Parquet file.
- ``mltest data validate PATH --schema schema.yaml [--env NAME]``: exit 1 on failures.
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
        return _check(args.paths, pytest_args)
    except UsageError as exc:
        print(f"mltest: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""The ``mltest`` command: ``mltest check PATH...`` runs ``pytest --mltest PATH...``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mltest", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check every @mltest-registered object under PATHs")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument(
        "pytest_args", nargs=argparse.REMAINDER, help="after --: passed on to pytest"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":
        import pytest

        extra = [a for a in args.pytest_args if a != "--"]
        return int(pytest.main(["--mltest", *args.paths, *extra]))
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())

"""Per-file mutation scores from a mutmut run (``tox -e mutation``), read from the
``mutants/**/*.meta`` files mutmut leaves: killed (timeouts counted as killed), survived,
no tests, not run yet, and the score killed / (killed + survived + no tests).

    python tools/mutation_score.py            # from the repository root, after a run
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

STATUS = {1: "killed", -24: "killed", 0: "survived", 33: "no tests", None: "not run"}
COLUMNS = ("killed", "survived", "no tests", "not run")


def scores(root: Path) -> dict[str, collections.Counter[str]]:
    out: dict[str, collections.Counter[str]] = {}
    for meta in sorted(root.glob("src/**/*.py.meta")):
        counts: collections.Counter[str] = collections.Counter()
        for code in json.loads(meta.read_text())["exit_code_by_key"].values():
            counts[STATUS.get(code, f"exit {code}")] += 1
        if counts:
            out[str(meta.relative_to(root / "src"))[: -len(".meta")]] = counts
    return out


def _score(c: collections.Counter[str]) -> str:
    decided = c["killed"] + c["survived"] + c["no tests"]
    return f"{100 * c['killed'] / decided:.1f}%" if decided else "-"


def main() -> int:
    root = Path("mutants")
    if not root.is_dir():
        print("no mutants/ folder here: run `tox -e mutation` first", file=sys.stderr)
        return 2
    table = scores(root)
    total: collections.Counter[str] = sum(table.values(), collections.Counter())
    width = max(len(name) for name in [*table, "total"])
    print(f"{'file':{width}}  " + "  ".join(f"{c:>8}" for c in COLUMNS) + "     score")
    for name, c in [*table.items(), ("total", total)]:
        print(f"{name:{width}}  " + "  ".join(f"{c[k]:>8}" for k in COLUMNS) + f"  {_score(c):>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Per-file mutation scores from a mutmut run (``tox -e mutation``), read from the
``mutants/**/*.meta`` files mutmut leaves: killed (timeouts counted as killed), survived,
no tests, not run yet, and the score killed / (killed + survived + no tests).

With ``--survivors``, every surviving mutant instead: its changed line, and why it is
harmless as written in ``tools/mutation_triage.toml`` (by function, optionally by mutant
number), or ``UNTRIAGED`` where nobody has said yet; the exit status is 1 if any is.

    python tools/mutation_score.py               # from the repository root, after a run
    python tools/mutation_score.py --survivors   # each survivor, with its reason
"""

from __future__ import annotations

import ast
import collections
import difflib
import json
import sys
from pathlib import Path

import tomllib

STATUS = {1: "killed", -24: "killed", 0: "survived", 33: "no tests", None: "not run"}
COLUMNS = ("killed", "survived", "no tests", "not run")
TRIAGE = Path(__file__).with_name("mutation_triage.toml")


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


def survivors(root: Path) -> list[tuple[str, str, int, str]]:
    """(file, function, mutant number, changed line) of every mutant that survived or had
    no test, read from the mutated module mutmut wrote beside each ``.meta`` file."""
    out = []
    for meta in sorted(root.glob("src/**/*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        names = [k for k, v in codes.items() if STATUS.get(v) in ("survived", "no tests")]
        if not names:
            continue
        module = meta.with_suffix("")
        source = module.read_text()
        functions = {
            node.name: ast.get_source_segment(source, node) or ""
            for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        file = str(module.relative_to(root / "src"))
        for name in names:
            mangled, number = name.rsplit(".", 1)[-1].rsplit("__mutmut_", 1)
            orig = functions.get(f"{mangled}__mutmut_orig", "").splitlines()
            mutant = functions.get(f"{mangled}__mutmut_{number}", "").splitlines()
            changed = [
                line[1:].strip()
                for line in difflib.unified_diff(orig[1:], mutant[1:], lineterm="", n=0)
                if line[:1] == "+" and not line.startswith("+++")
            ]
            function = mangled[2:].replace("ǁ", ".")  # x_f, or xǁClassǁmethod
            out.append((file, function, int(number), " / ".join(changed) or "(signature)"))
    return out


def reason(triage: dict[str, dict[str, str]], file: str, function: str, number: int) -> str:
    entry = triage.get(file, {})
    return entry.get(f"{function}#{number}") or entry.get(function) or "UNTRIAGED"


def main(argv: list[str]) -> int:
    root = Path("mutants")
    if not root.is_dir():
        print("no mutants/ folder here: run `tox -e mutation` first", file=sys.stderr)
        return 2
    if "--survivors" in argv:
        triage = tomllib.loads(TRIAGE.read_text())
        untriaged = 0
        for file, function, number, changed in survivors(root):
            why = reason(triage, file, function, number)
            untriaged += why == "UNTRIAGED"
            print(f"{file} {function} #{number}: {changed}\n    -> {why}")
        print(f"{untriaged} untriaged")
        return 1 if untriaged else 0
    table = scores(root)
    total: collections.Counter[str] = sum(table.values(), collections.Counter())
    width = max(len(name) for name in [*table, "total"])
    print(f"{'file':{width}}  " + "  ".join(f"{c:>8}" for c in COLUMNS) + "     score")
    for name, c in [*table.items(), ("total", total)]:
        print(f"{name:{width}}  " + "  ".join(f"{c[k]:>8}" for k in COLUMNS) + f"  {_score(c):>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

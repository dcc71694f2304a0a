"""tools/mutation_score.py reads mutmut's results: the per-file counts, and each survivor's
changed line with the reason tools/mutation_triage.toml gives (or UNTRIAGED)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location(
        "mutation_score", ROOT / "tools/mutation_score.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation_score"] = module
    spec.loader.exec_module(module)
    return module


MUTATED = """
def x_f__mutmut_orig(a):
    return a + 1

def x_f__mutmut_1(a):
    return a - 1

def x_f__mutmut_2(a):
    return a + 2

class C:
    def xǁCǁg__mutmut_orig(self):
        return "text"
    def xǁCǁg__mutmut_1(self):
        return "XXtextXX"
"""


def _mutants(tmp_path: Path) -> Path:
    module = tmp_path / "mutants/src/pkg/mod.py"
    module.parent.mkdir(parents=True)
    module.write_text(MUTATED)
    codes = {
        "pkg.mod.x_f__mutmut_1": 0,
        "pkg.mod.x_f__mutmut_2": 1,
        "pkg.mod.xǁCǁg__mutmut_1": 33,
    }
    module.with_name("mod.py.meta").write_text(json.dumps({"exit_code_by_key": codes}))
    return tmp_path / "mutants"


def test_scores_count_each_status(tmp_path):
    tool = _tool()
    counts = tool.scores(_mutants(tmp_path))["pkg/mod.py"]
    assert (counts["killed"], counts["survived"], counts["no tests"]) == (1, 1, 1)


def test_survivors_show_the_changed_line_and_their_reason(tmp_path):
    tool = _tool()
    found = tool.survivors(_mutants(tmp_path))
    assert found == [
        ("pkg/mod.py", "f", 1, "return a - 1"),
        ("pkg/mod.py", "C.g", 1, 'return "XXtextXX"'),
    ]
    triage = {"pkg/mod.py": {"f": "by function", "C.g#1": "by mutant"}}
    assert tool.reason(triage, "pkg/mod.py", "f", 1) == "by function"
    assert tool.reason(triage, "pkg/mod.py", "C.g", 1) == "by mutant"
    assert tool.reason(triage, "pkg/mod.py", "C.g", 2) == "UNTRIAGED"


def test_the_triage_file_is_valid_toml_keyed_by_mutated_files():
    triage = tomllib.loads((ROOT / "tools/mutation_triage.toml").read_text())
    for file, reasons in triage.items():
        assert (ROOT / "src" / file).is_file(), file
        assert all(isinstance(r, str) and r for r in reasons.values())

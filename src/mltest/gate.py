"""``mltest gate DIR/report.json [--baseline OLD/report.json]``: may this change ship?

The rules live in ``[tool.mltest.gate]`` of ``pyproject.toml`` (every one optional):

- ``failed_blocks = true``: a failed check refuses;
- ``inconclusive_blocks = false``: an inconclusive check refuses too;
- ``required_stages = []``: stages that must have run at least one check;
- ``allow = []``: node-id patterns (``fnmatch``) of failures that do not refuse;
- ``max_slowdown = 0`` (off): with ``--baseline``, a check that took more than this many
  times its baseline time (both at least ``min_seconds = 0.1``) refuses;
- ``allowed_drift_columns = []``: monitoring failures about these columns do not refuse.

Exit 0: the gate passes. Exit 1: it refuses, each broken rule on its own line. Exit 2: a
misuse — an unreadable or foreign report, an unknown rule — with a message naming it.
"""

from __future__ import annotations

import fnmatch
import json
import sys
from pathlib import Path
from typing import Any

from mltest.errors import UsageError
from mltest.report import STAGES

RULES: dict[str, Any] = {
    "failed_blocks": True,
    "inconclusive_blocks": False,
    "required_stages": [],
    "allow": [],
    "max_slowdown": 0.0,
    "min_seconds": 0.1,
    "allowed_drift_columns": [],
}


def load_report(path: str | Path, argument: str = "report") -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"{argument} {str(path)!r}: not a readable JSON file ({exc})") from None
    from mltest.stages import FORMAT

    if (
        not isinstance(data, dict)
        or data.get("mltest_report") != FORMAT
        or not isinstance(data.get("checks"), list)
    ):
        raise UsageError(
            f"{argument} {str(path)!r}: not a report.json written by pytest --mltest-report"
        )
    for i, check in enumerate(data["checks"]):
        if not isinstance(check, dict) or not {"nodeid", "stage", "status"} <= set(check):
            raise UsageError(f"{argument} {str(path)!r}: check {i} lacks nodeid, stage or status")
    return data


def load_rules(pyproject: str | Path | None) -> dict[str, Any]:
    """The gate's rules from ``[tool.mltest.gate]`` (defaults where absent)."""
    rules = dict(RULES)
    path = Path(pyproject) if pyproject is not None else Path("pyproject.toml")
    if not path.exists():
        if pyproject is not None:
            raise UsageError(f"--config {str(pyproject)!r}: no such file")
        return rules
    try:
        import tomllib
    except ImportError:  # Python 3.10
        raise UsageError("reading pyproject.toml needs Python 3.11 (tomllib)") from None
    try:
        table = tomllib.loads(path.read_text()).get("tool", {}).get("mltest", {}).get("gate", {})
    except (OSError, ValueError) as exc:
        raise UsageError(f"{str(path)!r}: not readable TOML ({exc})") from None
    unknown = sorted(set(table) - set(RULES))
    if unknown:
        raise UsageError(
            f"[tool.mltest.gate] in {str(path)!r}: unknown rule(s) {unknown}; "
            f"the rules: {sorted(RULES)}"
        )
    for key, value in table.items():
        if type(value) is not type(RULES[key]) and not (
            isinstance(RULES[key], float) and isinstance(value, int)
        ):
            raise UsageError(
                f"[tool.mltest.gate] {key} = {value!r}: must be a {type(RULES[key]).__name__}"
            )
    bad = [s for s in table.get("required_stages", []) if s not in STAGES]
    if bad:
        raise UsageError(
            f"[tool.mltest.gate] required_stages: unknown stage(s) {bad}; "
            f"choose from {list(STAGES)}"
        )
    rules.update(table)
    return rules


def judge(
    report: dict[str, Any], rules: dict[str, Any], baseline: dict[str, Any] | None = None
) -> list[str]:
    """Every broken rule, one line each (empty: the gate passes)."""
    broken = []
    allowed = rules["allow"]
    drift_ok = set(rules["allowed_drift_columns"])

    def excused(check: dict[str, Any]) -> bool:
        if any(fnmatch.fnmatch(check["nodeid"], pattern) for pattern in allowed):
            return True
        column = (check.get("figures") or {}).get("column")
        return check["stage"] == "monitoring" and column in drift_ok

    for check in report["checks"]:
        first = (
            str(check.get("message") or "").splitlines()[0][:160] if check.get("message") else ""
        )
        if check["status"] == "failed" and rules["failed_blocks"] and not excused(check):
            broken.append(f"failed [{check['stage']}] {check['nodeid']}: {first}")
        if (
            check["status"] == "inconclusive"
            and rules["inconclusive_blocks"]
            and not excused(check)
        ):
            broken.append(f"inconclusive [{check['stage']}] {check['nodeid']}: {first}")
    ran = {c["stage"] for c in report["checks"] if c["status"] in ("passed", "failed")}
    for stage in rules["required_stages"]:
        if stage not in ran:
            broken.append(f"stage {stage} did not run (required_stages)")
    if baseline is not None and rules["max_slowdown"] > 0:
        before = {c["nodeid"]: c.get("seconds") for c in baseline["checks"]}
        floor = rules["min_seconds"]
        for check in report["checks"]:
            old, new = before.get(check["nodeid"]), check.get("seconds")
            if old and new and old >= floor and new > rules["max_slowdown"] * old:
                broken.append(
                    f"slower [{check['stage']}] {check['nodeid']}: {new:.3g} s against "
                    f"{old:.3g} s in the baseline ({new / old:.2f}x > {rules['max_slowdown']:g}x)"
                )
    return broken


def run(report_path: str, baseline_path: str | None, config: str | None) -> int:
    report = load_report(report_path, "report")
    baseline = load_report(baseline_path, "--baseline") if baseline_path else None
    rules = load_rules(config)
    broken = judge(report, rules, baseline)
    counts = report.get("stages", {})
    summary = ", ".join(
        f"{stage}: {c.get('failed', 0)} failed of {sum(c.values())}" for stage, c in counts.items()
    )
    if broken:
        print(f"mltest gate: refused ({len(broken)} rule(s) broken; {summary})")
        for line in broken:
            print(f"  {line}")
    else:
        print(f"mltest gate: passed ({summary})")
    page = Path(report_path).with_name("report.html")
    if page.is_file():
        print(f"mltest gate: the report to read is {page}")
    return 1 if broken else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(sys.argv[1], None, None))

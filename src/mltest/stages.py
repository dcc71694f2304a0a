"""Lifecycle stages in a pytest session: which stage each test belongs to, one summary line
per stage, ``--mltest-stage`` to run one, and ``--mltest-report DIR`` to write the session
as ``report.json`` (and ``report.html``, and a markdown summary for GitHub Actions).

An item ``pytest --mltest`` generates takes its stage from its kind of check; an ordinary
test takes it from ``@pytest.mark.mltest_stage("model-analysis")``. The stage travels on the
test report's ``user_properties`` (so xdist workers pass it to the controller, and JUnit XML
shows it as a property of the test case), together with the check's result as JSON.

Imported only when one of the options is used: a plain pytest run pays nothing for it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

import pytest

from mltest.errors import UsageError
from mltest.report import STAGES

FORMAT = 1  # report.json's schema version (docs/ci.md)
_SEEN = pytest.StashKey[list[Any]]()
STATUSES = ("passed", "failed", "skipped", "inconclusive")


def stage_of(item: pytest.Item) -> str | None:
    """The item's stage: its kind's, or its ``mltest_stage`` marker's."""
    marker = item.get_closest_marker("mltest_stage")
    if marker is not None:
        name = marker.args[0] if marker.args else marker.kwargs.get("name")
        if name not in STAGES:
            raise UsageError(
                f"@pytest.mark.mltest_stage({name!r}) on {item.nodeid}: choose from {list(STAGES)}"
            )
        return str(name)
    checker = getattr(getattr(item, "parent", None), "checker", None)
    if callable(checker) and hasattr(item.parent, "registration"):
        return str(checker().stage)
    return None


class StagePlugin:
    """Records every test report with its stage; prints the per-stage lines; writes the
    report directory at the end of the session (on the controller under xdist)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.only = config.getoption("mltest_stage")
        if self.only is not None and self.only not in STAGES:
            raise pytest.UsageError(f"--mltest-stage {self.only}: choose from {list(STAGES)}")
        folder = config.getoption("mltest_report")
        self.folder = Path(folder) if folder else None
        if self.folder is not None and not hasattr(config, "workerinput"):
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                probe = self.folder / ".mltest-write-test"
                probe.write_text("")
                probe.unlink()
            except OSError as exc:
                raise pytest.UsageError(
                    f"--mltest-report {folder}: cannot be written ({exc.strerror})"
                ) from None
        self.records: list[dict[str, Any]] = []
        self.started = dt.datetime.now(dt.timezone.utc)

    # --- selection and recording -------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        if self.only is None:
            return
        kept: list[pytest.Item] = []
        dropped: list[pytest.Item] = []
        for item in items:
            (kept if stage_of(item) == self.only else dropped).append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        """Collect the reports of the mltest checks an ordinary test runs."""
        from mltest.report import LISTENERS

        seen: list[Any] = []
        LISTENERS.append(seen.append)
        try:
            yield
        finally:
            LISTENERS.remove(seen.append)
            item.stash[_SEEN] = seen

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: Any) -> Any:
        outcome = yield
        report = outcome.get_result()
        if not _decisive(report):
            return
        stage = stage_of(item)
        if stage is not None:
            if ("mltest_stage", stage) not in item.user_properties:
                # on the item: every later report of it, and JUnit XML's test case, carry it
                item.user_properties.append(("mltest_stage", stage))
            if ("mltest_stage", stage) not in report.user_properties:
                report.user_properties.append(("mltest_stage", stage))
        result = _result_of(item)
        if result is None and item.stash.get(_SEEN, None):
            checks = [_summary_of(r) for r in item.stash[_SEEN]]
            result = {"figures": {"checks": checks}, "kind": checks[-1]["kind"]}
        if result is not None:
            report.user_properties.append(("mltest_result", json.dumps(result, default=str)))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not _decisive(report):
            return
        props = dict(report.user_properties)
        stage = props.get("mltest_stage")
        if stage is None:
            return
        result = json.loads(str(props["mltest_result"])) if "mltest_result" in props else {}
        status = _status(report)
        self.records.append(
            {
                "nodeid": report.nodeid,
                "stage": stage,
                "object": result.get("object")
                or report.nodeid.split("::")[-2 if "::" in report.nodeid else -1],
                "property": result.get("name") or report.nodeid.split("::")[-1],
                "kind": result.get("kind"),
                "status": status,
                "message": result.get("message") or _message(report),
                "counterexample": result.get("counterexample"),
                "figures": result.get("figures", {}),
                "seconds": round(float(report.duration), 6),
            }
        )

    # --- the end of the session ----------------------------------------------------------

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        counts = self.counts()
        if not counts:
            return
        terminalreporter.section("mltest stages", sep="-")
        for stage in STAGES:
            if stage in counts:
                c = counts[stage]
                line = ", ".join(f"{c[s]} {s}" for s in STATUSES)
                terminalreporter.write_line(
                    f"{stage:<18} {line}", red=c["failed"] > 0, green=c["failed"] == 0
                )
        if self.folder is not None and not hasattr(self.config, "workerinput"):
            path = self.write()
            terminalreporter.write_line(f"mltest report: {path} and {path.with_suffix('.html')}")

    def counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for record in self.records:
            bucket = counts.setdefault(record["stage"], dict.fromkeys(STATUSES, 0))
            bucket[record["status"]] += 1
        return counts

    def write(self) -> Path:
        assert self.folder is not None
        data = {
            "mltest_report": FORMAT,
            "created": self.started.isoformat(),
            "environment": _fingerprint(),
            "stages": self.counts(),
            "checks": self.records,
        }
        path = self.folder / "report.json"
        path.write_text(json.dumps(data, indent=2, default=str) + "\n")
        from mltest.report_html import render

        (self.folder / "report.html").write_text(render(data))
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a") as handle:
                handle.write(markdown(data))
        return path


def _decisive(report: pytest.TestReport) -> bool:
    """The report that says how a test went: its call, or a setup that did not pass."""
    return report.when == "call" or (report.when == "setup" and not report.passed)


def _status(report: pytest.TestReport) -> str:
    if report.passed:
        return "passed"
    if report.failed:
        return "failed"
    text = str(report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr)
    return "inconclusive" if "inconclusive:" in text else "skipped"


def _message(report: pytest.TestReport) -> str:
    if report.passed:
        return ""
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])
    text = getattr(report, "longreprtext", "") or str(report.longrepr)
    lines = [line for line in text.splitlines() if line.startswith("E ")]
    return "\n".join(line[2:].strip() for line in lines[:20]) or text[-2000:]


def _result_of(item: pytest.Item) -> dict[str, Any] | None:
    parent: Any = getattr(item, "parent", None)
    if not hasattr(parent, "outcome"):
        return None
    try:
        report = parent.outcome()
        result = report[item.name]
    except Exception:  # a usage error: the test report says it
        return None
    out = result.to_dict()
    out["object"] = report.subject
    out["kind"] = report.kind
    return out


def _summary_of(report: Any) -> dict[str, Any]:
    """A check an ordinary test ran, for its record: what it checked and measured, and its
    plot where its kind has one (a PNG as a data URL)."""
    from mltest.report import to_jsonable
    from mltest.report_plots import data_url

    return {
        "subject": report.subject,
        "kind": report.kind,
        "passed": report.passed,
        "plot": data_url(report),
        "results": [
            {
                "name": r.name,
                "status": r.status,
                "message": r.message[:500],
                "figures": to_jsonable(r.figures),
            }
            for r in report.results[:100]
        ],
    }


def _fingerprint() -> dict[str, Any]:
    from importlib import metadata

    wanted = ("numpy", "scipy", "scikit-learn", "pandas", "torch", "pytest-mltest", "hypothesis")
    versions = {}
    for name in wanted:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "packages": versions,
        "argv": sys.argv[1:],
    }


def markdown(data: dict[str, Any]) -> str:
    """The GitHub step summary: a table of stages, then each failure."""
    lines = [
        "## mltest",
        "",
        "| stage | passed | failed | skipped | inconclusive |",
        "| --- | --- | --- | --- | --- |",
    ]
    for stage in STAGES:
        if stage in data["stages"]:
            c = data["stages"][stage]
            lines.append(
                f"| {stage} | {c['passed']} | {c['failed']} | {c['skipped']} "
                f"| {c['inconclusive']} |"
            )
    failures = [c for c in data["checks"] if c["status"] == "failed"]
    if failures:
        lines += ["", "### Failures", ""]
        for check in failures[:50]:
            first = (check["message"] or "").splitlines()[0][:200] if check["message"] else ""
            lines.append(f"- **{check['stage']}** `{check['nodeid']}`: {first}")
    return "\n".join(lines) + "\n\n"

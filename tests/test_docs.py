"""Docs are part of the feature: every property and option is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from mltest.analysis import model_properties
from mltest.properties import metric, transformer

DOCS = Path(__file__).resolve().parents[1] / "docs"
SETS = {"transformer.md": transformer.PROPERTIES, "metric.md": metric.PROPERTIES}
SETS["analysis.md"] = model_properties.PROPERTIES
try:
    from mltest.properties import loss

    SETS["loss.md"] = loss.PROPERTIES
except ImportError:  # torch is optional
    pass


@pytest.mark.parametrize("page", sorted(SETS))
def test_every_property_is_documented_with_its_docstring(page):
    text = (DOCS / page).read_text()
    for p in SETS[page]:
        assert f"## `{p.name}`" in text  # a section or a subsection
        assert p.doc.splitlines()[0] in text, f"docs/{page} is stale for {p.name}"


@pytest.mark.parametrize("page", sorted(SETS))
def test_every_property_has_a_docstring_saying_what_and_why(page):
    for p in SETS[page]:
        paragraphs = [part for part in p.doc.split("\n\n") if part.strip()]
        assert len(paragraphs) >= 2, p.name


def test_plugin_option_is_documented():
    assert "`--mltest`" in (DOCS / "plugin.md").read_text()


def test_contributor_page_and_convention_are_documented():
    text = (DOCS / "contributing.md").read_text()
    for needed in ("pytest_mltest_checkers", "PropertyChecker", "@prop(", "CLI subcommand"):
        assert needed in text
    engine = (DOCS / "engine.md").read_text()
    from mltest.report import REASONS, STATUSES

    for word in (*STATUSES, *REASONS):
        assert f"`{word}`" in engine, word


def test_sweep_page_lists_every_declaration_and_defect():
    from tests.properties.test_transformer_sklearn import DECLARED, EXCLUDED

    text = (DOCS / "sklearn-sweep.md").read_text()
    for name in (*DECLARED, *EXCLUDED):
        assert f"`{name}`" in text, name
    for declaration in DECLARED.values():
        for defect in declaration.defects():
            assert defect.reproducer in text, defect.reproducer


def test_drift_checks_thresholds_and_figures_are_documented():
    import numpy as np
    import pandas as pd

    from mltest.monitor import DEFAULT_THRESHOLDS, check_drift

    text = (DOCS / "monitor.md").read_text()
    for key in DEFAULT_THRESHOLDS:
        assert f"`{key}`" in text, key
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["a", "b"], 200)})
    for result in check_drift(frame, frame).results:
        for key in result.figures:
            assert f"`{key}`" in text, key


def test_performance_figures_and_timeline_columns_are_documented():
    import numpy as np
    import pandas as pd

    from mltest.monitor import check_performance

    text = (DOCS / "monitor.md").read_text()
    rng = np.random.default_rng(0)
    time = np.repeat(pd.date_range("2026-01-01", periods=20, freq="D"), 50)
    y = rng.integers(0, 2, len(time))
    result = check_performance(y, y, time).results[0]
    for key in result.figures:
        assert f"`{key}`" in text, key
    for column in result.figures["timeline"]:
        assert f"`{column}`" in text or column in text, column


def test_fairness_figures_and_rates_are_documented():
    from mltest.analysis import CRITERIA, RATES, check_fairness

    text = (DOCS / "analysis.md").read_text()
    for name in (*RATES, *CRITERIA):
        assert f"`{name}`" in text, name
    groups = ["a"] * 500 + ["b"] * 500
    y = [0, 1] * 500
    report = check_fairness(
        y,
        [1, 0] * 250 + [1, 1] * 250,
        groups,
        criterion="demographic_parity",
        raise_on_failure=False,
    )
    for result in report.results:
        for key in result.figures:
            assert f"`{key}`" in text, key


def test_deploy_endpoints_metrics_figures_and_commands_are_documented():
    pytest.importorskip("prometheus_client")
    from mltest.deploy.app import Metrics
    from mltest.deploy.environment import VARIABLES
    from mltest.deploy.load import FIGURES
    from mltest.monitor.store import AUDIT_COLUMNS

    text = (DOCS / "deploy.md").read_text()
    for path in ("/predict", "/v2/models/{name}/infer", "/v2/health/live", "/metrics"):
        assert f"`POST {path}`" in text or f"`GET {path}`" in text, path
    for family in Metrics().collect():
        assert f"`{family.name}`" in text, family.name
    for figure in (*FIGURES, "send_lag_p50", "send_lag_p99", "statuses", "exceptions"):
        assert f"`{figure}`" in text, figure
    for column in AUDIT_COLUMNS:
        if column != "ts_ns":
            assert f"`{column}`" in text, column
    for name in VARIABLES:
        assert f"`{name}`" in text, name
    for command in (
        "mltest serve",
        "mltest token new",
        "mltest load",
        "mltest env capture",
        "mltest env diff",
        "mltest_server",
    ):
        assert command in text, command


def test_slice_columns_are_documented():
    import numpy as np
    import pandas as pd

    from mltest.analysis import find_slices

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=500)})
    table = find_slices(X, np.zeros(500, int), (X["a"] > 1).astype(int), significant_only=False)
    text = (DOCS / "analysis.md").read_text()
    for column in table.columns:
        assert f"`{column}`" in text, column


def test_ci_page_documents_rules_keys_and_options():
    from mltest.gate import RULES

    text = (DOCS / "ci.md").read_text()
    for rule in RULES:
        assert f"{rule} = " in text, rule
    schema = __import__("json").loads(
        (Path(__file__).resolve().parents[1] / "src/mltest/report_schema.json").read_text()
    )
    for key in (*schema["required"], *schema["properties"]["checks"]["items"]["required"]):
        assert f"`{key}`" in text, key
    for option in ("--mltest-stage", "--mltest-report", "GITHUB_STEP_SUMMARY", "mltest_stage"):
        assert option in text, option

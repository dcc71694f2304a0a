"""Docs are part of the feature: every property and option is documented."""

from __future__ import annotations

from pathlib import Path

from mltest.properties.transformer import PROPERTIES

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_transformer_property_is_documented_with_its_docstring():
    text = (DOCS / "transformer.md").read_text()
    for p in PROPERTIES:
        assert f"## `{p.name}`" in text
        assert p.doc.splitlines()[0] in text, f"docs/transformer.md is stale for {p.name}"


def test_every_property_has_a_docstring_saying_what_and_why():
    for p in PROPERTIES:
        paragraphs = [part for part in p.doc.split("\n\n") if part.strip()]
        assert len(paragraphs) >= 2, p.name


def test_plugin_option_is_documented():
    assert "`--mltest`" in (DOCS / "plugin.md").read_text()

"""The fact catalog page stays in step with the code that defines the facts."""

from __future__ import annotations

from engine.report.fact_catalog import render_markdown
from tests.conftest import ROOT


def test_fact_catalog_doc_is_current():
    assert (ROOT / "docs" / "facts.md").read_text() == render_markdown(), (
        "docs/facts.md is stale: run `ur facts --format markdown > docs/facts.md`")


def test_every_fact_has_a_description():
    from engine.knowledge.facts import FACTS

    assert all(len(fact.description) >= 10 for fact in FACTS.values())

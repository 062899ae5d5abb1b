"""`ur explain` for auditors: text, markdown and html show every item, rule, criterion, fact with its
source, citation and verification flag, and the evaluation order; --only unmet keeps what decided."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from engine.knowledge.case_files import load_cases
from engine.cli.common import app
from engine.report.explain import MARK, OUTCOME, render_explanation
from engine.decide.record import decide
from engine.report.decision_report import render_html, render_markdown
from tests.conftest import ROOT

SAMPLES = sorted((ROOT / "cases" / "real" / "letters").glob("*.yaml"))
runner = CliRunner()


@pytest.fixture(scope="module")
def records(pack):
    out = {}
    for path in SAMPLES:
        loaded = load_cases(path)[0]
        out[path.stem] = decide(loaded.case, loaded.name, pack, "2020-01-01T00:00:00Z")
    return out


def _flat(text: str) -> str:
    return " ".join(text.split())


def _criteria(decision):
    return [(item, rule, crit) for item in decision.items for rule in item.rules for crit in rule.criteria]


@pytest.mark.parametrize("stem", [p.stem for p in SAMPLES])
def test_text_shows_every_item_rule_criterion_fact_and_citation(records, stem):
    decision = records[stem].decision
    text = render_explanation(decision)
    flat = _flat(text)
    for item in decision.items:
        assert f"ITEM {item.id}: {item.request}" in text
        assert _flat(OUTCOME[item.outcome]) in flat
        for rule in item.rules:
            assert f"RULE {rule.id} - {rule.title}" in text
            assert _flat(rule.citation) in flat
    for _, _, crit in _criteria(decision):
        assert f"[{MARK[crit.status]}] {crit.id}" in text
        assert _flat(crit.citation) in flat
        for fact in crit.facts:
            if fact.documented and fact.source:
                assert _flat(f"documented in: {fact.source}") in flat
    assert sum(line.startswith("    [") for line in text.splitlines()) == len(_criteria(decision))


def test_verification_is_explicit_true_or_false_for_every_criterion(records):
    decision = records[SAMPLES[0].stem].decision.model_copy(deep=True)
    levels = ["reg", "gl", "imr", "sec", "unverified"]
    for n, (_, _, crit) in enumerate(_criteria(decision)):
        crit.verified = levels[n % len(levels)]
    expected = [("true" if c.verified in ("reg", "gl", "imr") else "false", c.verified)
                for _, _, c in _criteria(decision)]
    assert re.findall(r"verified: (true|false) \((\w+):", render_explanation(decision)) == expected
    html = render_html(records[SAMPLES[0].stem].model_copy(update={"decision": decision}))
    assert re.findall(r"verified: (true|false) \((\w+):", html) == expected
    assert html.count('<span class="unverified">verified: false') == sum(f == "false" for f, _ in expected)


def test_only_unmet_keeps_what_decided_the_outcome(records):
    decision = records[SAMPLES[0].stem].decision
    text = render_explanation(decision, only_unmet=True)
    assert "[MET]" not in text
    blocking = [c for item in decision.items for r in item.rules if r.applicable and not r.superseded_by
                for c in r.criteria if c.counts_against]
    assert blocking
    assert sum(line.startswith("    [") for line in text.splitlines()) == len(blocking)
    for crit in blocking:
        assert f"[{MARK[crit.status]}] {crit.id}" in text
    assert " derived " not in text
    full_md, only_md = render_markdown(records[SAMPLES[0].stem]), render_markdown(records[SAMPLES[0].stem], True)
    assert "#### MET:" in full_md and "#### MET:" not in only_md
    assert " derived " in full_md and " derived " not in only_md


def test_trace_is_numbered_in_firing_order_and_dependent_items_come_after(records):
    decision = next(r.decision for r in records.values() if any(i.accompanies for i in r.decision.items))
    text = render_explanation(decision)
    steps = [int(m) for m in re.findall(r"^\s+(\d+)\. ", text.split("ORDER OF EVALUATION")[1], re.M)]
    assert steps == list(range(1, len(decision.trace) + 1))
    dependent = next(i for i in decision.items if i.accompanies)
    order = [line.strip() for line in text.split("ORDER OF EVALUATION")[1].splitlines() if line.startswith("  ")
             and not line.startswith("    ")]
    assert order.index(dependent.accompanies) < order.index(dependent.id)
    assert f"item {dependent.accompanies} (decided after it)" in text


def test_markdown_has_a_section_per_item_and_the_digests(records):
    record = records[SAMPLES[1].stem]
    text = render_markdown(record)
    for item in record.decision.items:
        assert text.count(f"## Item `{item.id}`:") == 1
    assert f"sha256 {record.pack.digest}" in text and f"sha256 {record.input.sha256}" in text
    assert text.count("\n#### ") == len(_criteria(record.decision))


class _Sections(HTMLParser):
    def __init__(self):
        super().__init__()
        self.items: list[str] = []
        self.criteria = 0
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attrs = dict(attrs)
        if tag == "section" and attrs.get("class") == "item":
            self.items.append(attrs["data-item"])
        if tag == "div" and "data-criterion" in attrs:
            self.criteria += 1


@pytest.mark.parametrize("stem", [p.stem for p in SAMPLES])
def test_html_is_a_self_contained_printable_page(records, stem):
    record = records[stem]
    page = render_html(record)
    parser = _Sections()
    parser.feed(page)
    assert parser.items == [i.id for i in record.decision.items]
    assert parser.criteria == len(_criteria(record.decision))
    assert not parser.tags & {"script", "link", "img", "iframe", "object"}
    assert not re.search(r"https?://|url\(|@import|src=", page)
    assert "@media print" in page and "break-before: page" in page
    assert f"sha256 {record.pack.digest}" in page and record.decision.request_date in page


def test_html_escapes_case_text(records):
    record = records[SAMPLES[0].stem].model_copy(deep=True)
    record.decision.items[0].request = "Soma <script>alert(1)</script> & co"
    page = render_html(record)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


@pytest.mark.parametrize("fmt, start", [("html", "<!DOCTYPE html>"), ("markdown", "# UR decision explanation"),
                                        ("text", "UR DECISION EXPLANATION"), ("json", "{")])
def test_cli_explain_formats_for_every_sample(fmt, start):
    for path in SAMPLES:
        result = runner.invoke(app, ["explain", str(path), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(start)
        assert load_cases(path)[0].case.items[0].request.split()[0] in result.stdout


@pytest.mark.parametrize("args, message", [(["--format", "pdf"], "--format must be one of"),
                                           (["--only", "met"], "--only takes 'unmet'")])
def test_cli_explain_bad_options_exit_2(args, message):
    result = runner.invoke(app, ["explain", str(SAMPLES[0]), *args])
    assert result.exit_code == 2 and message in result.stderr and result.stdout == ""

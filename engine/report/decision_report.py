"""Printable reports of a decision record for auditors: Markdown and a self-contained HTML page.

Both show, per item, the request as written, every rule (edition, citation, state), every
criterion (status, test, facts with where each is documented, citation, verified true/false)
and the order of evaluation; the header carries the digests that tie the page to its record.
"""

from __future__ import annotations

from typing import Mapping, Optional

from html import escape

from engine.decide.decision import CriterionResult, ItemDecision, RuleResult
from engine.report.explain import (EDITION_LABEL, MARK, OUTCOME, deciding, edition_flag, fact_text, guideline_text,
                                   rule_state, trace_groups, verified_text)
from engine.decide.record import DecisionRecord

TITLE = "UR decision explanation"


def header_fields(record: DecisionRecord) -> list[tuple[str, str]]:
    """Label/value pairs for the report header: case, dates, rule pack, engine, digests."""
    case, pack, engine = record.input.case, record.pack, record.engine
    fields = [("Case", record.decision.case)]
    if case.get("title"):
        fields.append(("Title", str(case["title"])))
    fields.append(("Request date", record.decision.request_date))
    if record.decision.date_of_service:
        fields.append(("Date of service", record.decision.date_of_service))
    if case.get("injury_date"):
        fields.append(("Injury date", str(case["injury_date"])))
    author = case.get("author")
    if isinstance(author, dict) and author.get("role"):
        fields.append(("Record author", str(author["role"]) + (f" ({author['name']})" if author.get("name") else "")))
    if case.get("record"):
        fields.append(("Record", f"{case['record']}: {case.get('record_reason', '')}"))
    fields += [
        ("Rule pack", f"{pack.name} {pack.version} ({len(pack.files)} files)"),
        ("Rule pack digest", f"sha256 {pack.digest}"),
        ("Case input digest", f"sha256 {record.input.sha256}"),
        ("Engine", f"{engine.name} {engine.version}, durable-rules {engine.durable_rules}, Python {engine.python}"),
    ]
    if engine.code:
        fields.append(("Engine code digest", f"sha256 {engine.code}"))
    fields.append(("Record created", record.created))
    if record.seal is not None:
        signed = f", signed with key {record.signature.key}" if record.signature else ""
        fields.append(("Record seal", f"sha256 {record.seal.sha256}{signed}"))
    return fields


# --- Markdown ---------------------------------------------------------------------------------

def render_markdown(record: DecisionRecord, only_unmet: bool = False,
                    tables: Optional[Mapping[str, list[str]]] = None) -> str:
    """A Markdown report (GitHub-flavoured tables) of one decision record (`tables`: explain.fact_tables)."""
    decision = record.decision
    lines = [f"# {TITLE}: case {_md(decision.case)}", "", "| | |", "| --- | --- |"]
    lines += [f"| {label} | {_md(value)} |" for label, value in header_fields(record)]
    if only_unmet:
        lines += ["", "_Shown: only what decided each outcome (`--only unmet`)._"]
    lines += ["", "| Item | Request | Determination |", "| --- | --- | --- |"]
    lines += [f"| `{i.id}` | {_md(i.request)} | {_md(OUTCOME[i.outcome] + edition_flag(i))} |" for i in decision.items]
    for item in decision.items:
        lines += ["", *_md_item(item, only_unmet, tables or {})]
    lines += ["", "## Order of evaluation", ""]
    if only_unmet:
        lines.append("_Omitted with `--only unmet`; run without it for the full trace._")
    for item, steps in [] if only_unmet else trace_groups(decision.trace):
        lines.append(f"- `{item}`")
        lines += [f"  {n}. {_md(text)}" for n, text in steps]
    return "\n".join(lines) + "\n"


def _md_item(item: ItemDecision, only_unmet: bool, tables: Mapping[str, list[str]]) -> list[str]:
    lines = [f"## Item `{item.id}`: {_md(item.request)}", "",
             f"- **Read as:** {_md(item.name)} ({item.kind}" + (f"; {_md(', '.join(item.classes))})" if item.classes else ")"),
             f"- **Determination:** {_md(OUTCOME[item.outcome])}", f"- **Why:** {_md(item.summary)}"]
    lines += [f"- **{EDITION_LABEL}:** {_md(notice.text)}" for notice in item.editions]
    if item.accompanies:
        lines.append(f"- **Accompanies:** item `{item.accompanies}` (decided after it)")
    lines += [f"- **Assumption:** {_md(note)}" for note in item.assumptions]
    for rule in item.rules:
        if deciding(rule, only_unmet):
            lines += ["", *_md_rule(rule, only_unmet, tables)]
    return lines


def _md_rule(rule: RuleResult, only_unmet: bool, tables: Mapping[str, list[str]]) -> list[str]:
    lines = [f"### Rule `{rule.id}`: {_md(rule.title)}", "",
             f"{_md(guideline_text(rule))}. {_md(rule.citation)}.", "",
             f"**Result:** {_md(rule_state(rule))}"]
    for crit in rule.criteria:
        if not (only_unmet and not crit.counts_against):
            lines += ["", *_md_criterion(crit, tables)]
    if rule.applicable and not rule.superseded_by and not rule.satisfied and rule.alternatives:
        lines += ["", f"**Guideline alternatives:** {_md('; '.join(rule.alternatives))}"]
    return lines


def _md_criterion(crit: CriterionResult, tables: Mapping[str, list[str]]) -> list[str]:
    lines = [f"#### {MARK[crit.status]}: `{crit.id}`", "", _md(crit.statement), "",
             f"- Test: `{crit.condition}`"]
    for fact in crit.facts:
        value, where = fact_text(fact)
        lines.append(f"- Fact: `{value}` (documented in: {_md(where)})")
        lines += [f"  - from {_md(source)}" for source in (tables.get(fact.name, []) if fact.documented else [])]
    lines += [f"- Citation: {_md(crit.citation)}", f"- {_md(verified_text(crit.verified))}"]
    return lines


def _md(text: str) -> str:
    out = str(text).replace("\\", "\\\\")
    for ch in "`*_[]<>|#":
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())


# --- HTML -------------------------------------------------------------------------------------

CSS = """
body { font: 11pt/1.4 "DejaVu Sans", Arial, sans-serif; color: #111; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.5em; margin: 0 0 .6em; } h2 { font-size: 1.25em; border-bottom: 2px solid #333; padding-bottom: .2em; }
h3 { font-size: 1.08em; margin: 1.2em 0 .3em; } h4 { font-size: 1em; margin: 0 0 .3em; }
table { border-collapse: collapse; width: 100%; margin: .6em 0; } th, td { border: 1px solid #999; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #eee; } dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1em; }
dl.meta dt { font-weight: bold; } dl.meta dd { margin: 0; overflow-wrap: anywhere; }
code { font: .92em "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.criterion { border: 1px solid #bbb; border-left-width: 6px; padding: .4em .7em; margin: .6em 0; }
.status { font-weight: bold; padding: 0 .4em; border: 1px solid currentColor; }
.met { border-left-color: #2a7a2a; } .met .status { color: #1d5e1d; }
.not_met { border-left-color: #b00020; } .not_met .status { color: #b00020; }
.not_documented { border-left-color: #c77700; } .not_documented .status { color: #8a5200; }
.unverified { font-weight: bold; } .outcome { font-weight: bold; } .muted { color: #555; }
ol.trace { font-size: .9em; }
@page { size: A4; margin: 16mm 14mm; @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 8pt; } }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  section.item, section.trace { break-before: page; }
  .criterion, tr, h2, h3, h4 { break-inside: avoid; } h2, h3, h4 { break-after: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def render_html(record: DecisionRecord, only_unmet: bool = False,
                tables: Optional[Mapping[str, list[str]]] = None) -> str:
    """A self-contained printable page (inline CSS, no scripts, no external assets); `tables`:
    explain.fact_tables."""
    decision = record.decision
    meta = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in header_fields(record))
    rows = "".join(f'<tr><td><a href="#item-{escape(i.id)}"><code>{escape(i.id)}</code></a></td>'
                   f"<td>{escape(i.request)}</td><td class=\"outcome\">{escape(OUTCOME[i.outcome] + edition_flag(i))}</td></tr>"
                   for i in decision.items)
    shown = "<p><em>Shown: only what decided each outcome (--only unmet).</em></p>" if only_unmet else ""
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
        f"<title>{TITLE} - case {escape(decision.case)}</title>\n<style>{CSS}</style>\n</head>\n<body>",
        f'<header>\n<h1>{TITLE}: case {escape(decision.case)}</h1>\n<dl class="meta">{meta}</dl>{shown}',
        f"<table class=\"summary\"><tr><th>Item</th><th>Request</th><th>Determination</th></tr>{rows}</table>\n</header>",
        *(_html_item(item, only_unmet, tables or {}) for item in decision.items),
        _html_trace(decision.trace, only_unmet),
        "</body>\n</html>\n",
    ]
    return "\n".join(parts)


def _html_item(item: ItemDecision, only_unmet: bool, tables: Mapping[str, list[str]]) -> str:
    read = f"{item.name} ({item.kind}" + (f"; {', '.join(item.classes)})" if item.classes else ")")
    facts = [("Request as written", item.request), ("Read as", read), ("Determination", OUTCOME[item.outcome]),
             ("Why", item.summary)]
    facts += [(EDITION_LABEL, notice.text) for notice in item.editions]
    if item.accompanies:
        facts.append(("Accompanies", f"item {item.accompanies} (decided after it)"))
    facts += [("Assumption", note) for note in item.assumptions]
    meta = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    rules = "".join(_html_rule(r, only_unmet, tables) for r in item.rules if deciding(r, only_unmet))
    return (f'<section class="item" id="item-{escape(item.id)}" data-item="{escape(item.id)}" '
            f'data-outcome="{item.outcome}">\n<h2>Item {escape(item.id)}: {escape(item.request)}</h2>\n'
            f'<dl class="meta">{meta}</dl>\n{rules}</section>')


def _html_rule(rule: RuleResult, only_unmet: bool, tables: Mapping[str, list[str]]) -> str:
    crits = "".join(_html_criterion(c, tables) for c in rule.criteria if not (only_unmet and not c.counts_against))
    alts = ""
    if rule.applicable and not rule.superseded_by and not rule.satisfied and rule.alternatives:
        alts = f"<p><strong>Guideline alternatives:</strong> {escape('; '.join(rule.alternatives))}</p>"
    return (f'<section class="rule" data-rule="{escape(rule.id)}">\n<h3>Rule <code>{escape(rule.id)}</code>: '
            f"{escape(rule.title)}</h3>\n<p>{escape(guideline_text(rule))}. "
            f"{escape(rule.citation)}.<br><strong>Result:</strong> {escape(rule_state(rule))}</p>\n"
            f"{crits}{alts}</section>\n")


def _html_criterion(crit: CriterionResult, tables: Mapping[str, list[str]]) -> str:
    facts = "".join(f"<li><code>{escape(v)}</code> <span class=\"muted\">(documented in: {escape(w)})</span>"
                    + "".join(f"<br><span class=\"muted\">from {escape(t)}</span>"
                              for t in (tables.get(fact.name, []) if fact.documented else []))
                    + "</li>" for fact, (v, w) in ((f, fact_text(f)) for f in crit.facts))
    verified = verified_text(crit.verified)
    flag = ' class="unverified"' if verified.startswith("verified: false") else ""
    return (f'<div class="criterion {crit.status}" data-criterion="{escape(crit.id)}">\n'
            f'<h4><span class="status">{MARK[crit.status]}</span> <code>{escape(crit.id)}</code></h4>\n'
            f"<p>{escape(crit.statement)}</p>\n<p>Test: <code>{escape(crit.condition)}</code></p>\n"
            f"<p>Facts used:</p><ul>{facts}</ul>\n<p>Citation: {escape(crit.citation)}<br><span{flag}>{escape(verified)}</span></p>\n"
            "</div>\n")


def _html_trace(trace: list[str], only_unmet: bool) -> str:
    if only_unmet:
        body = "<p><em>Omitted with --only unmet; run without it for the full trace.</em></p>"
    else:
        body = "".join(f"<h3><code>{escape(item)}</code></h3><ol class=\"trace\">"
                       + "".join(f'<li value="{n}">{escape(text)}</li>' for n, text in steps) + "</ol>"
                       for item, steps in trace_groups(trace))
    return f'<section class="trace">\n<h2>Order of evaluation</h2>\n<p class="muted">Derived facts, engine firings, ' \
           f"supersessions and outcomes, in the order they happened.</p>\n{body}\n</section>"


# --- ur verify --------------------------------------------------------------------------------

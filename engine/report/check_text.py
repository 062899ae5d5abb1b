"""Render a pre-submission check for a provider's office: a terminal table per request, Markdown
to paste into a request letter, and JSON for integrations."""

from __future__ import annotations

import json
import textwrap

from engine.advise.checklist import CheckReport, DocCheck, ItemAdvice, Line
from engine.knowledge.conditions import show_value

VERDICT = {"overturned": "likely APPROVABLE", "upheld": "likely DENIED",
           "no_applicable_rule": "NO RULE in force - needs clinical review"}
STATUS = {"not_met": "NOT MET", "not_documented": "TO DOCUMENT"}
WIDTH = 100


def render_json(report: CheckReport) -> str:
    """The whole report, plus the overall flag the exit code follows."""
    return json.dumps({"approvable": report.approvable, **report.model_dump(mode="json")}, indent=2)


def render_checklist(report: CheckReport) -> str:
    """Terminal report: per request, a numbered table of blocking criteria and the verified fixes."""
    out = [f"Pre-submission check: {report.case} (request date {report.request_date}; "
           f"rules {report.pack.name} {report.pack.version})", ""]
    for item in report.items:
        out += _text_item(item)
    return "\n".join(out).rstrip() + "\n"


def _text_item(item: ItemAdvice) -> list[str]:
    provisional = ""
    if item.editions and item.outcome != "no_applicable_rule":
        provisional = " (provisional: the edition that governed is not encoded)"
    out = [f"[{item.id}] {item.request}  ({item.name})", f"  Outcome: {VERDICT[item.outcome]}{provisional}"]
    for notice in item.editions:
        out += textwrap.wrap(f"EDITION NOT ENCODED: {notice.text}", WIDTH, initial_indent="  ", subsequent_indent="    ")
    out += [f"  note: {note}" for note in item.assumptions]
    if item.outcome == "no_applicable_rule":
        out += textwrap.wrap(f"{item.summary[:1].upper()}{item.summary[1:]}; check the date and the name.", WIDTH,
                             initial_indent="  ", subsequent_indent="  ")
    if item.lines:
        out += ["", f"  {'#':>2}  {'status':<12} criterion, what to add or change, source", f"  {'-' * 96}"]
    for n, line in enumerate(item.lines, 1):
        out.append(f"  {n:>2}  {STATUS[line.status]:<12} {line.criterion}")
        for label, text in (("", line.document), ("", resolution(line)), ("source: ", line.citation)):
            out += textwrap.wrap(label + text, WIDTH, initial_indent=" " * 19, subsequent_indent=" " * 21)
    if item.outcome == "upheld":
        out += ["", "  What would make it approvable:"] + _text_plan(item)
    return out + [""]


def _text_plan(item: ItemAdvice) -> list[str]:
    out = []
    for change in item.changes:
        out += textwrap.wrap(f"- change: {change.text}", WIDTH, initial_indent="    ", subsequent_indent="      ")
        out += textwrap.wrap(f"why: {change.why}; verified: re-evaluated with the change, "
                             f"{', '.join(change.fixes)} then met", WIDTH, initial_indent="      ",
                             subsequent_indent="        ")
    docs = [str(n) for n, line in enumerate(item.lines, 1) if line.action == "document"]
    if docs:
        out.append(f"    - document: checklist line{'s' if len(docs) > 1 else ''} {', '.join(docs)}")
    for line in plan_obstacles(item):
        out += textwrap.wrap(f"- cannot be fixed in this request: {line}", WIDTH, initial_indent="    ",
                             subsequent_indent="      ")
    out.append(f"    => {plan_verdict(item)}")
    if item.plan_outcome != "overturned" and item.alternatives:
        out += textwrap.wrap("guideline alternatives: " + "; ".join(item.alternatives), WIDTH,
                             initial_indent="    ", subsequent_indent="      ")
    return out


def plan_verdict(item: ItemAdvice) -> str:
    """One sentence on what the verified plan achieves."""
    if item.plan_outcome == "overturned":
        steps = [s for s, on in (("changes", item.changes), ("documentation", _documents(item))) if on]
        return f"with the {' and '.join(steps) or 'above'}: likely APPROVABLE (re-evaluated through the rules)"
    return "nothing in this request alone makes it approvable; still blocked by " + ", ".join(item.plan_blocking)


def plan_obstacles(item: ItemAdvice) -> list[str]:
    """Why each criterion that still blocks after the plan cannot be fixed by the provider here."""
    by_key = {line.criterion: line for line in item.lines}
    out = []
    for key in item.plan_blocking:
        line = by_key.get(key)
        out.append(f"{key}: {line.detail}" if line and line.detail else key)
    return out


def _documents(item: ItemAdvice) -> bool:
    return any(line.action == "document" for line in item.lines)


def resolution(line: Line) -> str:
    """How one blocking line can be resolved, in the words every format shows."""
    if line.action == "document" and line.doc_check:
        return "verified: " + _doc_check(line.doc_check)
    if line.action == "change":
        extra = f"; or document it: {_doc_check(line.doc_check)}" if line.doc_check else ""
        return "fix: change the request as shown below (verified)" + extra
    if line.action == "follows":
        return line.detail
    return "cannot be fixed in this request: " + line.detail


def _doc_check(check: DocCheck) -> str:
    facts = ", ".join(f"{name} = {show_value(value)}" for name, value in check.assume.items())
    if check.approvable_alone:
        return f"documented as {facts}, this alone makes the item approvable"
    return f"documented as {facts}, the item is still blocked by {', '.join(check.still_blocking)}"


def render_markdown(report: CheckReport) -> str:
    """Markdown for a request letter: a table per request and the verified plan."""
    out = [f"## Pre-submission check: {report.case}", "",
           f"Request date {report.request_date}; rule pack {report.pack.name} {report.pack.version}.", ""]
    for item in report.items:
        out += [f"### {item.request} ({item.id}): {VERDICT[item.outcome].replace('likely ', 'likely **')}**", ""]
        out += [f"- **Edition not encoded:** {_cell(notice.text)}" for notice in item.editions]
        out += [f"- Note: {_cell(note)}" for note in item.assumptions] + ([""] if item.assumptions or item.editions else [])
        if item.lines:
            out += ["| # | Criterion | Status | What to add or change | Citation |", "|---|---|---|---|---|"]
            out += [f"| {n} | {line.criterion} | {STATUS[line.status].lower()} | {_cell(line.document)} "
                    f"({_cell(resolution(line))}) | {_cell(line.citation)} |" for n, line in enumerate(item.lines, 1)]
            out.append("")
        if item.outcome == "upheld":
            out += ["**What would make it approvable**", ""]
            out += [f"- Change: {_cell(c.text)}. Why: {_cell(c.why)}. Verified by re-evaluation." for c in item.changes]
            docs = [str(n) for n, line in enumerate(item.lines, 1) if line.action == "document"]
            out += [f"- Document: rows {', '.join(docs)} of the table above."] if docs else []
            out += [f"- Cannot be fixed in this request: {_cell(o)}" for o in plan_obstacles(item)]
            out += ["", f"Result: {plan_verdict(item)}."]
            if item.plan_outcome != "overturned" and item.alternatives:
                out.append(f"Guideline alternatives: {_cell('; '.join(item.alternatives))}.")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")

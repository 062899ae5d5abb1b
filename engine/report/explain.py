"""Render decisions for people: the auditor's explanation (the provider's checklist is engine/report/check_text.py)."""

from __future__ import annotations

import textwrap
from typing import Mapping, Optional

from engine.decide.decision import CaseDecision, CriterionResult, FactUse, ItemDecision, RuleResult
from engine.knowledge.pack import RulePack
from engine.knowledge.rules import VERIFIED_LEVELS

MARK = {"met": "MET", "not_met": "NOT MET", "not_documented": "NOT DOCUMENTED"}
VERIFICATION = {
    "reg": "read in the regulation text",
    "gl": "read in the guideline text",
    "imr": "guideline text as quoted in IMR decisions",
    "sec": "secondary source only",
    "unverified": "not checked against the guideline text",
}
OUTCOME = {
    "overturned": "OVERTURNED - medically necessary",
    "upheld": "UPHELD - not medically necessary (the denial stands)",
    "no_applicable_rule": "NO APPLICABLE RULE - needs clinical review",
}
WIDTH = 100
EDITION_LABEL = "Edition notice"


def verified_text(level: str) -> str:
    """'verified: true (imr: ...)' or 'verified: false (sec: ...)' - never left implicit."""
    flag = "true" if level in VERIFIED_LEVELS else "false"
    return f"verified: {flag} ({level}: {VERIFICATION[level]})"


def edition_flag(item: ItemDecision) -> str:
    """' [edition not encoded]' after an item's outcome when a notice says so (else '')."""
    return " [edition not encoded]" if item.editions else ""


def guideline_text(rule: RuleResult) -> str:
    """'MTUS, edition 2009', saying when that edition only stood in for the one that governed."""
    text = f"{rule.tier.upper()}, edition {rule.edition}"
    if rule.stands_in_for:
        text += f" (standing in for {rule.stands_in_for}, not encoded: it did not govern this request)"
    return text


def rule_state(rule: RuleResult) -> str:
    """One phrase for what a rule did to the item."""
    if not rule.applicable:
        return "not applicable to this request (its 'when' condition does not hold)"
    if rule.superseded_by:
        return f"superseded by {rule.superseded_by} (does not decide)"
    against = sum(c.counts_against for c in rule.criteria)
    if not against:
        return f"all {len(rule.criteria)} criteria met"
    return f"{against} of {len(rule.criteria)} criteria not met or not documented (blocks)"


def fact_text(fact: FactUse) -> tuple[str, str]:
    """(`name = value`, where it is documented) for one fact a criterion read."""
    if not fact.documented:
        return f"{fact.name} = not documented", "nothing in the case states it"
    return f"{fact.name} = {_value(fact.value)}", fact.source or "derived from the case; no document named"


def fact_tables(pack: RulePack) -> dict[str, list[str]]:
    """Fact name -> where each table its derivation reads comes from: 'table visit-allowances (MTUS
    Chronic Pain Medical Treatment Guidelines (2009), Physical Medicine, p. 98-99; unverified)'."""
    from engine.knowledge.facts import FACTS

    return {name: [pack.tables[t].table.source() for t in fact.tables if t in pack.tables]
            for name, fact in FACTS.items() if fact.tables}


def deciding(rule: RuleResult, only_unmet: bool) -> bool:
    """Whether a rule is shown: with --only unmet, only rules that blocked the item."""
    return not only_unmet or (rule.applicable and not rule.superseded_by and not rule.satisfied)


def trace_groups(trace: list[str]) -> list[tuple[str, list[tuple[int, str]]]]:
    """Consecutive trace steps grouped by item, keeping their global step numbers."""
    groups: list[tuple[str, list[tuple[int, str]]]] = []
    for n, step in enumerate(trace, 1):
        item, _, text = step.partition(": ")
        if not groups or groups[-1][0] != item:
            groups.append((item, []))
        groups[-1][1].append((n, text))
    return groups


def render_explanation(decision: CaseDecision, only_unmet: bool = False,
                       header: list[tuple[str, str]] | None = None,
                       tables: Optional[Mapping[str, list[str]]] = None) -> str:
    """Every item, rule and criterion with status, facts used, sources and citation.

    `header` (label, value) pairs replace the default header, e.g. a record's digests and versions;
    `tables` (fact_tables(pack)) names the rule-pack tables each derived fact read.
    """
    lines = [f"UR DECISION EXPLANATION - case {decision.case}", ""]
    if header is None:
        header = [("Request date", decision.request_date)]
        if decision.date_of_service:
            header.append(("Date of service", decision.date_of_service))
        header += [("Rule pack", f"{decision.pack.name} {decision.pack.version}"),
                   ("Rule pack digest", f"sha256 {decision.pack.digest}")]
    for label, value in header:
        lines += _field(label, value, 2)
    lines += _field("Shown", "only what decided each outcome (--only unmet)" if only_unmet
                    else "every rule and criterion considered", 2)
    lines += ["", "  Items:"]
    width = max(len(i.id) for i in decision.items)
    lines += [f"    {i.id:<{width}}  {i.outcome.upper():<18}  {i.request}{edition_flag(i)}" for i in decision.items]
    for item in decision.items:
        lines += ["", "=" * WIDTH] + _item(item, only_unmet, tables or {})
    lines += ["", "=" * WIDTH, "ORDER OF EVALUATION (derived facts, engine firings, outcomes, as they happened)"]
    if only_unmet:
        lines.append("  omitted with --only unmet; run without it for the full trace")
    for item, steps in [] if only_unmet else trace_groups(decision.trace):
        lines.append(f"  {item}")
        lines += [f"    {n:>3}. {text}" for n, text in steps]
    return "\n".join(lines)


def _field(label: str, text: str, indent: int) -> list[str]:
    head = " " * indent + f"{label:<{18 if indent == 2 else 14}} "
    glued = text.replace("p. ", "p.\xa0")  # keep a page reference on one line
    lines = textwrap.wrap(glued, WIDTH, initial_indent=head, subsequent_indent=" " * len(head),
                          break_long_words=False, break_on_hyphens=False) or [head.rstrip()]
    return [line.replace("\xa0", " ") for line in lines]


def _item(item: ItemDecision, only_unmet: bool, tables: Mapping[str, list[str]]) -> list[str]:
    lines = [f"ITEM {item.id}: {item.request}", ""]
    read = f"{item.name} ({item.kind}" + (f"; {', '.join(item.classes)})" if item.classes else ")")
    lines += _field("Read as", read, 2)
    lines += _field("Determination", OUTCOME[item.outcome], 2)
    lines += _field("Why", item.summary, 2)
    for notice in item.editions:
        lines += _field(EDITION_LABEL, notice.text, 2)
    if item.accompanies:
        lines += _field("Accompanies", f"item {item.accompanies} (decided after it)", 2)
    for note in item.assumptions:
        lines += _field("Assumption", note, 2)
    shown = [r for r in item.rules if deciding(r, only_unmet)]
    if only_unmet and item.outcome == "overturned":
        lines += _field("Unmet", "none: every criterion of every deciding rule is met", 2)
    for rule in shown:
        lines += [""] + _rule(rule, only_unmet, tables)
    return lines


def _rule(rule: RuleResult, only_unmet: bool, tables: Mapping[str, list[str]]) -> list[str]:
    lines = [f"  RULE {rule.id} - {rule.title}"]
    lines += _field("Guideline", guideline_text(rule), 4)
    lines += _field("Citation", rule.citation, 4)
    lines += _field("Result", rule_state(rule), 4)
    for crit in rule.criteria:
        if not (only_unmet and not crit.counts_against):
            lines += [""] + _criterion(crit, tables)
    if not rule.satisfied and rule.alternatives and rule.applicable and not rule.superseded_by:
        lines += [""] + _field("Alternatives", "; ".join(rule.alternatives), 4)
    return lines


def _criterion(crit: CriterionResult, tables: Mapping[str, list[str]]) -> list[str]:
    lines = [f"    [{MARK[crit.status]}] {crit.id}"]
    lines += _field("Criterion", crit.statement, 6)
    lines += _field("Test", crit.condition, 6)
    for fact in crit.facts:
        value, where = fact_text(fact)
        lines += _field("Fact", value, 6) + _field("", f"documented in: {where}", 6)
        for source in tables.get(fact.name, []) if fact.documented else []:
            lines += _field("", f"from {source}", 6)
    lines += _field("Citation", crit.citation, 6)
    lines += _field("Verification", verified_text(crit.verified), 6)
    return lines


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

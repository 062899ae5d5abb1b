"""Render decisions for people: the auditor's explanation and the provider's checklist."""

from __future__ import annotations

from engine.decision import CaseDecision, CriterionResult, ItemDecision, RuleResult

MARK = {"met": "MET", "not_met": "NOT MET", "not_documented": "NOT DOCUMENTED"}
VERIFICATION = {
    "reg": "read in the regulation text",
    "gl": "read in the guideline text",
    "imr": "guideline text as quoted in IMR decisions",
    "sec": "secondary source only (verified: false)",
    "unverified": "not verified against the guideline text (verified: false)",
}
OUTCOME = {
    "overturned": "OVERTURNED - medically necessary",
    "upheld": "UPHELD - not medically necessary",
    "no_applicable_rule": "NO APPLICABLE RULE - needs clinical review",
}


def render_explanation(decision: CaseDecision, only_unmet: bool = False) -> str:
    """Every item, rule and criterion with status, facts used, sources and citation."""
    lines = [
        f"Case {decision.case}  (request date {decision.request_date})",
        f"Rule pack {decision.pack.name} {decision.pack.version}  digest {decision.pack.digest[:16]}",
        "",
    ]
    for item in decision.items:
        lines += _item(item, only_unmet)
    lines.append("Order of evaluation:")
    lines += [f"  {n + 1}. {step}" for n, step in enumerate(decision.trace)]
    return "\n".join(lines)


def _item(item: ItemDecision, only_unmet: bool) -> list[str]:
    head = f"[{item.id}] {item.request}  ->  {item.name} ({item.kind}"
    head += f": {', '.join(item.classes)})" if item.classes else ")"
    lines = [head, f"  Determination: {OUTCOME[item.outcome]}"]
    if item.accompanies:
        lines.append(f"  Accompanies item: {item.accompanies}")
    for note in item.assumptions:
        lines.append(f"  Assumption: {note}")
    if item.outcome == "no_applicable_rule":
        lines.append(f"  {item.summary}")
    for rule in item.rules:
        lines += _rule(rule, only_unmet)
    lines.append("")
    return lines


def _rule(rule: RuleResult, only_unmet: bool) -> list[str]:
    lines = [f"  Rule {rule.id}: {rule.title}  [{rule.tier.upper()}, edition {rule.edition}]", f"    {rule.citation}"]
    if not rule.applicable:
        return lines + ["    not applicable to this request (its 'when' condition does not hold)"]
    if rule.superseded_by:
        return lines + [f"    superseded by {rule.superseded_by}"]
    lines.append(f"    rule result: {'all criteria met' if rule.satisfied else 'criteria not met'}")
    for crit in rule.criteria:
        if only_unmet and not crit.counts_against:
            continue
        lines += _criterion(crit)
    if not rule.satisfied and rule.alternatives:
        lines.append("    guideline alternatives: " + "; ".join(rule.alternatives))
    return lines


def _criterion(crit: CriterionResult) -> list[str]:
    lines = [f"    - {MARK[crit.status]}  {crit.id}: {crit.statement}",
             f"        test: {crit.condition}"]
    for fact in crit.facts:
        value = _value(fact.value) if fact.documented else "not documented"
        source = f"  [{fact.source}]" if fact.source else ""
        lines.append(f"        fact {fact.name} = {value}{source}")
    lines.append(f"        source: {crit.citation}; {VERIFICATION[crit.verified]}")
    return lines


def render_checklist(decision: CaseDecision) -> str:
    """For a provider's office: likely outcome and what to document for each item."""
    lines = [f"Pre-submission check: {decision.case} (request date {decision.request_date})", ""]
    for item in decision.items:
        verdict = {"overturned": "likely APPROVABLE", "upheld": "likely DENIED",
                   "no_applicable_rule": "NO RULE - needs clinical review"}[item.outcome]
        lines.append(f"[{item.id}] {item.request}: {verdict}")
        for note in item.assumptions:
            lines.append(f"    note: {note}")
        for rule in item.rules:
            if not rule.applicable or rule.superseded_by:
                continue
            for crit in rule.criteria:
                if crit.status == "met":
                    continue
                tag = "to document" if crit.status == "not_documented" else "not met"
                lines.append(f"    [ ] ({tag}) {crit.document} ({crit.citation})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

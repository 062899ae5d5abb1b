"""Pre-submission advice: for each item a provider is about to request, what blocks it and the
smallest verified fix. Changes to request fields are derived from the rules' own thresholds and
documentation is derived from the criteria's conditions; every suggestion is re-evaluated through
the real engine (engine.decide.evaluate.evaluate) before it is reported."""

from __future__ import annotations

from typing import Any, Literal, Optional

from engine.knowledge import conditions
from engine.intake.cases import Case
from engine.decide.decision import CaseDecision, CriterionResult, EditionNotice, ItemDecision, PackRef, Record
from engine.decide.evaluate import Prepared, evaluate, evaluate_item, prepare
from engine.advise.levers import Change, changed_case, propose_changes
from engine.advise.unmet import blocking, criterion_condition, known_facts, satisfy
from engine.knowledge.pack import RulePack
from engine.intake.sources import Document

Action = Literal["change", "document", "follows", "cannot"]


class DocCheck(Record):
    """A checklist item re-evaluated as if documented: the facts assumed and what still blocks."""

    assume: dict[str, Any]
    approvable_alone: bool
    still_blocking: list[str] = []


class Line(Record):
    """One blocking criterion, in the provider's terms, with how it can be resolved."""

    criterion: str
    status: str
    statement: str
    document: str
    citation: str
    verified: str
    action: Action
    detail: str = ""
    doc_check: Optional[DocCheck] = None


class ItemAdvice(Record):
    id: str
    request: str
    name: str
    outcome: str
    summary: str = ""
    accompanies: Optional[str] = None
    editions: list[EditionNotice] = []
    assumptions: list[str] = []
    lines: list[Line] = []
    changes: list[Change] = []
    plan_outcome: str
    plan_blocking: list[str] = []
    alternatives: list[str] = []


class CheckReport(Record):
    case: str
    request_date: str
    pack: PackRef
    items: list[ItemAdvice]

    @property
    def approvable(self) -> bool:
        return all(item.outcome == "overturned" for item in self.items)


def advise(case: Case, pack: RulePack, doc: Optional[Document] = None, name: str = "<case>") -> CheckReport:
    """Decide the case, then search for verified changes and documentation per item."""
    decision, prep = prepare(case, pack, doc, name)
    changes = {item.id: propose_changes(prep, pack, item) for item in decision.items if item.outcome == "upheld"}
    plan, _ = plan_decision(changed_case(case, changes), pack)
    planned = {item.id: item for item in plan.items}
    items = [_item(prep, pack, item, changes.get(item.id, []), planned[item.id]) for item in decision.items]
    return CheckReport(case=decision.case, request_date=decision.request_date, pack=decision.pack, items=items)


def plan_decision(case: Case, pack: RulePack) -> tuple[CaseDecision, dict[str, dict]]:
    """Re-evaluate with every undocumented blocking criterion documented as met (per item)."""
    first = evaluate(case, pack)
    overrides: dict[str, dict] = {}
    for item in first.items:
        facts = known_facts(item)
        for _, crit in blocking(item):
            found = satisfy(criterion_condition(pack, item, crit), {**facts, **overrides.get(item.id, {})})
            if found:
                overrides.setdefault(item.id, {}).update(found)
    return evaluate(case, pack, overrides=overrides), overrides


def _item(prep: Prepared, pack: RulePack, item: ItemDecision, changes: list[Change],
          planned: ItemDecision) -> ItemAdvice:
    fixed = {key for change in changes for key in change.fixes}
    lines = [_line(prep, pack, item, rule_id, crit, fixed) for rule_id, crit in blocking(item)]
    alternatives = [alt for rule in item.rules if rule.applicable and not rule.superseded_by and not rule.satisfied
                    for alt in rule.alternatives]
    return ItemAdvice(
        id=item.id, request=item.request, name=item.name, outcome=item.outcome, summary=item.summary,
        accompanies=item.accompanies,
        editions=item.editions, assumptions=item.assumptions, lines=lines, changes=changes,
        plan_outcome=planned.outcome if item.outcome == "upheld" else item.outcome,
        plan_blocking=planned.unmet if item.outcome == "upheld" else [], alternatives=alternatives,
    )


def _line(prep: Prepared, pack: RulePack, item: ItemDecision, rule_id: str, crit: CriterionResult,
          fixed: set[str]) -> Line:
    key = f"{rule_id}.{crit.id}"
    base = dict(criterion=key, status=crit.status, statement=crit.statement, document=crit.document,
                citation=crit.citation, verified=crit.verified)
    if key in fixed:
        return Line(**base, action="change", detail="met by the change below (re-evaluated)",
                    doc_check=_doc_check(prep, pack, item, crit))
    if "primary.certified" in [f.name for f in crit.facts] and item.accompanies:
        return Line(**base, action="follows", detail=f"follows item '{item.accompanies}': approvable only when it is")
    check = _doc_check(prep, pack, item, crit)
    if check is not None:
        return Line(**base, action="document", doc_check=check)
    shown = ", ".join(f"{f.name} = {conditions.show_value(f.value)}" for f in crit.facts if f.documented)
    return Line(**base, action="cannot",
                detail=f"the record documents {shown or 'facts'} that fail this; no change to the request meets it")


def _doc_check(prep: Prepared, pack: RulePack, item: ItemDecision, crit: CriterionResult) -> Optional[DocCheck]:
    """Re-evaluate the item with this criterion's missing facts documented so that it is met
    (None when documented facts already fail it)."""
    found = satisfy(criterion_condition(pack, item, crit), known_facts(item))
    if found is None:
        return None
    after = evaluate_item(prep, pack, item.id, overrides=found)
    return DocCheck(assume=found, approvable_alone=after.outcome == "overturned", still_blocking=after.unmet)

"""What an unmet criterion needs: the criteria that block an item, the facts already documented,
and the smallest assignment of undocumented facts that would satisfy a condition (three-valued,
through the same operator table the engine uses)."""

from __future__ import annotations

from typing import Any, Optional

from engine.decide.decision import CriterionResult, ItemDecision
from engine.knowledge import conditions
from engine.knowledge.facts import FACTS
from engine.knowledge.pack import RulePack
from engine.knowledge.rules import All, Leaf, Not


def blocking(item: ItemDecision) -> list[tuple[str, CriterionResult]]:
    """Criteria that count against the item, in rules that decide it."""
    return [(rule.id, crit) for rule in item.rules if rule.applicable and rule.superseded_by is None
            for crit in rule.criteria if crit.counts_against]


def known_facts(item: ItemDecision) -> dict[str, Any]:
    """Documented fact values the item's criteria read."""
    return {f.name: f.value for rule in item.rules for crit in rule.criteria for f in crit.facts if f.documented}


def criterion_condition(pack: RulePack, item: ItemDecision, crit: CriterionResult):
    """The rule condition behind a criterion result."""
    rule_id = next(r.id for r in item.rules if crit in r.criteria)
    return next(c.condition for c in pack.by_id[rule_id].rule.criteria if c.id == crit.id)


def satisfy(cond, facts: dict[str, Any], want: bool = True) -> Optional[dict[str, Any]]:
    """Values for undocumented facts that make `cond` evaluate to `want`, preferring documentation
    over request fields and fewer facts; None when documented facts already rule it out."""
    if isinstance(cond, Leaf):
        return _leaf(cond, facts, want)
    if isinstance(cond, Not):
        return satisfy(cond.not_, facts, not want)
    children = cond.all if isinstance(cond, All) else cond.any
    if isinstance(cond, All) == want:
        out: dict[str, Any] = {}
        for child in children:
            found = satisfy(child, {**facts, **out}, want)
            if found is None:
                return None
            out.update(found)
        return out
    options = [found for child in children if (found := satisfy(child, facts, want)) is not None]
    return min(options, key=_cost) if options else None


def _cost(assignment: dict[str, Any]) -> tuple[int, int]:
    return sum(FACTS[name].controllable for name in assignment), len(assignment)


def _leaf(leaf: Leaf, facts: dict[str, Any], want: bool) -> Optional[dict[str, Any]]:
    now = conditions.evaluate(leaf, facts)
    if now is want:
        return {}
    if now is not None and not (leaf.op == "documented" and want == leaf.value and leaf.fact not in facts):
        return None
    value = _value_for(leaf, want)
    if value is None or conditions.evaluate(leaf, {**facts, leaf.fact: value}) is not want:
        return None
    return {leaf.fact: value}


def _value_for(leaf: Leaf, want: bool) -> Any:
    fact = FACTS[leaf.fact]
    op = leaf.op if want or leaf.op == "documented" else conditions.OPERATORS[leaf.op][1]
    value = leaf.value
    if op == "documented":
        return True if fact.type == "bool" else (0.0 if fact.type == "number" else (fact.values or ("stated",))[0])
    if op in ("eq", "lte", "gte"):
        return float(value) if fact.type == "number" else value
    if op in ("lt", "gt"):
        return float(value) + (1 if op == "gt" else -1)
    if op == "in":
        return value[0]
    others = [v for v in ((True, False) if fact.type == "bool" else fact.values)
              if v not in (value if isinstance(value, list) else [value])]
    if fact.type == "number" and op == "ne":
        return float(value) + 1
    return others[0] if others else None

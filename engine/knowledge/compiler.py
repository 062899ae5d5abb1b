"""Rules -> durable_rules ruleset definitions (plain dicts; pure, so golden-testable).

Each rule becomes one ruleset. Each criterion compiles to two engine rules, `<id>.met` (the
condition holds) and `<id>.unmet` (it is documented and fails); when neither fires the
criterion is not documented. `when` compiles to `_applies`; `_seen` observes every fact.
"""

from __future__ import annotations

import hashlib
import json

from engine.knowledge import conditions
from engine.knowledge.rules import Rule

SEEN = "_seen"
APPLIES = "_applies"


def ruleset_name(rule: Rule) -> str:
    """`<rule id>@<content hash>`: a changed rule registers under a new name (no re-registration)."""
    body = json.dumps(rule.model_dump(mode="json", by_alias=True), sort_keys=True)
    return f"{rule.id}@{hashlib.sha256(body.encode()).hexdigest()[:12]}"


def compile_rule(rule: Rule) -> dict:
    """The durable_rules definition for one rule: rule name -> {all: [...], run: action name}."""
    out: dict = {SEEN: _rule(conditions.TRUE_GUARD, SEEN)}
    if rule.when is not None:
        out[APPLIES] = _rule(conditions.holds(rule.when), APPLIES)
    for crit in rule.criteria:
        out[f"{crit.id}.met"] = _rule(conditions.holds(crit.condition), f"{crit.id}.met")
        out[f"{crit.id}.unmet"] = _rule(conditions.fails(crit.condition), f"{crit.id}.unmet")
    return out


def _rule(expression: dict, action: str) -> dict:
    guard = conditions.TRUE_GUARD
    body = expression if expression == guard else {"$and": [guard, expression]}
    return {"all": [{"m": body}], "run": action}


def referenced_facts(rule: Rule) -> tuple[str, ...]:
    """Every fact the rule's conditions read, so only those are derived and asserted."""
    names: list[str] = []
    for cond in ([rule.when] if rule.when is not None else []) + [c.condition for c in rule.criteria]:
        for name in conditions.facts_of(cond):
            if name not in names:
                names.append(name)
    return tuple(names)

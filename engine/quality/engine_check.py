"""`ur validate`'s last check: every rule is compiled and registered with the durable_rules engine,
then run once with each fact it reads set to each value its conditions compare against, so a
threshold or value the engine would refuse is found at validation, not in the middle of a decision."""

from __future__ import annotations

from typing import Any, Iterator

from engine.decide.evaluate import compiled
from engine.decide.host import get_host
from engine.errors import EngineError, EngineFault
from engine.knowledge import conditions
from engine.knowledge.pack import RulePack
from engine.knowledge.rules import Rule
from engine.quality.lint import Issue


def check_engine(pack: RulePack) -> Iterator[Issue]:
    """One error per rule the engine refuses to register or to evaluate."""
    table = compiled(pack)
    for loaded in pack.rules:
        rule = loaded.rule
        try:
            comp = table[rule.id]
            for probe in _probes(rule):
                get_host().run(comp.ruleset, {"kind": "eval", "item": "validate", **probe})
        except (EngineError, EngineFault) as exc:
            where = loaded.doc.location(())
            yield Issue(file=where.file, line=where.line, field="-", code="engine", severity="error",
                        message=f"the rule engine refuses this rule: {' '.join(str(exc).split())}")


def _probes(rule: Rule) -> list[dict[str, Any]]:
    """A fact with nothing documented, then one per value compared against (each leaf's value)."""
    out: list[dict[str, Any]] = [{}]
    conds = ([rule.when] if rule.when is not None else []) + [c.condition for c in rule.criteria]
    for cond in conds:
        for leaf in conditions.leaves(cond):
            values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
            for value in values:
                if leaf.op != "documented":
                    out.append({conditions.key(leaf.fact): float(value) if isinstance(value, int) and not isinstance(value, bool) else value})
    return out

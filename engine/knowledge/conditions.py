"""The one operator table: how each condition operator compiles to durable_rules, negates,
evaluates in plain Python (three-valued: True / False / None = not documented), and reads."""

from __future__ import annotations

from typing import Any, Callable, Optional

from engine.knowledge.rules import All, Condition, Leaf, Not

TRUE_GUARD = {"kind": "eval"}


def key(fact: str) -> str:
    """durable_rules reads dots as nesting, so fact names travel as flat keys."""
    return fact.replace(".", "__")


def _cmp(op: str) -> Callable[[str, Any], dict]:
    return lambda k, v: {op: {k: v}}


# name -> (durable builder for "holds", negated operator, python test, phrase)
OPERATORS: dict[str, tuple[Callable[[str, Any], dict], str, Callable[[Any, Any], bool], str]] = {
    "eq": (lambda k, v: {k: v}, "ne", lambda a, b: a == b, "is"),
    "ne": (_cmp("$neq"), "eq", lambda a, b: a != b, "is not"),
    "lt": (_cmp("$lt"), "gte", lambda a, b: a < b, "is below"),
    "lte": (_cmp("$lte"), "gt", lambda a, b: a <= b, "is at most"),
    "gt": (_cmp("$gt"), "lte", lambda a, b: a > b, "is above"),
    "gte": (_cmp("$gte"), "lt", lambda a, b: a >= b, "is at least"),
    "in": (lambda k, v: {"$or": [{k: x} for x in v]}, "not_in", lambda a, b: a in b, "is one of"),
    "not_in": (lambda k, v: {"$and": [{"$neq": {k: x}} for x in v]}, "in", lambda a, b: a not in b, "is none of"),
}


def holds(cond: Condition) -> dict:
    """durable_rules expression that matches exactly when the condition is True."""
    return _compile(cond, negate=False)


def fails(cond: Condition) -> dict:
    """durable_rules expression that matches exactly when the condition is False (documented, not met)."""
    return _compile(cond, negate=True)


def _compile(cond: Condition, negate: bool) -> dict:
    if isinstance(cond, Leaf):
        if cond.op == "documented":
            present = bool(cond.value) != negate
            return {"$ex" if present else "$nex": {key(cond.fact): 1}}
        op = OPERATORS[cond.op][1] if negate else cond.op
        return OPERATORS[op][0](key(cond.fact), cond.value)
    if isinstance(cond, Not):
        return _compile(cond.not_, not negate)
    children = cond.all if isinstance(cond, All) else cond.any
    conjunctive = isinstance(cond, All) != negate
    if not children:
        return TRUE_GUARD if conjunctive else {"$nex": {"kind": 1}}
    parts = [_compile(c, negate) for c in children]
    if len(parts) == 1:
        return parts[0]
    return {"$and": parts} if conjunctive else {"$or": parts}


def evaluate(cond: Condition, facts: dict[str, Any]) -> Optional[bool]:
    """Plain-Python three-valued evaluation: the floor the engine is checked and timed against."""
    if isinstance(cond, Leaf):
        if cond.op == "documented":
            return (cond.fact in facts) == bool(cond.value)
        if cond.fact not in facts:
            return None
        return OPERATORS[cond.op][2](facts[cond.fact], cond.value)
    if isinstance(cond, Not):
        inner = evaluate(cond.not_, facts)
        return None if inner is None else not inner
    results = [evaluate(c, facts) for c in (cond.all if isinstance(cond, All) else cond.any)]
    if isinstance(cond, All):
        return False if False in results else (None if None in results else True)
    return True if True in results else (None if None in results else False)


def facts_of(cond: Condition) -> list[str]:
    """Fact names a condition reads, in order of first use."""
    out: list[str] = []

    def walk(c: Condition) -> None:
        if isinstance(c, Leaf):
            if c.fact not in out:
                out.append(c.fact)
        elif isinstance(c, Not):
            walk(c.not_)
        else:
            for child in c.all if isinstance(c, All) else c.any:
                walk(child)

    walk(cond)
    return out


def leaves(cond: Condition) -> list[Leaf]:
    if isinstance(cond, Leaf):
        return [cond]
    if isinstance(cond, Not):
        return leaves(cond.not_)
    return [leaf for child in (cond.all if isinstance(cond, All) else cond.any) for leaf in leaves(child)]


def describe(cond: Condition) -> str:
    """Plain-English reading of a condition, for explanations."""
    if isinstance(cond, Leaf):
        if cond.op == "documented":
            return f"{cond.fact} is {'documented' if cond.value else 'not documented'}"
        value = ", ".join(map(show_value, cond.value)) if isinstance(cond.value, list) else show_value(cond.value)
        return f"{cond.fact} {OPERATORS[cond.op][3]} {value}"
    if isinstance(cond, Not):
        return f"not ({describe(cond.not_)})"
    joiner = " and " if isinstance(cond, All) else " or "
    parts = [describe(c) for c in (cond.all if isinstance(cond, All) else cond.any)]
    return "(" + joiner.join(parts) + ")" if len(parts) > 1 else (parts[0] if parts else "always")


def show_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

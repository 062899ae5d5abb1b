"""Synthetic cases built from the rule pack: for each rule, an item it applies to, with the facts
its conditions read chosen so that each criterion is met, fails, or is left undocumented.

The cases are plain JSON dicts (what `ur batch` reads). Facts are set through the case fields
they are derived from (each fact's setter, declared with it in engine/knowledge/facts/), so
derivation runs for real; a fact with no setter is left
undocumented and shows up as such in `coverage`.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, Iterator

from engine.knowledge.facts import FACTS
from engine.knowledge.pack import RulePack
from engine.knowledge.rules import Leaf, Rule

SETTERS = {name: fact.setter for name, fact in FACTS.items() if fact.setter is not None}

_UNSET = object()  # a `documented: false` leaf that should hold: leave the fact out


def _set(case: dict, item: dict, fact: str, value: Any, ctx: dict) -> bool:
    scope, _, name = fact.partition(".")
    if scope == "finding":
        case.setdefault("findings", {})[name] = value
    elif scope == "doc":
        item.setdefault("documentation", {})[name] = value
    elif fact in SETTERS:
        SETTERS[fact](case, item, value, {**ctx, "fact": fact})
    else:
        return False
    return True


def side_value(leaf: Leaf, holds: bool, rng: random.Random) -> Any:
    """A value for the leaf's fact that makes the leaf hold (or fail)."""
    spec = FACTS[leaf.fact]
    op, v = leaf.op, leaf.value
    if op == "documented":
        return _any_value(spec, rng)
    if op in ("eq", "ne"):
        want_equal = holds == (op == "eq")
        return v if want_equal else _other(spec, [v], rng)
    if op in ("in", "not_in"):
        want_in = holds == (op == "in")
        return rng.choice(v) if want_in else _other(spec, list(v), rng)
    step = float(rng.choice([1, 2, 5, max(1, abs(v) // 2)]))
    above = {"lt": not holds, "lte": not holds, "gt": holds, "gte": holds}[op]
    edge = {"lt": v - step, "lte": v, "gt": v + step, "gte": v}  # values on the holding side
    if holds:
        return max(0.0, edge[op])
    return v + step if above else max(0.0, v - step)


def _any_value(spec, rng: random.Random) -> Any:
    if spec.type == "bool":
        return rng.random() < 0.5
    if spec.type == "number":
        return float(rng.randint(0, 10))
    return rng.choice(spec.values) if spec.values else "other"


def _other(spec, taken: list, rng: random.Random) -> Any:
    if spec.type == "bool":
        return not taken[0]
    if spec.type == "number":
        return float(max(taken) + rng.randint(1, 5))
    rest = [x for x in spec.values if x not in taken]
    return rng.choice(rest) if rest else "other"


def _solve(cond, want: bool, assign: dict, rng: random.Random) -> None:
    """Choose values for the condition's unassigned facts so that it evaluates to `want`.

    all/True and any/False need every child to go that way; all/False and any/True need one
    child (picked at random) to go that way, and the others are set the other way, as in a
    real record where most of a criterion holds. Facts already chosen are kept, so two
    criteria reading one fact may disagree: the case then shows the first one's value."""
    if isinstance(cond, Leaf):
        if cond.fact not in assign:
            if cond.op == "documented":
                held = want == bool(cond.value)
                assign[cond.fact] = _any_value(FACTS[cond.fact], rng) if held else _UNSET
            else:
                assign[cond.fact] = side_value(cond, want, rng)
        return
    if hasattr(cond, "not_"):
        _solve(cond.not_, not want, assign, rng)
        return
    is_all = hasattr(cond, "all")
    children = cond.all if is_all else cond.any
    if want == is_all:
        for child in children:
            _solve(child, want, assign, rng)
        return
    pick = rng.randrange(len(children))
    for k, child in enumerate(children):
        _solve(child, want if k == pick else not want, assign, rng)


def _plan(rule: Rule, mode: int, rng: random.Random) -> dict:
    """Fact -> value for one item: the rule applies (90%) and its criteria are all met (mode 0),
    all failed (mode 1) or each met, failed or left undocumented at random (mode 2)."""
    assign: dict = {}
    if rule.when is not None:
        _solve(rule.when, rng.random() < 0.9, assign, rng)
    for crit in rule.criteria:
        roll = rng.random()
        want = {0: True, 1: False}.get(mode, None if roll < 0.1 else roll < 0.55)
        if want is not None:
            _solve(crit.condition, want, assign, rng)
    return assign


def _target(rule: Rule, pack: RulePack, rng: random.Random) -> tuple[str, str, tuple[str, ...]]:
    """(kind, name, classes) of an item the rule's applies_to matches."""
    at, vocab = rule.applies_to, pack.vocab
    drugs = list(at.drugs) + [d.name for d in vocab.drugs.values() if set(d.classes) & set(at.classes)]
    services = list(at.services) + [s.name for s in vocab.services.values() if s.category in at.categories]
    if drugs and (not services or rng.random() < 0.5):
        name = rng.choice(drugs)
        return "drug", name, tuple(vocab.drugs[name].classes)
    return "service", rng.choice(services), ()


def _day(rule: Rule, rng: random.Random) -> dt.date:
    start = max(rule.effective.from_, dt.date(2010, 1, 1))
    end = min(rule.effective.until or dt.date(2017, 11, 30), dt.date(2017, 11, 30))
    if end < start:
        start, end = rule.effective.from_, rule.effective.until or rule.effective.from_ + dt.timedelta(days=365)
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _item(kind: str, name: str, rng: random.Random, index: int) -> dict:
    if kind == "drug":
        qty, per_day = rng.choice([20, 30, 60, 90, 120]), rng.choice([1, 2, 3, 4])
        return {"id": f"i{index}", "name": name, "request": f"{name} {rng.choice([5, 10, 20, 50])}mg #{qty}",
                "sig": f"{per_day} tablets per day" if per_day > 1 else "1 tablet daily"}
    return {"id": f"i{index}", "name": name, "request": name.replace("_", " ") + rng.choice(["", " x6", " (retro)"])}


def _fill(case: dict, rule: Rule, pack: RulePack, rng: random.Random, index: int, mode: int = 2) -> None:
    kind, name, classes = _target(rule, pack, rng)
    item = _item(kind, name, rng, index)
    case["items"].append(item)
    ctx = {"name": name, "classes": classes, "vocab": pack.vocab, "tables": pack.table_values,
           "date": dt.date.fromisoformat(case["request_date"])}
    for fact, value in _plan(rule, mode, rng).items():
        if value is _UNSET:
            continue
        if fact == "primary.certified" and any(i.get("id") == "primary" for i in case["items"]):
            continue
        _set(case, item, fact, value, ctx)


def generate(pack: RulePack, n: int, seed: int = 7) -> Iterator[dict]:
    """`n` case dicts, cycling through every rule: in the first pass over the rules every criterion
    is set to be met, in the second to fail, then at random; about 30% carry a second item."""
    rng = random.Random(seed)
    rules = [loaded.rule for loaded in pack.rules]
    for i in range(n):
        rule = rules[i % len(rules)]
        day = _day(rule, rng)
        case: dict = {"id": f"synthetic-{seed}-{i}", "request_date": day.isoformat(),
                      "patient": {"age": rng.randint(20, 70)}, "items": []}
        _fill(case, rule, pack, rng, 1, (i // len(rules)) % 3)
        if rng.random() < 0.3:
            other = rng.choice(rules)
            if other.effective.covers(day):
                _fill(case, other, pack, rng, 2)
        yield case


def coverage(decisions) -> dict[tuple[str, str], set[str]]:
    """(rule, criterion) -> the statuses seen across the decisions."""
    seen: dict[tuple[str, str], set[str]] = {}
    for decision in decisions:
        for item in decision.items:
            for rule in item.rules:
                for crit in rule.criteria:
                    seen.setdefault((rule.id, crit.id), set()).add(crit.status)
    return seen


def main() -> None:
    """`python -m bench.generate N [--seed S] > cases.jsonl` (from the repository root): N cases, one JSON object per line."""
    import argparse
    import json
    import sys

    from engine.knowledge.pack import load_pack

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rules", default=None, help="rule pack folder (default: the repository's rules/)")
    args = parser.parse_args()
    write = sys.stdout.write
    for case in generate(load_pack(args.rules), args.n, args.seed):
        write(json.dumps(case) + "\n")


if __name__ == "__main__":
    main()

"""The request fields a provider controls (quantity, directions, visits, weeks, levels, bundled
tests) and how a rule's threshold on a derived fact becomes a limit on one of them.

Each derived fact is linear in one field with the rest of the request fixed (days' supply =
quantity / units a day; total MME = others + strength x factor x units a day; ...), so a leaf
such as `request.days_supply <= 21` solves to `quantity <= 21 x units a day`. The solution is
then checked, and tightened, by re-evaluating the changed case through the real engine."""

from __future__ import annotations

import math
from typing import Any, Optional

from engine.knowledge import conditions
from engine.intake.cases import Case, item_ids
from engine.decide.decision import ItemDecision, Record
from engine.decide.evaluate import Prepared, evaluate_item, item_context
from engine.knowledge.facts import FACTS, Context, Linear, compute
from engine.knowledge.pack import RulePack
from engine.advise.unmet import blocking, criterion_condition, known_facts
from engine.intake.requests import level_segments, levels_in_text

PHASES = (("units_per_day",), ("quantity", "visits", "weeks", "levels"))
NUMERIC = ("lt", "lte", "gt", "gte")


class Change(Record):
    """A verified change to one request field and the criteria it meets."""

    field: str
    current: Any
    proposed: Any
    text: str
    why: str
    fixes: list[str]


def solve(lever: Linear, leaf) -> Optional[float]:
    """The value of the lever's request field closest to the leaf's threshold that still passes it."""
    x = (float(leaf.value) - lever.b) / lever.a
    if leaf.op in ("lt", "lte"):
        value = math.floor(x + 1e-9) - (1 if leaf.op == "lt" and abs(x - round(x)) < 1e-9 else 0)
        return float(value) if 1 <= value < lever.current else None
    value = math.ceil(x - 1e-9) + (1 if leaf.op == "gt" and abs(x - round(x)) < 1e-9 else 0)
    return float(value) if value > lever.current else None


def levers(ctx: Context) -> dict[str, Linear]:
    """Every controllable fact of this item that a request field moves, as a linear lever (each fact
    declares its own, next to its derivation: FactSet.lever)."""
    out = {}
    for name, fact in FACTS.items():
        linear = fact.lever(ctx) if fact.lever is not None else None
        if linear is not None:
            out[name] = linear
    return out


def propose_changes(prep: Prepared, pack: RulePack, item: ItemDecision) -> list[Change]:
    """The smallest verified changes to this item's request fields, one field at a time; each
    what-if re-evaluates this item only (evaluate_item), so a check stays linear in the items."""

    changes: list[Change] = []
    work = prep.case
    for fields in PHASES:
        current = evaluate_item(prep, pack, item.id, work)
        ctx = item_context(prep, pack, item.id, work)
        table = levers(ctx)
        wanted: dict[str, list[tuple[float, str, str]]] = {}
        for rule_id, crit in blocking(current):
            cond, facts = criterion_condition(pack, current, crit), known_facts(current)
            options = []
            for leaf in conditions.leaves(cond):
                lever = table.get(leaf.fact)
                if lever is None or lever.field not in fields or leaf.op not in NUMERIC:
                    continue
                value = solve(lever, leaf)
                if value is not None and conditions.evaluate(cond, {**facts, leaf.fact: _edge(leaf)}) is True:
                    why = _why(lever, leaf, facts, rule_id, crit.id)
                    options.append((abs(value - lever.current), value, lever.field, why))
            if options:
                _, value, field, why = min(options)
                wanted.setdefault(field, []).append((value, f"{rule_id}.{crit.id}", why))
        for field, asks in wanted.items():
            change = _verified(prep, work, pack, ctx, field, asks)
            if change is not None:
                changes.append(change)
                work = apply(work, item.id, field, change.proposed)
    bundle = _components(prep, work, pack, item.id)
    return changes + ([bundle] if bundle else [])


def _edge(leaf) -> float:
    tiny = {"lt": -1e-6, "gt": 1e-6}.get(leaf.op, 0.0)
    return float(leaf.value) + tiny


def _why(lever: Linear, leaf, facts: dict, rule_id: str, crit_id: str) -> str:
    now = facts.get(leaf.fact)
    shown = f"is {conditions.show_value(now)}{lever.unit}" if now is not None else "is not documented"
    return (f"{lever.label} {shown}; {rule_id}.{crit_id} needs it {conditions.OPERATORS[leaf.op][3].removeprefix('is ')} "
            f"{conditions.show_value(leaf.value)}{lever.unit}")


def _verified(prep: Prepared, case: Case, pack: RulePack, ctx: Context, field: str, asks: list) -> Optional[Change]:
    """Re-evaluate the value solved from the thresholds; step away from it only if rounding bites."""
    current = _current(ctx, field)
    upper = min(v for v, _, _ in asks) < current
    value = min(v for v, _, _ in asks) if upper else max(v for v, _, _ in asks)
    targets = [key for _, key, _ in asks]
    for _ in range(4):
        proposed: Any = _segments(ctx)[: int(value)] if field == "levels" else value
        if value >= 1 and _meets(prep, case, pack, ctx.resolved.id, field, proposed, targets):
            return Change(field=field, current=current, proposed=proposed, text=_text(ctx, field, value, upper),
                          why="; ".join(w for _, _, w in asks), fixes=targets)
        value += -1.0 if upper else 1.0
    return None


def _meets(prep: Prepared, case: Case, pack: RulePack, item_id: str, field: str, value: Any,
           targets: list[str]) -> bool:
    """Through the real engine: after the change, none of the targeted criteria still blocks."""
    got = evaluate_item(prep, pack, item_id, apply(case, item_id, field, value))
    return not any(key in got.unmet for key in targets)


def _current(ctx: Context, field: str) -> float:
    r = ctx.resolved
    return float({"quantity": r.quantity, "units_per_day": r.units_per_day, "visits": r.visits,
                  "weeks": r.weeks, "levels": r.levels_count}[field])


def _text(ctx: Context, field: str, value: float, upper: bool) -> str:
    bound = "or fewer" if upper else "or more"
    show = conditions.show_value
    if field == "quantity":
        u = ctx.resolved.units_per_day
        return f"request #{show(value)} {bound} (#{show(value)} at {show(u)} a day lasts {show(round(value / u, 1))} days)"
    if field == "units_per_day":
        return f"directions of at most {show(value)} a day (now {show(ctx.resolved.units_per_day)} a day)"
    if field == "levels":
        return f"{show(value)} level(s) per session: {', '.join(_segments(ctx)[: int(value)])}"
    return f"{show(value)} {field} {bound} (now {show(_current(ctx, field))})"


def apply(case: Case, item_id: str, field: str, value: Any) -> Case:
    """A copy of the case with one field of one item changed (days' supply then follows)."""
    items = []
    for item, iid in zip(case.items, item_ids(case)):
        if iid == item_id:
            update = {field: value}
            if field in ("quantity", "units_per_day"):
                update["days_supply"] = None
            item = item.model_copy(update=update)
        items.append(item)
    return case.model_copy(update={"items": items})


def changed_case(case: Case, changes: dict[str, list[Change]]) -> Case:
    for item_id, item_changes in changes.items():
        for change in item_changes:
            case = apply(case, item_id, change.field, change.proposed)
    return case


def _segments(ctx: Context) -> list[str]:
    """The requested levels as single motion segments ('L4-S1' -> 'L4-L5', 'L5-S1'), those whose
    roots the record documents (on imaging, electrodiagnostics or examination) first, so that cutting
    levels keeps the ones the findings support."""
    levels = ctx.item.levels if ctx.item.levels is not None else levels_in_text(ctx.item.request)
    documented = {lvl for s in ctx.case.studies for lvl, _ in ctx.study(s).roots}
    documented |= {f.level for f in (*ctx.case.exam.sensory_loss, *ctx.case.exam.motor_deficit,
                                     *ctx.case.exam.reflex_loss, *ctx.case.exam.signs) if f.level}
    segments = level_segments(levels)
    return sorted(segments, key=lambda seg: not (set(seg.split("-")) & documented))


def _components(prep: Prepared, case: Case, pack: RulePack, item_id: str) -> Optional[Change]:
    """Drop the parts of a bundle that have no stated reason, when that is what blocks it."""
    name = "request.unjustified_components"
    got = evaluate_item(prep, pack, item_id, case)
    targets = [k for k in got.unmet if any(f.name == name for r in got.rules for c in r.criteria
                                           if f"{r.id}.{c.id}" == k for f in c.facts)]
    ctx = item_context(prep, pack, item_id, case)
    parts = list(ctx.item.components)
    count = compute(ctx, [name]).get(name)
    if not targets or not count:
        return None
    without = {p: apply(case, item_id, "components", [x for x in parts if x != p]) for p in parts}
    drop = [p for p in parts if compute(item_context(prep, pack, item_id, without[p]), [name]).get(name, count) < count]
    keep = [p for p in parts if p not in drop]
    if not drop or not keep or not _meets(prep, case, pack, item_id, "components", keep, targets):
        return None
    return Change(field="components", current=parts, proposed=keep,
                  text=f"request only {', '.join(keep)} (drop {', '.join(drop)})",
                  why=f"{', '.join(drop)} have no stated reason; IMR decides a bundle all or nothing", fixes=targets)

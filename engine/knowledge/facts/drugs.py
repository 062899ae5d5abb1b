"""Facts about a requested drug: supply, dosing, history of use, response, morphine equivalents."""

from __future__ import annotations

import datetime as dt

from typing import Optional

from engine.knowledge.facts import examples
from engine.knowledge.facts.base import Context, FactSet, Linear, weeks_between
from engine.intake.requests import strength_mg_of, parse_sig

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

finding("new_start", "bool", "The record says the requested drug is a new start (\"start Valium\", \"new Rx\"), "
        "not taken before", scope="item")


def _drug(ctx: Context) -> bool:
    return ctx.resolved.kind == "drug"


@derived("request.combination_ingredient", "bool",
         "The rule is judging one ingredient of a requested combination product (the acetaminophen in Norco, "
         "the ibuprofen in Vicoprofen) at that ingredient's strength; the product's own rules judge its benefit",
         section="item")
def _combination_ingredient(ctx: Context):
    return ctx.resolved.judged_ingredient is not None if _drug(ctx) else None


@derived("request.quantity", "number", "Units requested (tablets, patches, grams)", section="item", controllable=True)
def _quantity(ctx: Context):
    return ctx.resolved.quantity


@derived("request.units_per_day", "number", "Units per day at the most the directions allow", section="item",
         controllable=True)
def _units(ctx: Context):
    return ctx.resolved.units_per_day if _drug(ctx) else None


@derived("request.days_supply", "number", "Days the requested quantity lasts at the directed dose",
         unit="days", section="item", controllable=True)
def _days(ctx: Context):
    return ctx.resolved.days_supply if _drug(ctx) else None


@derived("request.retrospective", "bool", "The request is retrospective (already dispensed or done)", section="item")
def _retro(ctx: Context):
    return ctx.resolved.retrospective


@derived("drug.current_use", "bool", "The patient already takes the requested drug", section="medication")
def _current(ctx: Context):
    if not _drug(ctx):
        return None
    med = ctx.medication()
    return med is not None and not (med.stopped and med.stopped <= ctx.request_date)


@derived("drug.weeks_on_drug", "number",
         "Weeks the patient has been on the requested drug before this request (0 for a new start: absent from "
         "a documented medication list, or doc.new_start; not documented without a medication list)",
         unit="weeks", section="medication")
def _weeks_on(ctx: Context):
    if not _drug(ctx):
        return None
    med = ctx.medication()
    if med is None:  # a new start when the record lists the medications without it, or says so for the item
        new = ctx.documented("medications") or ctx.item.documentation.get("new_start") is True
        return 0.0 if new else None
    return weeks_between(med.since, ctx.request_date)


@derived("drug.use_pattern", "text", "How the patient takes the drug", values=("regular", "intermittent", "as_needed"),
         section="medication")
def _pattern(ctx: Context):
    med = ctx.medication()
    return med.pattern if med else None


def _response(ctx: Context, field: str):
    med = ctx.medication() if _drug(ctx) else None
    return getattr(med.response, field) if med else None


@derived("drug.pain_reduced", "bool", "The record attributes reduced pain to this specific drug", section="medication")
def _pain_reduced(ctx: Context):
    return _response(ctx, "pain_reduced")


@derived("drug.pain_reduction_percent", "number", "Percent pain reduction attributed to this drug", unit="%",
         section="medication")
def _pain_pct(ctx: Context):
    return _response(ctx, "pain_reduction_percent")


@derived("drug.function_improved", "bool",
         "Functional improvement (ADLs, work restrictions, less other treatment) attributed to this drug",
         section="medication")
def _function(ctx: Context):
    return _response(ctx, "function_improved")


@derived("drug.side_effects_reviewed", "bool", "Side effects of this drug reviewed at follow-up", section="medication")
def _side(ctx: Context):
    return _response(ctx, "side_effects_reviewed")


@derived("drug.aberrant_behavior", "bool", "Aberrant drug-taking behaviour documented", section="medication")
def _aberrant(ctx: Context):
    return _response(ctx, "aberrant_behavior")


@derived("drug.other_same_class", "number",
         "Other current drugs whose main class (the first class in the vocabulary) is the requested "
         "drug's, e.g. a second muscle relaxant", section="medication")
def _same_class(ctx: Context):
    if not _drug(ctx) or not ctx.resolved.classes or not ctx.documented("medications"):
        return None
    main = ctx.resolved.classes[0]
    return float(sum(1 for _, classes, name in ctx.current_drugs()
                     if name != ctx.resolved.name and classes and classes[0] == main))


@derived("drug.current_opioid", "bool", "The patient currently takes any opioid", section="medication")
def _any_opioid(ctx: Context):
    if any("opioid" in classes for _, classes, _ in ctx.current_drugs()):
        return True
    return False if ctx.documented("medications") else None


def mme_of(ctx: Context, name: str, strength: Optional[str], units: Optional[float]) -> Optional[float]:
    """Morphine equivalents a day of a drug at a strength and units a day (its typical dosing when none)."""
    drug = ctx.vocab.drugs.get(name)
    if drug is None or drug.mme_per_mg is None:
        return None
    mg = strength_mg_of(strength)
    units = units or drug.typical_units_per_day
    if mg is None or units is None:
        return None
    return mg * units * drug.mme_per_mg


@derived("opioid.request_mme", "number", "Morphine milligram equivalents per day of the requested opioid",
         unit="MME/day", section="item", controllable=True)
def _request_mme(ctx: Context):
    if not _drug(ctx) or "opioid" not in ctx.resolved.classes:
        return None
    drug = ctx.vocab.drugs[ctx.resolved.name]
    if drug.mme_per_mg is None or ctx.resolved.strength_mg is None or ctx.resolved.units_per_day is None:
        return None
    return round(ctx.resolved.strength_mg * ctx.resolved.units_per_day * drug.mme_per_mg, 1)


@derived("opioid.total_mme", "number",
         "Total morphine equivalents per day: the requested opioid plus every other current opioid",
         unit="MME/day", section="medication", controllable=True)
def _total_mme(ctx: Context):
    own = _request_mme(ctx)
    others = current_opioids_mme(ctx, but=ctx.resolved.name)
    return None if own is None or others is None else round(own + others, 1)


def current_opioids_mme(ctx: Context, but: Optional[str] = None) -> Optional[float]:
    """Morphine equivalents a day of the opioids the patient currently takes (all but `but`, the
    requested drug when its own dose is counted apart); None when one dose cannot be computed."""
    total = 0.0
    for med, classes, name in ctx.current_drugs():
        if "opioid" not in classes or name == but:
            continue
        units = parse_sig(med.sig)[0] if med.sig else None
        dose = mme_of(ctx, name, med.strength, units)
        if dose is None:
            return None
        total += dose
    return total


@derived("drug.course_weeks", "number",
         "Weeks of use this request brings the patient to: weeks already on the drug plus the days' supply",
         unit="weeks", section="medication", controllable=True)
def _course(ctx: Context):
    weeks = _weeks_on(ctx)
    days = ctx.resolved.days_supply if _drug(ctx) else None
    if weeks is None or days is None:
        return None
    return round(weeks + days / 7, 1)


# Levers: how the request's quantity and directions move the controllable facts above (ur check).
@DECLARED.lever("request.quantity")
def _quantity_lever(ctx: Context) -> Optional[Linear]:
    q = ctx.resolved.quantity
    return Linear("quantity", 1, 0, q, "quantity") if q is not None else None


def _units_a_day(ctx: Context) -> Optional[float]:
    return ctx.resolved.units_per_day if _drug(ctx) else None


@DECLARED.lever("request.days_supply")
def _days_lever(ctx: Context) -> Optional[Linear]:
    u, q = _units_a_day(ctx), ctx.resolved.quantity
    return Linear("quantity", 1 / u, 0, q, "days' supply", " days") if u and q is not None else None


@DECLARED.lever("drug.course_weeks")
def _course_lever(ctx: Context) -> Optional[Linear]:
    u, q, weeks = _units_a_day(ctx), ctx.resolved.quantity, _weeks_on(ctx)
    if not u or q is None or weeks is None:
        return None
    return Linear("quantity", 1 / (7 * u), weeks, q, "total weeks on the drug", " weeks")


@DECLARED.lever("request.units_per_day")
def _units_lever(ctx: Context) -> Optional[Linear]:
    u = _units_a_day(ctx)
    return Linear("units_per_day", 1, 0, u, "units a day") if u else None


def _mme_per_unit(ctx: Context) -> Optional[float]:
    r = ctx.resolved
    drug = ctx.vocab.drugs.get(r.name)
    if not _units_a_day(ctx) or "opioid" not in r.classes or not drug or not drug.mme_per_mg or not r.strength_mg:
        return None
    return r.strength_mg * drug.mme_per_mg


@DECLARED.lever("opioid.request_mme")
def _mme_lever(ctx: Context) -> Optional[Linear]:
    per_unit, u = _mme_per_unit(ctx), _units_a_day(ctx)
    return Linear("units_per_day", per_unit, 0, u, "MME a day") if per_unit else None


@DECLARED.lever("opioid.total_mme")
def _total_mme_lever(ctx: Context) -> Optional[Linear]:
    per_unit, u = _mme_per_unit(ctx), _units_a_day(ctx)
    total = _total_mme(ctx) if per_unit else None
    if total is None:
        return None
    return Linear("units_per_day", per_unit, total - per_unit * u, u, "total MME a day of all opioids")


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("drug.current_use")
def _example_current(case, item, value, ctx):
    if value:
        examples.medication_entry(case, ctx)
    else:
        case["medications"] = [m for m in case.get("medications", []) if m["drug"] != ctx["name"]]


@DECLARED.setter("drug.course_weeks", "drug.weeks_on_drug")
def _example_course(case, item, value, ctx):
    item["days_supply"] = 7.0
    weeks_before = max(0.0, value - 1.0)
    examples.medication_entry(case, ctx)["since"] = (ctx["date"] - dt.timedelta(days=round(weeks_before * 7))).isoformat()


@DECLARED.setter("drug.use_pattern")
def _example_pattern(case, item, value, ctx):
    examples.medication_entry(case, ctx)["pattern"] = value


@DECLARED.setter("drug.pain_reduced", "drug.function_improved", "drug.aberrant_behavior", "drug.side_effects_reviewed")
def _example_response(case, item, value, ctx):
    examples.medication_entry(case, ctx).setdefault("response", {})[ctx["fact"].split(".", 1)[1]] = value


@DECLARED.setter("drug.other_same_class")
def _example_same_class(case, item, value, ctx):
    others = [d for d in ctx["vocab"].drugs.values()
              if d.name != ctx["name"] and set(d.classes) & set(ctx["classes"]) - {"opioid"}]
    for drug in others[: int(value)]:
        case.setdefault("medications", []).append({"drug": drug.name, "status": "current"})


@DECLARED.setter("opioid.total_mme", "opioid.request_mme")
def _example_mme(case, item, value, ctx):
    drug = ctx["vocab"].drugs.get(ctx["name"])
    if drug is None or not drug.mme_per_mg:
        return
    item["units_per_day"] = 2.0
    item["strength"] = f"{max(0.1, round(value / (2 * drug.mme_per_mg), 1))}mg"  # a strength is never 0


@DECLARED.setter("request.days_supply")
def _example_days(case, item, value, ctx):
    item["days_supply"] = max(1.0, float(value))  # a supply is never 0 days (the case format refuses it)


@DECLARED.setter("drug.pain_reduction_percent")
def _example_pain_percent(case, item, value, ctx):
    examples.medication_entry(case, ctx).setdefault("response", {})["pain_reduction_percent"] = min(100.0, float(value))


@DECLARED.setter("drug.current_opioid", "case.opioid_therapy")
def _example_opioid(case, item, value, ctx):
    if value:
        examples.add_current(case, examples.other_drugs(ctx, "opioid", 1))

"""Facts for medication rules beyond the samples: what a topical compound contains, NSAID GI risk,
first-line neuropathic drugs tried, daily dose, and whether opioid therapy is under way.

Ingredient classes come from the vocabulary (rules/vocabulary/drugs.yaml), never from code: an
ingredient is looked up as "<generic>-topical" first, so a topical form's classes decide.
"""

from __future__ import annotations

import re
from typing import Optional

from typing_extensions import TypedDict

from engine.knowledge.facts import examples
from engine.knowledge.facts.base import Context, FactSet, Number, Text, closed

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

# Case-level findings the medication rules read (finding.<name>)
finding("gi_ulcer_or_bleed_history", "bool", "A history of peptic ulcer, GI bleeding or perforation is documented")
finding("nsaid_dyspepsia", "bool", "Dyspepsia or other GI symptoms caused by NSAID use are documented")
finding("osteoarthritis_or_tendinitis", "bool",
        "Osteoarthritis or tendinitis of the treated joint is documented (the indication for topical NSAIDs)")
finding("neuropathic_first_line_tried", "bool",
        "A trial of a first-line neuropathic drug (tricyclic or SNRI antidepressant, or an anti-epilepsy drug) "
        "is documented, whether or not it is in the medication list")
finding("baseline_function_documented", "bool",
        "Baseline function (activities, work capacity) was measured before starting the drug")
finding("around_the_clock_pain", "bool", "Pain is documented as continuous, needing around-the-clock analgesia")
finding("insomnia", "bool", "Insomnia (sleep disturbance) is documented with its character and cause evaluated")
finding("depressive_disorder", "bool", "Depression or another mood disorder the antidepressant treats is documented")
finding("illicit_drug_use_suspected", "bool", "Use of illegal drugs or non-prescribed controlled drugs is suspected")
finding("misuse_risk", "text", "Risk of opioid misuse or addiction as stratified by the prescriber",
        values=("low", "moderate", "high"))



@closed
class GiRisk(TypedDict):
    age_over: Number                    # older than this is a risk factor
    drug_classes: frozenset[Text]       # current drugs of these classes are a risk factor
    nsaids_taken_over: Number           # more NSAIDs already taken than this is a risk factor


NEUROPATHIC_FIRST_LINE = DECLARED.table("neuropathic-first-line", frozenset[Text])  # drug classes
GI_RISK = DECLARED.table("gi-risk", GiRisk)
# Vocabulary class names the topical facts look for (names, not a guideline's choice).
TOPICAL = "topical_analgesic"
NOT_RECOMMENDED = "topical_not_recommended"
COMPOUNDED = "compounded"
_SPLIT = re.compile(r"\s*(?:/|,|\+|;|\band\b|\bwith\b)\s*", re.I)


def _unnamed_compound(classes: tuple[str, ...]) -> bool:
    """A generic "compounded cream" names no ingredient (a known product such as Terocin does)."""
    return COMPOUNDED in classes and NOT_RECOMMENDED not in classes


def _topical_classes(ctx: Context, text: str) -> Optional[tuple[str, ...]]:
    """Classes of one named ingredient in its topical form; () when no drug is named; None if unclassified."""
    term = ctx.vocab.find(text)
    if term is None or term.kind != "drug":
        return ()
    topical = ctx.vocab.drugs.get(f"{term.name}-topical")
    classes = tuple(topical.classes) if topical else term.classes
    if _unnamed_compound(classes):
        return ()
    return classes if TOPICAL in classes else None


def ingredients(ctx: Context) -> Optional[list[tuple[str, ...]]]:
    """Topical classes of each ingredient of a topical item, or None when one cannot be classified."""
    if "ingredients" not in ctx.memo:
        out = None
        if ctx.resolved.kind == "drug" and TOPICAL in ctx.resolved.classes:
            out = _listed(ctx) if ctx.item.components else _named(ctx)
        ctx.memo["ingredients"] = out
    return ctx.memo["ingredients"]


def _listed(ctx: Context) -> Optional[list[tuple[str, ...]]]:
    """The item's `components:`; each must name a drug with a topical classification."""
    found = [_topical_classes(ctx, part) for part in ctx.item.components]
    return None if any(not classes for classes in found) else found


def _named(ctx: Context) -> Optional[list[tuple[str, ...]]]:
    """Drugs named in the request text ("flurbiprofen/cyclobenzaprine cream"), else the product itself;
    None for an unnamed compound, whose ingredients must be listed."""
    found = [_topical_classes(ctx, part) for part in _SPLIT.split(ctx.item.request) if part.strip()]
    if any(classes is None for classes in found):
        return None
    named = [classes for classes in found if classes]
    if named:
        return named
    return None if _unnamed_compound(ctx.resolved.classes) else [ctx.resolved.classes]


def _count(ctx: Context, cls: str) -> Optional[float]:
    found = ingredients(ctx)
    return None if found is None else float(sum(1 for classes in found if cls in classes))


@derived("request.ingredients", "number", "Ingredients of the requested topical product or compound", section="item")
def _ingredient_count(ctx: Context):
    found = ingredients(ctx)
    return None if found is None else float(len(found))


@derived("request.nonrecommended_ingredients", "number",
         "Ingredients of a topical product or compound that the guideline does not recommend for topical use "
         "(not documented when an ingredient is unknown)", section="item")
def _nonrecommended(ctx: Context):
    return _count(ctx, NOT_RECOMMENDED)


@derived("request.topical_nsaid_ingredients", "number", "Topical NSAID ingredients of the requested product",
         section="item")
def _topical_nsaids(ctx: Context):
    return _count(ctx, "topical_nsaid")


@derived("request.capsaicin_ingredients", "number", "Capsaicin ingredients of the requested product", section="item")
def _capsaicin(ctx: Context):
    return _count(ctx, "topical_capsaicin")


@derived("request.daily_mg", "number", "Milligrams a day of the requested drug at the most the directions allow",
         unit="mg/day", section="item", controllable=True)
def _daily_mg(ctx: Context):
    res = ctx.resolved
    if res.kind != "drug" or res.strength_mg is None or res.units_per_day is None:
        return None
    return round(res.strength_mg * res.units_per_day, 1)


@derived("request.as_needed", "bool", "The directions say the drug is taken as needed (PRN)", section="item")
def _as_needed(ctx: Context):
    if ctx.resolved.kind != "drug" or not ctx.item.sig:
        return None
    return ctx.resolved.as_needed


@derived("history.neuropathic_first_line_tried", "bool",
         "A first-line neuropathic drug (anti-epilepsy drug, tricyclic or SNRI) was tried, now or before",
         section="medication", tables=(NEUROPATHIC_FIRST_LINE,))
def _neuropathic_tried(ctx: Context):
    stated = ctx.case.findings.get("neuropathic_first_line_tried")
    meds = ctx.all_drugs()
    if any(ctx.table(NEUROPATHIC_FIRST_LINE) & set(classes) for _, classes, _ in meds):
        return True
    if stated is not None:
        return stated
    return False if ctx.documented("medications") else None


@derived("history.first_line_tried", "bool",
         "A first-line analgesic (NSAID, acetaminophen, anti-epilepsy drug or antidepressant) was tried, now or "
         "before, other than the requested drug; or the record says so (finding.first_line_tried)",
         section="medication")
def _first_line_tried(ctx: Context):
    stated = ctx.case.findings.get("first_line_tried")
    if any(name != ctx.resolved.name and "first_line_analgesic" in classes for _, classes, name in ctx.all_drugs()):
        return True
    if stated is not None:
        return stated
    return False if ctx.documented("medications") else None


def _requested_classes(ctx: Context) -> list[tuple[str, ...]]:
    """Classes of the other drugs requested in the same case."""
    return [term.classes for _, term in ctx.other_items() if term is not None and term.kind == "drug"]


@derived("drug.other_nsaids", "number", "Other oral NSAIDs the patient currently takes besides the requested one",
         section="medication")
def _other_nsaids(ctx: Context):
    if ctx.resolved.kind != "drug" or not ctx.documented("medications"):
        return None
    return float(sum(1 for _, classes, name in ctx.current_drugs()
                     if "nsaid" in classes and name != ctx.resolved.name))


@derived("drug.nsaid_therapy", "bool", "The patient takes an oral NSAID, or one is requested in the same case",
         section="medication")
def _nsaid_therapy(ctx: Context):
    current = any("nsaid" in classes for _, classes, _ in ctx.current_drugs())
    if current or "nsaid" in ctx.resolved.classes or any("nsaid" in c for c in _requested_classes(ctx)):
        return True
    return False if ctx.documented("medications") else None


@derived("history.nsaid_taken", "bool",
         "An oral NSAID is in the medication history, current or stopped (false when the history lists none)",
         section="medication")
def _nsaid_taken(ctx: Context):
    if any("nsaid" in classes for _, classes, _ in ctx.all_drugs()):
        return True
    return False if ctx.documented("medications") else None


@derived("gi.risk_factors", "number",
         "GI risk factors with NSAID use (table gi-risk): older age, ulcer or GI-bleed history, aspirin, "
         "corticosteroid or anticoagulant use, more than one NSAID already taken (the requested drug is not "
         "counted: a switch to a COX-2 inhibitor is not its own risk factor; not documented when none of "
         "these is recorded)", section="medication", tables=(GI_RISK,))
def _gi_risk(ctx: Context):
    risk = ctx.table(GI_RISK)
    age = ctx.case.patient.age
    history = ctx.case.findings.get("gi_ulcer_or_bleed_history")
    current = ctx.current_drugs()
    # Only NSAIDs already taken count: counting the requested NSAID would make a switch (ibuprofen to
    # Celebrex) justify itself; adding a second NSAID is refused by mtus-cpmtg.nsaids.single_nsaid.
    nsaids = sum(1 for _, classes, _ in current if "nsaid" in classes)
    count = sum([
        age is not None and age > risk["age_over"],
        history is True,
        any(risk["drug_classes"] & set(classes) for _, classes, _ in current),
        nsaids > risk["nsaids_taken_over"],
    ])
    if count == 0 and ((age is None and history is None and not current) or not ctx.documented("medications")):
        return None
    return float(count)


@derived("case.opioid_therapy", "bool",
         "The patient takes an opioid, or an opioid is requested in the same case", section="medication")
def _opioid_therapy(ctx: Context):
    current = any("opioid" in classes for _, classes, _ in ctx.current_drugs())
    if current or any("opioid" in c for c in _requested_classes(ctx)):
        return True
    return False if ctx.documented("medications") else None


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("request.daily_mg")
def _example_daily_mg(case, item, value, ctx):
    item["units_per_day"] = 2.0
    item["strength"] = f"{max(1.0, value / 2)}mg"


@DECLARED.setter("drug.nsaid_therapy")
def _example_nsaid(case, item, value, ctx):
    if value:
        examples.add_current(case, examples.other_drugs(ctx, "nsaid", 1))


@DECLARED.setter("drug.other_nsaids")
def _example_other_nsaids(case, item, value, ctx):
    examples.add_current(case, examples.other_drugs(ctx, "nsaid", int(value)))


@DECLARED.setter("gi.risk_factors")
def _example_gi(case, item, value, ctx):
    """0: a documented low-risk patient; 1: an ulcer history; 2 or more: also over 65."""
    case.setdefault("patient", {})["age"] = 70 if value >= 2 else 40
    case.setdefault("findings", {})["gi_ulcer_or_bleed_history"] = value >= 1


@DECLARED.setter("history.neuropathic_first_line_tried")
def _example_neuropathic_tried(case, item, value, ctx):
    case.setdefault("findings", {})["neuropathic_first_line_tried"] = value


@DECLARED.setter("request.as_needed")
def _example_prn(case, item, value, ctx):
    item["sig"] = "1 every 6 hours as needed for pain" if value else "1 tablet twice daily"

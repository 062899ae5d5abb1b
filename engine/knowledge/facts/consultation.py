"""Reasons for a consultation that the record shows without saying "consult because": a daily
opioid dose at which the guideline asks for a pain-management consultation, a lesion that
surgery treats suspected on examination or imaging (the plan would benefit from a surgeon's
expertise, ACOEM 2004 ch. 7 p. 127), and a condition the treatment brought about that the medical
specialty named on the request evaluates."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from typing_extensions import TypedDict

from engine.intake.requests import region_in_text, treated_region
from engine.knowledge.facts.base import STUDY_FINDINGS, Context, FactSet, Text, closed
from engine.knowledge.facts.drugs import current_opioids_mme

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

# The findings that say a lesion surgery treats is suspected (table surgical-lesion-findings)
LESION_FINDINGS = DECLARED.table("surgical-lesion-findings", frozenset[Text])


# Words on a consultation request line that name a surgeon (table surgical-consultation-words)
SURGEON_WORDS = DECLARED.table("surgical-consultation-words", frozenset[Text])


@closed
class MedicalConsult(TypedDict):
    specialty: Text               # the specialty, as explanations name it
    words: tuple[Text, ...]       # words that name it on a request line
    findings: tuple[Text, ...]    # documented conditions it is consulted for


MEDICAL_CONSULTS = DECLARED.table("medical-consult-reasons", tuple[MedicalConsult, ...])


@derived("opioid.current_mme", "number",
         "Morphine equivalents a day of every opioid the patient currently takes (0 when the medication list "
         "is documented and has none; not documented when a dose cannot be computed)", unit="MME/day",
         section="medication")
def _current_mme(ctx: Context):
    total = current_opioids_mme(ctx)
    if total is None:
        return None
    if total == 0 and not ctx.documented("medications"):
        return None
    return round(total, 1)


@derived("consult.surgical_lesion_suspected", "bool",
         "A lesion that surgery treats is suspected: a finding of table surgical-lesion-findings (mechanical "
         "knee symptoms, a suspected rotator cuff or labral tear, ...) or a study showing significant pathology "
         "(as stated, or read from its findings text)", tables=(LESION_FINDINGS, STUDY_FINDINGS))
def _lesion(ctx: Context):
    if any(ctx.finding(name) is True for name in sorted(ctx.table(LESION_FINDINGS))):
        return True
    if any(ctx.study(study).significant_pathology for study in ctx.case.studies):
        return True
    return None


@derived("plan.surgical_consultation_requested", "bool",
         "The same request asks for a consultation with a surgeon (a word of table surgical-consultation-words "
         "on a consultation request line: orthopedic surgeon, spine surgeon, ...) for the region of this item "
         "(the region the consultation names, else the case's one region): the plan considers surgery",
         section="item", tables=(SURGEON_WORDS,))
def _surgical_consultation(ctx: Context):
    region = treated_region(ctx.resolved, ctx.case.regions)
    if region is None:
        return None
    surgeon = _any_word(ctx.table(SURGEON_WORDS))
    for item, term in ctx.other_items():
        if term is None or term.name != "consultation" or not surgeon.search(item.request):
            continue
        named = item.region or region_in_text(item.request)  # else the case's one region
        if named == region or (named is None and list(ctx.case.regions) == [region]):
            return True
    return None


@derived("consult.medical_condition", "bool",
         "The consultation is to a medical specialty named on the request (table medical-consult-reasons: "
         "internal medicine, gastroenterology) and the record documents a condition that specialty is consulted "
         "for (NSAID dyspepsia or gastritis, stated or a listed diagnosis)", section="item",
         tables=(MEDICAL_CONSULTS,))
def _medical_condition(ctx: Context):
    if ctx.resolved.name != "consultation":
        return None
    text = ctx.item.request
    for entry in ctx.table(MEDICAL_CONSULTS):
        named = entry["words"] and _any_word(entry["words"]).search(text)
        if named and any(ctx.finding(name) is True for name in entry["findings"]):
            return True
    return None


@lru_cache(maxsize=64)
def _any_word(words: Iterable[str]) -> re.Pattern:
    """One pattern finding any of a table's words as a whole word, any case; compiled once per table
    value (the tables are frozensets or tuples, so their values key the cache)."""
    return re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(words))) + r")\b", re.I)


@DECLARED.setter("opioid.current_mme")
def _example_current_mme(case, item, value, ctx):
    """A current OxyContin entry whose dose gives the value (1.5 MME per mg, twice a day)."""
    if value > 0:
        strength = max(0.1, round(value / 3, 1))
        case.setdefault("medications", []).append({"drug": "OxyContin", "strength": f"{strength} mg", "sig": "1 bid"})
    else:
        case.setdefault("medications", [])


@DECLARED.setter("plan.surgical_consultation_requested")
def _example_surgical_consultation(case, item, value, ctx):
    """An orthopedic surgeon consultation for the item's region requested with it (true); false cannot be
    stated (the fact is then undocumented)."""
    if value:
        region = item.get("region") or (case.get("regions") or ["knee"])[0]
        case.setdefault("regions", [region])
        items = case.setdefault("items", [])
        taken = {other.get("id") for other in items}
        item_id = "surgeon_consult" if "surgeon_consult" not in taken else f"surgeon_consult_{len(items) + 1}"
        items.append({"id": item_id, "request": f"Orthopedic surgeon consultation {region}"})


@DECLARED.setter("consult.surgical_lesion_suspected")
def _example_lesion(case, item, value, ctx):
    """Mechanical knee symptoms stated (true); false cannot be stated (the fact is then undocumented)."""
    if value:
        case.setdefault("findings", {})["mechanical_knee_symptoms"] = True

"""Facts read from why a drug was stopped or what it did: a first-line drug tried and failed, a pain
medication not tolerated, an NSAID that upset the stomach, a first-line opioid given up for its
side effects, laxatives that did not relieve opioid-induced constipation.

Progress reports say it in a line ("naproxen stopped for GI upset", "gabapentin made him dizzy,
stopped", "ibuprofen did not help"); a case writes it on the drug's history entry (`stopped_for`,
`adverse_effects`, `response: {pain_reduced: false}`). A finding the record states in so many words
(`findings:`, or a listed diagnosis) always wins over what is read from the history; a history that
says nothing of a failure leaves the fact not documented, never false.
"""

from __future__ import annotations

from typing import Optional

from engine.intake.cases import Medication
from engine.knowledge.facts.base import Context, FactSet, Text

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

PAIN_MEDICATION = DECLARED.table("pain-medication-classes", frozenset[Text])  # drug classes
FIRST_LINE_OPIOIDS = DECLARED.table("first-line-opioids", frozenset[Text])     # generic drug names
# Vocabulary class names (names, not a guideline's choice; the rules say which drugs they need).
NON_OPIOID_ANALGESIC = "first_line_analgesic"
OPIOID = "opioid"
NSAID = "nsaid"
LAXATIVE = "laxative"


def failed(med: Medication) -> bool:
    """The record says the drug did not work or could not be taken: stopped for no benefit or for
    side effects, or its own response says it did not reduce the pain ("did not help")."""
    return bool({"no_benefit", "side_effects"} & set(med.stopped_for)) or med.response.pain_reduced is False


def not_tolerated(med: Medication) -> bool:
    """The drug was stopped because of its side effects ("stopped for dizziness")."""
    return "side_effects" in med.stopped_for


def _stated(ctx: Context, name: str) -> Optional[bool]:
    value = ctx.finding(name)
    return value if isinstance(value, bool) else None


def _found(stated: Optional[bool], read: bool) -> Optional[bool]:
    """A stated finding wins; else True when the history shows it, else not documented."""
    if stated is not None:
        return stated
    return True if read else None


@derived("history.non_opioid_failed", "bool",
         "Non-opioid analgesics were tried and failed: stated (finding.non_opioid_failed), or a first-line "
         "analgesic (NSAID, acetaminophen, anti-epilepsy drug, antidepressant) in the history was stopped for "
         "no benefit or for side effects, or did not reduce the pain", section="drug_reasons.non_opioid_failed")
def _non_opioid_failed(ctx: Context):
    read = any(NON_OPIOID_ANALGESIC in classes and OPIOID not in classes and failed(med)
               for med, classes, _ in ctx.all_drugs())
    return _found(_stated(ctx, "non_opioid_failed"), read)


@derived("history.pain_medication_not_tolerated", "bool",
         "Pain medication is being reduced or is not tolerated: stated "
         "(finding.medication_reduced_or_not_tolerated), or a pain medication (table pain-medication-classes) "
         "was stopped for its side effects", section="drug_reasons.medication_reduced_or_not_tolerated",
         tables=(PAIN_MEDICATION,))
def _pain_medication_not_tolerated(ctx: Context):
    classes_of_pain = ctx.table(PAIN_MEDICATION)
    read = any(classes_of_pain & set(classes) and not_tolerated(med) for med, classes, _ in ctx.all_drugs())
    return _found(_stated(ctx, "medication_reduced_or_not_tolerated"), read)


@derived("history.pain_medication_failed", "bool",
         "A pain medication (table pain-medication-classes) did not control the pain or could not be taken: "
         "stopped for no benefit or for side effects, or it did not reduce the pain", section="drug_reasons.",
         tables=(PAIN_MEDICATION,))
def _pain_medication_failed(ctx: Context):
    classes_of_pain = ctx.table(PAIN_MEDICATION)
    read = any(classes_of_pain & set(classes) and failed(med) for med, classes, _ in ctx.all_drugs())
    return True if read else None


@derived("history.first_line_opioid_intolerance", "bool",
         "Intolerable adverse effects with a first-line opioid: stated (finding.first_line_opioid_intolerance), "
         "or an opioid of table first-line-opioids was stopped for its side effects",
         section="drug_reasons.first_line_opioid_intolerance", tables=(FIRST_LINE_OPIOIDS,))
def _first_line_opioid_intolerance(ctx: Context):
    first_line = ctx.table(FIRST_LINE_OPIOIDS)
    read = any(name in first_line and not_tolerated(med) for med, _, name in ctx.all_drugs())
    return _found(_stated(ctx, "first_line_opioid_intolerance"), read)


@derived("history.nsaid_dyspepsia", "bool",
         "Dyspepsia or other GI symptoms caused by an NSAID: stated (finding.nsaid_dyspepsia or a listed "
         "diagnosis such as 'gastritis secondary to NSAIDs'), or an NSAID in the history, current or stopped, "
         "with GI upset among its adverse effects", section="drug_reasons.nsaid_dyspepsia")
def _nsaid_dyspepsia(ctx: Context):
    read = any(NSAID in classes and "gi_upset" in med.adverse_effects for med, classes, _ in ctx.all_drugs())
    return _found(_stated(ctx, "nsaid_dyspepsia"), read)


@derived("history.oic_first_line_failed", "bool",
         "Opioid-induced constipation persisted despite first-line care: stated (finding.oic_first_line_failed), "
         "or a laxative or stool softener in the history was stopped for no benefit or for side effects",
         section="drug_reasons.oic_first_line_failed")
def _oic_first_line_failed(ctx: Context):
    read = any(LAXATIVE in classes and failed(med) for med, classes, _ in ctx.all_drugs())
    return _found(_stated(ctx, "oic_first_line_failed"), read)


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
def _stop_a(case: dict, ctx: dict, cls: str, reason: str, names: Optional[frozenset] = None) -> None:
    vocab = ctx["vocab"]
    drug = sorted(d.name for d in vocab.drugs.values() if cls in d.classes and d.name != ctx["name"]
                  and (names is None or d.name in names))[0]
    case.setdefault("medications", []).append({"drug": drug, "status": "past", "stopped_for": [reason]})


@DECLARED.setter("history.non_opioid_failed")
def _example_non_opioid_failed(case, item, value, ctx):
    if value:
        _stop_a(case, ctx, NON_OPIOID_ANALGESIC, "no_benefit")
    else:
        case.setdefault("findings", {})["non_opioid_failed"] = False


@DECLARED.setter("history.pain_medication_not_tolerated", "history.pain_medication_failed")
def _example_pain_medication(case, item, value, ctx):
    if value:
        _stop_a(case, ctx, NSAID, "side_effects")
    else:
        case.setdefault("findings", {})["medication_reduced_or_not_tolerated"] = False


@DECLARED.setter("history.first_line_opioid_intolerance")
def _example_opioid_intolerance(case, item, value, ctx):
    if value:
        _stop_a(case, ctx, OPIOID, "side_effects", ctx["tables"][FIRST_LINE_OPIOIDS])
    else:
        case.setdefault("findings", {})["first_line_opioid_intolerance"] = False


@DECLARED.setter("history.nsaid_dyspepsia")
def _example_nsaid_dyspepsia(case, item, value, ctx):
    if value:
        drug = sorted(d.name for d in ctx["vocab"].drugs.values() if NSAID in d.classes)[0]
        case.setdefault("medications", []).append({"drug": drug, "adverse_effects": ["gi_upset"]})
    else:
        case.setdefault("findings", {})["nsaid_dyspepsia"] = False


@DECLARED.setter("history.oic_first_line_failed")
def _example_oic(case, item, value, ctx):
    if value:
        _stop_a(case, ctx, LAXATIVE, "no_benefit")
    else:
        case.setdefault("findings", {})["oic_first_line_failed"] = False

"""Passive modalities (ultrasound, laser, iontophoresis, ...), non-medical home equipment, weight-loss
programmes, hypnosis and biofeedback.
"""

from __future__ import annotations

from engine.knowledge.facts.base import Context, FactSet, Text

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

# Case-level findings (finding.<name>)
finding("scientific_evidence_rebuttal", "bool",
        "The request cites peer-reviewed scientific evidence, of higher quality than the guideline's, that a "
        "treatment the guideline does not recommend works for this patient's condition (the guideline's "
        "presumption is rebuttable: Labor Code 4604.5(a), 8 CCR 9792.25.1)")
finding("hand_arthritis", "bool",
        "Arthritis (osteoarthritis or rheumatoid arthritis) of the hand or wrist joints is documented")
finding("dme_definition_met", "bool",
        "The requested equipment is primarily and customarily used for a medical purpose, is generally not "
        "useful to a person without illness or injury, withstands repeated use and is suited to the home")
finding("pressure_ulcer", "bool",
        "A pressure ulcer, or a high risk of one from immobility (e.g. spinal cord injury, confinement to bed), "
        "is documented")
finding("obesity_comorbidity", "bool",
        "An obesity-related condition is documented (diabetes, hypertension, sleep apnoea, heart disease, "
        "osteoarthritis of a weight-bearing joint)")
finding("diet_exercise_failed", "bool",
        "A reasonable self-directed attempt at diet and exercise (with its duration) did not bring enough weight "
        "loss")
finding("ptsd", "bool", "Post-traumatic stress disorder (PTSD) is diagnosed")


@derived("request.with_cbt", "bool",
         "The request is part of a cognitive behavioural therapy programme: CBT or psychotherapy is requested in "
         "the same request or was given before for this injury",
         section="item")
def _with_cbt(ctx: Context):
    if ctx.requested_with(("cognitive_behavioral_therapy",)):
        return True
    for proc in ctx.case.procedures:
        term = ctx.vocab.lookup(proc.service)
        if term is not None and term.name == "cognitive_behavioral_therapy":
            return True
    return None


# Services that are active exercise (table exercise-services)
EXERCISE_SERVICES = DECLARED.table("exercise-services", frozenset[Text])


@derived("therapy.with_exercise", "bool",
         "The treatment goes with active exercise: stated (finding.active_rehabilitation), an exercise therapy "
         "(PT, OT, aquatic therapy, a home exercise programme, work conditioning, a functional restoration "
         "programme) requested in the same request, or a home exercise programme in the record's history",
         section="findings.active_rehabilitation", tables=(EXERCISE_SERVICES,))
def _with_exercise(ctx: Context):
    stated = ctx.case.findings.get("active_rehabilitation")
    if stated is not None:
        return stated
    if ctx.requested_with(ctx.table(EXERCISE_SERVICES)):  # service names (no drug shares one)
        return True
    for proc in ctx.case.procedures:
        term = ctx.vocab.lookup(proc.service) if proc.kind != "other" else None
        if term is not None and term.name == "home_exercise":
            return True
    return None


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("request.with_cbt")
def _example_with_cbt(case, item, value, ctx):
    """True: CBT requested alongside; false cannot be stated (the fact is then undocumented)."""
    if value and "cognitive_behavioral_therapy" in ctx["vocab"].services:
        case["items"].append({"id": f"cbt-{item['id']}", "request": "CBT x4"})


@DECLARED.setter("therapy.with_exercise")
def _example_with_exercise(case, item, value, ctx):
    """Stated as finding.active_rehabilitation, which the reading takes first."""
    case.setdefault("findings", {})["active_rehabilitation"] = bool(value)

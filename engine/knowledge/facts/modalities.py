"""Passive modalities (ultrasound, laser, iontophoresis, ...), non-medical home equipment, weight-loss
programmes, hypnosis and biofeedback.
"""

from __future__ import annotations

from engine.knowledge.facts import Context, derived, finding  # noqa: F401

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
    if any(term is not None and term.name == "cognitive_behavioral_therapy" for _, term in ctx.other_items()):
        return True
    for proc in ctx.case.procedures:
        term = ctx.vocab.lookup(proc.service)
        if term is not None and term.name == "cognitive_behavioral_therapy":
            return True
    return None


# Services that are active exercise (CPMTG 2009 p. 60: massage is an adjunct to "other recommended treatment
# (e.g. exercise)"; pp. 46-47, 98-99: exercise and active therapy).
_EXERCISE_SERVICES = {"physical_therapy", "occupational_therapy", "aquatic_therapy", "home_exercise",
                      "work_hardening", "functional_restoration_program", "postop_physical_therapy"}


@derived("therapy.with_exercise", "bool",
         "The treatment goes with active exercise: stated (finding.active_rehabilitation), an exercise therapy "
         "(PT, OT, aquatic therapy, a home exercise programme, work conditioning, a functional restoration "
         "programme) requested in the same request, or a home exercise programme in the record's history",
         section="findings.active_rehabilitation")
def _with_exercise(ctx: Context):
    stated = ctx.case.findings.get("active_rehabilitation")
    if stated is not None:
        return stated
    if any(term is not None and term.kind == "service" and term.name in _EXERCISE_SERVICES
           for _, term in ctx.other_items()):
        return True
    for proc in ctx.case.procedures:
        term = ctx.vocab.lookup(proc.service) if proc.kind != "other" else None
        if term is not None and term.name == "home_exercise":
            return True
    return None

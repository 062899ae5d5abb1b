"""Documented findings a case states directly (`findings:` on the case, `documentation:` on an item).

Each is declared once here with its type; an unknown finding name in a case is an error.
"""

from __future__ import annotations

from engine.knowledge.facts.base import Context, FactSet

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

# Case-level findings (finding.<name>)
finding("acute_exacerbation", "bool", "An acute exacerbation or flare-up of chronic pain is documented")
finding("first_line_tried", "bool",
        "First-line drugs (NSAID, acetaminophen, antidepressant or anti-epilepsy drug) were tried or are in use")
finding("non_opioid_failed", "bool", "Non-opioid analgesics were tried and failed before opioids")
finding("conservative_care_failed", "bool",
        "Conservative care (therapy, medication, activity change) was tried and did not resolve the problem")
finding("conservative_care_weeks", "number", "Weeks of conservative care before the request")
finding("symptom_free_period", "bool", "A symptom-free period preceded the current exacerbation")
finding("new_injury", "bool", "A new injury is documented")
finding("psychosocial_factors", "bool", "Psychosocial factors complicating recovery are documented")
finding("diagnosis_uncertain_or_complex", "bool", "The diagnosis is documented as uncertain or extremely complex")
finding("red_flags", "bool",
        "Red-flag findings suggesting serious pathology (cauda equina, tumour, infection, fracture, "
        "progressive neurological deficit)")
finding("symptoms_changed_since_imaging", "bool",
        "Symptoms or findings changed significantly since the most recent imaging of the region")
finding("surgery_considered", "bool", "Surgery is being considered and the patient would consider it")
finding("functional_goals", "bool", "Specific functional goals for the treatment are documented")
finding("pain_specialist_involved", "bool", "A pain-management specialist manages or has reviewed the opioid dose")
finding("extenuating_circumstances", "bool", "Extenuating circumstances for use beyond guideline limits are documented")

finding("bacterial_infection", "bool",
        "A bacterial infection an antibiotic treats is documented (e.g. cellulitis, wound or surgical-site "
        "infection, osteomyelitis, septic joint, urinary tract infection), by examination, culture or imaging")

finding("trigger_point_twitch_response", "bool",
        "A twitch response on palpation of a trigger point is documented (examination sign)")
finding("trigger_point_referred_pain", "bool",
        "Referred pain on palpation of a trigger point is documented (examination sign)")

finding("home_program_failed", "bool",
        "A documented home exercise programme was tried and failed, and equipment is needed")

# Item-level documentation (doc.<name>)
finding("reason_stated", "bool", "The request states the clinical reason for it", scope="item")
finding("additional_expertise_needed", "bool",
        "The request explains what a specialist's expertise would add to the plan", scope="item")
finding("management_decision_stated", "bool",
        "The request states what treatment decision depends on the result", scope="item")
finding("risks_discussed", "bool", "Risks of the treatment were discussed with the patient", scope="item")
finding("equipment_or_membership", "bool",
        "The request includes purchased exercise equipment or a gym or pool membership", scope="item")


@derived("case.current_medications", "number", "Number of medications the patient currently takes",
         section="medication")
def _current_meds(ctx: Context):
    return float(len(ctx.current_drugs())) if ctx.documented("medications") else None


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("case.current_medications")
def _example_count(case, item, value, ctx):
    meds = case.setdefault("medications", [])
    for name in ("ibuprofen", "naproxen", "gabapentin", "duloxetine")[: max(0, int(value) - len(meds))]:
        if name in ctx["vocab"].drugs:
            meds.append({"drug": name, "status": "current"})

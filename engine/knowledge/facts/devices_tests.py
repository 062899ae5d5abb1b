"""Slings, ankle braces, special footwear and compression stockings; skilled nursing and inpatient
rehabilitation after surgery; neuropsychological testing after a head injury. Equipment that
follows an operation reuses `postop.operation` and `postop.surgery_approved`
(engine/knowledge/facts/orthopedic_surgery.py).
"""

from __future__ import annotations

from engine.knowledge.facts.base import Context, FactSet, Text
from engine.knowledge.facts.services import requested_days

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

# Slings
finding("open_large_rotator_cuff_repair", "bool",
        "The shoulder operation is (or was) an open repair of a large or massive rotator cuff tear, "
        "not an arthroscopic repair of a small tear")
finding("acute_shoulder_injury", "bool",
        "An acute shoulder-girdle injury a sling briefly rests is documented: acromioclavicular separation, "
        "clavicle or proximal humerus fracture, shoulder dislocation, or an acute sprain or strain")

# Ankle and foot, stockings
finding("ankle_sprain", "bool", "An acute ankle sprain (ligament injury of the ankle) is documented")
finding("ankle_instability", "bool",
        "Ankle instability is documented: laxity on examination (anterior drawer, talar tilt), recurrent "
        "giving way, or instability on stress imaging")
finding("footwear_indication", "text",
        "A foot condition special footwear treats: a structural foot deformity (e.g. severe flat foot or "
        "cavus foot, bunion or hammer toes needing extra depth, partial foot amputation) or a diabetic foot "
        "(neuropathy, ulcer or ulcer risk); none: no such condition",
        values=("foot_deformity", "diabetic_foot", "none"))
finding("venous_disease_or_edema", "bool",
        "Chronic venous insufficiency, varicose veins, lymphoedema or persistent swelling (oedema) of the "
        "limb is documented")

# Facilities after surgery
finding("major_trauma", "bool",
        "Major or multiple trauma needing hospital admission (e.g. multiple fractures, pelvic or femoral "
        "fracture) is documented")
finding("hospital_stay_days", "number",
        "Days the patient was (or is planned to be) an acute-hospital inpatient for the surgery or trauma "
        "before transfer to the facility")
finding("daily_skilled_care_need", "bool",
        "The patient needs skilled nursing or skilled rehabilitation services daily (at least five days a "
        "week) that can practically be given only as an inpatient in a facility")
finding("home_discharge_unsafe", "bool",
        "New functional limitations make discharge home unsafe (e.g. cannot walk more than a short distance "
        "or do self-care, lives alone or has no caregiver, cannot manage stairs at home)")
finding("intensive_rehab_tolerance", "bool",
        "The patient needs, and can tolerate and take part in, intensive inpatient rehabilitation (about "
        "three hours of therapy a day, at least five days a week, from more than one therapy discipline)")

# Head injury
finding("traumatic_brain_injury", "text",
        "A traumatic brain injury is diagnosed, by severity (a concussion is mild; none: a head injury "
        "was evaluated and no brain injury found)",
        values=("mild", "moderate", "severe", "none"))
finding("persistent_cognitive_symptoms", "bool",
        "Cognitive or post-concussive symptoms (memory, attention, slowed thinking) persist at the time "
        "of the request")


FACILITY_STAYS = DECLARED.table("facility-stays", frozenset[Text])  # services that are facility stays


@derived("request.facility_days", "number",
         "Days of a skilled nursing or inpatient rehabilitation facility stay requested", unit="days",
         section="item", controllable=True, tables=(FACILITY_STAYS,))
def _facility_days(ctx: Context):
    if ctx.resolved.name not in ctx.table(FACILITY_STAYS):
        return None
    return requested_days(ctx)


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("request.facility_days")
def _example_facility_days(case, item, value, ctx):
    item["days_supply"] = max(1.0, float(value))

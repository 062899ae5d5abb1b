"""Findings for equipment, injections, medical foods and other frequent non-surgical requests.

Durable medical equipment, sacroiliac and occipital blocks, shockwave therapy, sleep studies,
memberships and transport each turn on a documented diagnosis or limitation; they are declared
here once so the rules only compare them. Knee giving way, carpal tunnel signs and meniscal
signs are declared with the surgical findings (engine/knowledge/facts/surgery.py) and reused.
"""

from __future__ import annotations

import re

from engine.knowledge.facts.base import Context, FactSet, Text

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

# Equipment: what the injury keeps the patient from doing, and the diagnoses devices treat.
finding("postoperative_period", "bool",
        "The request is for the period right after surgery on the treated region (done or scheduled)")
finding("wrist_tendinitis", "bool",
        "A wrist or thumb tendinitis that splinting treats (e.g. de Quervain's tenosynovitis) is documented")
finding("wrist_sprain", "bool", "A sprain or strain of the wrist or hand is documented")
finding("plantar_fasciitis", "bool", "Plantar fasciitis (plantar heel pain) is documented")
finding("metatarsalgia", "bool", "Metatarsalgia (forefoot pain under the metatarsal heads) is documented")
finding("gait_impairment", "bool", "Impaired walking or balance that needs support to walk safely is documented")
finding("cane_or_walker_insufficient", "bool",
        "A cane or walker was tried or considered and does not resolve the mobility deficit")
finding("manual_wheelchair_unusable", "bool",
        "The patient cannot propel a manual wheelchair (upper-limb function) and no caregiver can push one")
finding("self_care_limitation", "bool",
        "A physical limitation from the injury makes bathing or toileting unsafe without the equipment")
finding("bed_positioning_need", "bool",
        "Positioning an ordinary bed cannot give is needed (head raised over 30 degrees, traction, "
        "frequent repositioning)")

# Injections, foods and supplements.
finding("vitamin_b12_deficiency", "bool", "Vitamin B12 deficiency is documented by a laboratory test")
finding("vitamin_d_deficiency", "bool", "Vitamin D deficiency is documented by a laboratory test")
finding("distinct_nutritional_requirement", "bool",
        "A disease with distinctive nutritional requirements, which a medical food is meant to manage, "
        "is documented")
finding("knee_osteoarthritis", "bool", "Osteoarthritis of the knee (any severity) is documented")
finding("lateral_epicondylitis", "bool", "Lateral epicondylitis (tennis elbow) is documented")
finding("cervical_dystonia", "bool", "Cervical dystonia (spasmodic torticollis) is diagnosed")
finding("occipital_neuralgia", "bool", "Occipital neuralgia or cervicogenic headache is diagnosed")
finding("si_positive_tests", "number",
        "Positive sacroiliac provocation tests on examination (FABER, thigh thrust, compression, distraction, "
        "Gaenslen, Fortin finger)")
finding("other_pain_generators_addressed", "bool",
        "Other possible pain generators (facet joints, discs, hip) were evaluated and addressed")
finding("calcific_tendinitis", "bool", "Calcifying tendinitis of the shoulder is documented on imaging")

# Other services.
finding("sleep_disorder_suspected", "bool",
        "A primary sleep disorder is suspected (sleep apnoea, narcolepsy or cataplexy, periodic limb "
        "movements, unexplained daytime sleepiness)")
finding("insomnia_months", "number", "Months the insomnia has lasted")
finding("insomnia_treatment_failed", "bool",
        "Insomnia did not respond to behavioural measures and to sleep-promoting medication")
finding("psychiatric_cause_excluded", "bool", "A psychiatric cause of the sleep complaint was ruled out")
finding("medically_supervised", "bool",
        "The programme is monitored and administered by medical professionals", scope="item")
finding("home_application", "bool",
        "Heat or cold is applied by the patient at home (not as a passive modality in the clinic)", scope="item")
finding("cannot_self_transport", "bool",
        "A disability from the injury keeps the patient from driving or using public transport to appointments")
finding("opioid_taper_indicated", "bool",
        "A reason to wean opioids is documented: intolerable side effects, no response, aberrant behaviour, "
        "refractory psychiatric illness or no functional gain")
finding("rotator_cuff_tear_suspected", "bool",
        "A full-thickness rotator cuff or labral tear is suspected on examination (weakness, positive tear tests)")
finding("psychiatric_disorder", "bool",
        "A psychiatric disorder (depression, anxiety disorder, PTSD) is diagnosed by a mental-health professional")

PSYCHOTROPIC = DECLARED.table("psychotropic-classes", frozenset[Text])
# How requests name medical supervision ("Medically supervised weight loss program", "physician-supervised",
# "MD supervised", "supervised by a physician"): how providers write, not a guideline choice.
_SUPERVISED = re.compile(r"\b(?:medically|physician|doctor|md|medical|clinician)[- ]supervised\b|"
                         r"\bsupervised by (?:a |the |an )?(?:physician|doctor|md|medical|clinician|bariatric)",
                         re.I)


@derived("request.medically_supervised", "bool",
         "The programme is monitored by medical professionals: stated (doc.medically_supervised), or the request "
         "names medical supervision (\"medically supervised\", \"physician-supervised\", \"supervised by a "
         "physician\")", section="item")
def _medically_supervised(ctx: Context):
    stated = ctx.item.documentation.get("medically_supervised")
    if stated is not None:
        return stated
    return True if _SUPERVISED.search(ctx.item.request) else None


@derived("case.psychotropic_medications", "number",
         "Current antidepressants, benzodiazepines and sleep medications (the drugs a psychiatric "
         "medication-management visit adjusts)", tables=(PSYCHOTROPIC,))
def _psychotropics(ctx: Context):
    """Counted from the medication list; not documented when the case has no medication history."""
    if not ctx.documented("medications"):
        return None
    classes_of = ctx.table(PSYCHOTROPIC)
    return float(sum(1 for _, classes, _ in ctx.current_drugs() if classes_of & set(classes)))

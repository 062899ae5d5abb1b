"""Functional capacity evaluations, shoulder injections, sympathetic blocks, implantable drug-delivery
systems, discography and other spinal procedures, diagnostic ultrasound and MR arthrography.
"""

from __future__ import annotations

import re

from engine.knowledge.facts.base import Context, FactSet

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

# Functional capacity evaluation (ACOEM Ch. 7; ODG Fitness for Duty)
finding("prior_return_to_work_failed", "bool",
        "Earlier attempts to return the worker to work were unsuccessful")
finding("conflicting_fitness_reports", "bool",
        "Medical reports conflict on the worker's precautions or fitness for the job or a modified job")
finding("detailed_ability_assessment_needed", "bool",
        "The injuries need a detailed exploration of the worker's abilities (several body parts, complex "
        "restrictions) that the examination cannot give")
finding("work_hardening_planned", "bool",
        "Admission to a work hardening or work conditioning programme is planned")
finding("near_maximum_medical_improvement", "bool",
        "The worker is at or close to maximum medical improvement (permanent and stationary), with the key "
        "medical reports secured")
finding("fce_effort_only", "bool",
        "The only purpose of the functional capacity evaluation is to measure the worker's effort or compliance")
finding("ergonomic_assessment_arranged", "bool",
        "An ergonomic (job-site) assessment has been arranged for a worker who is back at work")

# Shoulder injections (ACOEM Ch. 9; ODG Shoulder)
finding("shoulder_impingement", "bool",
        "Impingement syndrome, rotator cuff tendinitis or bursitis, or a small (partial) rotator cuff tear of "
        "the shoulder is diagnosed")
finding("adhesive_capsulitis", "bool", "Adhesive capsulitis (frozen shoulder) is diagnosed")

# Implantable drug-delivery systems (CPMTG 2009)
finding("implant_contraindication", "bool",
        "A contraindication to an implanted device is documented (infection or sepsis, coagulopathy, "
        "anticoagulation that cannot be stopped)")

# Pre-operative tests (ODG Preoperative lab testing)
finding("preop_test_indication", "bool",
        "A condition or medication that pre-operative tests check is documented: a chronic disease (diabetes, "
        "hypertension, heart, kidney or liver disease), anaemia or a bleeding disorder, or anticoagulant use")

# Vertebroplasty and kyphoplasty (ODG Low Back)
finding("osteoporotic_compression_fracture", "bool",
        "A painful osteoporotic (or tumour-related) vertebral compression fracture is confirmed on imaging")

# Diagnostic ultrasound and MR arthrography (ODG Shoulder, Hip, Forearm/Wrist/Hand)
finding("labral_tear_suspected", "bool",
        "A labral tear of the shoulder or hip is suspected on examination or on earlier imaging")
finding("rotator_cuff_retear_suspected", "bool",
        "A re-tear of a surgically repaired rotator cuff is suspected")
finding("soft_tissue_tear_suspected", "bool",
        "A tendon or ligament tear (e.g. rotator cuff, biceps, patellar or Achilles tendon, wrist ligament "
        "or TFCC) is suspected on examination")


_MAINTENANCE = re.compile(r"refill|re-fill|reprogram|re-program|analysis|interrogat|maintenance|replacement|"
                          r"revision|removal|explant|battery", re.I)
_TRIAL = re.compile(r"\btrial\b|\btest dose\b|\bsingle[- ]shot\b|\bbolus\b", re.I)


@derived("request.idds_stage", "text",
         "For an implantable drug-delivery system (intrathecal pump): whether the request is the temporary "
         "trial, the permanent implant, or maintenance of a pump already in place (refill, reprogramming, "
         "replacement)",
         values=("trial", "implant", "maintenance"), section="item")
def _idds_stage(ctx: Context):
    if ctx.resolved.kind != "service" or ctx.resolved.name != "implantable_drug_delivery_system":
        return None
    text = ctx.item.request
    if _MAINTENANCE.search(text):
        return "maintenance"
    if _TRIAL.search(text):
        return "trial"
    return "implant"


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("request.idds_stage")
def _example_idds_stage(case, item, value, ctx):
    item["name"] = ctx["name"]
    requests = {"trial": "Intrathecal morphine trial", "implant": "Intrathecal pump implantation",
                "maintenance": "Intrathecal pump refill and reprogramming"}
    item["request"] = requests.get(value, requests["implant"])

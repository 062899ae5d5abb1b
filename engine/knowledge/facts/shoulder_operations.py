"""Facts for the shoulder-operation rules (distal clavicle resection, SLAP repair); see docs/adding-a-rule.md.

Shoulder operations that share the vocabulary entry shoulder_arthroscopy (so post-operative
equipment, therapy and length-of-stay rules keep following them) but have their own ODG
indications: a distal clavicle resection (Mumford procedure) and a superior labral (SLAP) repair.
Which of them a request includes is read from its text; the findings their rules read are below.
"""

from __future__ import annotations

import re

from engine.knowledge.facts.base import Context, FactSet

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

# Distal clavicle resection (ODG Shoulder, Partial claviculectomy)
finding("ac_joint_pain", "bool",
        "Pain localised to the acromioclavicular (AC) joint, made worse by shoulder motion (cross-body "
        "adduction, overhead reaching) or by carrying weight")
finding("ac_joint_tenderness", "bool", "Tenderness over the acromioclavicular (AC) joint on examination")
finding("ac_joint_injection_relief", "bool",
        "An injection of local anaesthetic (with or without a steroid) into the AC joint relieved the pain")
finding("ac_joint_arthritis_on_imaging", "bool",
        "X-rays or MRI of the shoulder show post-traumatic changes, severe degenerative arthritis or a "
        "separation of the acromioclavicular (AC) joint")

# SLAP repair (ODG Shoulder, Surgery for SLAP lesions)
finding("shoulder_labral_tear_on_imaging", "bool",
        "An MR arthrogram (or MRI) of the shoulder shows a superior labral (SLAP) tear")
finding("shoulder_labral_signs", "bool",
        "Symptoms and examination findings of a superior labral tear: mechanical symptoms (catching, "
        "clicking, popping, locking) or deep pain with overhead activity, and a positive labral test "
        "(O'Brien active compression, crank, biceps load)")

_SHOULDER = "shoulder_arthroscopy"
_DISTAL_CLAVICLE = re.compile(r"distal clavic|claviculectomy|clavicectomy|mumford", re.I)
_LABRAL = re.compile(r"\bslap\b|labral repair|labrum repair|superior labr", re.I)
_INSTABILITY = re.compile(r"bankart|instability|dislocation|capsul", re.I)


def _shoulder_text(ctx: Context):
    if ctx.resolved.kind != "service" or ctx.resolved.name != _SHOULDER:
        return None
    return ctx.item.request


@derived("request.distal_clavicle_resection", "bool",
         "The shoulder operation requested includes a distal clavicle resection (Mumford procedure, "
         "partial claviculectomy)", section="item")
def _distal_clavicle(ctx: Context):
    text = _shoulder_text(ctx)
    return None if text is None else bool(_DISTAL_CLAVICLE.search(text))


@derived("request.slap_repair", "bool",
         "The shoulder operation requested includes a superior labral (SLAP) repair; a labral repair for "
         "instability (Bankart) is not one", section="item")
def _slap(ctx: Context):
    text = _shoulder_text(ctx)
    return None if text is None else bool(_LABRAL.search(text)) and not _INSTABILITY.search(text)


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("request.distal_clavicle_resection", "request.slap_repair")
def _example_shoulder_operation(case, item, value, ctx):
    item["name"] = ctx["name"]
    requests = {("request.distal_clavicle_resection", True): "Right shoulder arthroscopic distal clavicle resection",
                ("request.slap_repair", True): "Right shoulder arthroscopic SLAP repair"}
    item["request"] = requests.get((ctx["fact"], bool(value)), "Right shoulder arthroscopic subacromial decompression")

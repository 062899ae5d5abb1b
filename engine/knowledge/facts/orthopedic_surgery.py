"""Post-operative equipment (continuous passive motion, DVT compression devices, bone growth
stimulators), manual wheelchairs, hand and elbow surgery (trigger finger, de Quervain's, cubital
tunnel, lateral epicondylitis), hip and ankle surgery and plantar fascia release.

Post-operative equipment follows an operation: the operation is read from the surgery item the
request accompanies (`accompanies:`) when there is one, else from what the record states
(`findings: {operation: ..., postoperative_period: true}`), else from the procedure history ("s/p R
TKA 6/2/15": the operation dated there, inside its postsurgical period), so equipment requested on its
own after a surgery already done or approved can be judged too.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal, Optional

from engine.intake.cases import item_ids
from engine.knowledge.facts.base import STUDY_FINDINGS, Context, FactSet, Number, Text, weeks_between
from engine.knowledge.facts.postsurgical import COURSES, listed_operations
from engine.knowledge.facts.procedures import STUDY_KINDS
from engine.knowledge.facts.surgery import nerve_study_result
from engine.intake.requests import count_levels, levels_in_text

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

# The operation groups post-operative equipment rules tell apart: the values rules and cases may
# write for postop.operation and finding.operation (the fact's vocabulary, like any text fact's values).
OPERATIONS = ("knee_arthroplasty", "hip_arthroplasty", "acl_reconstruction", "knee_fracture_fixation",
              "hip_fracture_fixation", "knee_arthroscopy", "hip_arthroscopy", "ankle_or_foot_surgery",
              "shoulder_surgery", "upper_limb_surgery", "spinal_fusion", "spinal_decompression", "other")

# Vocabulary service -> operation group (a surgery item the equipment accompanies).
OPERATION_GROUPS = DECLARED.table("operation-groups", dict[Text, Literal[OPERATIONS]])  # type: ignore[valid-type]
FUSION_MULTILEVEL = DECLARED.table("fusion-multilevel", Number)  # levels from which a fusion is multilevel

# Post-operative equipment
finding("operation", "text",
        "The operation the requested post-operative equipment follows (done or approved), when the request "
        "does not include the surgery itself", values=OPERATIONS)
finding("knee_stiffness_risk", "bool",
        "After knee surgery the patient is at risk of a stiff knee: low post-operative mobility or unable to "
        "bear weight, unable to comply with rehabilitation exercises (physical, mental or behavioural), "
        "arthrofibrosis or tendon fibrosis, or CRPS")
finding("vte_high_risk", "bool",
        "A high risk of venous thromboembolism is documented (previous DVT or pulmonary embolism, clotting "
        "disorder, active cancer, prolonged immobilisation, obesity with immobility, oestrogen therapy)")
finding("fusion_nonunion_risk", "text",
        "A risk factor for a failed spinal fusion: a previous failed fusion, grade III or worse "
        "spondylolisthesis, fusion of more than one level, current smoking, diabetes, renal disease, "
        "alcoholism, or significant osteoporosis on radiographs (none: no risk factor)",
        values=("previous_failed_fusion", "grade_3_spondylolisthesis", "multilevel_fusion", "current_smoker",
                "diabetes", "renal_disease", "alcoholism", "osteoporosis", "none"))
finding("fusion_not_confirmed", "bool",
        "After a spinal fusion, plain or flexion-extension films do not confirm a solid fusion: a pseudarthrosis "
        "(nonunion of the fusion) is suspected or diagnosed")
finding("trochanteric_bursitis", "bool",
        "Greater trochanteric bursitis (greater trochanteric pain syndrome) is diagnosed")
finding("wheelchair_needed_at_home", "bool",
        "The patient needs, and will use, a wheelchair to move about the residence")

# Hand and elbow surgery
finding("trigger_finger", "bool",
        "Triggering or locking of a finger or thumb (stenosing flexor tenosynovitis) is documented on examination")
finding("de_quervain_signs", "bool",
        "De Quervain's tenosynovitis on examination: tenderness and swelling over the first dorsal "
        "compartment, positive Finkelstein test")
finding("local_corticosteroid_injections", "number",
        "Corticosteroid injections already given at the site of the proposed surgery for this problem "
        "(flexor tendon sheath, first dorsal compartment, lateral epicondyle)")
finding("conservative_treatment_types", "number",
        "Different kinds of conservative treatment tried for the problem (e.g. therapy or exercise, "
        "bracing or splinting, medication, injection, activity modification)")
finding("ulnar_neuropathy_signs", "bool",
        "Symptoms and examination findings of ulnar neuropathy at the elbow (numbness of the ring and little "
        "fingers, Tinel at the cubital tunnel, positive elbow flexion test, intrinsic weakness)")

# Hip and ankle surgery
finding("hip_mechanical_signs", "bool",
        "Mechanical hip symptoms (catching, locking, clicking) with positive impingement or labral tests "
        "(FADIR, FABER) on examination")
finding("severe_hip_osteoarthritis", "bool",
        "Symptomatic severe (advanced) osteoarthritis of the hip is documented on examination and imaging")
finding("ankle_intraarticular_signs", "bool",
        "Symptoms and examination findings of an intra-articular ankle lesion (anterior or posterior "
        "impingement, catching or locking, joint-line tenderness, recurrent effusion)")


def _accompanied_item(ctx: Context):
    target = ctx.resolved.accompanies
    if target is None:
        return None
    for item_id, item in zip(item_ids(ctx.case), ctx.case.items):
        if item_id == target:
            return item
    return None


@derived("postop.operation", "text",
         "The operation post-operative equipment follows: the surgery item it accompanies, else "
         "finding.operation, else the latest operation in the procedure history or done by the diagnosis list (of the item's region when "
         "it names one)", values=OPERATIONS, section="item",
         tables=(OPERATION_GROUPS,))
def _operation(ctx: Context):
    term = ctx.accompanied_term()
    if term is not None and term.kind == "service":
        return ctx.table(OPERATION_GROUPS).get(term.name, "other")
    stated = ctx.case.findings.get("operation")
    if stated is not None:
        return stated
    done = operation_done(ctx)
    return ctx.table(OPERATION_GROUPS)[done[0]] if done else None


def operation_done(ctx: Context) -> Optional[tuple[str, Optional[dt.date]]]:
    """The latest operation in the procedure history, or that the diagnosis list says was done ("s/p R
    TKA 6/2/15"), as (service, date): of the item's region when the item names one, dated ones before
    undated ones; None when there is none."""
    if "operation_done" not in ctx.memo:
        region = ctx.resolved.region
        found = []
        for proc in ctx.case.procedures:
            term = ctx.vocab.lookup(proc.service) if proc.kind != "other" else None
            if term is None or term.kind != "service" or term.name not in ctx.table(OPERATION_GROUPS):
                continue
            where = proc.region or ctx.vocab.services[term.name].region
            if region and where and where != region:
                continue
            found.append(((proc.date or dt.date.min), term.name, proc.date))
        for name, day in listed_operations(ctx, ctx.table(OPERATION_GROUPS)):
            where = ctx.vocab.services[name].region
            if not (region and where and where != region):
                found.append((day or dt.date.min, name, day))
        ctx.memo["operation_done"] = max(found)[1:] if found else None
    return ctx.memo["operation_done"]


@derived("postop.surgery_approved", "bool",
         "The operation this equipment follows is medically necessary (the surgery item it accompanies is "
         "certified) or, when the request does not include the surgery, is documented as done or scheduled "
         "(finding.postoperative_period), or is dated in the procedure history within its postsurgical "
         "physical medicine period before the request", section="item", tables=(OPERATION_GROUPS, COURSES))
def _surgery_approved(ctx: Context):
    target = ctx.resolved.accompanies
    if target is not None:
        outcome = ctx.outcomes.get(target)
        return None if outcome is None else outcome == "overturned"
    stated = ctx.case.findings.get("postoperative_period")
    if stated is not None or ctx.case.findings.get("operation") is not None:
        return stated
    # an operation dated in the history: done, so the equipment follows it while inside the
    # operation's postsurgical physical medicine period (8 CCR 9792.24.3); later it is not post-operative
    done = operation_done(ctx)
    courses = ctx.table(COURSES)
    if done is None or done[1] is None or done[0] not in courses:
        return None
    return weeks_between(done[1], ctx.request_date) <= courses[done[0]]["period_weeks"]


@derived("fusion.nonunion_risk", "bool",
         "A risk factor for a failed spinal fusion is documented (finding.fusion_nonunion_risk), or the fusion "
         "the request accompanies covers more than one level", section="item", tables=(FUSION_MULTILEVEL,))
def _nonunion_risk(ctx: Context):
    stated = ctx.case.findings.get("fusion_nonunion_risk")
    if stated is not None and stated != "none":  # every other value the finding allows is a risk factor
        return True
    item = _accompanied_item(ctx)
    if item is not None:
        levels = item.levels if item.levels is not None else levels_in_text(item.request)
        if levels and count_levels(levels) >= ctx.table(FUSION_MULTILEVEL):
            return True
    return False if stated == "none" else None


_ULNAR_WORDS = re.compile(r"ulnar|cubital", re.I)


@derived("surgery.ulnar_neuropathy_on_edx", "bool",
         "Electrodiagnostic studies (nerve conduction or EMG) of the elbow, or naming the ulnar nerve or cubital "
         "tunnel, show ulnar neuropathy (as stated, or read from the findings text)", section="studies",
         tables=(STUDY_KINDS, STUDY_FINDINGS))
def _ulnar_edx(ctx: Context):
    return nerve_study_result(ctx, ("elbow",), _ULNAR_WORDS)  # the cubital tunnel is at the elbow: anatomy


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("postop.operation")
def _example_operation(case, item, value, ctx):
    """The operation the equipment follows, as the record states it (no surgery item in the request)."""
    case.setdefault("findings", {})["operation"] = value


@DECLARED.setter("postop.surgery_approved")
def _example_surgery_approved(case, item, value, ctx):
    """The surgery done or scheduled (true) or documented as not planned (false)."""
    case.setdefault("findings", {})["postoperative_period"] = bool(value)


@DECLARED.setter("fusion.nonunion_risk")
def _example_nonunion_risk(case, item, value, ctx):
    case.setdefault("findings", {})["fusion_nonunion_risk"] = "current_smoker" if value else "none"


@DECLARED.setter("surgery.ulnar_neuropathy_on_edx")
def _example_ulnar_edx(case, item, value, ctx):
    case.setdefault("studies", []).append({"kind": "ncs", "region": "elbow", "findings": "ulnar nerve study",
                                            "significant_pathology": bool(value)})

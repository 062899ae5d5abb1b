"""Facts for surgical requests: what the record states about the surgical lesion, and what the
studies of the operated region show.

Surgery rules (ACOEM 2004 surgical considerations, ODG) ask whether imaging shows a lesion that
surgery fixes, whether nerve conduction confirms carpal tunnel syndrome, and how long symptoms
have limited activity; each is read or derived once here so rules only compare values.
"""

from __future__ import annotations

import re
from typing import Optional

from engine.knowledge.facts.base import STUDY_FINDINGS, Context, FactSet, Number, Text
from engine.knowledge.facts.procedures import STUDY_KINDS

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

# Case-level findings (finding.<name>)
finding("activity_limitation_weeks", "number",
        "Weeks the symptoms of the region to be operated on have limited activity")
finding("fusion_indication", "text",
        "Why spinal fusion is proposed: the structural problem documented for the fused segment",
        values=("fracture", "dislocation", "instability", "tumor", "infection", "degenerative_disc_disease", "other"))
finding("carpal_tunnel_signs", "bool",
        "Symptoms and examination findings of carpal tunnel syndrome (median-nerve numbness, Tinel, Phalen, "
        "thenar weakness)")
finding("severe_carpal_tunnel", "bool",
        "Severe carpal tunnel syndrome (thenar atrophy, constant numbness or severe findings on nerve conduction)")
finding("full_thickness_rotator_cuff_tear", "bool", "A full-thickness rotator cuff tear is documented")
finding("mechanical_knee_symptoms", "bool",
        "Mechanical knee symptoms other than pain: locking, catching, popping, giving way or recurrent effusion")
finding("meniscal_exam_signs", "bool",
        "Examination signs of a meniscal tear (localised joint-line tenderness, McMurray, loss of full flexion)")
finding("knee_gives_way", "bool",
        "The knee gives way in daily activities or sport (functional instability), not pain alone")
finding("acl_exam_positive", "bool",
        "Examination shows anterior cruciate ligament laxity (Lachman, anterior drawer or pivot shift)")
finding("bmi", "number", "Body mass index (kg/m2)")

LOS_TARGETS = DECLARED.table("los-targets", dict[Text, Number])
_CTS_WORDS = re.compile(r"carpal|median", re.I)


@derived("surgery.imaging_lesion", "bool",
         "Imaging of the region to be operated on shows significant pathology (a lesion surgery can treat), "
         "as the study states it or its findings text says (table study-findings)",
         section="studies", tables=(STUDY_KINDS, STUDY_FINDINGS))
def _imaging_lesion(ctx: Context):
    region = ctx.resolved.region
    if ctx.resolved.kind != "service" or region is None:
        return None
    shown = [ctx.study(s).significant_pathology for s in ctx.case.studies
             if s.kind in ctx.table(STUDY_KINDS)["imaging"] and s.region == region]
    stated = [value for value in shown if value is not None]
    if not stated:
        return None
    return any(stated)


@derived("surgery.cts_confirmed_by_ncs", "bool",
         "Nerve conduction studies of the wrist or hand (or naming the median nerve or carpal tunnel) "
         "show carpal tunnel syndrome (as stated, or read from the findings text)", section="studies",
         tables=(STUDY_KINDS, STUDY_FINDINGS))
def _cts_confirmed(ctx: Context):
    return nerve_study_result(ctx, ("wrist", "hand"), _CTS_WORDS)  # where the carpal tunnel is: anatomy


def nerve_study_result(ctx: Context, regions: tuple[str, ...], words: re.Pattern) -> Optional[bool]:
    """Whether nerve studies of these regions (or whose findings name the nerve) show pathology;
    None when no such study states a result (a fact using it reads tables study-kinds and study-findings)."""
    shown = [ctx.study(s).significant_pathology for s in ctx.case.studies
             if s.kind in ctx.table(STUDY_KINDS)["nerve_studies"]
             and (s.region in regions or words.search(s.findings or ""))]
    stated = [value for value in shown if value is not None]
    if not stated:
        return None
    return any(stated)


_DAYS = re.compile(r"(?:\bx\s*(\d{1,2})\b|\b(\d{1,2})\s*-?\s*(?:days?|nights?)\b)", re.I)


def _primary_service(ctx: Context):
    """The canonical service of the item this one accompanies, if named and known."""
    term = ctx.accompanied_term()
    return term.name if term is not None and term.kind == "service" else None


@derived("request.inpatient_days", "number", "Hospital days requested for an inpatient stay", unit="days",
         section="item", controllable=True)
def _inpatient_days(ctx: Context):
    if ctx.resolved.name != "inpatient_stay":
        return None
    if ctx.item.days_supply is not None:
        return ctx.item.days_supply
    match = _DAYS.search(ctx.item.request)
    return float(match.group(1) or match.group(2)) if match else None


@derived("surgery.days_beyond_los_target", "number",
         "Hospital days requested beyond the ODG best-practice length of stay for the operation the stay "
         "accompanies", unit="days", section="item", controllable=True, tables=(LOS_TARGETS,))
def _beyond_target(ctx: Context):
    days = _inpatient_days(ctx)
    target = ctx.table(LOS_TARGETS).get(_primary_service(ctx) or "")
    if days is None or target is None:
        return None
    return float(days - target)

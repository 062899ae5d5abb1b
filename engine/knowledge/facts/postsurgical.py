"""Facts for therapy after surgery (MTUS Postsurgical Treatment Guidelines, 8 CCR 9792.24.3).

The surgery is the one the therapy item accompanies in the same request, or else the most
recent surgery in the case's procedure history; its general course of therapy and its
postsurgical physical medicine period come from the table below (not read in the regulation
text: the rule marks them unverified).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from engine.knowledge.facts.base import Context, FactSet, weeks_between

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

# surgery -> (visits in the general course of therapy, postsurgical physical medicine period in weeks)
GENERAL_COURSE = {
    "spinal_decompression": (16, 26),
    "spinal_fusion": (34, 26),
    "lumbar_interbody_fusion": (34, 26),
    "cervical_fusion": (24, 26),
    "carpal_tunnel_release": (8, 13),
    "shoulder_arthroscopy": (24, 26),
    "knee_arthroscopy": (12, 26),
    "acl_reconstruction": (24, 26),
    "total_knee_arthroplasty": (24, 17),
    "total_hip_arthroplasty": (24, 17),
    "trigger_finger_release": (9, 17),
    "cubital_tunnel_release": (20, 26),
    "de_quervain_release": (14, 26),
    "lateral_epicondylar_release": (12, 26),
}
_THERAPIES = {"physical_therapy", "postop_physical_therapy", "occupational_therapy"}


def _surgery(ctx: Context) -> tuple[Optional[str], Optional[dt.date], bool]:
    """(surgery name, its date, already done) for the therapy item."""
    if "postsurgical" in ctx.memo:
        return ctx.memo["postsurgical"]
    found: tuple[Optional[str], Optional[dt.date], bool] = (None, None, False)
    if ctx.resolved.accompanies is not None:
        term = ctx.accompanied_term()
        found = (term.name if term else None, None, False)
    else:
        done = []
        for proc in ctx.case.procedures:
            term = ctx.vocab.lookup(proc.service)
            if term is not None and term.name in GENERAL_COURSE:
                done.append((proc.date or dt.date.min, term.name, proc.date))
        if done:
            _, name, day = max(done)
            found = (name, day, True)
    ctx.memo["postsurgical"] = found
    return found


def _prior_visits(ctx: Context, since: Optional[dt.date]):
    courses = []
    for proc in ctx.case.procedures:
        term = ctx.vocab.lookup(proc.service)
        if term is None or term.name not in _THERAPIES:
            continue
        if since is not None and proc.date is not None and proc.date < since:
            continue
        courses.append(proc)
    return courses


_POSTOP_WORDS = re.compile(r"\bpost[\s-]?op(?:erative(?:ly)?)?\b|\bafter (?:the )?surgery\b", re.I)


@derived("request.postsurgical_therapy", "bool",
         "The therapy requested follows surgery (a post-operative therapy request, therapy requested with a "
         "surgery it accompanies, or finding.therapy_diagnosis is postsurgical)", section="item")
def _is_postsurgical(ctx: Context):
    if ctx.resolved.kind != "service" or ctx.resolved.name not in _THERAPIES:
        return None
    if ctx.resolved.name == "postop_physical_therapy" or ctx.case.findings.get("therapy_diagnosis") == "postsurgical":
        return True
    term = ctx.accompanied_term()
    if term is not None and term.kind == "service" and term.name in GENERAL_COURSE:
        return True
    # "Post-operative occupational therapy", "PT after surgery": the words say it follows surgery
    return bool(_POSTOP_WORDS.search(ctx.item.request))


@derived("postsurgical.general_course_visits", "number",
         "Visits in the general course of therapy for the surgery the therapy follows", section="procedures")
def _course(ctx: Context):
    name = _surgery(ctx)[0]
    return float(GENERAL_COURSE[name][0]) if name in GENERAL_COURSE else None


@derived("postsurgical.weeks_beyond_period", "number",
         "Weeks past the end of the postsurgical physical medicine period (negative while inside it; "
         "not documented when the surgery has not happened or has no date)", unit="weeks", section="procedures")
def _beyond_period(ctx: Context):
    name, day, done = _surgery(ctx)
    if not done or day is None or name not in GENERAL_COURSE:
        return None
    return round(weeks_between(day, ctx.request_date) - GENERAL_COURSE[name][1], 1)


@derived("postsurgical.surgery_done", "bool", "The surgery the therapy follows has been performed (dated in the history)",
         section="procedures")
def _done(ctx: Context):
    name, _, done = _surgery(ctx)
    return done if name else None


@derived("postsurgical.prior_visits", "number", "Therapy visits already given after the surgery", section="procedures")
def _prior(ctx: Context):
    name, day, done = _surgery(ctx)
    if name is None:
        return None
    return float(sum(p.visits or 0 for p in _prior_visits(ctx, day))) if done else 0.0


@derived("postsurgical.visits_beyond_initial_course", "number",
         "Visits requested beyond the initial course (half the general course) when no therapy has followed the "
         "surgery yet", section="item", controllable=True)
def _beyond_initial(ctx: Context):
    course = _course(ctx)
    if course is None or ctx.resolved.visits is None:
        return None
    return float(ctx.resolved.visits - course / 2)


@derived("postsurgical.visits_beyond_general_course", "number",
         "Visits already given after the surgery plus those requested, minus the general course", section="item",
         controllable=True)
def _beyond_course(ctx: Context):
    course, prior = _course(ctx), _prior(ctx)
    if course is None or prior is None or ctx.resolved.visits is None:
        return None
    return float(prior + ctx.resolved.visits - course)


@derived("postsurgical.last_course_improved_function", "bool",
         "The most recent course of therapy after the surgery produced documented functional improvement",
         section="procedures")
def _improved(ctx: Context):
    name, day, done = _surgery(ctx)
    courses = _prior_visits(ctx, day) if name and done else []
    return courses[-1].function_improved if courses else None

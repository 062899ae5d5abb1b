"""Facts for therapy after surgery (MTUS Postsurgical Treatment Guidelines, 8 CCR 9792.24.3).

The surgery is the one the therapy item accompanies in the same request, or else the most
recent surgery in the case's procedure history (or that its diagnosis list says was done, "status
post right TKA 2016-05-17"), or else the surgery the request line names ("PT
2x3 s/p carpal tunnel release": done, date not stated); its general course of therapy and its
postsurgical physical medicine period come from table postsurgical-courses (not read in the
regulation text: the table is marked unverified).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from typing_extensions import TypedDict

from engine.intake.letters import dates_in
from engine.knowledge.facts.base import Context, FactSet, Number, Text, closed, weeks_between

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding


@closed
class Course(TypedDict):
    visits: Number        # visits in the general course of therapy
    period_weeks: Number  # postsurgical physical medicine period


COURSES = DECLARED.table("postsurgical-courses", dict[Text, Course])  # surgery -> its course
THERAPIES = DECLARED.table("postsurgical-therapies", frozenset[Text])  # services the courses are of
INITIAL_COURSE = DECLARED.table("postsurgical-initial-course", Number)  # share of the general course


def _surgery(ctx: Context) -> tuple[Optional[str], Optional[dt.date], bool]:
    """(surgery name, its date, already done) for the therapy item."""
    if "postsurgical" in ctx.memo:  # reads table postsurgical-courses
        return ctx.memo["postsurgical"]
    found: tuple[Optional[str], Optional[dt.date], bool] = (None, None, False)
    if ctx.resolved.accompanies is not None:
        term = ctx.accompanied_term()
        found = (term.name if term else None, None, False)
    else:
        done = []
        for proc in ctx.case.procedures:
            term = ctx.vocab.lookup(proc.service)
            if term is not None and term.name in ctx.table(COURSES):
                done.append((proc.date or dt.date.min, term.name, proc.date))
        # an operation the diagnosis list says was done counts as one in the history
        done += [(day or dt.date.min, name, day) for name, day in listed_operations(ctx, ctx.table(COURSES))]
        if done:
            _, name, day = max(done)
            found = (name, day, True)
        else:
            named = _named_surgery(ctx)
            found = (named, None, True) if named else found
    ctx.memo["postsurgical"] = found
    return found


# How a diagnosis list says an operation was done ("status post right TKA 2016-05-17", "s/p L4-5 fusion"):
# how clinicians write, not a guideline choice
_DONE = re.compile(r"\b(?:status[\s-]+post|s/p)\b", re.I)


def listed_operations(ctx: Context, names) -> list[tuple[str, Optional[dt.date]]]:
    """Operations among `names` that the diagnosis list says were done ("status post right total knee
    arthroplasty 2016-05-17"), each with the full date written after it, else None (a year alone is
    not a date)."""
    found = []
    for diagnosis in ctx.case.diagnoses:
        done = _DONE.search(diagnosis)
        if done is None:
            continue
        rest = diagnosis[done.end():]
        dates = [day for day, _ in dates_in(rest)]
        for _, term in ctx.vocab.terms_in(rest):
            if term.kind == "service" and term.name in names:
                found.append((term.name, dates[0] if dates else None))
                break
    return found


def _named_surgery(ctx: Context) -> Optional[str]:
    """The surgery the therapy request line itself names after the therapy ("OT x4 s/p L CTR")."""
    for _, term in ctx.vocab.terms_in(ctx.item.request):
        if term.kind == "service" and term.name in ctx.table(COURSES):
            return term.name
    return None


def _recent_surgery_same_region(ctx: Context) -> bool:
    """An operation dated in the history whose postsurgical physical medicine period the request
    falls in, of the therapy's region when both state one: therapy then follows that surgery."""
    region = ctx.resolved.region
    for proc in ctx.case.procedures:
        term = ctx.vocab.lookup(proc.service) if proc.kind != "other" else None
        if term is None or term.name not in ctx.table(COURSES) or proc.date is None:
            continue
        where = proc.region or ctx.vocab.services[term.name].region
        if region and where and where != region:
            continue
        if weeks_between(proc.date, ctx.request_date) <= ctx.table(COURSES)[term.name]["period_weeks"]:
            return True
    return False


def _prior_visits(ctx: Context, since: Optional[dt.date]):
    courses = []
    for proc in ctx.case.procedures:
        term = ctx.vocab.lookup(proc.service)
        if term is None or term.name not in ctx.table(THERAPIES):
            continue
        if since is not None and proc.date is not None and proc.date < since:
            continue
        courses.append(proc)
    return courses


_POSTOP_WORDS = re.compile(r"\bpost[\s-]?op(?:erative(?:ly)?)?\b|\bafter (?:the )?surgery\b", re.I)


@derived("request.postsurgical_therapy", "bool",
         "The therapy requested follows surgery (a post-operative therapy request, therapy requested with a "
         "surgery it accompanies or naming it, therapy of the region of an operation dated in the history "
         "within its postsurgical period, or finding.therapy_diagnosis is postsurgical)", section="item",
         tables=(THERAPIES, COURSES))
def _is_postsurgical(ctx: Context):
    if ctx.resolved.kind != "service" or ctx.resolved.name not in ctx.table(THERAPIES):
        return None
    if ctx.resolved.name == "postop_physical_therapy" or ctx.case.findings.get("therapy_diagnosis") == "postsurgical":
        return True
    term = ctx.accompanied_term()
    if term is not None and term.kind == "service" and term.name in ctx.table(COURSES):
        return True
    # "Post-operative occupational therapy", "PT after surgery": the words say it follows surgery;
    # "PT s/p carpal tunnel release": the request names the operation; "PT 2x6 R shoulder" four weeks
    # after a rotator cuff repair: therapy inside the postsurgical period of a documented operation of
    # that region is postsurgical physical medicine (8 CCR 9792.24.3)
    return bool(_POSTOP_WORDS.search(ctx.item.request)) or _named_surgery(ctx) is not None \
        or _recent_surgery_same_region(ctx)


@derived("postsurgical.general_course_visits", "number",
         "Visits in the general course of therapy for the surgery the therapy follows", section="procedures",
         tables=(COURSES,))
def _course(ctx: Context):
    name, courses = _surgery(ctx)[0], ctx.table(COURSES)
    return float(courses[name]["visits"]) if name in courses else None


@derived("postsurgical.weeks_beyond_period", "number",
         "Weeks past the end of the postsurgical physical medicine period (negative while inside it; "
         "not documented when the surgery has not happened or has no date)", unit="weeks", section="procedures",
         tables=(COURSES,))
def _beyond_period(ctx: Context):
    name, day, done = _surgery(ctx)
    courses = ctx.table(COURSES)
    if not done or day is None or name not in courses:
        return None
    return round(weeks_between(day, ctx.request_date) - courses[name]["period_weeks"], 1)


@derived("postsurgical.surgery_done", "bool", "The surgery the therapy follows has been performed (dated in the history)",
         section="procedures", tables=(COURSES,))
def _done(ctx: Context):
    name, _, done = _surgery(ctx)
    return done if name else None


@derived("postsurgical.prior_visits", "number", "Therapy visits already given after the surgery", section="procedures",
         tables=(COURSES, THERAPIES))
def _prior(ctx: Context):
    name, day, done = _surgery(ctx)
    if name is None:
        return None
    return float(sum(p.visits or 0 for p in _prior_visits(ctx, day))) if done else 0.0


@derived("postsurgical.visits_beyond_initial_course", "number",
         "Visits requested beyond the initial course (the share of the general course in table "
         "postsurgical-initial-course) when no therapy has followed the surgery yet", section="item", controllable=True,
         tables=(COURSES, INITIAL_COURSE))
def _beyond_initial(ctx: Context):
    course = _course(ctx)
    if course is None or ctx.resolved.visits is None:
        return None
    return float(ctx.resolved.visits - course * ctx.table(INITIAL_COURSE))


@derived("postsurgical.visits_beyond_general_course", "number",
         "Visits already given after the surgery plus those requested, minus the general course", section="item",
         controllable=True, tables=(COURSES, THERAPIES))
def _beyond_course(ctx: Context):
    course, prior = _course(ctx), _prior(ctx)
    if course is None or prior is None or ctx.resolved.visits is None:
        return None
    return float(prior + ctx.resolved.visits - course)


@derived("postsurgical.last_course_improved_function", "bool",
         "The most recent course of therapy after the surgery produced documented functional improvement",
         section="procedures", tables=(COURSES, THERAPIES))
def _improved(ctx: Context):
    name, day, done = _surgery(ctx)
    courses = _prior_visits(ctx, day) if name and done else []
    return courses[-1].function_improved if courses else None

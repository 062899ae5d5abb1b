"""Facts for functional restoration programmes after admission: what the sessions attended
achieved, the rationale for going past the usual length, and the aftercare that follows.

Sessions attended are prior `procedures` of the programme; the gains are the course's
documented results or the findings below, so a continuation is judged on efficacy."""

from __future__ import annotations

import re

from engine.knowledge.facts.base import SAME_THERAPY, Context, FactSet, Text, weeks_between
from engine.knowledge.facts.core import WEEKS_PER_MONTH

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

finding("program_subjective_gains", "bool",
        "The patient reports gains from the programme sessions attended (less pain, better coping, mood, "
        "sleep or activity)")
finding("program_extension_rationale", "bool",
        "A clear rationale, reasonable goals and an individualised plan are given for programme sessions "
        "beyond the usual total")
finding("surgery_avoidance_goal", "bool",
        "The programme aims to avoid a controversial or optional operation")
finding("aftercare_goals", "bool", "Defined goals of the aftercare are stated", scope="item")

PROGRAM = "functional_restoration_program"


@derived("history.program_attended", "bool",
         "The patient attended a functional restoration programme (a prior course of it is documented)",
         section="procedures")
def _attended(ctx: Context):
    return True if ctx.prior_of(PROGRAM) else None


_MORE = re.compile(r"\b(?:additional|continued|continuing|continuation|continue|extension|extend|further|"
                   r"remaining|second|another)\b", re.I)


@derived("program.in_progress", "bool",
         "The patient is already in the programme: sessions attended are documented, or the request asks "
         "for more sessions", section="procedures", tables=(SAME_THERAPY,))
def _in_progress(ctx: Context):
    return True if ctx.prior() or _MORE.search(ctx.item.request) else None


@derived("function.months_off_work", "number",
         "Months the patient has been off work at the request (a negative predictor of a functional restoration "
         "programme's success): as stated (function.off_work_months), or from function.off_work_since",
         unit="months", section="function")
def _months_off_work(ctx: Context):
    work = ctx.case.function
    if work.off_work_months is not None:
        return work.off_work_months
    weeks = weeks_between(work.off_work_since, ctx.request_date)
    return None if weeks is None else round(weeks / WEEKS_PER_MONTH, 1)


# Treatments a psychological evaluation precedes (table psych-evaluation-before)
EVALUATION_BEFORE = DECLARED.table("psych-evaluation-before", frozenset[Text])


@derived("evaluation.before_implant_or_program", "bool",
         "The evaluation precedes a stimulator, intrathecal pump or functional restoration programme: stated "
         "(finding.implant_or_program_planned), one of them requested in the same request, or named on the "
         "request line (\"psych eval for SCS clearance\")",
         section="findings.implant_or_program_planned", tables=(EVALUATION_BEFORE,))
def _before_implant_or_program(ctx: Context):
    stated = ctx.case.findings.get("implant_or_program_planned")
    if stated is not None:
        return stated
    planned = ctx.table(EVALUATION_BEFORE)
    if ctx.requested_with(planned):
        return True
    named = {term.name for _, term in ctx.vocab.terms_in(ctx.item.request)}
    return True if named & planned else None


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("function.months_off_work")
def _example_months_off_work(case, item, value, ctx):
    function = case.setdefault("function", {})
    function.pop("off_work_since", None)
    function["off_work_months"] = value
    if function.get("work_status") in ("full_duty", "modified_duty"):
        function["work_status"] = "not_working"


@DECLARED.setter("evaluation.before_implant_or_program")
def _example_before_implant_or_program(case, item, value, ctx):
    """Stated as finding.implant_or_program_planned, which the reading takes first."""
    case.setdefault("findings", {})["implant_or_program_planned"] = bool(value)

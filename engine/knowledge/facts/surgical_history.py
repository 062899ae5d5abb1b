"""What a record's history shows of the care before an operation, read as a reviewer reads it.

Surgeons' reports summarise prior care in a line ("failed PT, a night splint, NSAIDs and two
cortisone injections") rather than stating "conservative care failed, 26 weeks, 3 kinds". The
surgery rules ask those questions; each fact below takes the record's own statement when it makes
one (the `finding.*` of the same name), else reads the medication and procedure histories: the
non-operative treatments for the region to be operated on, when they started, how many kinds, how
many corticosteroid injections. An entry written `kind: other` is kept but read by no fact.

Unlike history.conservative_care_* (the care the chronic pain guideline asks for before an injection,
a study or a device: exercise, therapy, NSAIDs, muscle relaxants, in any region), these read the care
of the region to be operated on, and count splints, braces and injections, as the surgical chapters do.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from typing import Literal

from typing_extensions import TypedDict

from engine.knowledge.facts.base import Context, FactSet, Text, closed, weeks_between
from engine.knowledge.facts.core import signs_of_the_problem
from engine.knowledge.facts.orthopedic_surgery import OPERATION_GROUPS

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding


@closed
class SurgicalCare(TypedDict):
    kinds: dict[Text, Literal["therapy", "device", "injection"]]  # vocabulary category -> kind of treatment
    steroid_injections: frozenset[Text]                           # services that are corticosteroid injections


# Which history entries are non-operative treatment of the region, and of which kind (table surgical-care)
SURGICAL_CARE = DECLARED.table("surgical-care", SurgicalCare)
TABLES = (SURGICAL_CARE, OPERATION_GROUPS)


def _treatments(ctx: Context) -> list[tuple[str, str, Optional[dt.date]]]:
    """(kind, service name, date) of each non-operative treatment in the procedure history for the
    region to be operated on (or with no region stated), and ("medication", drug, since) for each drug."""
    key = "surgical_history"
    if key in ctx.memo:
        return ctx.memo[key]
    region = ctx.resolved.region
    out: list[tuple[str, str, Optional[dt.date]]] = []
    for proc in ctx.case.procedures:
        if proc.kind == "other":
            continue
        term = ctx.vocab.lookup(proc.service)
        if term is None or term.kind != "service" or term.name in ctx.table(OPERATION_GROUPS):
            continue
        kind = ctx.table(SURGICAL_CARE)["kinds"].get(term.category or "")
        if kind is None or (region and proc.region and proc.region != region):
            continue
        out.append((kind, term.name, proc.date))
    for med, _, name in ctx.all_drugs():
        if med.kind != "other":
            out.append(("medication", name, med.since))
    ctx.memo[key] = out
    return out


def _histories_documented(ctx: Context) -> bool:
    return ctx.documented("procedures") or ctx.documented("medications")


def _is_operation(ctx: Context) -> bool:
    return ctx.resolved.kind == "service" and ctx.resolved.name in ctx.table(OPERATION_GROUPS)


@derived("surgery.conservative_care_failed", "bool",
         "Non-operative care of the region to be operated on has not resolved the problem: stated "
         "(finding.conservative_care_failed), or therapy, a splint or brace, or an injection of that region "
         "is in the record's history and symptoms are still documented at the request (pain, or nerve-root signs or a "
         "positive test such as Phalen or Tinel on the latest examination)", section="procedures", tables=TABLES)
def _failed(ctx: Context):
    stated = ctx.case.findings.get("conservative_care_failed")
    if stated is not None:
        return stated
    if not _is_operation(ctx):
        return None
    # medication alone is not the non-operative care the surgical chapters name (exercise or therapy,
    # splinting or bracing, injection): at least one such treatment of the region must be on record
    if not any(kind != "medication" for kind, _, _ in _treatments(ctx)):
        return False if ctx.documented("procedures") else None
    pain = ctx.case.pain
    symptoms = (pain.score is not None and pain.score >= 1) or pain.severity is not None or bool(pain.radiating)
    # numbness or weakness rather than pain (carpal tunnel): the latest examination's positive signs document it
    return True if symptoms or signs_of_the_problem(ctx) else None


@derived("surgery.conservative_care_weeks", "number",
         "Weeks of non-operative care before the request: stated (finding.conservative_care_weeks), else from "
         "the earliest dated treatment of the region to be operated on in the record's history", unit="weeks",
         section="procedures", tables=TABLES)
def _weeks(ctx: Context):
    stated = ctx.case.findings.get("conservative_care_weeks")
    if stated is not None:
        return stated
    if not _is_operation(ctx):
        return None
    dates = [day for _, _, day in _treatments(ctx) if day is not None]
    if not dates:
        return 0.0 if _histories_documented(ctx) and not _treatments(ctx) else None
    return weeks_between(min(dates), ctx.request_date)


@derived("surgery.conservative_treatment_types", "number",
         "Kinds of non-operative treatment tried for the region to be operated on (therapy or exercise, splint "
         "or brace, injection, medication): stated (finding.conservative_treatment_types), else counted in the "
         "record's history", section="procedures", tables=TABLES)
def _types(ctx: Context):
    stated = ctx.case.findings.get("conservative_treatment_types")
    if stated is not None:
        return stated
    if not _is_operation(ctx):
        return None
    kinds = {kind for kind, _, _ in _treatments(ctx)}
    if not kinds and not _histories_documented(ctx):
        return None
    return float(len(kinds))


@derived("surgery.local_steroid_injections", "number",
         "Corticosteroid injections already given at the site of the proposed operation: stated "
         "(finding.local_corticosteroid_injections), else counted in the procedure history (same region, or "
         "no region stated)", section="procedures", tables=TABLES)
def _injections(ctx: Context):
    stated = ctx.case.findings.get("local_corticosteroid_injections")
    if stated is not None:
        return stated
    if not _is_operation(ctx):
        return None
    count = sum(1 for kind, name, _ in _treatments(ctx) if kind == "injection"
                and name in ctx.table(SURGICAL_CARE)["steroid_injections"])
    if count == 0 and not ctx.documented("procedures"):
        return None
    return float(count)


@derived("surgery.symptom_weeks", "number",
         "Weeks the symptoms of the region to be operated on have limited activity: stated "
         "(finding.activity_limitation_weeks), else the documented pain duration, else the weeks since the "
         "injury when pain or work restrictions are still documented at the request", unit="weeks",
         section="pain", tables=TABLES)
def _symptom_weeks(ctx: Context):
    stated = ctx.case.findings.get("activity_limitation_weeks")
    if stated is not None:
        return stated
    if not _is_operation(ctx):
        return None
    pain = ctx.case.pain
    if pain.months is not None:
        return round(pain.months * 52 / 12, 1)
    current = (pain.score is not None and pain.score >= 1) or pain.severity is not None or bool(pain.radiating) \
        or ctx.case.function.work_status in ("modified_duty", "not_working")
    if not current or ctx.case.injury_date is None:
        return None
    return weeks_between(ctx.case.injury_date, ctx.request_date)


# Example setters (FactSet.setter): each fact takes the record's own statement first, so the
# generator states that finding.
_STATED = {"surgery.conservative_care_failed": "conservative_care_failed",
           "surgery.conservative_care_weeks": "conservative_care_weeks",
           "surgery.conservative_treatment_types": "conservative_treatment_types",
           "surgery.local_steroid_injections": "local_corticosteroid_injections",
           "surgery.symptom_weeks": "activity_limitation_weeks"}


@DECLARED.setter(*_STATED)
def _example_stated(case, item, value, ctx):
    """The finding of the same meaning, stated."""
    case.setdefault("findings", {})[_STATED[ctx["fact"]]] = value

"""Case-level facts: patient, phase of care, examination, studies, pain, function, monitoring."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Optional, get_args

from engine.intake.cases import Role
from engine.intake.requests import level_segments, levels_in_text, side_in_text
from engine.knowledge.facts.base import STUDY_FINDINGS, Context, FactSet, Number, weeks_between

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

DAYS_IN_YEAR = 365  # a unit: the facts named "past year" count the 12 months before the request


MODERATE_PAIN = DECLARED.table("moderate-pain-score", Number)  # lowest score (0-10) of moderate pain
RELIEF_TOLERANCE = DECLARED.table("relief-tolerance", Number)  # points reported relief may differ from the scores


@derived("patient.age", "number", "Patient age in years", unit="years", section="patient")
def _age(ctx: Context):
    return ctx.case.patient.age


@derived("case.weeks_since_injury", "number", "Weeks from the date of injury to the request", unit="weeks")
def _weeks_since_injury(ctx: Context):
    return weeks_between(ctx.case.injury_date, ctx.request_date)


@derived("case.chronic_phase", "bool",
         "Chronic pain by the definition in force on the request date (rules/editions.yaml, chronic-pain: "
         "2009 beyond the expected time of tissue healing, 2016 three months or more from onset)",
         section="definition:chronic-pain")
def _chronic(ctx: Context):
    definition = ctx.definition("chronic-pain")
    if definition is None:
        return None
    if definition.months_after_onset is not None:
        months = definition.months_after_onset
        if ctx.case.injury_date is not None:
            return add_months(ctx.case.injury_date, months) <= ctx.request_date
        return None if ctx.case.pain.months is None else ctx.case.pain.months >= months
    weeks = weeks_between(ctx.case.injury_date, ctx.request_date)
    if weeks is None and ctx.case.pain.months is not None:
        weeks = ctx.case.pain.months * WEEKS_PER_MONTH
    return None if weeks is None else weeks > definition.weeks_after_onset


WEEKS_PER_MONTH = 52 / 12  # calendar arithmetic, not a guideline figure


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def exam_signs(ctx: Context) -> list[tuple[str, Optional[str], Optional[str]]]:
    """Every examination sign as (kind, root level, side): the typed lists and the signs named as
    clinicians name them (`exam.signs`, kinds from rules/vocabulary/exam-signs.yaml)."""
    if "exam_signs" not in ctx.memo:
        exam = ctx.case.exam
        out = [(kind, f.level, f.side) for kind, found in (("sensory_change", exam.sensory_loss),
                                                            ("motor_deficit", exam.motor_deficit),
                                                            ("reflex_change", exam.reflex_loss)) for f in found]
        out += [(ctx.vocab.sign_kind(s.sign) or "not_radicular", s.level, s.side) for s in exam.signs]
        if exam.straight_leg_raise == "positive":
            out.append(("nerve_tension", None, exam.straight_leg_raise_side))
        ctx.memo["exam_signs"] = out
    return ctx.memo["exam_signs"]


ROOT_SIGNS = ("sensory_change", "motor_deficit", "reflex_change")


def _examined(ctx: Context) -> bool:
    exam = ctx.case.exam
    return bool(exam.date or exam.documented_in or exam.straight_leg_raise or exam.signs)


def _has(ctx: Context, kinds: tuple[str, ...]):
    if any(kind in kinds for kind, _, _ in exam_signs(ctx)):
        return True
    return False if _examined(ctx) else None


@derived("exam.dermatomal_sensory_loss", "bool",
         "Sensory change in a named dermatome on examination (decreased sensation, hypoesthesia, dysesthesia, "
         "paresthesia, numbness in a dermatome)", section="exam")
def _sensory(ctx: Context):
    return _has(ctx, ("sensory_change",))


@derived("exam.motor_deficit", "bool", "Motor weakness of a named root or muscle on examination", section="exam")
def _motor(ctx: Context):
    return _has(ctx, ("motor_deficit",))


@derived("exam.reflex_loss", "bool", "Reduced or absent reflex on examination", section="exam")
def _reflex(ctx: Context):
    return _has(ctx, ("reflex_change",))


@derived("exam.straight_leg_raise_positive", "bool",
         "Straight-leg raise (or another nerve-tension sign) positive", section="exam")
def _slr(ctx: Context):
    if any(kind == "nerve_tension" for kind, _, _ in exam_signs(ctx)):
        return True
    return False if ctx.case.exam.straight_leg_raise == "negative" else None


@derived("exam.spasm", "bool", "Muscle spasm found on examination", section="exam")
def _spasm(ctx: Context):
    return ctx.case.exam.spasm


@derived("exam.trigger_points", "bool", "Trigger points with a twitch response and referred pain on examination", section="exam")
def _trigger(ctx: Context):
    return ctx.case.exam.trigger_points


@derived("exam.objective_nerve_compromise", "bool",
         "Objective sign of a specific nerve root on exam: sensory change in a dermatome, motor deficit or "
         "reflex change (a straight-leg raise names no root and does not count here)",
         section="exam")
def _nerve(ctx: Context):
    return _has(ctx, ROOT_SIGNS)


@derived("exam.radicular_signs", "bool",
         "Radiculopathy shown on examination: an objective nerve-root sign (sensory change in a dermatome, "
         "motor deficit, reflex change), or a positive straight-leg raise (nerve-tension sign) with pain "
         "radiating in the limb", section="exam")
def radicular_signs(ctx: Context):
    if _has(ctx, ROOT_SIGNS):
        return True
    if _slr(ctx) and ctx.case.pain.radiating:
        return True
    return False if _examined(ctx) else None


def signs_of_the_problem(ctx: Context) -> bool:
    """Whether the latest examination shows the problem is still there when the record gives no pain
    description: a nerve-root sign, or a positive test the sign vocabulary reads as a finding (Phalen,
    Tinel, McMurray, ...). Signs are recorded only when present, so none names nothing."""
    return radicular_signs(ctx) is True or any(kind == "orthopedic" for kind, _, _ in exam_signs(ctx))


def _sides_agree(a: Optional[str], b: Optional[str]) -> bool:
    return a is None or b is None or a == b or "both" in (a, b)


def target_roots(ctx: Context) -> tuple[set[str], Optional[str]]:
    """Nerve roots and side the requested procedure treats: 'right L4-5' -> ({L4, L5}, right);
    a segment is named by the two vertebrae whose roots exit and traverse there."""
    item = ctx.item
    levels = item.levels if item.levels is not None else levels_in_text(item.request)
    roots: set[str] = set()
    for segment in level_segments(levels):
        roots.update(part for part in segment.split("-") if part)
    return roots, item.side or side_in_text(item.request)


@derived("spine.radiculopathy_corroborated", "bool",
         "Radiculopathy on exam is corroborated by imaging or electrodiagnostic testing at the same root level "
         "and side, and at the level and side of the requested procedure when it names them (a study's roots as "
         "stated, or as its findings text names them)", section="studies", tables=(STUDY_FINDINGS,))
def _corroborated(ctx: Context):
    studied = [root for s in ctx.case.studies for root in ctx.study(s).roots]
    if not studied:
        return None if not ctx.documented("studies") or not ctx.case.studies else False
    roots, side = target_roots(ctx)
    signs = exam_signs(ctx)
    root_signs = [(lvl, sd) for kind, lvl, sd in signs if kind in ROOT_SIGNS]
    unlevelled = [sd for lvl, sd in root_signs if lvl is None]
    if _slr(ctx) and ctx.case.pain.radiating:
        unlevelled += [sd for kind, _, sd in signs if kind == "nerve_tension"]
    for level, study_side in studied:
        if roots and level not in roots:
            continue
        if not _sides_agree(study_side, side):
            continue
        if any(lvl == level and _sides_agree(sd, study_side) and _sides_agree(sd, side) for lvl, sd in root_signs):
            return True
        if any(_sides_agree(sd, study_side) and _sides_agree(sd, side) for sd in unlevelled):
            return True
    return False


@derived("pain.score", "number", "Current pain score (0-10)", unit="/10", section="pain")
def _pain(ctx: Context):
    p = ctx.case.pain
    return p.score if p.score is not None else p.with_medication


@derived("pain.moderate_to_severe", "bool",
         "Pain of moderate to severe intensity (a score at or above table moderate-pain-score)",
         section="pain", tables=(MODERATE_PAIN,))
def _moderate(ctx: Context):
    p = ctx.case.pain
    if p.severity is not None:
        return p.severity != "mild"
    scores = [s for s in (p.score, p.without_medication, p.with_medication) if s is not None]
    return max(scores) >= ctx.table(MODERATE_PAIN) if scores else None


@derived("pain.radiating", "bool", "Pain radiates in a limb (radicular symptoms)", section="pain")
def _radiating(ctx: Context):
    return ctx.case.pain.radiating


@derived("pain.neuropathic", "bool", "Pain documented as neuropathic", section="pain")
def _neuropathic(ctx: Context):
    return ctx.case.pain.neuropathic


@derived("pain.relief_matches_scores", "bool",
         "Reported percent relief is consistent with the recorded pain scores (within the points of table "
         "relief-tolerance)", section="pain", tables=(RELIEF_TOLERANCE,))
def _relief_matches(ctx: Context):
    return relief_matches_scores(ctx.case.pain, ctx.table(RELIEF_TOLERANCE))


def relief_matches_scores(p, tolerance: float) -> Optional[bool]:
    """Whether a reported percent relief fits the pain scores recorded with it, within `tolerance`
    points (table relief-tolerance; S2: "80% relief" while scores stay 5-8/10 is not substantial
    relief); None when either is missing."""
    if p.reported_relief_percent is None or p.with_medication is None:
        return None
    if p.without_medication:
        implied = 100 * (p.without_medication - p.with_medication) / p.without_medication
    else:
        implied = 100 * (10 - p.with_medication) / 10  # pain scores are out of 10 (a unit)
    return abs(implied - p.reported_relief_percent) <= tolerance


@derived("function.work_status", "text",
         "Work status (not working when the record gives only how long the patient has been off work)",
         values=("full_duty", "modified_duty", "not_working", "retired"), section="function")
def _work(ctx: Context):
    work = ctx.case.function
    if work.work_status is None and (work.off_work_since is not None or work.off_work_months is not None):
        return "not_working"
    return work.work_status


@derived("function.adl_improved", "bool", "Activities of daily living documented as improved", section="function")
def _adl(ctx: Context):
    return ctx.case.function.adl_improved


@derived("monitoring.opioid_agreement", "bool", "A signed opioid treatment agreement is on file", section="monitoring")
def _agreement(ctx: Context):
    return ctx.case.monitoring.opioid_agreement


@derived("monitoring.single_prescriber", "bool", "One practitioner prescribes the controlled drugs", section="monitoring")
def _single(ctx: Context):
    m = ctx.case.monitoring
    return True if m.opioid_agreement else m.single_prescriber


@derived("monitoring.unaddressed_inconsistent_screens", "number",
         "Urine drug screens inconsistent with the prescribed drugs that the prescriber did not address",
         section="screens")
def _unaddressed(ctx: Context):
    if not ctx.documented("drug_screens"):
        return None
    return sum(1 for s in ctx.case.monitoring.drug_screens if not s.consistent and not s.addressed)


@derived("monitoring.consistent_screens_past_year", "number",
         "Urine drug screens in the 12 months before the request that were consistent with the prescribed drugs",
         section="screens")
def _consistent_year(ctx: Context):
    if not ctx.documented("drug_screens"):
        return None
    return float(sum(1 for s in ctx.case.monitoring.drug_screens if s.consistent and
                     (s.date is None or 0 <= (ctx.request_date - s.date).days <= DAYS_IN_YEAR)))


@derived("monitoring.screens_past_year", "number", "Urine drug screens in the 12 months before the request",
         section="screens")
def _screens_year(ctx: Context):
    if not ctx.documented("drug_screens"):
        return None
    return sum(1 for s in ctx.case.monitoring.drug_screens
               if s.date is None or 0 <= (ctx.request_date - s.date).days <= DAYS_IN_YEAR)


@derived("primary.certified", "bool", "The procedure this service accompanies is itself medically necessary",
         section="item")
def _primary(ctx: Context):
    target = ctx.resolved.accompanies
    if target is None:
        return None
    outcome = ctx.outcomes.get(target)
    return None if outcome is None else outcome == "overturned"





ROLES: tuple[str, ...] = get_args(Role)


@derived("record.author_role", "text", "Role of the provider whose record the request rests on (`author:`)",
         values=ROLES)
def _author_role(ctx: Context):
    return ctx.case.author.role if ctx.case.author else None


@derived("record.pain_management_input", "bool",
         "A pain-management physician wrote the record or one of its reports (`author:` or `reports:` role "
         "pain_management), or the record says a pain specialist manages or reviewed the drugs "
         "(finding.pain_specialist_involved)", section="record")
def _pain_management(ctx: Context):
    roles = {r.role for r in ctx.case.reports} | ({ctx.case.author.role} if ctx.case.author else set())
    if "pain_management" in roles:
        return True
    stated = ctx.case.findings.get("pain_specialist_involved")
    if stated is not None:
        return stated
    return False if roles else None


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("case.chronic_phase")
def _example_chronic(case, item, value, ctx):
    case["injury_date"] = (ctx["date"] - dt.timedelta(weeks=30 if value else 4)).isoformat()


@DECLARED.setter("monitoring.opioid_agreement", "monitoring.single_prescriber")
def _example_monitoring(case, item, value, ctx):
    case.setdefault("monitoring", {})[ctx["fact"].split(".", 1)[1]] = value


@DECLARED.setter("monitoring.unaddressed_inconsistent_screens")
def _example_screens(case, item, value, ctx):
    case.setdefault("monitoring", {})["drug_screens"] = (
        [{"consistent": True}] + [{"consistent": False, "addressed": False} for _ in range(int(value))])


@DECLARED.setter("exam.objective_nerve_compromise", "exam.dermatomal_sensory_loss")
def _example_exam(case, item, value, ctx):
    case["exam"] = {"sensory_loss": [{"level": "L5"}]} if value else {"date": ctx["date"].isoformat()}


@DECLARED.setter("spine.radiculopathy_corroborated")
def _example_corroborated(case, item, value, ctx):
    case["exam"] = {"sensory_loss": [{"level": "L5"}]}
    case["studies"] = [{"kind": "mri", "region": "lumbar", "nerve_root_levels": ["L5" if value else "L3"]}]


@DECLARED.setter("pain.moderate_to_severe")
def _example_severity(case, item, value, ctx):
    case.setdefault("pain", {})["score"] = 7 if value else 2


@DECLARED.setter("pain.radiating", "pain.neuropathic")
def _example_pain(case, item, value, ctx):
    case.setdefault("pain", {})[ctx["fact"].split(".", 1)[1]] = value


@DECLARED.setter("function.work_status", "function.adl_improved")
def _example_function(case, item, value, ctx):
    function = case.setdefault("function", {})
    function[ctx["fact"].split(".", 1)[1]] = value
    if value in ("full_duty", "modified_duty"):  # at work: no time off work to state
        function.pop("off_work_since", None)
        function.pop("off_work_months", None)


@DECLARED.setter("primary.certified")
def _example_primary(case, item, value, ctx):
    """Accompany a consultation whose one criterion is met (certified) or not documented."""
    primary = {"id": "primary", "request": "Pain management consultation"}
    if value:
        primary["documentation"] = {"additional_expertise_needed": True, "reason_stated": True}
    case["items"].insert(0, primary)
    item["accompanies"] = "primary"


@DECLARED.setter("case.weeks_since_injury")
def _example_weeks_since_injury(case, item, value, ctx):
    case["injury_date"] = (ctx["date"] - dt.timedelta(days=round(value * 7))).isoformat()


@DECLARED.setter("exam.trigger_points")
def _example_trigger(case, item, value, ctx):
    case.setdefault("exam", {})["trigger_points"] = value


@DECLARED.setter("monitoring.screens_past_year")
def _example_screens_year(case, item, value, ctx):
    case.setdefault("monitoring", {})["drug_screens"] = [
        {"consistent": True, "date": (ctx["date"] - dt.timedelta(days=60 * (i + 1))).isoformat()}
        for i in range(min(int(value), 6))]

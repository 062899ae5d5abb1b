"""Facts for physical medicine, devices, procedures, programmes and diagnostics.

Visit allowances per diagnosis, the statutory per-injury visit count, device rental versus
purchase, earlier blocks and device trials, and what the request text says about NCS, limbs,
days and hours. Each is derived once here so rules only compare numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from typing_extensions import TypedDict

from engine.knowledge.facts import examples
from engine.knowledge.facts.base import SAME_THERAPY, STUDY_FINDINGS, Context, FactSet, Number, Text, closed
from engine.knowledge.facts.core import ROOT_SIGNS, exam_signs
from engine.knowledge.facts.procedures import relief_hours, relief_percent

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

# Case-level findings (finding.<name>)
finding("therapy_diagnosis", "text",
        "Diagnosis the therapy treats, as the visit guidance groups it",
        values=("myalgia", "radiculitis", "crps", "arthritis", "postsurgical"))
finding("reduced_weight_bearing_needed", "bool",
        "Reduced weight bearing is needed for exercise (e.g. extreme obesity, weight-bearing intolerance)")
finding("employer_authorized_additional_visits", "bool",
        "The employer authorized in writing therapy visits beyond the 24-visit statutory cap")
finding("active_rehabilitation", "bool",
        "The treatment is an adjunct to an active programme (exercise, home exercise, functional restoration)")
finding("medication_reduced_or_not_tolerated", "bool", "Pain medication is being reduced or is not tolerated")
finding("failed_back_surgery_syndrome", "bool",
        "Failed back surgery syndrome: persistent pain after back surgery, not a candidate for more surgery")
finding("crps", "bool", "Complex regional pain syndrome (CRPS/RSD) is diagnosed")
finding("psychological_clearance", "bool",
        "A psychological evaluation before the procedure found realistic expectations and cleared the patient")
finding("baseline_functional_testing", "bool",
        "A thorough evaluation with baseline functional testing was done, so gains can be measured")
finding("significant_functional_loss", "bool", "Significant loss of the ability to function independently")
finding("not_surgical_candidate", "bool", "The patient is not a candidate for surgery or surgery is not warranted")
finding("motivated_to_change", "bool",
        "The patient is motivated to change and willing to forgo secondary gains (including disability payments)")
finding("negative_predictors_addressed", "bool", "Negative predictors of success have been addressed")
finding("no_other_options", "bool",
        "Previous treatments failed and no other option is likely to bring significant clinical improvement")
finding("job_demands_exceed_capacity", "bool",
        "Functional limitations keep the worker from safely meeting the demands of the current job")
finding("therapy_plateau", "bool", "An adequate trial of therapy improved function and then plateaued")
finding("return_to_work_goal", "bool", "A defined return-to-work goal is agreed by employer and employee")
finding("homebound", "bool", "The patient is homebound")
finding("home_medical_care_needed", "bool",
        "Medical care is needed at home (not only homemaker services or personal care such as bathing)")
finding("severe_knee_osteoarthritis", "bool",
        "Symptomatic severe osteoarthritis of the knee is documented (exam and imaging)")
finding("peripheral_neuropathy_suspected", "bool",
        "A peripheral neuropathy or nerve entrapment is suspected (not only radiculopathy)")
finding("spinal_instability", "bool",
        "Compression fracture, spondylolisthesis or documented spinal instability (or after spinal fusion)")
finding("implant_or_program_planned", "bool",
        "A spinal cord stimulator, intrathecal pump or functional restoration programme is planned")
finding("delayed_recovery_risk", "bool",
        "Risk factors for delayed recovery (e.g. fear-avoidance beliefs) are documented")



@closed
class DiagnosisGroup(TypedDict):
    group: Text                 # a diagnosis group of table visit-allowances
    words: tuple[Text, ...]     # words that name it in a listed diagnosis


@closed
class DiagnosisGroups(TypedDict):
    groups: tuple[DiagnosisGroup, ...]  # most generous group first: the first that matches wins
    otherwise: Text                     # group of a listed diagnosis that names none of them


@closed
class VisitCap(TypedDict):
    injured_from: dt.date  # the per-injury cap applies to injuries on or after this date


VISIT_ALLOWANCES = DECLARED.table("visit-allowances", dict[Text, Number])  # diagnosis group -> visits
DIAGNOSIS_GROUPS = DECLARED.table("diagnosis-groups", DiagnosisGroups)
VISIT_CAP = DECLARED.table("visit-cap", VisitCap)
# Reading requests (abbreviations, limb words, units of time): how providers write, not a guideline choice.
_NCS = re.compile(r"\b(ncs|ncv|nerve conduction)", re.I)
_LOWER = re.compile(r"lower extremit|lower limb|\bles?\b|\bble\b|\blegs?\b|\blle\b|\brle\b", re.I)
_UPPER = re.compile(r"upper extremit|upper limb|\bues?\b|\bbue\b|\barms?\b|\blue\b|\brue\b", re.I)
_DAYS = re.compile(r"(?<![0-9.])(\d{1,3})\s*[- ]?(day|week|wk|month|mo)s?\b", re.I)
_HOURS = re.compile(r"\b(\d{1,3})\s*(?:hours|hrs?)\s*(?:a|per|/)\s*w(?:ee)?k\b", re.I)
# "4 hours/day, 4 days/week", "4 hrs a day x 5 days a week", "6 hours per day 7 days per week"
_HOURS_A_DAY = re.compile(r"\b(\d{1,2})\s*(?:hours|hrs?)\s*(?:a|per|/)\s*day\b", re.I)
_DAYS_A_WEEK = re.compile(r"\b(\d)\s*(?:days?|x)\s*(?:a|per|/)\s*w(?:ee)?k\b", re.I)
# home care that is itself medical treatment: therapy, nursing, wound care, infusions, injections
_HOME_MEDICAL = re.compile(r"(?i:\b(?:physical therapy|occupational therapy|nursing|nurse|wound|infusion|"
                           r"injections?|dressing changes?|skilled)\b)|\b(?:PT|OT|RN|LVN)\b")
_DAY_FACTOR = {"day": 1, "week": 7, "wk": 7, "month": 30, "mo": 30}  # units: days in each


def _is_service(ctx: Context) -> bool:
    return ctx.resolved.kind == "service"


@derived("therapy.allowed_visits", "number",
         "Visits the guideline allows for the diagnosis (table visit-allowances); from "
         "finding.therapy_diagnosis, else read from the case's listed diagnoses (table diagnosis-groups)",
         section="findings.therapy_diagnosis", tables=(VISIT_ALLOWANCES, DIAGNOSIS_GROUPS))
def _allowed(ctx: Context):
    stated = ctx.case.findings.get("therapy_diagnosis")
    if stated == "postsurgical":  # past the postsurgical period: the listed diagnoses decide
        stated = None
    group = str(stated) if stated is not None else _diagnosis_group(ctx.case.diagnoses, ctx.table(DIAGNOSIS_GROUPS))
    return ctx.table(VISIT_ALLOWANCES).get(group)


def _diagnosis_group(diagnoses: list[str], groups: DiagnosisGroups) -> Optional[str]:
    """Visit-guidance group read from the listed diagnoses when `therapy_diagnosis` is not stated.

    A listed diagnosis that names none of the groups ("lumbar disc protrusion", "low back pain")
    gets the table's `otherwise` group (the general guidance, as the guideline's "unspecified"
    categories are applied in review); only a case listing no diagnosis at all leaves the
    allowance undocumented.
    """
    text = " ".join(diagnoses).lower()
    for entry in groups["groups"]:
        if any(word in text for word in entry["words"]):
            return entry["group"]
    return groups["otherwise"] if text.strip() else None


@derived("therapy.visits_beyond_allowance", "number",
         "Visits already done plus those requested, minus the visits allowed for the diagnosis",
         section="procedures", controllable=True, tables=(VISIT_ALLOWANCES, DIAGNOSIS_GROUPS, SAME_THERAPY))
def _beyond(ctx: Context):
    allowed = _allowed(ctx)
    if allowed is None or not _is_service(ctx) or ctx.resolved.visits is None:
        return None
    done = sum(p.visits or 0 for p in ctx.prior())
    return float(done + ctx.resolved.visits - allowed)


@derived("therapy.injury_visits", "number",
         "Visits of this therapy for the injury (all body regions) already done plus those requested",
         section="procedures", controllable=True)
def _injury_visits(ctx: Context):
    if not _is_service(ctx) or ctx.resolved.visits is None:
        return None
    done = 0
    # post-op PT judged here (after the postsurgical period) counts the injury's physical therapy;
    # visits in the postsurgical period are outside the cap
    name = "physical_therapy" if ctx.resolved.name == "postop_physical_therapy" else ctx.resolved.name
    for proc in ctx.case.procedures:
        term = ctx.vocab.lookup(proc.service)
        if term is not None and term.name == name:
            done += proc.visits or 0
    return float(done + ctx.resolved.visits)


@derived("case.injury_on_or_after_2004", "bool",
         "The injury happened on or after the date the statutory per-injury visit cap starts (table visit-cap)",
         tables=(VISIT_CAP,))
def _after_2004(ctx: Context):
    injured = ctx.case.injury_date
    return None if injured is None else injured >= ctx.table(VISIT_CAP)["injured_from"]


@derived("request.frequency_per_week", "number", "Visits a week requested", section="item", controllable=True)
def _frequency(ctx: Context):
    return ctx.resolved.frequency_per_week


@derived("request.injections", "number", "Injections requested in one session", section="item", controllable=True)
def _injections(ctx: Context):
    if not _is_service(ctx):
        return None
    return ctx.resolved.quantity if ctx.resolved.quantity is not None else ctx.resolved.visits


@derived("request.device_mode", "text", "Whether a device is requested as a rental/trial, purchase or supplies",
         values=("rental", "trial", "purchase", "supplies", "permanent"), section="item")
def _mode(ctx: Context):
    text = ctx.item.request.lower()
    for word, mode in (("purchase", "purchase"), ("buy", "purchase"), ("suppl", "supplies"), ("electrode", "supplies"),
                       ("batter", "supplies"), ("pads", "supplies"), ("permanent", "permanent"),
                       ("implant", "permanent"), ("trial", "trial"), ("rent", "rental")):
        if word in text:
            return mode
    return None


@derived("request.device_days", "number", "Days of device use requested (rental length)", unit="days",
         section="item", controllable=True)
def _device_days(ctx: Context):
    return requested_days(ctx)


def requested_days(ctx: Context) -> Optional[float]:
    """Days the request asks for: the item's days_supply, else "x 21 days" / "2 weeks" in its text."""
    if ctx.item.days_supply is not None:
        return ctx.item.days_supply
    match = _DAYS.search(ctx.item.request)
    if not match:
        return None
    return float(int(match.group(1)) * _DAY_FACTOR[match.group(2).lower()])


@derived("request.hours_per_week", "number", "Hours a week of home health care requested", unit="hours",
         section="item", controllable=True)
def _hours(ctx: Context):
    text = ctx.item.request
    match = _HOURS.search(text)
    if match:
        return float(match.group(1))
    per_day, days = _HOURS_A_DAY.search(text), _DAYS_A_WEEK.search(text)
    if per_day and days:
        return float(int(per_day.group(1)) * int(days.group(1)))
    return None


@derived("request.home_medical_service", "bool",
         "The home care requested is itself medical treatment (home health physical or occupational therapy, "
         "nursing, wound care, infusions, injections)", section="item")
def _home_medical(ctx: Context):
    if ctx.resolved.name != "home_health":
        return None
    return True if _HOME_MEDICAL.search(ctx.item.request) else None


@derived("request.includes_ncs", "bool", "The electrodiagnostic request includes nerve conduction studies",
         section="item")
def _includes_ncs(ctx: Context):
    if ctx.resolved.name != "emg_ncs":
        return None
    return bool(_NCS.search(ctx.item.request))


@derived("request.limb", "text", "Limbs an electrodiagnostic study covers", values=("upper", "lower"), section="item")
def _limb(ctx: Context):
    text = ctx.item.request
    if _LOWER.search(text):
        return "lower"
    if _UPPER.search(text):
        return "upper"
    return _LIMB_OF_SPINE.get(ctx.resolved.region or "")


_LIMB_OF_SPINE = {"lumbar": "lower", "sacral": "lower", "cervical": "upper"}  # anatomy: the limbs its roots supply


@derived("request.esi_same_session", "bool", "An epidural steroid injection is requested in the same request",
         section="item")
def _esi_together(ctx: Context):
    return ctx.requested_with(("epidural_steroid_injection",))


def _last_of(ctx: Context, service: str):
    """The most recent prior procedure of another service (same region when both are known)."""
    found = ctx.prior_of(service)
    return found[-1] if found else None


def _last_block(ctx: Context):
    """The most recent diagnostic medial branch block at the requested site (side and levels when stated)."""
    found = ctx.at_site(ctx.prior_of("medial_branch_block"))
    return found[-1] if found else None


@derived("history.mbb_relief_percent", "number",
         "Percent relief after the last diagnostic medial branch block at the requested side and levels "
         "(0 when the record says it gave no relief)", unit="%", section="procedures")
def _mbb_relief(ctx: Context):
    last = _last_block(ctx)
    return relief_percent(last) if last else None


@derived("history.mbb_relief_hours", "number",
         "How many hours the relief after that diagnostic medial branch block lasted (a diagnostic block's "
         "response is judged in hours)", unit="hours", section="procedures")
def _mbb_hours(ctx: Context):
    last = _last_block(ctx)
    return relief_hours(last) if last else None


@derived("history.tens_trial_failed", "bool", "A TENS trial was done and did not improve function",
         section="procedures")
def _tens_failed(ctx: Context):
    last = _last_of(ctx, "tens")
    if last is None or last.function_improved is None:
        return None
    return not last.function_improved


@derived("history.steroid_injection_done", "bool",
         "A corticosteroid injection of the same joint was done before", section="procedures")
def _steroid_done(ctx: Context):
    if _last_of(ctx, "corticosteroid_joint_injection") is not None:
        return True
    return False if ctx.documented("procedures") else None


@derived("history.weeks_since_last", "number", "Weeks since the last procedure of the requested service",
         unit="weeks", section="procedures", tables=(SAME_THERAPY,))
def _since_last(ctx: Context):
    prior = ctx.prior_here() if _is_service(ctx) else []
    dates = [p.date for p in prior if p.date]
    return round((ctx.request_date - max(dates)).days / 7, 1) if dates else None


@derived("spine.radiculopathy_obvious", "bool",
         "Radiculopathy is already clinically obvious: objective nerve-root signs on exam that imaging or "
         "electrodiagnostics confirm (roots as a study states them, or as its findings text names them)",
         section="studies", tables=(STUDY_FINDINGS,))
def _obvious(ctx: Context):
    levels = {lvl for kind, lvl, _ in exam_signs(ctx) if kind in ROOT_SIGNS}
    if not levels:
        exam = ctx.case.exam
        return False if (exam.date or exam.documented_in or exam.straight_leg_raise or exam.signs) else None
    study_levels = {lvl for s in ctx.case.studies for lvl, _ in ctx.study(s).roots}
    return bool(study_levels) and (None in levels or bool(levels & study_levels))


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("request.frequency_per_week")
def _example_frequency(case, item, value, ctx):
    item["frequency_per_week"] = max(1.0, value)


@DECLARED.setter("case.injury_on_or_after_2004")
def _example_injury_2004(case, item, value, ctx):
    case["injury_date"] = "2008-03-01" if value else "2001-03-01"


@DECLARED.setter("request.injections")
def _example_injections(case, item, value, ctx):
    item["quantity"] = max(1.0, float(value))


@DECLARED.setter("request.device_days")
def _example_device_days(case, item, value, ctx):
    item["days_supply"] = max(1.0, float(value))


@DECLARED.setter("request.device_mode")
def _example_device_mode(case, item, value, ctx):
    words = {"rental": "rental", "trial": "trial", "purchase": "purchase", "supplies": "supplies",
             "permanent": "permanent implant"}
    item["request"] = f"{item['request']} {words.get(value, value)}"


@DECLARED.setter("request.hours_per_week")
def _example_hours(case, item, value, ctx):
    item["request"] = f"{item['request']} {max(1, int(value))} hours per week"


@DECLARED.setter("request.includes_ncs")
def _example_ncs(case, item, value, ctx):
    item["name"] = ctx["name"]
    item["request"] = "EMG/NCS of the lower extremities" if value else "EMG of the lower extremities"


@DECLARED.setter("request.esi_same_session")
def _example_esi_together(case, item, value, ctx):
    if value and "epidural_steroid_injection" in ctx["vocab"].services:
        case["items"].append({"id": f"esi-{item['id']}", "request": "Lumbar ESI L4-5"})


@DECLARED.setter("history.tens_trial_failed")
def _example_tens_failed(case, item, value, ctx):
    examples.prior_of(case, ctx, "tens")["function_improved"] = not value


@DECLARED.setter("history.steroid_injection_done")
def _example_steroid_done(case, item, value, ctx):
    if value:
        examples.prior_of(case, ctx, "corticosteroid_joint_injection")


@DECLARED.setter("history.mbb_relief_percent")
def _example_mbb(case, item, value, ctx):
    examples.prior_of(case, ctx, "medial_branch_block")["relief_percent"] = min(100, int(value))


@DECLARED.setter("history.mbb_relief_hours")
def _example_mbb_hours(case, item, value, ctx):
    examples.prior_of(case, ctx, "medial_branch_block")["relief_hours"] = value


@DECLARED.setter("history.weeks_since_last")
def _example_since_last(case, item, value, ctx):
    examples.prior_of(case, ctx, ctx["name"])["date"] = (ctx["date"] - dt.timedelta(days=round(value * 7) + 1)).isoformat()


@DECLARED.setter("therapy.allowed_visits")
def _example_allowed(case, item, value, ctx):
    """The first diagnosis group of table visit-allowances allowing `value` visits (else myalgia)."""
    allowances = ctx["tables"][VISIT_ALLOWANCES]
    group = next((g for g, visits in allowances.items() if visits == float(value)), "myalgia")
    case.setdefault("findings", {})["therapy_diagnosis"] = group


@DECLARED.setter("therapy.visits_beyond_allowance")
def _example_beyond(case, item, value, ctx):
    """A myalgia case with no prior visits requesting the allowance (table visit-allowances) plus `value`."""
    case.setdefault("findings", {})["therapy_diagnosis"] = "myalgia"
    item["visits"] = max(1, int(ctx["tables"][VISIT_ALLOWANCES]["myalgia"]) + int(value))

"""Facts about a requested service: levels, visits, bundled components, and prior treatment."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from typing_extensions import TypedDict

from engine.intake.requests import treated_region
from engine.knowledge.facts import examples
from engine.knowledge.facts.base import SAME_THERAPY, STUDY_FINDINGS, Context, FactSet, Linear, Text, closed, weeks_between
from engine.knowledge.facts.core import DAYS_IN_YEAR, MODERATE_PAIN, signs_of_the_problem

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding



@closed
class StudyKinds(TypedDict):
    by_service: dict[Text, tuple[Text, ...]]  # imaging or nerve-study service -> study kinds of the same kind
    electrodiagnostic: tuple[Text, ...]       # study kinds that are electrodiagnostic (EMG/NCS)
    imaging: tuple[Text, ...]                 # study kinds that image a lesion (surgery facts)
    nerve_studies: tuple[Text, ...]           # study kinds that test nerve conduction (surgery facts)


STUDY_KINDS = DECLARED.table("study-kinds", StudyKinds)
# Spinal region -> nerve-root name prefixes: anatomy (lumbar roots are L and S), not a guideline choice.
_ROOT_PREFIX = {"lumbar": ("L", "S"), "sacral": ("L", "S"), "cervical": ("C",), "thoracic": ("T",)}


def _tests_named(ctx: Context) -> list[str]:
    """Tests a lab request names in its text ("CBC, CMP") when it lists no `components`."""
    if ctx.resolved.kind != "service" or ctx.resolved.name != "lab_panel":
        return []
    return ctx.vocab.lab_tests_in(ctx.item.request)


def _service(ctx: Context) -> bool:
    return ctx.resolved.kind == "service"


@derived("request.levels", "number", "Spinal levels (motion segments) to be treated in one session",
         section="item", controllable=True)
def _levels(ctx: Context):
    return float(ctx.resolved.levels_count) if ctx.resolved.levels_count is not None else None


@derived("request.approach", "text", "Injection approach", values=("interlaminar", "transforaminal", "caudal"),
         section="item")
def _approach(ctx: Context):
    return ctx.resolved.approach


@derived("request.visits", "number", "Visits or sessions requested", section="item", controllable=True)
def _visits(ctx: Context):
    return ctx.resolved.visits if _service(ctx) else None


@derived("request.weeks", "number", "Weeks the requested course or rental covers", unit="weeks", section="item",
         controllable=True)
def _weeks(ctx: Context):
    return ctx.resolved.weeks


@derived("request.unjustified_components", "number",
         "Parts of a bundled request with no stated reason (IMR decides a bundle all or nothing): a test is "
         "justified by its stated reason, or by the regular use of a drug it monitors (rules/vocabulary lab_tests)",
         section="item")
def _unjustified(ctx: Context):
    vocab = ctx.vocab
    components = [vocab.lab_test(c) for c in ctx.item.components] or _tests_named(ctx)
    if not components:
        return None
    justified = {vocab.lab_test(c) for c in ctx.item.justified_components}
    taken = {name for med, classes, generic in ctx.current_drugs() if med.pattern != "intermittent"
             for name in (generic, *classes, *_ingredients(ctx, generic))}
    return float(sum(1 for c in components if c not in justified and not vocab.lab_test_monitors(c) & taken))


def _ingredients(ctx: Context, generic: str) -> list[str]:
    """A combination product's ingredients (Norco: hydrocodone and acetaminophen), each monitored as itself."""
    drug = ctx.vocab.drugs.get(generic)
    return list(drug.ingredients) if drug is not None else []


@derived("history.prior_count", "number",
         "Earlier procedures or courses of the requested service in the same region, and on the same side and "
         "at the same spinal levels when both the record and the request state them (a left block is not an "
         "earlier one of a right block)", section="procedures", tables=(SAME_THERAPY,))
def _prior_count(ctx: Context):
    if not _service(ctx) or not ctx.documented("procedures"):
        return None
    return float(len(ctx.prior_here()))


@derived("history.prior_count_past_year", "number",
         "Earlier procedures of the requested service in the same region (either side, any level) within the "
         "last 12 months",
         section="procedures", tables=(SAME_THERAPY,))
def _prior_year(ctx: Context):
    if not _service(ctx) or not ctx.documented("procedures"):
        return None
    return float(sum(1 for p in ctx.prior() if p.date is None or (ctx.request_date - p.date).days <= DAYS_IN_YEAR))


def _latest(ctx: Context):
    prior = ctx.prior_here() if _service(ctx) else []
    return prior[-1] if prior else None


def _last(ctx: Context, field: str):
    latest = _latest(ctx)
    return getattr(latest, field) if latest is not None else None


HOURS_PER_DAY = 24  # units: how long relief lasted, in hours, days or weeks
DAYS_PER_WEEK = 7


def relief_percent(proc) -> Optional[float]:
    """Percent relief as the record gives it; "no relief" (`relief: none`) is 0%."""
    if proc.relief_percent is not None:
        return proc.relief_percent
    return 0.0 if proc.relief == "none" else None


def relief_hours(proc) -> Optional[float]:
    """How long the relief lasted, in hours, from whichever unit the record gives; none lasted 0 hours."""
    if proc.relief_hours is not None:
        return proc.relief_hours
    if proc.relief_days is not None:
        return proc.relief_days * HOURS_PER_DAY
    if proc.relief_weeks is not None:
        return proc.relief_weeks * DAYS_PER_WEEK * HOURS_PER_DAY
    return 0.0 if proc.relief == "none" else None


@derived("history.last_relief_percent", "number",
         "Percent pain relief after the most recent prior procedure at the requested site (0 when the record "
         "says it gave no relief)", unit="%", section="procedures", tables=(SAME_THERAPY,))
def _relief(ctx: Context):
    latest = _latest(ctx)
    return relief_percent(latest) if latest is not None else None


@derived("history.last_relief_weeks", "number",
         "How many weeks that relief lasted (hours and days converted: 'relief for 3 hours' is 0.02 weeks)",
         unit="weeks", section="procedures", tables=(SAME_THERAPY,))
def _relief_weeks(ctx: Context):
    latest = _latest(ctx)
    hours = relief_hours(latest) if latest is not None else None
    if hours is None:
        return None
    return latest.relief_weeks if latest.relief_weeks is not None else round(hours / HOURS_PER_DAY / DAYS_PER_WEEK, 2)


@derived("history.last_relief_hours", "number",
         "How many hours the relief after the most recent prior procedure lasted (days and weeks converted)",
         unit="hours", section="procedures", tables=(SAME_THERAPY,))
def _relief_hours(ctx: Context):
    latest = _latest(ctx)
    return relief_hours(latest) if latest is not None else None


@derived("history.last_relief", "text",
         "The relief after the most recent prior procedure as the record words it when it gives no figure: "
         "none, temporary or sustained", values=("none", "temporary", "sustained"), section="procedures",
         tables=(SAME_THERAPY,))
def _relief_word(ctx: Context):
    return _last(ctx, "relief")


@derived("history.last_medication_reduced", "bool", "Medication use fell after the most recent prior procedure",
         section="procedures", tables=(SAME_THERAPY,))
def _med_reduced(ctx: Context):
    return _last(ctx, "medication_reduced")


@derived("history.last_function_improved", "bool",
         "Objective functional improvement after the most recent prior procedure or course", section="procedures", tables=(SAME_THERAPY,))
def _func(ctx: Context):
    return _last(ctx, "function_improved")


@derived("history.prior_visits", "number", "Visits of the requested therapy already completed for this injury",
         section="procedures", tables=(SAME_THERAPY,))
def _prior_visits(ctx: Context):
    if not _service(ctx):
        return None
    return float(sum(p.visits or 0 for p in ctx.prior()))


@derived("history.total_visits", "number", "Visits already completed plus the visits requested", section="procedures",
         controllable=True, tables=(SAME_THERAPY,))
def _total_visits(ctx: Context):
    if not _service(ctx) or ctx.resolved.visits is None:
        return None
    return float(sum(p.visits or 0 for p in ctx.prior())) + ctx.resolved.visits


@derived("imaging.prior_study", "bool", "A study of the same kind and region was done before", section="studies",
         tables=(STUDY_KINDS,))
def _prior_study(ctx: Context):
    kind = _study_kind(ctx)
    if kind is None or not ctx.documented("studies"):
        return None
    return any(s.kind in kind and (ctx.resolved.region is None or s.region == ctx.resolved.region)
               for s in ctx.case.studies)


@derived("imaging.weeks_since_prior_study", "number", "Weeks since the last study of the same kind and region",
         unit="weeks", section="studies", tables=(STUDY_KINDS,))
def _since_study(ctx: Context):
    kind = _study_kind(ctx)
    if kind is None:
        return None
    dates = [s.date for s in ctx.case.studies
             if s.kind in kind and s.date and (ctx.resolved.region is None or s.region == ctx.resolved.region)]
    return weeks_between(max(dates), ctx.request_date) if dates else None


def _study_kind(ctx: Context):
    return ctx.table(STUDY_KINDS)["by_service"].get(ctx.resolved.name) if _service(ctx) else None


@derived("request.region", "text", "Body region the request treats: its own (text, fields, directions, the service), else the case's when the case names exactly one",
         values=("cervical", "thoracic", "lumbar", "sacral", "shoulder", "elbow", "wrist", "hand", "hip", "knee",
                 "ankle", "foot", "head", "whole_body", "other"), section="item")
def _region(ctx: Context):
    return treated_region(ctx.resolved, ctx.case.regions)


@derived("spine.electrodiagnostic_nerve_dysfunction", "bool",
         "An electrodiagnostic study (EMG/NCS) shows nerve-root dysfunction in the spinal region of the request "
         "(physiological evidence of nerve dysfunction); roots and results as stated, or read from the findings "
         "text", section="studies", tables=(STUDY_KINDS, STUDY_FINDINGS))
def _edx_dysfunction(ctx: Context):
    region = ctx.resolved.region if _service(ctx) else None
    prefixes = _ROOT_PREFIX.get(region or "")
    shown = [(s, ctx.study(s)) for s in ctx.case.studies if s.kind in ctx.table(STUDY_KINDS)["electrodiagnostic"]]
    studies = [(s, result) for s, result in shown if region is None or s.region == region
               or (prefixes and any(lvl.startswith(prefixes) for lvl, _ in result.roots))]
    if not studies:
        return None
    if any(result.roots and (not prefixes or any(lvl.startswith(prefixes) for lvl, _ in result.roots))
           for _, result in studies):
        return True
    return False if any(result.significant_pathology is False for _, result in studies) else None


@closed
class ConservativeCare(TypedDict):
    services: frozenset[Text]      # services that are conservative treatment
    drug_classes: frozenset[Text]  # drug classes that are conservative treatment


CONSERVATIVE_CARE = DECLARED.table("conservative-care", ConservativeCare)


def _conservative_services(ctx: Context) -> list:
    """Prior courses in the history that are conservative care (table conservative-care)."""
    services = ctx.table(CONSERVATIVE_CARE)["services"]
    return [p for p in ctx.case.procedures if p.kind != "other"
            and (term := ctx.vocab.lookup(p.service)) is not None and term.name in services]


@derived("history.conservative_care_weeks", "number",
         "Weeks of conservative care before the request: stated (finding.conservative_care_weeks), or from the "
         "earliest dated course of therapy or start of an NSAID or muscle relaxant in the history", unit="weeks",
         section="procedures", tables=(CONSERVATIVE_CARE,))
def _conservative_weeks(ctx: Context):
    stated = ctx.case.findings.get("conservative_care_weeks")
    if stated is not None:
        return stated
    starts = [p.date for p in _conservative_services(ctx) if p.date]
    classes_of_care = ctx.table(CONSERVATIVE_CARE)["drug_classes"]
    starts += [med.since for med, classes, _ in ctx.all_drugs() if med.since and classes_of_care & set(classes)]
    starts = [d for d in starts if d <= ctx.request_date]
    return weeks_between(min(starts), ctx.request_date) if starts else None


@derived("history.conservative_care_failed", "bool",
         "Conservative care (exercise, physical therapy or chiropractic, NSAIDs, muscle relaxants) has not "
         "resolved the pain: stated (finding.conservative_care_failed), or such care is in the record's "
         "history and moderate or radiating pain persists at the request (or, with no pain described, the latest "
         "examination still shows nerve-root signs or a positive test such as Phalen or Tinel)", section="procedures",
         tables=(CONSERVATIVE_CARE, MODERATE_PAIN))
def _conservative_failed(ctx: Context):
    stated = ctx.case.findings.get("conservative_care_failed")
    if stated is not None:
        return stated
    tried = bool(_conservative_services(ctx))
    classes_of_care = ctx.table(CONSERVATIVE_CARE)["drug_classes"]
    tried = tried or any(classes_of_care & set(classes) for _, classes, _ in ctx.all_drugs())
    if not tried:
        return None
    pain = ctx.case.pain
    scores = [s for s in (pain.score, pain.with_medication) if s is not None]
    if pain.radiating is not None or pain.severity is not None or scores:
        moderate = bool(scores) and max(scores) >= ctx.table(MODERATE_PAIN)
        persists = pain.radiating or (pain.severity not in (None, "mild")) or moderate
    else:  # the pain is not described: radicular or positive test signs on the latest examination show it persists
        persists = signs_of_the_problem(ctx)
    return True if persists else None


# Levers: how the request's visits, weeks and levels move the controllable facts above (ur check).
@DECLARED.lever("request.visits")
def _visits_lever(ctx: Context) -> Optional[Linear]:
    visits = ctx.resolved.visits if _service(ctx) else None
    return Linear("visits", 1, 0, visits, "visits") if visits is not None else None


@DECLARED.lever("history.total_visits")
def _total_visits_lever(ctx: Context) -> Optional[Linear]:
    visits = ctx.resolved.visits if _service(ctx) else None
    if visits is None:
        return None
    return Linear("visits", 1, _prior_visits(ctx) or 0.0, visits, "visits including those already done")


@DECLARED.lever("request.weeks")
def _weeks_lever(ctx: Context) -> Optional[Linear]:
    weeks = ctx.resolved.weeks
    return Linear("weeks", 1, 0, weeks, "weeks", " weeks") if weeks is not None else None


@DECLARED.lever("request.levels")
def _levels_lever(ctx: Context) -> Optional[Linear]:
    count = ctx.resolved.levels_count
    return Linear("levels", 1, 0, float(count), "levels per session") if count is not None else None


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("request.levels")
def _example_levels(case, item, value, ctx):
    item["levels"] = examples.LEVELS[: max(1, min(int(value), 3))]


@DECLARED.setter("request.approach", "request.region")
def _example_item_field(case, item, value, ctx):
    item[ctx["fact"].split(".", 1)[1]] = value


@DECLARED.setter("request.visits")
def _example_visits(case, item, value, ctx):
    item["visits"] = int(value)


@DECLARED.setter("request.unjustified_components")
def _example_components(case, item, value, ctx):
    item["components"] = [f"test {i}" for i in range(int(value) + 1)]
    item["justified_components"] = ["test 0"]


@DECLARED.setter("history.prior_count", "history.prior_count_past_year")
def _example_prior(case, item, value, ctx):
    days = 200 if ctx["fact"].endswith("past_year") else 500
    case["procedures"] = [p for p in case.get("procedures", []) if p["service"] != ctx["name"]]
    for i in range(int(value)):
        case["procedures"].append({"service": ctx["name"],
                                   "date": (ctx["date"] - dt.timedelta(days=days + 30 * i)).isoformat()})


@DECLARED.setter("history.last_relief_percent", "history.last_relief_weeks", "history.last_medication_reduced",
        "history.last_function_improved", "history.last_relief_hours", "history.last_relief")
def _example_last(case, item, value, ctx):
    """One field of the latest prior procedure; a duration is given in one unit only, and a figure
    replaces a worded "no relief" (and the reverse), as a record would state one or the other."""
    field = ctx["fact"].split(".", 1)[1].replace("last_", "")
    last = examples.procedures_of(case, ctx)[-1]
    durations = ("relief_hours", "relief_days", "relief_weeks")
    if field in durations:
        for other in durations:
            last.pop(other, None)
    if field == "relief" and value == "none":
        for other in ("relief_percent", *durations):
            last.pop(other, None)
    elif field in ("relief_percent", *durations) and last.get("relief") == "none":
        last.pop("relief")
    last[field] = min(100, int(value)) if field == "relief_percent" else value


@DECLARED.setter("imaging.prior_study")
def _example_study(case, item, value, ctx):
    if value:
        case.setdefault("studies", []).append({"kind": ctx["name"] if ctx["name"] in ("mri", "ct", "xray") else "mri",
                                               "region": item.get("region", "lumbar")})


@DECLARED.setter("spine.electrodiagnostic_nerve_dysfunction")
def _example_edx_dysfunction(case, item, value, ctx):
    """A lumbar EMG naming an L5 root lesion (true) or reported normal (false)."""
    study = {"kind": "emg", "region": "lumbar"}
    study.update({"nerve_root_levels": ["L5"]} if value else {"significant_pathology": False})
    case.setdefault("studies", []).append(study)
    item.setdefault("region", "lumbar")


@DECLARED.setter("history.total_visits", "therapy.injury_visits")
def _example_total_visits(case, item, value, ctx):
    item["visits"] = max(1, int(value))

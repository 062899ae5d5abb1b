"""How the bench generator sets a derived fact: through the case fields it is derived from
(engine/knowledge/facts/), so derivation runs for real. Each setter takes (case, item, value, ctx), where ctx
has the item's drug or service `name`, its `classes`, the `vocab`, the request `date` and `fact`.
A fact with no setter is left undocumented by the generator."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

Setter = Callable[[dict, dict, Any, dict], None]  # (case, item, value, ctx)
SETTERS: dict[str, Setter] = {}
_LEVELS = ["L3-4", "L4-5", "L5-S1", "C5-6", "C6-7"]


def setter(*names: str) -> Callable[[Setter], Setter]:
    def register(fn: Setter) -> Setter:
        for name in names:
            SETTERS[name] = fn
        return fn
    return register


def medication_entry(case: dict, ctx: dict) -> dict:
    """The medication entry for the requested drug (created on first use)."""
    for med in case.setdefault("medications", []):
        if med["drug"] == ctx["name"]:
            return med
    med = {"drug": ctx["name"], "status": "current", "since": ctx["date"].isoformat()}
    case["medications"].append(med)
    return med


def _procedures(case: dict, ctx: dict) -> list[dict]:
    procs = [p for p in case.setdefault("procedures", []) if p["service"] == ctx["name"]]
    if not procs:
        procs = [{"service": ctx["name"], "date": (ctx["date"] - dt.timedelta(days=120)).isoformat()}]
        case["procedures"].extend(procs)
    return procs


@setter("case.chronic_phase")
def _chronic(case, item, value, ctx):
    case["injury_date"] = (ctx["date"] - dt.timedelta(weeks=30 if value else 4)).isoformat()


@setter("drug.current_use")
def _current(case, item, value, ctx):
    if value:
        medication_entry(case, ctx)
    else:
        case["medications"] = [m for m in case.get("medications", []) if m["drug"] != ctx["name"]]


@setter("drug.course_weeks", "drug.weeks_on_drug")
def _course(case, item, value, ctx):
    item["days_supply"] = 7.0
    weeks_before = max(0.0, value - 1.0)
    medication_entry(case, ctx)["since"] = (ctx["date"] - dt.timedelta(days=round(weeks_before * 7))).isoformat()


@setter("drug.use_pattern")
def _pattern(case, item, value, ctx):
    medication_entry(case, ctx)["pattern"] = value


@setter("drug.pain_reduced", "drug.function_improved", "drug.aberrant_behavior", "drug.side_effects_reviewed")
def _response(case, item, value, ctx):
    medication_entry(case, ctx).setdefault("response", {})[ctx["fact"].split(".", 1)[1]] = value


@setter("drug.other_same_class")
def _same_class(case, item, value, ctx):
    others = [d for d in ctx["vocab"].drugs.values()
              if d.name != ctx["name"] and set(d.classes) & set(ctx["classes"]) - {"opioid"}]
    for drug in others[: int(value)]:
        case.setdefault("medications", []).append({"drug": drug.name, "status": "current"})


@setter("case.current_medications")
def _count(case, item, value, ctx):
    meds = case.setdefault("medications", [])
    for name in ("ibuprofen", "naproxen", "gabapentin", "duloxetine")[: max(0, int(value) - len(meds))]:
        if name in ctx["vocab"].drugs:
            meds.append({"drug": name, "status": "current"})


@setter("opioid.total_mme", "opioid.request_mme")
def _mme(case, item, value, ctx):
    drug = ctx["vocab"].drugs.get(ctx["name"])
    if drug is None or not drug.mme_per_mg:
        return
    item["units_per_day"] = 2.0
    item["strength"] = f"{round(value / (2 * drug.mme_per_mg), 1)}mg"


@setter("request.days_supply")
def _days(case, item, value, ctx):
    item["days_supply"] = value


@setter("request.levels")
def _levels(case, item, value, ctx):
    item["levels"] = _LEVELS[: max(1, min(int(value), 3))]


@setter("request.approach", "request.region")
def _item_field(case, item, value, ctx):
    item[ctx["fact"].split(".", 1)[1]] = value


@setter("request.visits")
def _visits(case, item, value, ctx):
    item["visits"] = int(value)


@setter("request.frequency_per_week")
def _frequency(case, item, value, ctx):
    item["frequency_per_week"] = max(1.0, value)


@setter("history.total_visits", "therapy.injury_visits")
def _total_visits(case, item, value, ctx):
    item["visits"] = max(1, int(value))


@setter("case.injury_on_or_after_2004")
def _injury_2004(case, item, value, ctx):
    case["injury_date"] = "2008-03-01" if value else "2001-03-01"


@setter("request.daily_mg")
def _daily_mg(case, item, value, ctx):
    item["units_per_day"] = 2.0
    item["strength"] = f"{max(1.0, value / 2)}mg"


@setter("request.unjustified_components")
def _components(case, item, value, ctx):
    item["components"] = [f"test {i}" for i in range(int(value) + 1)]
    item["justified_components"] = ["test 0"]


@setter("history.prior_count", "history.prior_count_past_year")
def _prior(case, item, value, ctx):
    days = 200 if ctx["fact"].endswith("past_year") else 500
    case["procedures"] = [p for p in case.get("procedures", []) if p["service"] != ctx["name"]]
    for i in range(int(value)):
        case["procedures"].append({"service": ctx["name"],
                                   "date": (ctx["date"] - dt.timedelta(days=days + 30 * i)).isoformat()})


@setter("history.last_relief_percent", "history.last_relief_weeks", "history.last_medication_reduced",
        "history.last_function_improved")
def _last(case, item, value, ctx):
    field = ctx["fact"].split(".", 1)[1].replace("last_", "")
    _procedures(case, ctx)[-1][field] = min(100, int(value)) if field == "relief_percent" else value


@setter("imaging.prior_study")
def _study(case, item, value, ctx):
    if value:
        case.setdefault("studies", []).append({"kind": ctx["name"] if ctx["name"] in ("mri", "ct", "xray") else "mri",
                                               "region": item.get("region", "lumbar")})


@setter("monitoring.opioid_agreement", "monitoring.single_prescriber")
def _monitoring(case, item, value, ctx):
    case.setdefault("monitoring", {})[ctx["fact"].split(".", 1)[1]] = value


@setter("monitoring.unaddressed_inconsistent_screens")
def _screens(case, item, value, ctx):
    case.setdefault("monitoring", {})["drug_screens"] = (
        [{"consistent": True}] + [{"consistent": False, "addressed": False} for _ in range(int(value))])


@setter("exam.objective_nerve_compromise", "exam.dermatomal_sensory_loss")
def _exam(case, item, value, ctx):
    case["exam"] = {"sensory_loss": [{"level": "L5"}]} if value else {"date": ctx["date"].isoformat()}


@setter("spine.radiculopathy_corroborated")
def _corroborated(case, item, value, ctx):
    case["exam"] = {"sensory_loss": [{"level": "L5"}]}
    case["studies"] = [{"kind": "mri", "region": "lumbar", "nerve_root_levels": ["L5" if value else "L3"]}]


@setter("pain.moderate_to_severe")
def _severity(case, item, value, ctx):
    case.setdefault("pain", {})["score"] = 7 if value else 2


@setter("pain.radiating", "pain.neuropathic")
def _pain(case, item, value, ctx):
    case.setdefault("pain", {})[ctx["fact"].split(".", 1)[1]] = value


@setter("function.work_status", "function.adl_improved")
def _function(case, item, value, ctx):
    case.setdefault("function", {})[ctx["fact"].split(".", 1)[1]] = value


@setter("primary.certified")
def _primary(case, item, value, ctx):
    """Accompany a consultation whose one criterion is met (certified) or not documented."""
    primary = {"id": "primary", "request": "Pain management consultation"}
    if value:
        primary["documentation"] = {"additional_expertise_needed": True, "reason_stated": True}
    case["items"].insert(0, primary)
    item["accompanies"] = "primary"

"""Bench setters for the facts of the newer rules (medications, services, monitoring); they
register in bench.setters.SETTERS like the others."""

from __future__ import annotations

import datetime as dt

from bench.setters import medication_entry, setter


def _other_drugs(ctx: dict, cls: str, count: int) -> list[str]:
    """`count` drugs of class `cls` from the vocabulary, other than the requested one."""
    names = sorted(d.name for d in ctx["vocab"].drugs.values() if cls in d.classes and d.name != ctx["name"])
    return names[:count]


def _add_current(case: dict, names: list[str]) -> None:
    meds = case.setdefault("medications", [])
    for name in names:
        if not any(m["drug"] == name for m in meds):
            meds.append({"drug": name, "status": "current"})


@setter("case.weeks_since_injury")
def _weeks_since_injury(case, item, value, ctx):
    case["injury_date"] = (ctx["date"] - dt.timedelta(days=round(value * 7))).isoformat()


@setter("drug.pain_reduction_percent")
def _pain_percent(case, item, value, ctx):
    medication_entry(case, ctx).setdefault("response", {})["pain_reduction_percent"] = min(100.0, float(value))


@setter("drug.current_opioid", "case.opioid_therapy")
def _opioid(case, item, value, ctx):
    if value:
        _add_current(case, _other_drugs(ctx, "opioid", 1))


@setter("drug.nsaid_therapy")
def _nsaid(case, item, value, ctx):
    if value:
        _add_current(case, _other_drugs(ctx, "nsaid", 1))


@setter("drug.other_nsaids")
def _other_nsaids(case, item, value, ctx):
    _add_current(case, _other_drugs(ctx, "nsaid", int(value)))


@setter("gi.risk_factors")
def _gi(case, item, value, ctx):
    """0: a documented low-risk patient; 1: an ulcer history; 2 or more: also over 65."""
    case.setdefault("patient", {})["age"] = 70 if value >= 2 else 40
    case.setdefault("findings", {})["gi_ulcer_or_bleed_history"] = value >= 1


@setter("history.neuropathic_first_line_tried")
def _neuropathic_tried(case, item, value, ctx):
    case.setdefault("findings", {})["neuropathic_first_line_tried"] = value


@setter("request.as_needed")
def _prn(case, item, value, ctx):
    item["sig"] = "1 every 6 hours as needed for pain" if value else "1 tablet twice daily"


@setter("exam.trigger_points")
def _trigger(case, item, value, ctx):
    case.setdefault("exam", {})["trigger_points"] = value


@setter("request.injections")
def _injections(case, item, value, ctx):
    item["quantity"] = max(1.0, float(value))


@setter("request.device_days")
def _device_days(case, item, value, ctx):
    item["days_supply"] = max(1.0, float(value))


@setter("request.device_mode")
def _device_mode(case, item, value, ctx):
    words = {"rental": "rental", "trial": "trial", "purchase": "purchase", "supplies": "supplies",
             "permanent": "permanent implant"}
    item["request"] = f"{item['request']} {words.get(value, value)}"


@setter("request.hours_per_week")
def _hours(case, item, value, ctx):
    item["request"] = f"{item['request']} {max(1, int(value))} hours per week"


@setter("request.includes_ncs")
def _ncs(case, item, value, ctx):
    item["name"] = ctx["name"]
    item["request"] = "EMG/NCS of the lower extremities" if value else "EMG of the lower extremities"


@setter("request.esi_same_session")
def _esi_together(case, item, value, ctx):
    if value and "epidural_steroid_injection" in ctx["vocab"].services:
        case["items"].append({"id": f"esi-{item['id']}", "request": "Lumbar ESI L4-5"})


@setter("monitoring.screens_past_year")
def _screens_year(case, item, value, ctx):
    case.setdefault("monitoring", {})["drug_screens"] = [
        {"consistent": True, "date": (ctx["date"] - dt.timedelta(days=60 * (i + 1))).isoformat()}
        for i in range(min(int(value), 6))]


def _prior_of(case: dict, ctx: dict, service: str) -> dict:
    """The latest prior procedure of `service` (created 120 days before the request)."""
    for proc in case.setdefault("procedures", []):
        if proc["service"] == service:
            return proc
    proc = {"service": service, "date": (ctx["date"] - dt.timedelta(days=120)).isoformat()}
    case["procedures"].append(proc)
    return proc


@setter("history.tens_trial_failed")
def _tens_failed(case, item, value, ctx):
    _prior_of(case, ctx, "tens")["function_improved"] = not value


@setter("history.steroid_injection_done")
def _steroid_done(case, item, value, ctx):
    if value:
        _prior_of(case, ctx, "corticosteroid_joint_injection")


@setter("history.mbb_relief_percent")
def _mbb(case, item, value, ctx):
    _prior_of(case, ctx, "medial_branch_block")["relief_percent"] = min(100, int(value))


@setter("history.weeks_since_last")
def _since_last(case, item, value, ctx):
    _prior_of(case, ctx, ctx["name"])["date"] = (ctx["date"] - dt.timedelta(days=round(value * 7) + 1)).isoformat()


@setter("therapy.allowed_visits")
def _allowed(case, item, value, ctx):
    groups = {10.0: "myalgia", 24.0: "crps", 9.0: "arthritis"}
    case.setdefault("findings", {})["therapy_diagnosis"] = groups.get(float(value), "myalgia")


@setter("therapy.visits_beyond_allowance")
def _beyond(case, item, value, ctx):
    """Myalgia allows 10 visits: request 10 + value of them, with no prior visits."""
    case.setdefault("findings", {})["therapy_diagnosis"] = "myalgia"
    item["visits"] = max(1, 10 + int(value))


@setter("spine.electrodiagnostic_nerve_dysfunction")
def _edx_dysfunction(case, item, value, ctx):
    """A lumbar EMG naming an L5 root lesion (true) or reported normal (false)."""
    study = {"kind": "emg", "region": "lumbar"}
    study.update({"nerve_root_levels": ["L5"]} if value else {"significant_pathology": False})
    case.setdefault("studies", []).append(study)
    item.setdefault("region", "lumbar")

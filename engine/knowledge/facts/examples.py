"""Helpers the example setters share (FactSet.setter): small edits of a case written as a plain
dict, the form bench/generate.py builds synthetic cases in. A setter edits the case fields a
fact is derived from, so derivation runs for real; nothing here is read when deciding a case.
"""

from __future__ import annotations

import datetime as dt

LEVELS = ["L3-4", "L4-5", "L5-S1", "C5-6", "C6-7"]  # example levels a request can name


def medication_entry(case: dict, ctx: dict) -> dict:
    """The medication entry for the requested drug (created on first use)."""
    for med in case.setdefault("medications", []):
        if med["drug"] == ctx["name"]:
            return med
    med = {"drug": ctx["name"], "status": "current", "since": ctx["date"].isoformat()}
    case["medications"].append(med)
    return med


def procedures_of(case: dict, ctx: dict) -> list[dict]:
    """Prior procedures of the requested service (one, 120 days before the request, if none)."""
    procs = [p for p in case.setdefault("procedures", []) if p["service"] == ctx["name"]]
    if not procs:
        procs = [{"service": ctx["name"], "date": (ctx["date"] - dt.timedelta(days=120)).isoformat()}]
        case["procedures"].extend(procs)
    return procs


def prior_of(case: dict, ctx: dict, service: str) -> dict:
    """The latest prior procedure of `service` (created 120 days before the request)."""
    for proc in case.setdefault("procedures", []):
        if proc["service"] == service:
            return proc
    proc = {"service": service, "date": (ctx["date"] - dt.timedelta(days=120)).isoformat()}
    case["procedures"].append(proc)
    return proc


def other_drugs(ctx: dict, cls: str, count: int) -> list[str]:
    """`count` drugs of class `cls` from the vocabulary, other than the requested one."""
    names = sorted(d.name for d in ctx["vocab"].drugs.values() if cls in d.classes and d.name != ctx["name"])
    return names[:count]


def add_current(case: dict, names: list[str]) -> None:
    """Add the named drugs to the medication list as current (once each)."""
    meds = case.setdefault("medications", [])
    for name in names:
        if not any(m["drug"] == name for m in meds):
            meds.append({"drug": name, "status": "current"})

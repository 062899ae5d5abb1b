"""Bench setters for the derived facts declared in engine/knowledge/facts/adjuncts.py (see bench/setters.py)."""

from __future__ import annotations

import datetime as dt

from bench.setters import setter


@setter("headache.migraine")
def _migraine(case, item, value, ctx):
    case.setdefault("findings", {})["migraine"] = bool(value)


@setter("sleep.approved_wakefulness_indication")
def _wakefulness(case, item, value, ctx):
    case.setdefault("findings", {})["wakefulness_indication"] = "narcolepsy" if value else "opioid_sedation"


@setter("opioid.weeks_on_opioids")
def _weeks_on_opioids(case, item, value, ctx):
    """A current opioid started `value` weeks before the request (none for 0)."""
    vocab = ctx["vocab"]
    meds = case.setdefault("medications", [])
    opioids = {d.name for d in vocab.drugs.values() if "opioid" in d.classes}
    for med in meds:
        term = vocab.lookup(med["drug"])
        if term is not None and term.name in opioids:
            med["status"] = "past"
    if value and value > 0:
        name = sorted(n for n in opioids if n != ctx["name"])[0]
        since = ctx["date"] - dt.timedelta(days=round(float(value) * 7))
        meds.append({"drug": name, "status": "current", "since": since.isoformat()})

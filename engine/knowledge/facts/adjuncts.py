"""Adjunct drugs seen with chronic opioid therapy and in pain practice: antiemetics, laxatives for
opioid-induced constipation, wakefulness agents, triptans, testosterone replacement and drugs for
erectile dysfunction."""

from __future__ import annotations

import datetime as dt

import re

from functools import lru_cache

from engine.knowledge.facts.base import Context, FactSet, Text, weeks_between

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

# Antiemetics
finding("antiemetic_indication", "text",
        "What the antiemetic (or metoclopramide) is prescribed for: postoperative nausea, chemotherapy or "
        "radiation, acute gastroenteritis, gastroparesis, gastro-oesophageal reflux, nausea from chronic "
        "opioid use, or another cause",
        values=("postoperative", "chemotherapy_or_radiation", "gastroenteritis", "gastroparesis",
                "gastroesophageal_reflux", "chronic_opioid_use", "other"))

# Opioid-induced constipation
finding("oic_first_line_failed", "bool",
        "Opioid-induced constipation persisted despite first-line measures (fluids, fibre, activity, "
        "stool softener and laxatives)")

# Wakefulness agents
finding("wakefulness_indication", "text",
        "What the wakefulness agent (modafinil, armodafinil) is prescribed for",
        values=("narcolepsy", "obstructive_sleep_apnea", "shift_work_disorder", "opioid_sedation", "other"))
finding("sleep_disorder_confirmed", "bool",
        "The sleep disorder was diagnosed on a formal evaluation (a sleep study, or a sleep-medicine "
        "evaluation to ICSD or DSM criteria)")

# Triptans
finding("migraine", "bool", "Migraine headache is diagnosed (not only tension-type or cervicogenic headache)")

# Testosterone replacement
finding("low_testosterone", "bool", "A low serum testosterone level is documented by a laboratory test")
finding("long_term_opioid_use", "bool",
        "The record states long-term (3 months or more) opioid therapy, when start dates are not given")

# Erectile dysfunction drugs
finding("ed_industrial_cause", "bool",
        "Erectile dysfunction is documented as a consequence of the industrial injury or its treatment "
        "(e.g. opioid-related hypogonadism, spinal cord or cauda equina injury)")
finding("ed_cause_evaluated", "bool",
        "The cause of the erectile dysfunction was evaluated (testosterone level, urology or medical work-up)")


_MIGRAINE = re.compile(r"migrain")  # the word that names the fact's own diagnosis
# indication (a value of finding.wakefulness_indication) -> patterns naming it in a listed diagnosis
WAKEFULNESS = DECLARED.table("wakefulness-indications", dict[Text, tuple[Text, ...]])


@lru_cache(maxsize=8)
def _pattern(patterns: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(patterns))


def _diagnoses(ctx: Context) -> str:
    return " ".join(ctx.case.diagnoses).lower()


@derived("headache.migraine", "bool",
         "Migraine is diagnosed: finding.migraine when stated, else a listed diagnosis naming migraine",
         section="findings.migraine")
def _migraine(ctx: Context):
    stated = ctx.case.findings.get("migraine")
    if stated is not None:
        return stated
    return True if _MIGRAINE.search(_diagnoses(ctx)) else None


@derived("sleep.approved_wakefulness_indication", "bool",
         "The wakefulness agent treats narcolepsy, obstructive sleep apnoea or shift-work disorder: from "
         "finding.wakefulness_indication when stated, else a listed diagnosis naming one of them",
         section="findings.wakefulness_indication", tables=(WAKEFULNESS,))
def _wakefulness(ctx: Context):
    approved = ctx.table(WAKEFULNESS)
    stated = ctx.case.findings.get("wakefulness_indication")
    if stated is not None:
        return stated in approved
    names = _pattern(tuple(p for patterns in approved.values() for p in patterns))
    return True if names.search(_diagnoses(ctx)) else None


@derived("opioid.weeks_on_opioids", "number",
         "Weeks the patient has taken opioids before the request: the longest-running current opioid "
         "(0 when no opioid is current; not documented when no current opioid has a start date)",
         unit="weeks", section="medication")
def _weeks_on_opioids(ctx: Context):
    opioids = [med for med, classes, _ in ctx.current_drugs() if "opioid" in classes]
    if not opioids:
        return 0.0 if ctx.documented("medications") else None
    weeks = [weeks_between(med.since, ctx.request_date) for med in opioids if med.since]
    weeks = [w for w in weeks if w is not None]
    return max(weeks) if weeks else None


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("headache.migraine")
def _example_migraine(case, item, value, ctx):
    case.setdefault("findings", {})["migraine"] = bool(value)


@DECLARED.setter("sleep.approved_wakefulness_indication")
def _example_wakefulness(case, item, value, ctx):
    case.setdefault("findings", {})["wakefulness_indication"] = "narcolepsy" if value else "opioid_sedation"


@DECLARED.setter("opioid.weeks_on_opioids")
def _example_weeks_on_opioids(case, item, value, ctx):
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

"""Benefit of a drug the patient takes, as reviewers read it: attributed to the drug by name
(`response:` on its history entry) or documented for the medication regimen as a whole
(`regimen:` and the pain scores with and without medications), which counts for each drug the
reports list unless the record attributes otherwise.

A drug named only on the request for authorization (`named_in_reports: false`), while the reports
speak of "medications" without listing them, gets no regimen-level benefit: nothing ties the
reported relief to it (CPMTG 2009 p. 60: a record of pain and function with each medication).
"""

from __future__ import annotations

from typing import Any

from engine.knowledge.facts.base import Context, FactSet
from engine.knowledge.facts.core import RELIEF_TOLERANCE, relief_matches_scores

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding


def regimen_value(ctx: Context, field: str) -> Any:
    """What the record says of the medications as a whole for one response field, or None."""
    stated = getattr(ctx.case.regimen, field)
    if stated is not None:
        return stated
    pain = ctx.case.pain
    scored = pain.with_medication is not None and pain.without_medication is not None
    # a reported percent that the recorded scores contradict is not relief (seed 002, CPMTG p. 78)
    matches = relief_matches_scores(pain, ctx.table(RELIEF_TOLERANCE))
    percent = pain.reported_relief_percent if matches is not False else None
    if field == "pain_reduced":
        if scored:
            return pain.with_medication < pain.without_medication
        if percent is not None:
            return percent > 0
    if field == "function_improved":
        # ADLs documented as improved in the reports' function section: 9792.20 functional improvement,
        # read for the regimen when the reports say nothing more specific
        return ctx.case.function.adl_improved
    if field == "pain_reduction_percent":
        if scored and pain.without_medication:
            return round(100 * (pain.without_medication - pain.with_medication) / pain.without_medication, 1)
        return percent
    return None


def drug_benefit(ctx: Context, field: str) -> Any:
    """The requested drug's response on one field: by name first, else the regimen's when the
    reports list the drug; None for a drug the patient does not take."""
    if ctx.resolved.kind != "drug":
        return None
    med = ctx.medication()
    if med is None:
        return None
    own = getattr(med.response, field)
    if own is not None:
        return own
    if field == "pain_reduction_percent" and med.response.pain_reduced is False:
        return 0.0
    if not med.named_in_reports:
        return None
    return regimen_value(ctx, field)


@derived("benefit.pain_reduced", "bool",
         "Pain relief from this drug: attributed to it by name, or reported for the medication regimen the "
         "reports list it in (lower pain with medications), unless the record attributes otherwise",
         section="benefit", tables=(RELIEF_TOLERANCE,))
def _pain(ctx: Context):
    return drug_benefit(ctx, "pain_reduced")


@derived("benefit.pain_reduction_percent", "number",
         "Percent pain relief from this drug: by name, or the regimen's (from the scores without and with "
         "medications, else the reported percent) when the reports list the drug", unit="%", section="benefit",
         tables=(RELIEF_TOLERANCE,))
def _percent(ctx: Context):
    return drug_benefit(ctx, "pain_reduction_percent")


@derived("benefit.function_improved", "bool",
         "Functional improvement from this drug (activities, work restrictions, less other treatment): by "
         "name, or documented for the medication regimen the reports list it in", section="benefit",
         tables=(RELIEF_TOLERANCE,))
def _function(ctx: Context):
    return drug_benefit(ctx, "function_improved")


@derived("benefit.side_effects_reviewed", "bool",
         "Side effects of this drug reviewed at follow-up: by name, or for the medications as a whole",
         section="benefit", tables=(RELIEF_TOLERANCE,))
def _side_effects(ctx: Context):
    return drug_benefit(ctx, "side_effects_reviewed")


@derived("benefit.aberrant_behavior", "bool",
         "Aberrant drug-taking behaviour documented with this drug or the medications as a whole",
         section="benefit", tables=(RELIEF_TOLERANCE,))
def _aberrant(ctx: Context):
    return drug_benefit(ctx, "aberrant_behavior")


# What the reports say of the medications as a whole, for items that are not a drug the patient takes
# (e.g. a detoxification programme: its reasons are the regimen's lack of benefit or aberrant behaviour).
@derived("regimen.pain_reduced", "bool",
         "Pain relief documented for the medications as a whole (lower pain with medications, or a reported "
         "percent relief); false when the reports say the medications do not help", section="regimen",
         tables=(RELIEF_TOLERANCE,))
def _regimen_pain(ctx: Context):
    return regimen_value(ctx, "pain_reduced")


@derived("regimen.function_improved", "bool",
         "Functional improvement documented for the medications as a whole (the reports' regimen or ADL "
         "notes); false when the reports say function did not improve", section="regimen",
         tables=(RELIEF_TOLERANCE,))
def _regimen_function(ctx: Context):
    return regimen_value(ctx, "function_improved")


@derived("regimen.aberrant_behavior", "bool",
         "Aberrant drug-taking behaviour (early refills, lost prescriptions, escalation without approval) "
         "documented with the medications as a whole", section="regimen",
         tables=(RELIEF_TOLERANCE,))
def _regimen_aberrant(ctx: Context):
    return regimen_value(ctx, "aberrant_behavior")

"""Bench setters for the derived facts declared in engine/knowledge/facts/surgical_history.py (see bench/setters.py).

Each of these facts takes the record's own statement first, so the generator sets that finding."""

from __future__ import annotations

from bench.setters import setter

_STATED = {
    "surgery.conservative_care_failed": "conservative_care_failed",
    "surgery.conservative_care_weeks": "conservative_care_weeks",
    "surgery.conservative_treatment_types": "conservative_treatment_types",
    "surgery.local_steroid_injections": "local_corticosteroid_injections",
    "surgery.symptom_weeks": "activity_limitation_weeks",
}


@setter(*_STATED)
def _stated(case, item, value, ctx):
    case.setdefault("findings", {})[_STATED[ctx["fact"]]] = value

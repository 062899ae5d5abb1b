"""Bench setters for the derived facts declared in engine/knowledge/facts/orthopedic_surgery.py (see bench/setters.py)."""

from __future__ import annotations

from bench.setters import setter


@setter("postop.operation")
def _operation(case, item, value, ctx):
    """The operation the equipment follows, as the record states it (no surgery item in the request)."""
    case.setdefault("findings", {})["operation"] = value


@setter("postop.surgery_approved")
def _surgery_approved(case, item, value, ctx):
    """The surgery done or scheduled (true) or documented as not planned (false)."""
    case.setdefault("findings", {})["postoperative_period"] = bool(value)


@setter("fusion.nonunion_risk")
def _nonunion_risk(case, item, value, ctx):
    case.setdefault("findings", {})["fusion_nonunion_risk"] = "current_smoker" if value else "none"


@setter("surgery.ulnar_neuropathy_on_edx")
def _ulnar_edx(case, item, value, ctx):
    case.setdefault("studies", []).append({"kind": "ncs", "region": "elbow", "findings": "ulnar nerve study",
                                            "significant_pathology": bool(value)})

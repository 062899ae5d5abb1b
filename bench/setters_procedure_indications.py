"""Bench setters for the derived facts declared in engine/knowledge/facts/procedure_indications.py (see bench/setters.py)."""

from __future__ import annotations

from bench.setters import setter

_IDDS_REQUESTS = {
    "trial": "Intrathecal morphine trial",
    "implant": "Intrathecal pump implantation",
    "maintenance": "Intrathecal pump refill and reprogramming",
}


@setter("request.idds_stage")
def _idds_stage(case, item, value, ctx):
    item["name"] = ctx["name"]
    item["request"] = _IDDS_REQUESTS.get(value, _IDDS_REQUESTS["implant"])

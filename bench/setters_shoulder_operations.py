"""Bench setters for the derived facts declared in engine/knowledge/facts/shoulder_operations.py (see bench/setters.py)."""

from __future__ import annotations

from bench.setters import setter

_SHOULDER_REQUESTS = {
    ("request.distal_clavicle_resection", True): "Right shoulder arthroscopic distal clavicle resection",
    ("request.slap_repair", True): "Right shoulder arthroscopic SLAP repair",
}


@setter("request.distal_clavicle_resection", "request.slap_repair")
def _shoulder_operation(case, item, value, ctx):
    item["name"] = ctx["name"]
    item["request"] = _SHOULDER_REQUESTS.get((ctx["fact"], bool(value)),
                                             "Right shoulder arthroscopic subacromial decompression")

"""Bench setters for the derived facts declared in engine/knowledge/facts/injection_sedation.py (see bench/setters.py)."""

from __future__ import annotations

from bench.setters import setter


@setter("primary.spinal_injection")
def _spinal_injection(case, item, value, ctx):
    """Make the item accompany a lumbar ESI (true) or a consultation (false)."""
    primary = next((i for i in case["items"] if i.get("id") == "primary"), None)
    if primary is None:
        primary = {"id": "primary", "request": "Pain management consultation"}
        case["items"].insert(0, primary)
    if value:
        primary["request"] = "Lumbar epidural steroid injection L4-5"
    item["accompanies"] = "primary"


@setter("request.injection_sessions")
def _injection_sessions(case, item, value, ctx):
    item["visits"] = max(1, int(value))

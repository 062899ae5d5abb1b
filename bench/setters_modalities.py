"""Bench setters for the derived facts declared in engine/knowledge/facts/modalities.py (see bench/setters.py)."""

from __future__ import annotations

from bench.setters import setter


@setter("request.with_cbt")
def _with_cbt(case, item, value, ctx):
    """True: CBT requested alongside; false cannot be stated (the fact is then undocumented)."""
    if value and "cognitive_behavioral_therapy" in ctx["vocab"].services:
        case["items"].append({"id": f"cbt-{item['id']}", "request": "CBT x4"})

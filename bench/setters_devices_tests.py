"""Bench setters for the derived facts declared in engine/knowledge/facts/devices_tests.py (see bench/setters.py)."""

from __future__ import annotations

from bench.setters import setter


@setter("request.facility_days")
def _facility_days(case, item, value, ctx):
    item["days_supply"] = max(1.0, float(value))

"""Bench setters for the derived facts declared in engine/knowledge/facts/postop_devices.py (see bench/setters.py)."""

from __future__ import annotations

import datetime as dt

from bench.setters import setter


@setter("splint.after_carpal_tunnel_release")
def _after_ctr(case, item, value, ctx):
    """True: a carpal tunnel release three weeks ago and the splint requested as post-operative."""
    if not value:
        return
    day = (ctx["date"] - dt.timedelta(days=21)).isoformat()
    case.setdefault("procedures", []).append({"service": "carpal tunnel release", "region": "wrist", "date": day})
    case.setdefault("findings", {})["postoperative_period"] = True

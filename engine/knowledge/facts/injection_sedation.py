"""Facts for spinal injection requests: sedation requested with a spinal injection (ODG Low Back:
sedation during an epidural steroid injection or a diagnostic medial branch block is not routine;
it is for extreme anxiety), and epidural injections requested as a series ("ESI x2").

The injection sedation goes with is the item it accompanies (`accompanies:`, or the request's only
procedure, engine/decide/items.py).
"""

from __future__ import annotations

import re

from engine.knowledge.facts.base import Context, FactSet, Text

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

finding("procedural_anxiety", "bool",
        "Extreme anxiety about the procedure (or needle phobia) is documented as the reason to sedate")

# Injections whose ODG criteria discourage sedation (it can mask the response the block is judged by).
SEDATION_DISCOURAGED = DECLARED.table("sedation-discouraged", frozenset[Text])


@derived("primary.spinal_injection", "bool",
         "The service accompanies an epidural steroid injection or a diagnostic medial branch block",
         section="item", tables=(SEDATION_DISCOURAGED,))
def _spinal_injection(ctx: Context):
    term = ctx.accompanied_term()
    if term is None:
        return None
    return term.kind == "service" and term.name in ctx.table(SEDATION_DISCOURAGED)


_SERIES = re.compile(r"\bseries of (\d+|two|three|four)\b", re.I)
_LEVEL_COUNT = re.compile(r"\b(?:x\s*)?\d+\s*-?\s*levels?\b", re.I)
_WORDS = {"two": 2.0, "three": 3.0, "four": 4.0}  # number words (reading), not a guideline choice


@derived("request.injection_sessions", "number",
         "Separate epidural injection sessions requested at once ('ESI x2', 'series of three'); levels "
         "treated in one session do not count", section="item", controllable=True)
def _injection_sessions(ctx: Context):
    if ctx.resolved.kind != "service" or ctx.resolved.name != "epidural_steroid_injection":
        return None
    if ctx.item.visits is not None:
        return float(ctx.item.visits)
    text = ctx.item.request
    series = _SERIES.search(text)
    if series:
        word = series.group(1).lower()
        return _WORDS.get(word) or float(word)
    if ctx.resolved.visits is None or _LEVEL_COUNT.search(text):
        return None
    return float(ctx.resolved.visits)


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("primary.spinal_injection")
def _example_spinal_injection(case, item, value, ctx):
    """Make the item accompany a lumbar ESI (true) or a consultation (false)."""
    primary = next((i for i in case["items"] if i.get("id") == "primary"), None)
    if primary is None:
        primary = {"id": "primary", "request": "Pain management consultation"}
        case["items"].insert(0, primary)
    if value:
        primary["request"] = "Lumbar epidural steroid injection L4-5"
    item["accompanies"] = "primary"


@DECLARED.setter("request.injection_sessions")
def _example_injection_sessions(case, item, value, ctx):
    item["visits"] = max(1, int(value))

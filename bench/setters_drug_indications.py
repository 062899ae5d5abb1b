"""Bench setters for the derived facts declared in engine/knowledge/facts/drug_indications.py (see bench/setters.py)."""

from __future__ import annotations

from bench.setters import setter


@setter("history.other_aed_tried")
def _other_aed_tried(case, item, value, ctx):
    """True: gabapentin (or another anti-epilepsy drug) in the history; False: a history without one."""
    meds = case.setdefault("medications", [])
    if value:
        other = sorted(d.name for d in ctx["vocab"].drugs.values()
                       if "anticonvulsant" in d.classes and d.name != ctx["name"])[0]
        if not any(m["drug"] == other for m in meds):
            meds.append({"drug": other, "status": "past"})
    else:
        vocab = ctx["vocab"]

        def other_aed(med):
            term = vocab.lookup(med["drug"])
            return term is not None and "anticonvulsant" in term.classes and term.name != ctx["name"]

        case["medications"] = [m for m in meds if not other_aed(m)]
        case.setdefault("findings", {})["other_aed_failed"] = False

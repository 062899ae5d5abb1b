"""`ur check` is linear in the items of a case: each what-if re-evaluates only the item it changes
(evaluate_item), and that gives exactly the decision a whole-case evaluation gives the item."""

from __future__ import annotations

from engine.advise.checklist import advise
from engine.advise.levers import apply
from engine.decide import evaluate as evaluate_module
from engine.decide.evaluate import evaluate, evaluate_item, prepare
from engine.intake.cases import case_files
from engine.knowledge.case_files import case_from_data, load_cases
from tests.conftest import ROOT

WHAT_IFS = (("quantity", 0.5), ("units_per_day", 0.5), ("visits", 0.5), ("weeks", 0.5))


def _all_cases():
    for path in case_files([ROOT / "cases"]):
        yield from load_cases(path)


def test_one_item_what_if_equals_the_whole_case_evaluated(pack):
    """Over every case under cases/: no change, a changed request field and documented facts."""
    compared = 0
    for loaded in _all_cases():
        case = loaded.case
        decision, prep = prepare(case, pack, loaded.doc, loaded.name)
        assert evaluate(case, pack, loaded.doc, loaded.name) == decision
        for item in decision.items:
            assert evaluate_item(prep, pack, item.id) == item
            compared += 1
            res = prep.resolved[prep.index[item.id]]
            for field, factor in WHAT_IFS:
                current = getattr(res, field)
                if current:
                    changed = apply(case, item.id, field, max(1.0, round(current * factor)))
                    assert evaluate_item(prep, pack, item.id, changed) == evaluate(changed, pack).item(item.id)
                    compared += 1
            facts = {f.name: f.value for rule in item.rules for crit in rule.criteria for f in crit.facts}
            flipped = {name: (not value) for name, value in facts.items() if isinstance(value, bool)}
            if flipped:
                whole = evaluate(case, pack, overrides={item.id: flipped}).item(item.id)
                assert evaluate_item(prep, pack, item.id, overrides=flipped) == whole
                compared += 1
    print(f"\nlinear check: {compared} one-item what-ifs equal to whole-case evaluations")
    assert compared > 2000


def _many_items(n: int) -> dict:
    requests = ["Norco 10/325 #180", "Soma 350mg #90", "PT 2x6 lumbar", "LESI L4-5", "Acupuncture x 12",
                "Gabapentin 600mg #90"]
    items = [{"id": f"i{i}", "request": requests[i % len(requests)]} for i in range(n)]
    return {"request_date": "2015-06-01", "regions": ["lumbar"], "items": items,
            "medications": [{"drug": "Norco", "strength": "10/325 mg", "sig": "1 q6h", "since": "2014-01-01"}]}


def test_check_decides_a_bounded_number_of_items_per_item(pack, monkeypatch):
    """Counting item decisions (not timing): ten times the items, about ten times the work."""
    count = {"n": 0}
    real = evaluate_module._decide

    def counting(*args, **kwargs):
        count["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluate_module, "_decide", counting)
    per_item = {}
    for n in (12, 120):
        count["n"] = 0
        report = advise(case_from_data(_many_items(n)), pack)
        assert len(report.items) == n
        per_item[n] = count["n"] / n
    assert per_item[120] <= 1.2 * per_item[12], per_item  # quadratic work would be ~10x per item
    assert per_item[120] < 40, per_item

"""engine.advise.checklist: every suggestion is re-evaluated through the real engine, and applying the
suggested changes and documentation turns the sample denials approvable, or the check says why not."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.advise.checklist import advise
from engine.advise.unmet import satisfy
from engine.advise.levers import changed_case
from engine.knowledge.case_files import case_from_data, load_cases
from engine.decide.evaluate import evaluate
from engine.knowledge.pack import load_pack
from engine.knowledge.rules import Rule
from tests.conftest import ROOT

PACK = lru_cache(maxsize=1)(load_pack)
DETERMINATIONS = sorted((ROOT / "cases" / "real" / "letters").glob("*.yaml"))


def _upheld(path: Path, pack):
    loaded = load_cases(path)[0]
    report = advise(loaded.case, pack, loaded.doc, loaded.name)
    return loaded, report, [item for item in report.items if item.outcome == "upheld"]


def _apply_advice(case, pack, report):
    """Apply every reported change and every reported documentation assumption, independently of advise's plan."""
    changed = changed_case(case, {item.id: item.changes for item in report.items})
    overrides: dict[str, dict] = {}
    for item in report.items:
        for line in item.lines:
            if line.doc_check is not None:
                overrides.setdefault(item.id, {}).update(line.doc_check.assume)
    return evaluate(changed, pack, overrides=overrides)


@pytest.mark.parametrize("path", DETERMINATIONS, ids=[p.stem for p in DETERMINATIONS])
def test_advice_makes_each_upheld_item_approvable_or_says_why_not(path, pack):
    loaded, report, upheld = _upheld(path, pack)
    assert upheld, "every sample determination has at least one denied item"
    after = _apply_advice(loaded.case, pack, report)
    for item in upheld:
        outcome = after.item(item.id).outcome
        assert outcome == item.plan_outcome
        if outcome != "overturned":
            reasons = {line.criterion: line.action for line in item.lines}
            assert after.item(item.id).unmet, item.id
            for key in after.item(item.id).unmet:
                assert reasons.get(key) in ("cannot", "follows"), (item.id, key, reasons)


def test_expected_advice_on_the_samples(pack):
    by_case = {p.stem.split("_")[0]: {i.id: i for i in _upheld(p, pack)[2]} for p in DETERMINATIONS}
    soma_180 = by_case["003"]["soma"]
    assert [(c.field, c.current, c.proposed) for c in soma_180.changes] == [("quantity", 180.0, 63.0)]
    assert soma_180.changes[0].fixes == ["mtus-cpmtg.carisoprodol.short_supply"]
    labs = by_case["000"]["labs"].changes[0]
    assert labs.field == "components" and labs.proposed == ["chem 8", "hepatic functional panel", "CBC"]
    assert by_case["000"]["pain-consult"].lines[0].doc_check.approvable_alone is True
    fluoro = by_case["002"]["fluoroscopy"]
    assert [line.action for line in fluoro.lines] == ["follows"] and fluoro.plan_outcome == "overturned"  # as its ESI
    esi = {line.criterion: line.action for line in by_case["002"]["lumbar-esi"].lines}
    # right L5 dysesthesia is a radicular sign on exam; what is missing is imaging or EMG at that root
    assert "mtus-cpmtg.esi.radiculopathy_on_exam" not in esi and esi["mtus-cpmtg.esi.corroborated"] == "document"
    flexeril = by_case["004"]["flexeril"]
    assert flexeril.plan_blocking == ["mtus-cpmtg.cyclobenzaprine.not_added_to_other_relaxant"]


def _cond(data):
    rule = Rule.model_validate({
        "id": "t", "title": "t", "topic": "t", "tier": "other", "effective": {"from": "2000-01-01"},
        "citation": {"guideline": "g", "edition": "e", "section": "s"}, "applies_to": {"drugs": ["x"]},
        "criteria": [{"id": "c", "statement": "a test criterion", "condition": data, "verified": "sec",
                      "document": "document the test facts"}]})
    return rule.criteria[0].condition


def test_satisfy_prefers_documentation_over_request_fields_and_keeps_documented_facts():
    cond = _cond({"any": [{"fact": "drug.course_weeks", "op": "lte", "value": 3},
                          {"fact": "drug.use_pattern", "op": "eq", "value": "intermittent"}]})
    assert satisfy(cond, {}) == {"drug.use_pattern": "intermittent"}
    assert satisfy(cond, {"drug.use_pattern": "regular"}) == {"drug.course_weeks": 3.0}
    assert satisfy(cond, {"drug.use_pattern": "regular", "drug.course_weeks": 9.0}) is None
    negated = _cond({"not": {"fact": "finding.red_flags", "op": "eq", "value": True}})
    assert satisfy(negated, {}) == {"finding.red_flags": False}
    strict = _cond({"fact": "history.last_relief_percent", "op": "gt", "value": 50})
    assert satisfy(strict, {}) == {"history.last_relief_percent": 51.0}


def test_documented_failing_fact_on_a_drug_not_recommended_names_alternatives(pack):
    case = case_from_data({"request_date": "2015-06-01", "medications": [{"drug": "Soma"}, {"drug": "Flexeril"}],
                           "findings": {"acute_exacerbation": True},
                           "items": [{"id": "flexeril", "request": "Flexeril 10mg #21", "sig": "1 tid"}]})
    item = advise(case, pack).items[0]
    assert item.outcome == "upheld" and item.plan_outcome == "upheld"
    assert any(line.action == "cannot" for line in item.lines) and item.alternatives


LIMITED = ["Soma 350mg", "Flexeril 10mg", "Valium 10mg", "Norco 10/325mg", "Roxicodone 30mg", "Robaxin 500mg"]
SIGS = ["1 qd", "1 bid", "1 tid", "1 qid", "2 tid", "1 q6h", "1-2 q4h prn"]


@settings(max_examples=60, deadline=None)
@given(drug=st.sampled_from(LIMITED), quantity=st.integers(1, 400), sig=st.sampled_from(SIGS))
def test_suggested_changes_always_re_evaluate_to_approvable(drug, quantity, sig):
    pack = PACK()
    case = case_from_data({"request_date": "2015-06-01", "injury_date": "2014-01-01",
                           "findings": {"acute_exacerbation": True},
                           "items": [{"id": "rx", "request": f"{drug} #{quantity}", "sig": sig}]})
    report = advise(case, pack)
    item = report.items[0]
    if item.outcome == "overturned":
        assert not item.changes and not item.lines
        return
    for change in item.changes:
        assert change.proposed < change.current
        after = evaluate(changed_case(case, {"rx": [change]}), pack).item("rx")
        assert not set(change.fixes) & set(after.unmet), "a change is shown only when it meets its criteria"
        if change.field == "quantity" and drug.split()[0] in ("Soma", "Flexeril", "Robaxin"):
            one_more = changed_case(case, {"rx": [change.model_copy(update={"proposed": change.proposed + 1})]})
            assert set(change.fixes) & set(evaluate(one_more, pack).item("rx").unmet), "the change is the smallest"
    outcome = _apply_advice(case, pack, report).item("rx").outcome
    assert outcome == item.plan_outcome
    if all(line.action in ("change", "document") for line in item.lines):
        assert outcome == "overturned", "changes plus documentation re-evaluate to approvable"
    if drug.split()[0] in ("Soma", "Flexeril", "Robaxin"):
        assert item.plan_outcome == "overturned", "a new short course for a documented flare can always be fitted"


@settings(max_examples=25, deadline=None)
@given(levels=st.integers(1, 4), approach=st.sampled_from(["interlaminar", "transforaminal"]))
def test_esi_levels_are_cut_to_what_one_session_allows(levels, approach):
    pack = PACK()
    spine = ["L1", "L2", "L3", "L4", "L5", "S1"]
    named = [f"{spine[i]}-{spine[i + 1]}" for i in range(5 - levels, 5)]
    case = case_from_data({
        "request_date": "2015-06-01", "findings": {"conservative_care_failed": True},
        "exam": {"sensory_loss": [{"level": "L5"}]}, "studies": [{"kind": "mri", "region": "lumbar", "nerve_root_levels": ["L5"]}],
        "items": [{"id": "esi", "request": f"{approach} ESI", "levels": named, "approach": approach}]})
    item = advise(case, pack).items[0]
    allowed = 2 if approach == "transforaminal" else 1
    if levels <= allowed:
        assert item.outcome == "overturned"
        return
    assert [c.field for c in item.changes] == ["levels"] and len(item.changes[0].proposed) == allowed
    assert evaluate(changed_case(case, {"esi": item.changes}), pack).item("esi").outcome == "overturned"

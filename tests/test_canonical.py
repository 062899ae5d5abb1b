"""Decision records are written by pydantic's serializer for speed; that is only correct while
every decision model declares its fields in sorted order. Guard it on every regression case."""

from __future__ import annotations

from engine.knowledge.case_files import load_cases
from engine.decide.decision import CaseDecision, CriterionResult, FactUse, ItemDecision, PackRef, RuleResult
from engine.decide.evaluate import evaluate
from engine.decide.record import canonical_json
from engine.intake.cases import case_files
from tests.conftest import ROOT


def test_decision_models_declare_fields_in_sorted_order():
    for model in (CaseDecision, ItemDecision, RuleResult, CriterionResult, FactUse, PackRef):
        assert list(model.model_fields) == sorted(model.model_fields), model.__name__


def test_serializer_output_is_the_canonical_json(pack):
    for path in case_files([ROOT / "cases"]):
        for loaded in load_cases(path):
            decision = evaluate(loaded.case, pack, loaded.doc, loaded.name)
            assert decision.model_dump_json() == canonical_json(decision.model_dump(mode="json")), loaded.name

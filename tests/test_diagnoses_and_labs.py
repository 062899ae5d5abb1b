"""Reading what records write for injections, studies and devices (issue 13 items 1 and 4):
listed diagnoses document the findings they name, failed conservative care and its weeks come from
the history, and each lab test is justified by the drugs it monitors.

Every test goes through the real loader and engine and changes one documented fact."""

from __future__ import annotations

import shutil

import pytest

from engine.decide.evaluate import evaluate, resolve_items
from engine.errors import EngineError
from engine.knowledge.case_files import case_from_data
from engine.knowledge.facts import FACTS, Context
from engine.knowledge.pack import load_pack
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def fact(pack):
    def run(name: str, item: dict, **fields):
        case = case_from_data({"request_date": "2015-06-01", "injury_date": "2014-01-06", "items": [item], **fields})
        resolved = resolve_items(case, pack)
        return FACTS[name].compute(Context(case, case.items[0], resolved[0], pack.vocab, pack.table_values))

    return run


def outcome(pack, **fields) -> str:
    data = {"request_date": "2015-06-01", "injury_date": "2014-01-06", **fields}
    return evaluate(case_from_data(data), pack).items[0].outcome


NIGHT_SPLINT = {"request": "Night splint right foot"}


# --- listed diagnoses -----------------------------------------------------------------------------

@pytest.mark.parametrize("diagnoses, expected", [
    (["right plantar fasciitis"], True),
    (["Plantar Fasciitis, bilateral"], True),
    (["heel pain"], None),
    (["r/o plantar fasciitis"], None),                  # a question does not state the diagnosis
    (["plantar fasciitis, ruled out"], None),           # nor does a negation
])
def test_a_listed_diagnosis_documents_the_finding_it_names(fact, diagnoses, expected):
    assert fact("finding.plantar_fasciitis", NIGHT_SPLINT, diagnoses=diagnoses) is expected


def test_a_question_names_a_finding_that_is_a_suspicion(fact):
    item = {"request": "MR arthrogram right shoulder"}
    assert fact("finding.labral_tear_suspected", item, diagnoses=["right shoulder SLAP lesion, rule out"]) is True
    assert fact("finding.labral_tear_suspected", item, diagnoses=["SLAP lesion ruled out"]) is None


def test_words_in_any_order_with_the_joint_and_the_severity(fact):
    item = {"request": "Cortisone injection right knee"}
    assert fact("finding.severe_knee_osteoarthritis", item, diagnoses=["severe osteoarthritis right knee"]) is True
    assert fact("finding.severe_knee_osteoarthritis", item, diagnoses=["right knee osteoarthritis"]) is None
    assert fact("finding.knee_osteoarthritis", item, diagnoses=["osteoarthritis of the left knee"]) is True
    assert fact("finding.knee_osteoarthritis", item, diagnoses=["osteoarthritis of the left hip"]) is None


def test_a_text_finding_takes_the_value_its_diagnosis_names(fact):
    item = {"request": "Neuropsychological testing"}
    assert fact("finding.traumatic_brain_injury", item, diagnoses=["post-concussion syndrome"]) == "mild"
    assert fact("finding.traumatic_brain_injury", item, diagnoses=["severe TBI"]) == "severe"


def test_a_stated_finding_wins_over_the_diagnosis_list(fact):
    assert fact("finding.plantar_fasciitis", NIGHT_SPLINT, diagnoses=["right plantar fasciitis"],
                findings={"plantar_fasciitis": False}) is False


def test_the_diagnosis_moves_the_outcome_and_is_cited(pack):
    assert outcome(pack, diagnoses=["right plantar fasciitis"], items=[NIGHT_SPLINT]) == "overturned"
    assert outcome(pack, diagnoses=["right heel pain"], items=[NIGHT_SPLINT]) == "upheld"
    decision = evaluate(case_from_data({"request_date": "2015-06-01", "diagnoses": ["right plantar fasciitis"],
                                        "items": [NIGHT_SPLINT]}), pack)
    sources = [f.source for r in decision.items[0].rules for c in r.criteria for f in c.facts
               if f.name == "finding.plantar_fasciitis"]
    assert "listed diagnosis: right plantar fasciitis" in sources


def _pack_with(tmp_path, name: str, text: str):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "vocabulary" / name).write_text(text)
    return load_pack(rules)


def test_a_diagnosis_entry_naming_an_unknown_finding_is_refused(tmp_path):
    with pytest.raises(EngineError, match="unknown finding 'plantar_fascitis'.*plantar_fasciitis"):
        _pack_with(tmp_path, "zz.yaml", "diagnoses:\n  - {finding: plantar_fascitis, words: [heel]}\n")


def test_a_diagnosis_entry_with_a_value_of_the_wrong_type_is_refused(tmp_path):
    with pytest.raises(EngineError, match="traumatic_brain_injury"):
        _pack_with(tmp_path, "zz.yaml",
                   "diagnoses:\n  - {finding: traumatic_brain_injury, value: catastrophic, words: [tbi]}\n")


# --- conservative care from the history -------------------------------------------------------------

ESWT = {"request": "ESWT left foot x3"}


def test_conservative_care_weeks_run_from_the_earliest_dated_course_or_drug(fact):
    history = {"procedures": [{"service": "physical therapy", "date": "2015-03-02"}],
               "medications": [{"drug": "naproxen", "since": "2014-12-01"}]}
    assert fact("history.conservative_care_weeks", ESWT, **history) == 26.0   # 182 days
    assert fact("history.conservative_care_weeks", ESWT, procedures=[{"service": "physical therapy"}]) is None
    assert fact("history.conservative_care_weeks", ESWT, findings={"conservative_care_weeks": 30}, **history) == 30


def test_shockwave_needs_six_months_of_failed_care_read_from_the_history(pack):
    record = {"diagnoses": ["left plantar fasciitis"], "pain": {"score": 6}, "items": [ESWT]}
    long_course = {"medications": [{"drug": "naproxen", "since": "2014-09-01"}]}
    short_course = {"medications": [{"drug": "naproxen", "since": "2015-04-01"}]}
    assert outcome(pack, **record, **long_course) == "overturned"
    assert outcome(pack, **record, **short_course) == "upheld"
    assert outcome(pack, **{**record, "pain": {"score": 1}}, **long_course) == "upheld"   # the pain resolved


# --- lab tests tied to the drugs they monitor -------------------------------------------------------

@pytest.mark.parametrize("request_text, drugs, unjustified", [
    ("CBC, CMP", ["naproxen"], 0),
    ("CBC, CMP", ["Norco"], 1),            # acetaminophen: liver tests in the CMP, nothing for a CBC
    ("Hepatic function panel", ["Norco"], 0),
    ("LFTs", ["gabapentin"], 1),           # gabapentin needs no routine laboratory monitoring
    ("LFTs", ["tizanidine"], 0),
    ("CBC", ["carbamazepine"], 0),
    ("CBC, CRP", ["ibuprofen"], 1),        # CRP monitors no drug: it needs its own reason
])
def test_each_test_is_justified_by_a_drug_it_monitors(fact, request_text, drugs, unjustified):
    meds = [{"drug": d} for d in drugs]
    assert fact("request.unjustified_components", {"request": request_text}, medications=meds) == unjustified


def test_a_stated_reason_justifies_any_test(fact):
    item = {"request": "Labs", "components": ["CBC", "CRP"], "justified_components": ["C-reactive protein"]}
    assert fact("request.unjustified_components", item, medications=[{"drug": "naproxen"}]) == 0


def test_intermittent_use_is_not_monitored(fact):
    meds = [{"drug": "naproxen", "pattern": "intermittent"}]
    assert fact("request.unjustified_components", {"request": "CBC"}, medications=meds) == 1


def test_a_lab_test_monitoring_an_unknown_drug_is_refused(tmp_path):
    with pytest.raises(EngineError, match="monitors unknown drug or class 'nsaids'"):
        _pack_with(tmp_path, "zz.yaml", "lab_tests:\n  - {name: zz_test, monitors: [nsaids]}\n")

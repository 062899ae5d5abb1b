"""Surgery read from the record's history, as surgeons' reports state it (issue 13): prior care in a
line ("failed splinting and two cortisone injections"), an operation dated in the history ("s/p R TKA
6/2/15") that equipment and therapy follow, and an operation named on the therapy request line.
Each test changes one documented fact and checks the outcome moves the way the guideline says."""

from __future__ import annotations

import copy

TRIGGER = {
    "request_date": "2015-06-15", "injury_date": "2014-03-10",
    "pain": {"score": 4}, "findings": {"trigger_finger": True},
    "procedures": [{"service": "cortisone injection", "region": "hand", "date": "2014-11-05"},
                   {"service": "cortisone injection", "region": "hand", "date": "2015-02-18"}],
    "items": [{"id": "s", "request": "Right ring finger trigger finger release"}],
}


def _with(base: dict, **changes) -> dict:
    data = copy.deepcopy(base)
    data.update(changes)
    return data


def _outcome(decide, data: dict, item: str = "s") -> tuple[str, list[str]]:
    got = decide(data).item(item)
    return got.outcome, got.unmet


def test_injections_in_the_history_count_and_persisting_symptoms_make_care_failed(decide):
    assert _outcome(decide, TRIGGER)[0] == "overturned"


def test_an_injection_of_another_region_or_kept_unclassified_does_not_count(decide):
    knee = [{"service": "cortisone injection", "region": "knee", "date": "2015-02-18"}]
    outcome, unmet = _outcome(decide, _with(TRIGGER, procedures=knee))
    assert outcome == "upheld" and "acoem.trigger-finger-release.injection_first" in unmet
    other = [{"service": "cortisone injection", "kind": "other", "region": "hand", "date": "2015-02-18"}]
    outcome, unmet = _outcome(decide, _with(TRIGGER, procedures=other))
    assert outcome == "upheld" and "acoem.trigger-finger-release.injection_first" in unmet


def test_medication_alone_is_not_failed_conservative_care(decide):
    ctr = {
        "request_date": "2015-06-15", "pain": {"score": 5}, "findings": {"carpal_tunnel_signs": True},
        "studies": [{"kind": "ncs", "region": "wrist", "significant_pathology": True}],
        "medications": [{"drug": "naproxen"}],
        "items": [{"id": "s", "request": "Right carpal tunnel release"}],
    }
    outcome, unmet = _outcome(decide, ctr)
    assert outcome == "upheld" and unmet == ["acoem.carpal-tunnel-release.conservative_care_failed"]
    splinted = _with(ctr, procedures=[{"service": "night wrist splint", "region": "wrist"}])
    assert _outcome(decide, splinted)[0] == "overturned"


def test_no_symptoms_documented_leaves_failure_not_documented(decide):
    outcome, unmet = _outcome(decide, _with(TRIGGER, pain={}))
    assert outcome == "upheld" and unmet == ["acoem.trigger-finger-release.persists_after_injection"]


def test_the_record_saying_care_worked_wins_over_the_history(decide):
    data = _with(TRIGGER, findings={"trigger_finger": True, "conservative_care_failed": False})
    outcome, unmet = _outcome(decide, data)
    assert outcome == "upheld" and unmet == ["acoem.trigger-finger-release.persists_after_injection"]


def test_weeks_of_care_run_from_the_earliest_dated_treatment(decide):
    elbow = {
        "request_date": "2015-06-15", "injury_date": "2014-03-10", "pain": {"score": 6},
        "findings": {"lateral_epicondylitis": True},
        "medications": [{"drug": "naproxen", "since": "2014-04-15"}],
        "procedures": [{"service": "PT", "region": "elbow", "date": "2014-05-01", "visits": 12},
                       {"service": "cortisone injection", "region": "elbow", "date": "2014-08-20"}],
        "items": [{"id": "s", "request": "Right lateral epicondylar release"}],
    }
    assert _outcome(decide, elbow)[0] == "overturned"
    recent = copy.deepcopy(elbow)
    recent["medications"][0]["since"] = "2015-03-01"
    recent["procedures"][0]["date"] = "2015-03-01"
    recent["procedures"][1]["date"] = "2015-04-01"
    outcome, unmet = _outcome(decide, recent)
    assert outcome == "upheld" and unmet == ["acoem.lateral-epicondylitis-surgery.six_months_failed"]
    two_kinds = copy.deepcopy(elbow)
    del two_kinds["medications"]
    outcome, unmet = _outcome(decide, two_kinds)
    assert outcome == "upheld" and unmet == ["acoem.lateral-epicondylitis-surgery.three_treatment_types"]


CPM = {
    "request_date": "2015-07-01", "findings": {"knee_stiffness_risk": True},
    "procedures": [{"service": "total knee arthroplasty", "region": "knee", "date": "2015-06-02"}],
    "items": [{"id": "cpm", "request": "Home CPM rental x 14 days right knee"}],
}


def test_equipment_follows_an_operation_dated_in_the_history(decide):
    assert _outcome(decide, CPM, "cpm")[0] == "overturned"


def test_an_operation_long_past_or_undated_is_not_a_post_operative_period(decide):
    old = copy.deepcopy(CPM)
    old["procedures"][0]["date"] = "2013-06-02"
    outcome, unmet = _outcome(decide, old, "cpm")
    assert outcome == "upheld" and unmet == ["odg.continuous-passive-motion.surgery_approved"]
    undated = copy.deepcopy(CPM)
    del undated["procedures"][0]["date"]
    outcome, unmet = _outcome(decide, undated, "cpm")
    assert outcome == "upheld" and unmet == ["odg.continuous-passive-motion.surgery_approved"]


def test_an_operation_of_another_region_is_not_the_one_the_equipment_follows(decide):
    shoulder = _with(CPM, procedures=[{"service": "rotator cuff repair", "region": "shoulder", "date": "2015-06-02"}])
    outcome, unmet = _outcome(decide, shoulder, "cpm")
    assert outcome == "upheld" and "odg.continuous-passive-motion.qualifying_indication" in unmet


THERAPY = {
    "request_date": "2015-06-15",
    "procedures": [{"service": "arthroscopic rotator cuff repair", "region": "shoulder", "date": "2015-05-18"}],
    "items": [{"id": "pt", "request": "PT 2x6 right shoulder"}],
}


def test_therapy_inside_the_postsurgical_period_is_postsurgical_without_post_op_words(decide):
    got = decide(THERAPY).item("pt")
    assert got.outcome == "overturned"
    assert "mtus-postsurgical.physical-medicine" in {r.id for r in got.rules if r.applicable and not r.superseded_by}


def test_therapy_of_another_region_or_after_the_period_is_not(decide):
    lumbar = _with(THERAPY, items=[{"id": "pt", "request": "PT 2x6 lumbar spine"}])
    got = decide(lumbar).item("pt")
    assert "mtus-postsurgical.physical-medicine" not in {r.id for r in got.rules if r.applicable}
    late = _with(THERAPY, request_date="2016-03-01")
    got = decide(late).item("pt")
    assert "mtus-postsurgical.physical-medicine" not in {r.id for r in got.rules if r.applicable}


def test_the_operation_named_on_the_request_line_sets_the_course(decide):
    first = {"request_date": "2015-06-15",
             "items": [{"id": "pt", "request": "Post-op PT 2x4 s/p carpal tunnel release"}]}
    outcome, unmet = _outcome(decide, first, "pt")
    assert outcome == "upheld" and unmet == ["mtus-postsurgical.physical-medicine.initial_course_half"]
    half = {"request_date": "2015-06-15",
            "items": [{"id": "pt", "request": "Post-op PT 2x2 s/p carpal tunnel release"}]}
    assert _outcome(decide, half, "pt")[0] == "overturned"

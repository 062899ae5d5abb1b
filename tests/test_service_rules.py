"""Derived facts for physical medicine, devices, procedures and diagnostics, and request parsing."""

from __future__ import annotations

import pytest

from engine.intake.cases import Item

from engine.knowledge.case_files import case_from_data
from engine.errors import Location
from engine.knowledge.facts import Context, compute
from engine.intake.requests import resolve_item


def facts(pack, data: dict, names: list[str], item: int = 0) -> dict:
    case = case_from_data({"request_date": "2015-06-01", **data})
    target = case.items[item]
    resolved = resolve_item(target, "i", pack.vocab, Location("t", 1, ""), pack.table_values)
    return compute(Context(case, target, resolved, pack.vocab, pack.table_values), names)


@pytest.mark.parametrize("text, visits, per_week, weeks", [
    ("PT 2x/week x 6 weeks lumbar", 12, 2, 6),
    ("physical therapy 3 times a week for 4 weeks", 12, 3, 4),
    ("Acupuncture 1-2x/week x 6 weeks", 12, 2, 6),
    ("Chiropractic 2 x 4", 8, 2, 4),
    ("acupuncture x6", 6, None, None),
])
def test_request_visits_and_frequency(pack, text, visits, per_week, weeks):
    r = resolve_item(Item(request=text), "i", pack.vocab, Location("t", 1, ""), pack.table_values)
    assert (r.visits, r.frequency_per_week, r.weeks) == (visits, per_week, weeks)


def test_medial_branch_block_levels_counted(pack):
    r = resolve_item(Item(request="MBB L4-5 L5-S1"), "i", pack.vocab, Location("t", 1, ""), pack.table_values)
    assert (r.name, r.levels_count, r.region) == ("medial_branch_block", 2, "lumbar")


def test_allowance_counts_prior_visits_same_region_only(pack):
    data = {"findings": {"therapy_diagnosis": "myalgia"},
            "procedures": [{"service": "PT", "region": "lumbar", "visits": 6},
                           {"service": "PT", "region": "knee", "visits": 12},
                           {"service": "chiropractic", "region": "lumbar", "visits": 12}],
            "items": [{"request": "PT 2x3 lumbar"}]}
    got = facts(pack, data, ["therapy.allowed_visits", "therapy.visits_beyond_allowance", "therapy.injury_visits"])
    assert got == {"therapy.allowed_visits": 10.0, "therapy.visits_beyond_allowance": 2.0,
                   "therapy.injury_visits": 24.0}


def test_allowance_undocumented_without_diagnosis(pack):
    got = facts(pack, {"items": [{"request": "PT 2x3 lumbar"}]}, ["therapy.visits_beyond_allowance"])
    assert got == {}


@pytest.mark.parametrize("text, mode, days", [
    ("TENS unit rental 30 days", "rental", 30.0),
    ("TENS unit purchase", "purchase", None),
    ("TENS supplies (electrodes)", "supplies", None),
    ("H-wave unit rental 2 months", "rental", 60.0),
    ("Spinal cord stimulator trial", "trial", None),
    ("Cold therapy unit rental x7 days", "rental", 7.0),  # "x7" with no space, as requests are written
])
def test_device_mode_and_days(pack, text, mode, days):
    got = facts(pack, {"items": [{"request": text}]}, ["request.device_mode", "request.device_days"])
    assert got.get("request.device_mode") == mode
    assert got.get("request.device_days") == days


@pytest.mark.parametrize("text, ncs, limb", [
    ("EMG/NCV bilateral lower extremities", True, "lower"),
    ("EMG bilateral upper extremities", False, "upper"),
    ("EMG lumbar", False, "lower"),
])
def test_electrodiagnostic_request(pack, text, ncs, limb):
    got = facts(pack, {"items": [{"request": text}]}, ["request.includes_ncs", "request.limb"])
    assert (got["request.includes_ncs"], got["request.limb"]) == (ncs, limb)


def test_esi_in_same_request_and_mbb_relief(pack):
    data = {"procedures": [{"service": "MBB", "region": "lumbar", "date": "2015-03-01", "relief_percent": 80},
                           {"service": "MBB", "region": "cervical", "date": "2015-04-01", "relief_percent": 20}],
            "items": [{"request": "RFA L4-5"}, {"request": "LESI L5-S1"}]}
    got = facts(pack, data, ["request.esi_same_session", "history.mbb_relief_percent"])
    assert got == {"request.esi_same_session": True, "history.mbb_relief_percent": 80.0}


def test_tens_trial_failed_three_valued(pack):
    base = {"items": [{"request": "H-wave 30 day trial"}]}
    assert facts(pack, base, ["history.tens_trial_failed"]) == {}
    failed = {**base, "procedures": [{"service": "TENS", "function_improved": False}]}
    assert facts(pack, failed, ["history.tens_trial_failed"]) == {"history.tens_trial_failed": True}


def test_radiculopathy_obvious_needs_matching_study(pack):
    exam = {"date": "2015-05-01", "sensory_loss": [{"level": "L5"}]}
    item = [{"request": "EMG lower extremities"}]
    assert facts(pack, {"exam": exam, "items": item}, ["spine.radiculopathy_obvious"]) == {
        "spine.radiculopathy_obvious": False}
    studies = [{"kind": "mri", "region": "lumbar", "nerve_root_levels": ["L5"]}]
    assert facts(pack, {"exam": exam, "studies": studies, "items": item}, ["spine.radiculopathy_obvious"]) == {
        "spine.radiculopathy_obvious": True}


def test_home_health_hours(pack):
    got = facts(pack, {"items": [{"request": "Home health aide 40 hrs/week"}]}, ["request.hours_per_week"])
    assert got == {"request.hours_per_week": 40.0}


@pytest.mark.parametrize("text, documentation, supervised", [
    ("Medically supervised weight loss program x 10 weeks", {}, True),
    ("Physician-supervised weight loss program", {}, True),
    ("Weight loss program supervised by a physician", {}, True),
    ("MD supervised weight loss program", {}, True),
    ("Weight Watchers x 12 weeks", {}, None),
    ("Weight loss program, unsupervised", {}, None),
    ("Medically supervised weight loss program", {"medically_supervised": False}, False),  # the record's word wins
    ("Nutrisystem", {"medically_supervised": True}, True),
])
def test_supervision_read_from_request_line(pack, text, documentation, supervised):
    data = {"items": [{"id": "wl", "request": text, "documentation": documentation}]}
    assert facts(pack, data, ["request.medically_supervised"]).get("request.medically_supervised") is supervised


@pytest.mark.parametrize("text, diagnoses, reason", [
    ("Internal medicine consultation", ["gastritis secondary to NSAIDs"], True),
    ("GI consult", ["NSAID-induced gastropathy"], True),
    ("Internal medicine consultation", ["lumbar strain"], None),      # no condition it is consulted for
    ("Orthopedic consultation", ["gastritis secondary to NSAIDs"], None),  # not the specialty that evaluates it
    ("Internal medicine consultation", ["r/o gastritis secondary to NSAIDs"], None),  # a question, not a diagnosis
])
def test_medical_consult_reason_needs_specialty_and_condition(pack, text, diagnoses, reason):
    data = {"diagnoses": diagnoses, "items": [{"id": "c", "request": text}]}
    assert facts(pack, data, ["consult.medical_condition"]).get("consult.medical_condition") is reason


def test_nsaid_taken_three_valued(pack):
    def taken(meds):
        data = {"items": [{"id": "h2", "request": "Ranitidine 150mg #60"}]}
        if meds is not None:
            data["medications"] = meds
        return facts(pack, data, ["history.nsaid_taken"]).get("history.nsaid_taken")
    assert taken([{"drug": "naproxen", "status": "past"}]) is True
    assert taken([{"drug": "tramadol"}]) is False
    assert taken(None) is None


@pytest.mark.parametrize("consult, regions, found", [
    ("Orthopedic surgeon consultation right knee", ["knee"], True),
    ("Ortho referral", ["knee"], True),                                    # no region named: the case's one region
    ("Spine surgery consult", ["knee"], True),
    ("Orthopedic consultation left shoulder", ["knee", "shoulder"], None),  # another region
    ("Ortho referral", ["knee", "shoulder"], None),                        # region not knowable
    ("Pain management consultation right knee", ["knee"], None),           # not a surgeon
    ("Physiatry consult", ["knee"], None),
])
def test_surgical_consultation_requested_reads_specialty_and_region(pack, consult, regions, found):
    data = {"regions": regions, "items": [{"id": "i", "request": "MRI right knee"},
                                          {"id": "c", "request": consult}]}
    got = facts(pack, data, ["plan.surgical_consultation_requested"]).get("plan.surgical_consultation_requested")
    assert got is found


def test_surgical_consultation_alone_is_not_read_as_its_own_reason(pack):
    data = {"regions": ["knee"], "items": [{"id": "i", "request": "Orthopedic surgeon consultation right knee"}]}
    assert facts(pack, data, ["plan.surgical_consultation_requested"]).get("plan.surgical_consultation_requested") is None


@pytest.mark.parametrize("text, region", [
    ("Orthopedic surgeon consultation right knee", "knee"),
    ("Ortho consult L shoulder", "shoulder"),
    ("Ortho referral", None),
])
def test_region_in_text(text, region):
    from engine.intake.requests import region_in_text
    assert region_in_text(text) == region


@pytest.mark.parametrize("diagnoses, operation", [
    (["status post right total knee arthroplasty 2015-05-17"], "knee_arthroplasty"),
    (["s/p R TKA 5/17/15", "knee pain"], "knee_arthroplasty"),
    (["right knee osteoarthritis"], None),           # a diagnosis, not an operation done
    (["rule out ACL tear"], None),
])
def test_operation_done_read_from_the_diagnosis_list(pack, diagnoses, operation):
    data = {"diagnoses": diagnoses, "items": [{"id": "snf", "request": "SNF x 10 days"}]}
    assert facts(pack, data, ["postop.operation"]).get("postop.operation") == operation


@pytest.mark.parametrize("diagnoses, done, beyond", [
    (["status post L4-5 microdiscectomy 2015-05-01"], True, True),   # dated: inside its period
    (["status post L4-5 microdiscectomy 2013-01-10"], True, False),  # dated: long past its period
    (["s/p L4-5 microdiscectomy 2013"], True, None),                 # a year alone is not a date
    (["L4-5 disc herniation"], None, None),
])
def test_postsurgical_surgery_read_from_the_diagnosis_list(pack, diagnoses, done, beyond):
    data = {"diagnoses": diagnoses, "items": [{"id": "pt", "request": "Post-op PT 2x4 lumbar"}]}
    got = facts(pack, data, ["postsurgical.surgery_done", "postsurgical.weeks_beyond_period"])
    assert got.get("postsurgical.surgery_done") is done
    weeks = got.get("postsurgical.weeks_beyond_period")
    assert (None if weeks is None else weeks <= 0) is beyond


@pytest.mark.parametrize("request_line, others, planned", [
    ("Psychological evaluation for spinal cord stimulator clearance", [], True),
    ("Psych eval prior to intrathecal pump trial", [], True),
    ("Psych eval", ["SCS trial"], True),                # the stimulator requested alongside
    ("Psych eval", ["Norco 10/325 #90"], None),
    ("Psychological evaluation for clearance", [], None),
])
def test_evaluation_before_implant_read_from_the_request(pack, request_line, others, planned):
    items = [{"id": "psych", "request": request_line}] + [{"id": f"o{n}", "request": t} for n, t in enumerate(others)]
    got = facts(pack, {"items": items}, ["evaluation.before_implant_or_program"])
    assert got.get("evaluation.before_implant_or_program") is planned

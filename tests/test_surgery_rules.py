"""Surgical requests: how provider wording resolves (service, region, levels), the surgery facts
(imaging lesion of the operated region, nerve conduction for carpal tunnel, hospital days), and
that pre- and post-operative services follow their surgery."""

from __future__ import annotations

import pytest

from engine.intake.cases import Item

from engine.knowledge.case_files import case_from_data
from engine.errors import Location
from engine.knowledge.facts import Context, compute
from engine.intake.requests import resolve_item

HERE = Location("t", 1, "")


def resolved(pack, text: str):
    return resolve_item(Item(request=text), "i", pack.vocab, HERE, pack.table_values)


def facts(pack, data: dict, names: list[str], item: int = 0) -> dict:
    case = case_from_data({"request_date": "2015-06-01", **data})
    target = case.items[item]
    return compute(Context(case, target, resolve_item(target, target.id or "i", pack.vocab, HERE, pack.table_values), pack.vocab, pack.table_values), names)


@pytest.mark.parametrize("text, service, region, levels", [
    ("L4-5 microdiscectomy", "spinal_decompression", "lumbar", 1),
    ("Left L4-5 and L5-S1 hemilaminotomy", "spinal_decompression", "lumbar", 2),
    ("C5-6 laminectomy", "spinal_decompression", "cervical", 1),
    ("L4-5 laminectomy and fusion", "spinal_fusion", "lumbar", 1),
    ("TLIF", "lumbar_interbody_fusion", "lumbar", None),
    ("ALIF L5-S1", "lumbar_interbody_fusion", "lumbar", 1),
    ("ACDF C5-6, C6-7", "cervical_fusion", "cervical", 2),
    ("Right carpal tunnel release", "carpal_tunnel_release", "wrist", None),
    ("CTR", "carpal_tunnel_release", "wrist", None),
    ("Arthroscopic subacromial decompression", "shoulder_arthroscopy", "shoulder", None),
    ("Left shoulder RCR", "shoulder_arthroscopy", "shoulder", None),
    ("Right knee partial meniscectomy", "knee_arthroscopy", "knee", None),
    ("ACL reconstruction", "acl_reconstruction", "knee", None),
    ("Total knee replacement", "total_knee_arthroplasty", "knee", None),
    ("TKA", "total_knee_arthroplasty", "knee", None),
])
def test_surgery_names_resolve_with_region_and_levels(pack, text, service, region, levels):
    r = resolved(pack, text)
    assert (r.kind, r.name, r.region, r.levels_count) == ("service", service, region, levels)


@pytest.mark.parametrize("text, service", [
    ("Pre-op clearance", "preop_clearance"),
    ("Preoperative labs (CBC, BMP)", "preop_labs"),
    ("EKG", "ekg"),
    ("Pre-op chest x-ray", "chest_xray"),
    ("Assistant surgeon", "assistant_surgeon"),
    ("Post-op PT 2x6 right shoulder", "postop_physical_therapy"),
    ("Inpatient stay x2 days", "inpatient_stay"),
    ("Orthopedic surgeon consultation", "consultation"),
    ("Spine surgery consult", "consultation"),
    ("Neurosurgery referral", "consultation"),
    ("Surgical consultation for carpal tunnel release", "consultation"),
])
def test_associated_service_and_consult_names(pack, text, service):
    assert resolved(pack, text).name == service


def test_post_op_therapy_visits_and_plain_pt_stays_physical_therapy(pack):
    post = resolved(pack, "Post-op PT 2x6 right shoulder")
    assert (post.visits, post.region) == (12, "shoulder")
    assert resolved(pack, "PT 2x6 right shoulder").name == "physical_therapy"


def test_written_region_wins_over_the_service_region(pack):
    r = resolve_item(Item(request="Carpal tunnel release", region="hand"), "i", pack.vocab, HERE, pack.table_values)
    assert r.region == "hand"


def _shoulder(studies: list[dict]) -> dict:
    return {"studies": studies, "items": [{"request": "Right shoulder arthroscopy"}]}


def test_imaging_lesion_reads_studies_of_the_operated_region_only(pack):
    name = ["surgery.imaging_lesion"]
    assert facts(pack, _shoulder([]), name) == {}
    assert facts(pack, _shoulder([{"kind": "mri", "region": "knee", "significant_pathology": True}]), name) == {}
    assert facts(pack, _shoulder([{"kind": "mri", "region": "shoulder"}]), name) == {}
    assert facts(pack, _shoulder([{"kind": "mri", "region": "shoulder", "significant_pathology": False}]), name) == \
        {"surgery.imaging_lesion": False}
    assert facts(pack, _shoulder([{"kind": "xray", "region": "shoulder", "significant_pathology": False},
                                  {"kind": "mri", "region": "shoulder", "significant_pathology": True}]), name) == \
        {"surgery.imaging_lesion": True}


def _ctr(studies: list[dict]) -> dict:
    return {"studies": studies, "items": [{"request": "Carpal tunnel release"}]}


def test_carpal_tunnel_confirmation_needs_a_nerve_study_of_the_wrist_or_median_nerve(pack):
    name = ["surgery.cts_confirmed_by_ncs"]
    assert facts(pack, _ctr([{"kind": "mri", "region": "wrist", "significant_pathology": True}]), name) == {}
    assert facts(pack, _ctr([{"kind": "emg", "region": "cervical", "significant_pathology": True}]), name) == {}
    assert facts(pack, _ctr([{"kind": "emg_ncs", "region": "cervical", "findings": "Median neuropathy at wrist",
                              "significant_pathology": True}]), name) == {"surgery.cts_confirmed_by_ncs": True}
    assert facts(pack, _ctr([{"kind": "ncs", "region": "wrist", "significant_pathology": False}]), name) == \
        {"surgery.cts_confirmed_by_ncs": False}


@pytest.mark.parametrize("stay, primary, days, beyond", [
    ("Inpatient stay x2 days", "L4-5 TLIF", 2, -1),
    ("3 day inpatient stay", "C5-6 ACDF", 3, 2),
    ("Inpatient stay 1 night", "Right carpal tunnel release", 1, 1),
    ("Inpatient stay", "Left TKA", None, None),
])
def test_hospital_days_against_the_target_for_the_operation(pack, stay, primary, days, beyond):
    data = {"items": [{"id": "op", "request": primary}, {"id": "stay", "request": stay, "accompanies": "op"}]}
    got = facts(pack, data, ["request.inpatient_days", "surgery.days_beyond_los_target"], item=1)
    assert got.get("request.inpatient_days") == days
    assert got.get("surgery.days_beyond_los_target") == beyond


def test_stay_naming_no_surgery_has_no_target(pack):
    got = facts(pack, {"items": [{"request": "Inpatient stay x2 days"}]}, ["surgery.days_beyond_los_target"])
    assert got == {}


def test_spinal_surgery_of_unknown_region_goes_to_clinical_review(decide):
    decision = decide({"request_date": "2015-06-01", "items": [{"id": "s", "request": "Microdiscectomy"}]})
    assert decision.items[0].outcome == "no_applicable_rule"


def test_surgeon_consult_is_judged_by_the_consultation_rule(decide):
    decision = decide({"request_date": "2015-06-01", "findings": {"diagnosis_uncertain_or_complex": True},
                       "items": [{"id": "c", "request": "Spine surgery consult"}]})
    item = decision.items[0]
    assert item.outcome == "overturned"
    assert [r.id for r in item.rules if r.applicable] == ["acoem.consultation"]


def test_post_op_services_follow_a_denied_surgery(decide):
    decision = decide({"request_date": "2015-06-01", "injury_date": "2014-01-01",
                       "findings": {"carpal_tunnel_signs": True, "conservative_care_failed": True},
                       "items": [{"id": "op", "request": "Right CTR"},
                                 {"id": "pt", "request": "Post-op PT x8", "accompanies": "op"},
                                 {"id": "assist", "request": "Assistant surgeon", "accompanies": "op"}]})
    outcomes = [i.outcome for i in decision.items]
    assert outcomes == ["upheld", "upheld", "upheld"]
    assert "acoem.carpal-tunnel-release.confirmed_by_nerve_conduction" in decision.items[0].unmet
    # post-op therapy is decided by the postsurgical rule, which supersedes the follow-the-surgery rule
    assert "mtus-postsurgical.physical-medicine.surgery_done_or_necessary" in decision.items[1].unmet
    assert decision.items[2].unmet == ["odg.perioperative-services.surgery_certified"]

"""Each sample decision hinges on documented facts: change the fact that decided it and the
outcome moves the way the guideline says (or holds, where another criterion still blocks).
Nothing here depends on a case id or file name: the cases are re-identified as 'edited'."""

from __future__ import annotations

import copy

import pytest
import yaml

from engine.knowledge.case_files import case_from_data
from engine.decide.evaluate import evaluate
from tests.conftest import ROOT

SAMPLES = ROOT / "cases" / "real" / "letters"


def sample(stem: str) -> dict:
    data = yaml.safe_load((SAMPLES / f"{stem}.yaml").read_text())
    data = copy.deepcopy(data)
    data["id"] = "edited"
    data.pop("source", None)
    for item in data["items"]:
        item.pop("expected", None)
        item.pop("expected_unmet", None)
    return data


def outcome(pack, data: dict, item_id: str) -> str:
    return evaluate(case_from_data(data), pack).item(item_id).outcome


def item(data: dict, item_id: str) -> dict:
    return next(i for i in data["items"] if i["id"] == item_id)


def med(data: dict, drug: str) -> dict:
    return next(m for m in data["medications"] if m["drug"] == drug)


S0, S1, S2, S3, S4 = ("000_29257c263c25c5e1", "001_e3e102f313bbacd1", "002_f86fb34153405d19",
                      "003_f23b8e2a6e4a7aa2", "004_ca4af5e6e3409f09")


def _no_flare(d):
    d["findings"].pop("acute_exacerbation")


def _soma_daily_since_2014(d):
    med(d, "Soma").update(pattern="regular", since="2014-09-01")


def _soma_90(d):
    item(d, "soma")["request"] = "Soma 350mg #90"


def _mri_change_and_decision(d):
    d["findings"]["symptoms_changed_since_imaging"] = True
    item(d, "lumbar-mri")["documentation"] = {"management_decision_stated": True}


def _mri_change_only(d):
    d["findings"]["symptoms_changed_since_imaging"] = True


def _consult_reason(d):
    item(d, "pain-consult")["documentation"] = {"additional_expertise_needed": True}


def _esi_duration_and_corroboration(d):
    d["procedures"][0]["relief_weeks"] = 8
    d["studies"][0]["nerve_root_levels"] = ["S1"]


def _esi_duration_only(d):
    d["procedures"][0]["relief_weeks"] = 8


def _labs_only_monitoring(d):
    item(d, "labs")["components"] = ["chem 8", "hepatic functional panel", "CBC"]


def _no_agreement(d):
    d.pop("monitoring")


def _norco_no_function(d):
    med(d, "Norco")["response"] = {"pain_reduced": True}
    d["function"].pop("adl_improved")  # nor for the regimen: no ADL gains documented at all


def _soma_flare(d):
    d.setdefault("findings", {})["acute_exacerbation"] = True


def _ultram_first_line(d):
    d["findings"].pop("first_line_tried")


def _medrol_risks_and_remission(d):
    item(d, "medrol")["documentation"] = {"risks_discussed": True}
    d.setdefault("findings", {})["symptom_free_period"] = True


def _medrol_risks_only(d):
    item(d, "medrol")["documentation"] = {"risks_discussed": True}


def _roxi_documented_but_180_mme(d):
    d["monitoring"] = {"opioid_agreement": True,
                       "drug_screens": [{"date": "2015-01-21", "consistent": False, "addressed": True}]}
    med(d, "Roxicodone")["response"] = {"pain_reduced": True, "function_improved": True}
    item(d, "roxicodone")["sig"] = "1 q6h"


def _roxi_180_mme_without_pain_management(d):
    _roxi_documented_but_180_mme(d)
    d.pop("author")  # the reports are no longer a pain-management physician's


def _roxi_documented_90_mme(d):
    _roxi_documented_but_180_mme(d)
    item(d, "roxicodone").update(request="Roxicodone 30mg #60", sig="1 bid")


def _esi_radiculopathy_corroborated(d):
    d["exam"]["sensory_loss"] = [{"level": "L5", "side": "right"}]
    d["studies"] = [{"kind": "mri", "region": "lumbar", "date": "2014-11-01", "nerve_root_levels": ["L5"]}]
    d["findings"] = {"conservative_care_failed": True}


def _no_medications_at_full_duty(d):
    d["medications"] = []
    d["function"] = {"work_status": "full_duty"}  # off work, the restrictions are a reason to follow up


def _soma_small_new_course(d):
    d["medications"] = [m for m in d["medications"] if m["drug"] != "Soma"]
    d["findings"] = {"acute_exacerbation": True}
    item(d, "soma").update(request="Soma 350mg #21", sig="1 tid")


def _soma_small_but_ongoing(d):
    d["findings"] = {"acute_exacerbation": True}
    item(d, "soma").update(request="Soma 350mg #21", sig="1 tid")


def _valium_one_week(d):
    item(d, "valium").update(request="Valium 5mg #14", sig="1 bid")


def _flexeril_alone_new(d):
    d["medications"] = [m for m in d["medications"] if m["drug"] not in ("Soma", "Flexeril")]


def _flexeril_new_but_with_soma(d):
    d["medications"] = [m for m in d["medications"] if m["drug"] != "Flexeril"]


def _soma_intermittent_flare(d):
    med(d, "Soma")["pattern"] = "intermittent"
    d["findings"] = {"acute_exacerbation": True}


FLIPS = [
    # (sample, item, edit, expected outcome after the edit, why)
    (S0, "soma", _no_flare, "upheld", "muscle relaxants only for a documented flare-up"),
    (S0, "soma", _soma_daily_since_2014, "upheld", "daily use for months is long-term use"),
    (S0, "soma", _soma_90, "upheld", "#90 at three a day is 30 days, beyond 2-3 weeks"),
    (S0, "lumbar-mri", _mri_change_and_decision, "overturned", "repeat MRI with changed findings and a stated decision"),
    (S0, "lumbar-mri", _mri_change_only, "upheld", "still no decision depends on the study"),
    (S0, "pain-consult", _consult_reason, "overturned", "a reason for consultation is stated"),
    (S0, "lumbar-esi", _esi_duration_and_corroboration, "overturned", "relief lasted 8 weeks and imaging corroborates"),
    (S0, "lumbar-esi", _esi_duration_only, "upheld", "radiculopathy still not corroborated"),
    (S0, "labs", _labs_only_monitoring, "overturned", "only monitoring panels with a stated reason"),
    (S1, "norco", _no_agreement, "upheld", "no single-prescriber controls"),
    (S1, "norco", _norco_no_function, "upheld", "no functional benefit and no return to work"),
    (S1, "soma", _soma_flare, "upheld", "a flare does not cure months of use or a 30-day supply"),
    (S1, "ultram", _ultram_first_line, "upheld", "tramadol is second-line"),
    (S1, "medrol", _medrol_risks_and_remission, "overturned", "risks discussed and a symptom-free period"),
    (S1, "medrol", _medrol_risks_only, "upheld", "chronic phase still needs a new episode"),
    (S2, "roxicodone", _roxi_documented_but_180_mme, "overturned",
     "documentation complete, 180 MME managed by the pain-management physician who wrote the reports"),
    (S2, "roxicodone", _roxi_180_mme_without_pain_management, "upheld",
     "documentation complete but 180 MME with no pain-management input"),
    (S2, "roxicodone", _roxi_documented_90_mme, "overturned", "documentation complete at 90 MME"),
    (S2, "lumbar-esi", _esi_radiculopathy_corroborated, "overturned", "exam findings match the imaging"),
    (S2, "fluoroscopy", _esi_radiculopathy_corroborated, "overturned", "fluoroscopy follows its ESI"),
    (S2, "follow-up", _no_medications_at_full_duty, "upheld", "no ongoing treatment, restrictions or stated purpose"),
    (S3, "soma", _soma_small_new_course, "overturned", "a 7-day new course for a flare"),
    (S3, "soma", _soma_small_but_ongoing, "upheld", "ongoing use of unknown length"),
    (S3, "valium", _valium_one_week, "overturned", "one week of a benzodiazepine"),
    (S4, "flexeril", _flexeril_alone_new, "overturned", "a new short course, no other relaxant"),
    (S4, "flexeril", _flexeril_new_but_with_soma, "upheld", "added to another muscle relaxant"),
    (S4, "soma", _soma_intermittent_flare, "overturned", "intermittent use for a documented flare"),
]


@pytest.mark.parametrize("stem,item_id,edit,expected,why", FLIPS,
                         ids=[f"{s[:3]}-{i}-{e.__name__.strip('_')}" for s, i, e, _, _ in FLIPS])
def test_changing_the_deciding_fact(pack, stem, item_id, edit, expected, why):
    data = sample(stem)
    before = outcome(pack, data, item_id)
    edit(data)
    after = outcome(pack, data, item_id)
    assert after == expected, f"{why}: {before} -> {after}"


def test_renaming_the_case_changes_nothing(pack):
    for stem in (S0, S1, S2, S3, S4):
        data = sample(stem)
        first = evaluate(case_from_data(data), pack)
        data["id"] = "another-name"
        data["title"] = "renamed"
        second = evaluate(case_from_data(data), pack)
        assert [i.outcome for i in first.items] == [i.outcome for i in second.items]
        assert [i.unmet for i in first.items] == [i.unmet for i in second.items]

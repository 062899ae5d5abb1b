"""Diagnoses the medication rules read from the diagnosis list (rules/vocabulary/diagnoses.yaml):
each example changes one listed diagnosis and the finding, and the item's outcome, move with it."""

from __future__ import annotations

import pytest

from engine.decide.evaluate import evaluate, resolve_items
from engine.knowledge.case_files import case_from_data
from engine.knowledge.facts import FACTS, Context


def _case(item: dict, **fields):
    return case_from_data({"request_date": "2015-06-01", "injury_date": "2012-01-06", "items": [item], **fields})


def _finding(pack, name: str, diagnoses: list[str]):
    case = _case({"request": "Zoloft 50mg #30", "sig": "1 qd"}, diagnoses=diagnoses)
    return FACTS[name].compute(Context(case, case.items[0], resolve_items(case, pack)[0], pack.vocab, pack.table_values, {}, pack.editions))


@pytest.mark.parametrize("name, diagnoses, expected", [
    ("finding.depressive_disorder", ["major depressive disorder, recurrent"], True),
    ("finding.depressive_disorder", ["depression secondary to chronic pain"], True),
    ("finding.depressive_disorder", ["r/o depression"], None),
    ("finding.anxiety_disorder", ["generalized anxiety disorder"], True),
    ("finding.insomnia", ["insomnia due to chronic pain"], True),
    ("finding.insomnia", ["insomnia"], None),                       # the cause is not stated
    ("finding.sleep_onset_insomnia", ["sleep onset insomnia"], True),
    ("finding.osteoarthritis_or_tendinitis", ["left knee osteoarthritis"], True),
    ("finding.osteoarthritis_or_tendinitis", ["right lateral epicondylitis"], True),
    ("finding.osteoarthritis_or_tendinitis", ["lumbar facet osteoarthritis"], None),   # not a joint for topicals
    ("finding.upper_motor_neuron_spasticity", ["spastic paraparesis due to T11 spinal cord injury"], True),
    ("finding.upper_motor_neuron_spasticity", ["lumbar paraspinal spasm"], None),
    ("finding.nsaid_dyspepsia", ["gastritis secondary to NSAIDs"], True),
    ("finding.nsaid_dyspepsia", ["gastritis"], None),
    ("finding.bacterial_infection", ["superficial wound infection"], True),
    ("finding.opioid_addiction_history", ["opioid use disorder, in remission"], True),
    ("finding.antiemetic_indication", ["diabetic gastroparesis"], "gastroparesis"),
    ("finding.antipsychotic_indication", ["bipolar II disorder"], "bipolar_disorder"),
    ("finding.low_testosterone", ["hypogonadism"], None),             # ODG asks for the level itself
    ("finding.vitamin_d_deficiency", ["vitamin D deficiency"], None),
])
def test_a_listed_diagnosis_documents_the_medication_finding(pack, name, diagnoses, expected):
    assert _finding(pack, name, diagnoses) == expected


@pytest.mark.parametrize("request_line, sig, with_dx, without_dx", [
    ("Zoloft 50mg #30", "1 qd", "major depressive disorder", "chronic neck pain"),
    ("Buspar 10mg #60", "1 bid", "generalized anxiety disorder", "chronic neck pain"),
    ("Glucosamine sulfate 500mg #90", "1 tid", "bilateral knee osteoarthritis", "knee pain"),
    ("Voltaren 1% gel 100g", "apply to R knee qid", "right knee osteoarthritis", "right knee pain"),
    ("Reglan 10mg #90", "1 tid ac", "diabetic gastroparesis", "nausea"),
])
def test_the_outcome_moves_with_the_listed_diagnosis(pack, request_line, sig, with_dx, without_dx):
    item = {"request": request_line, "sig": sig}
    listed = evaluate(_case(item, diagnoses=[with_dx], medications=[]), pack).items[0]
    absent = evaluate(_case(item, diagnoses=[without_dx], medications=[]), pack).items[0]
    assert (listed.outcome, absent.outcome) == ("overturned", "upheld")

"""Derived medication facts: topical ingredients, GI risk, neuropathic first-line history, daily dose,
NSAID and opioid therapy. Each test states the documented input and the value the rules will read."""

from __future__ import annotations

import pytest

from engine.knowledge.case_files import case_from_data
from engine.decide.evaluate import resolve_items
from engine.knowledge.facts import FACTS, Context


@pytest.fixture(scope="module")
def fact(pack):
    """fact(name, item, **case fields) -> the derived value for the first item (None = not documented)."""

    def run(name: str, item: dict, **fields):
        data = {"request_date": "2015-06-01", "items": [item, *fields.pop("others", [])], **fields}
        case = case_from_data(data)
        resolved = resolve_items(case, pack)
        return FACTS[name].compute(Context(case, case.items[0], resolved[0], pack.vocab, pack.table_values))

    return run


NONREC = "request.nonrecommended_ingredients"


@pytest.mark.parametrize("item, expected", [
    ({"request": "Voltaren gel 1% 100g"}, 0),
    ({"request": "Lidoderm 5% patch #30, 12 hours on/12 hours off"}, 0),
    ({"request": "Lidocaine 3% cream"}, 1),
    ({"request": "Terocin patches #30"}, 1),
    ({"request": "Flurbiprofen 20%/Cyclobenzaprine 4% cream 180g"}, 1),
    ({"request": "Ketoprofen 10%/Gabapentin 6%/Lidocaine 5% cream"}, 3),
    ({"request": "Compounded cream", "components": ["menthol 2%", "methyl salicylate 10%"]}, 0),
    ({"request": "Compounded cream", "components": ["baclofen 2%", "menthol 2%"]}, 1),
    ({"request": "Compounded cream 240g"}, None),
    ({"request": "Compounded cream", "components": ["menthol 2%", "unobtainium 5%"]}, None),
    ({"request": "Compounded cream", "components": ["ibuprofen 10%"]}, None),
    ({"request": "Naproxen 550mg #60"}, None),
])
def test_nonrecommended_ingredients(fact, item, expected):
    assert fact(NONREC, item) == expected


def test_oral_name_in_a_compound_takes_its_topical_classes(fact, pack):
    assert "muscle_relaxant" in pack.vocab.drugs["cyclobenzaprine"].classes
    item = {"request": "Compounded cream", "components": ["cyclobenzaprine 4%"]}
    assert fact(NONREC, item) == 1
    assert fact("request.ingredients", item) == 1


def test_ingredient_counts_by_class(fact):
    item = {"request": "Compounded cream", "components": ["flurbiprofen 20%", "capsaicin 0.025%", "menthol 2%"]}
    assert fact("request.ingredients", item) == 3
    assert fact("request.topical_nsaid_ingredients", item) == 1
    assert fact("request.capsaicin_ingredients", item) == 1
    assert fact("request.topical_nsaid_ingredients", {"request": "Bengay cream"}) == 0


@pytest.mark.parametrize("fields, expected", [
    ({"patient": {"age": 70}}, 1),
    ({"patient": {"age": 65}}, None),  # no medication history: aspirin, steroid or anticoagulant use unknown
    ({"patient": {"age": 65}, "medications": []}, 0),
    ({"patient": {"age": 50}, "findings": {"gi_ulcer_or_bleed_history": True}}, 1),
    ({"patient": {"age": 50}, "medications": [{"drug": "Xarelto"}]}, 1),
    ({"patient": {"age": 50}, "medications": [{"drug": "ASA 81 mg"}]}, 1),
    ({"patient": {"age": 50}, "medications": [{"drug": "Medrol dose pack"}]}, 1),
    # The requested NSAID is not counted: only NSAIDs already taken make "more than one NSAID".
    ({"patient": {"age": 50}, "medications": [{"drug": "Motrin"}]}, 0),
    ({"patient": {"age": 50}, "medications": [{"drug": "Motrin"}, {"drug": "Mobic"}]}, 1),
    ({"patient": {"age": 50}, "medications": [{"drug": "Motrin", "status": "past"}]}, 0),
    ({"patient": {"age": 70}, "findings": {"gi_ulcer_or_bleed_history": True},
      "medications": [{"drug": "Coumadin"}, {"drug": "Motrin"}, {"drug": "Mobic"}]}, 4),
    ({}, None),
])
def test_gi_risk_factors(fact, fields, expected):
    assert fact("gi.risk_factors", {"request": "Naproxen 550mg #60", "sig": "1 bid"}, **fields) == expected


def test_requested_nsaid_already_taken_is_not_counted_twice(fact):
    fields = {"patient": {"age": 50}, "medications": [{"drug": "Naprosyn"}]}
    assert fact("gi.risk_factors", {"request": "Naproxen 550mg #60"}, **fields) == 0
    assert fact("drug.other_nsaids", {"request": "Naproxen 550mg #60"}, **fields) == 0
    assert fact("drug.other_nsaids", {"request": "Celebrex 200mg #30"}, **fields) == 1
    # A switch to a COX-2 inhibitor is not its own GI risk factor.
    assert fact("gi.risk_factors", {"request": "Celebrex 200mg #30"}, **fields) == 0


@pytest.mark.parametrize("fields, expected", [
    ({"medications": [{"drug": "Neurontin", "status": "past"}]}, True),
    ({"medications": [{"drug": "nortriptyline"}]}, True),
    ({"medications": [{"drug": "Cymbalta"}]}, True),
    ({"medications": [{"drug": "Zoloft"}]}, False),
    ({"medications": [{"drug": "Motrin"}]}, False),
    ({"medications": [{"drug": "Motrin"}], "findings": {"neuropathic_first_line_tried": True}}, True),
    ({"findings": {"neuropathic_first_line_tried": False}}, False),
    ({}, None),
])
def test_neuropathic_first_line_tried(fact, fields, expected):
    assert fact("history.neuropathic_first_line_tried", {"request": "Lidoderm 5% patch #30"}, **fields) is expected


@pytest.mark.parametrize("item, expected", [
    ({"request": "Tylenol 500mg #120", "sig": "2 q6h"}, 4000),
    ({"request": "Tylenol 500mg #120", "sig": "2 q4h"}, 6000),
    ({"request": "Tylenol 325mg #100", "sig": "1 tid"}, 975),
    ({"request": "Tylenol #100"}, None),
])
def test_daily_mg(fact, item, expected):
    assert fact("request.daily_mg", item) == expected


def test_as_needed_only_when_directions_are_given(fact):
    assert fact("request.as_needed", {"request": "OxyContin 20mg #60", "sig": "1 q12h prn"}) is True
    assert fact("request.as_needed", {"request": "OxyContin 20mg #60", "sig": "1 q12h"}) is False
    assert fact("request.as_needed", {"request": "OxyContin 20mg #60"}) is None


def test_nsaid_and_opioid_therapy_include_items_requested_together(fact):
    ppi = {"request": "Omeprazole 20mg #30"}
    assert fact("drug.nsaid_therapy", ppi) is None  # no medication history: not documented, not "no NSAID"
    assert fact("drug.nsaid_therapy", ppi, medications=[]) is False
    assert fact("drug.nsaid_therapy", ppi, medications=[{"drug": "Mobic"}]) is True
    assert fact("drug.nsaid_therapy", ppi, others=[{"request": "Naproxen 550mg #60"}]) is True
    uds = {"request": "Urine drug screen"}
    assert fact("case.opioid_therapy", uds) is None
    assert fact("case.opioid_therapy", uds, medications=[]) is False
    assert fact("case.opioid_therapy", uds, medications=[{"drug": "Nucynta ER"}]) is True
    assert fact("case.opioid_therapy", uds, others=[{"request": "Norco 10/325mg #30"}]) is True
    assert fact("case.opioid_therapy", uds, medications=[{"drug": "Norco", "status": "past"}]) is False


def test_total_mme_sums_long_and_short_acting(fact):
    meds = [{"drug": "OxyContin", "strength": "40 mg", "sig": "1 q12h"}]
    assert fact("opioid.total_mme", {"request": "Norco 10/325mg #120", "sig": "1 q6h"}, medications=meds) == 160
    meds = [{"drug": "Norco", "strength": "10/325 mg", "sig": "1 q6h"}]
    assert fact("opioid.total_mme", {"request": "Hysingla ER 30mg #30", "sig": "1 qd"}, medications=meds) == 70


def test_every_new_finding_is_declared_with_its_type():
    for name, kind in (("gi_ulcer_or_bleed_history", "bool"), ("misuse_risk", "text"), ("insomnia", "bool"),
                       ("osteoarthritis_or_tendinitis", "bool"), ("around_the_clock_pain", "bool")):
        assert FACTS[f"finding.{name}"].type == kind
    assert FACTS["finding.misuse_risk"].values == ("low", "moderate", "high")

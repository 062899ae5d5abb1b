"""Equipment, injections, medical foods and other frequent requests: the names resolve to the
right entry, the request text yields the facts the rules compare, and each item reaches its rule."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.intake.cases import Item
from engine.errors import Location
from engine.intake.requests import resolve_item

WHERE = Location("t", 1, "")


def applied(item) -> list[str]:
    return [r.id for r in item.rules if r.applicable]


def resolved(pack, text: str):
    return resolve_item(Item(request=text), "i", pack.vocab, WHERE, pack.table_values)


@pytest.mark.parametrize("text, name", [
    ("Toradol IM 60mg x1", "ketorolac-injection"),
    ("Toradol 10mg #20", "ketorolac"),  # the tablets stay an oral NSAID
    ("B12 injection 1000mcg", "cyanocobalamin-injection"),
    ("Theramine #120", "theramine"),
    ("Sentra PM #60", "sentra"),
    ("Polar Care unit 7-day rental", "cold_therapy_unit"),
    ("Hot/cold packs", "hot_cold_pack"),
    ("Front-wheeled walker", "walking_aid"),
    ("Motorized scooter", "power_mobility_device"),
    ("Right SI joint injection under fluoroscopy", "sacroiliac_joint_injection"),
    ("ESWT right shoulder x3", "shockwave_therapy"),
    ("Gym membership x6 months", "gym_membership"),
    ("Psychiatric medication management x6", "psychiatric_medication_management"),
])
def test_request_names_resolve(pack, text, name):
    assert resolved(pack, text).name == name


def test_injectable_ketorolac_is_not_under_the_oral_nsaid_rules(pack):
    drug = pack.vocab.drugs["ketorolac-injection"]
    assert drug.route == "injection" and "nsaid" not in drug.classes
    rules = {r.id for r in pack.candidates("drug", drug.name, tuple(drug.classes), None, dt.date(2015, 6, 1))}
    assert rules == {"odg.ketorolac-injection"}


def test_mri_rule_follows_the_region(decide):
    base = {"request_date": "2015-06-01", "injury_date": "2015-01-10",
            "findings": {"red_flags": True}}
    for text, rule in [("MRI right shoulder", "acoem.shoulder-imaging"), ("MRI left knee", "acoem.knee-imaging")]:
        item = decide({**base, "items": [{"id": "m", "request": text}]}).items[0]
        assert item.outcome == "overturned"
        assert applied(item) == [rule]


def test_upper_and_lower_limb_studies_use_different_rules(decide):
    base = {"request_date": "2015-06-01", "injury_date": "2015-01-10", "pain": {"radiating": True}}
    upper = decide({**base, "items": [{"id": "e", "request": "EMG bilateral upper extremities"}]}).items[0]
    lower = decide({**base, "items": [{"id": "e", "request": "EMG bilateral lower extremities"}]}).items[0]
    assert applied(upper) == ["acoem.upper-extremity-electrodiagnostics"]
    assert applied(lower) == ["acoem.lumbar-electrodiagnostics"]


def test_cold_unit_rental_days_read_from_the_text(decide):
    case = {"request_date": "2015-06-01", "findings": {"postoperative_period": True}}
    short = decide({**case, "items": [{"id": "c", "request": "Game Ready 7-day rental"}]}).items[0]
    long = decide({**case, "items": [{"id": "c", "request": "Game Ready 2-week rental"}]}).items[0]
    assert (short.outcome, long.outcome) == ("overturned", "upheld")

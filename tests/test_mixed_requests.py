"""Mixed request lines as graders copy them: directions inside the request text, and one line
naming two treatments ("Norco/Soma", "PT/chiro 2x4"), which must not silently drop one of them."""

from __future__ import annotations

import pytest

from engine.intake.cases import Item
from engine.errors import EngineError, Location
from engine.intake.requests import parse_sig, resolve_item


def resolve(pack, request: str, **fields):
    return resolve_item(Item(request=request, **fields), "x", pack.vocab, Location("t.yaml", 1, "items[0]"), pack.table_values)


@pytest.mark.parametrize("request_text,units,prn", [
    ("Norco 10/325mg 1 po q4-6h prn #180", 6, True),
    ("Lyrica 75mg BID #60", 2, False),
    ("Naproxen sodium 550mg 1 po BID #60", 2, False),
    ("Norco 10/325 2 tabs q6h #240", 8, False),
    ("Tramadol 50mg 1 tab every 6 hours as needed #120", 4, True),
    ("Ambien 10mg qhs #30", 1, False),
])
def test_directions_in_the_request_text(pack, request_text, units, prn):
    item = resolve(pack, request_text)
    assert (item.units_per_day, item.as_needed) == (units, prn)
    assert any("directions read from the request text" in note for note in item.assumptions)


def test_strength_is_not_read_as_a_dose(pack):
    # "10/325 bid": the 325 is a strength, not 325 tablets
    assert resolve(pack, "Norco 10/325 bid #60").units_per_day == 2


def test_explicit_sig_wins_over_the_text(pack):
    assert resolve(pack, "Norco 10/325mg 1 po BID #60", sig="1 q6h").units_per_day == 4


def test_no_directions_keeps_the_typical_dose_assumption(pack):
    item = resolve(pack, "Flexeril 7.5mg #60")
    assert any("assumed typical dosing" in note for note in item.assumptions)


def test_every_n_hours_in_a_sig():
    assert parse_sig("1 tab every 8 hours as needed") == (3, True)


@pytest.mark.parametrize("request_text", [
    "Norco/Soma 10/325mg #90",
    "Norco 10/325mg #90 and Soma 350mg #60",
    "PT/chiro 2x4 lumbar",
    "Chiropractic/PT 2x3 lumbar spine",
])
def test_one_line_naming_two_treatments_is_refused(pack, request_text):
    with pytest.raises(EngineError, match="names two treatments"):
        resolve(pack, request_text)


@pytest.mark.parametrize("request_text,name", [
    ("EMG/NCV BLE", "emg_ncs"),
    ("Flurbiprofen 20%/Lidocaine 5% cream 180gm", "flurbiprofen-topical"),
    ("Pre-op labs: CBC, BMP, PT/PTT", "preop_labs"),
    ("Right SI joint injection under fluoroscopy", "sacroiliac_joint_injection"),
])
def test_one_treatment_lines_still_resolve(pack, request_text, name):
    assert resolve(pack, request_text).name == name


def test_name_field_settles_a_joined_line(pack):
    assert resolve(pack, "Norco/Soma 10/325mg #90", name="Soma").name == "carisoprodol"

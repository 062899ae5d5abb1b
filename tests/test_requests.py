"""Requests as providers write them are read into quantity, dosing, levels and visits."""

from __future__ import annotations

import pytest

from engine.intake.cases import Item
from engine.errors import EngineError, Location
from engine.intake.requests import count_levels, parse_sig, resolve_item


def resolve(pack, request: str, **fields):
    return resolve_item(Item(request=request, **fields), "x", pack.vocab, Location("t.yaml", 1, "items[0]"), pack.table_values)


@pytest.mark.parametrize("request_text,name,qty,mg", [
    ("Norco 10/325 #90", "hydrocodone/acetaminophen", 90, 10),
    ("Retro Norco 10/325mg #90", "hydrocodone/acetaminophen", 90, 10),
    ("Roxicodone 30mg #120", "oxycodone", 120, 30),
    ("Soma #60", "carisoprodol", 60, None),
    ("Valium 10 mg qty 120", "diazepam", 120, 10),
    ("Flexeril 10mg #30", "cyclobenzaprine", 30, 10),
    ("Retro Medrol dose pack", "methylprednisolone", None, None),
])
def test_drug_requests(pack, request_text, name, qty, mg):
    item = resolve(pack, request_text)
    assert (item.kind, item.name, item.quantity, item.strength_mg) == ("drug", name, qty, mg)


def test_retro_prefix(pack):
    assert resolve(pack, "Retro Ultram 50mg #12").retrospective is True
    assert resolve(pack, "Ultram 50mg #12").retrospective is False


def test_days_supply_from_sig(pack):
    item = resolve(pack, "Soma 350mg #90", sig="1 tid")
    assert (item.units_per_day, item.days_supply, item.assumptions) == (3, 30, ())


def test_typical_dose_is_an_explicit_assumption(pack):
    item = resolve(pack, "Soma 350mg #60")
    assert item.days_supply == 20
    assert "assumed typical dosing" in item.assumptions[0]


@pytest.mark.parametrize("sig,per_day,prn", [
    ("1 tid", 3, False), ("1 po bid", 2, False), ("1-2 q6h prn", 8, True), ("1 qhs", 1, False),
    ("2 q12h", 4, False), ("1 q4-6h as needed", 6, True), ("1 daily", 1, False), ("take 1 three times a day", 3, False),
    ("1 3 times a day", 3, False), ("1 tab three times daily", 3, False), ("1 po 3 times daily", 3, False),
    ("2 twice daily", 4, False), ("1 once daily", 1, False),
])
def test_parse_sig(sig, per_day, prn):
    assert parse_sig(sig) == (per_day, prn)


@pytest.mark.parametrize("sig,days_apart", [
    ("1 patch q7 days", 7), ("1 patch weekly", 7), ("once a week", 7), ("1 q week", 7), ("1 q2 weeks", 14),
    ("1 twice a week", 3.5), ("2 x/week", 3.5), ("1 q 3 days", 3),
])
def test_parse_sig_doses_days_apart(sig, days_apart):
    """A weekly patch or a vitamin D dose is not one a day ("once a week" is not "once" a day)."""
    units = 2 if sig.startswith("2") else 1
    assert parse_sig(sig) == (pytest.approx(units / days_apart), False)


def test_weekly_sig_gives_the_days_supply(pack):
    item = resolve(pack, "Butrans 10mcg/hr #4", sig="1 patch q7 days")
    assert (round(item.days_supply), item.assumptions) == (28, ())


@pytest.mark.parametrize("text,levels,approach,region", [
    ("LESI L4-5 under fluoro", 1, None, "lumbar"),
    ("Lumbar Epidural Steroid Injection, right L4-5", 1, None, "lumbar"),
    ("Right L4-5 and L5-S1 transforaminal ESI", 2, "transforaminal", "lumbar"),
    ("Transforaminal ESI L3-S1", 3, "transforaminal", "lumbar"),
    ("CESI C5-6 interlaminar", 1, "interlaminar", "cervical"),
])
def test_injection_requests(pack, text, levels, approach, region):
    item = resolve(pack, text)
    assert (item.name, item.levels_count, item.approach, item.region) == ("epidural_steroid_injection", levels, approach, region)


def test_therapy_frequency(pack):
    item = resolve(pack, "PT 2x6 lumbar")
    assert (item.name, item.visits, item.frequency_per_week, item.weeks, item.region) == ("physical_therapy", 12, 2, 6, "lumbar")


def test_count_levels():
    assert count_levels(["L4-5"]) == 1
    assert count_levels(["L4-S1"]) == 2
    assert count_levels(["L4-5", "L5-S1"]) == 2


def test_unknown_request_is_an_error_with_suggestion(pack):
    with pytest.raises(EngineError) as err:
        resolve(pack, "Norcco 10/325 #90")
    assert "did you mean 'norco'" in str(err.value)
    assert str(err.value).startswith("t.yaml:1: items[0].request:")


def test_other_kind_has_no_rule_but_keeps_its_name(pack):
    item = resolve(pack, "Hot tub for home use", kind="other")
    assert (item.kind, item.name) == ("other", "Hot tub for home use")


def test_explicit_kind_must_match(pack):
    with pytest.raises(EngineError, match="is a drug, not a service"):
        resolve(pack, "Soma 350mg #20", kind="service")


@pytest.mark.parametrize("text,name", [
    ("Toradol 60mg IM", "ketorolac-injection"),
    ("ketorolac 60 mg intramuscular injection", "ketorolac-injection"),
    ("Toradol 10mg #20", "ketorolac"),
])
def test_injection_route_selects_the_injectable_entry(pack, text, name):
    assert resolve(pack, text).name == name


def test_topical_site_read_from_the_directions(pack):
    """Voltaren gel "apply to L knee qid": the joint treated is in the sig, not the request line."""
    item = resolve(pack, "Voltaren 1% gel 100g", sig="apply 4g to L knee qid")
    assert item.region == "knee"
    assert any("read from the directions" in note for note in item.assumptions)
    assert resolve(pack, "Voltaren 1% gel 100g to the L elbow", sig="apply to L knee qid").region == "elbow"
    assert resolve(pack, "Naproxen 550mg #60", sig="1 bid for knee pain").region is None  # oral: no site


def test_trochanteric_bursa_is_the_hip(pack):
    """The greater trochanter is at the hip: a bursa injection named by it is a hip procedure, not a joint injection."""
    item = resolve(pack, "Left greater trochanteric bursa corticosteroid injection")
    assert (item.name, item.region) == ("trochanteric_bursa_injection", "hip")
    assert resolve(pack, "Cortisone injection L greater trochanter").region == "hip"

"""Request wording as letters and RFAs write it: visit and programme schedules, and combination
products named by brand or by their ingredients (one drug, each ingredient's rules applied)."""

from __future__ import annotations

import pytest

from engine.intake.cases import Item
from engine.errors import EngineError, Location


def resolve(pack, request: str, **fields):
    from engine.intake.requests import resolve_item

    return resolve_item(Item(request=request, **fields), "x", pack.vocab, Location("t.yaml", 1, "items[0]"), pack.table_values)


@pytest.mark.parametrize("text, per_week, weeks, visits", [
    ("Physical therapy 2 times weekly for 3 weeks", 2, 3, 6),
    ("PT 2x/wk x 3 wks", 2, 3, 6),
    ("Physical therapy twice a week for six weeks", 2, 6, 12),
    ("Aquatic therapy two times per week for six weeks", 2, 6, 12),
    ("Chiropractic 1 visit per week x 4 weeks", 1, 4, 4),
    ("Acupuncture x 10 sessions", None, None, 10),
    ("Chiropractic #20 sessions", None, None, 20),
    ("Physical therapy 12 sessions", None, None, 12),
    ("PT 2x6 lumbar", 2, 6, 12),
    ("PT 2 x 6", 2, 6, 12),
    ("Aquatic therapy 2x4 weeks", 2, 4, 8),
    ("PT x6", None, None, 6),
    ("Functional restoration program 8 hours/day 5 days/week x 4 weeks", 5, 4, 20),
    ("FRP x 2 weeks", None, 2, 10),
    ("FRP x 10 days", None, None, 10),
])
def test_schedules_as_written(pack, text, per_week, weeks, visits):
    item = resolve(pack, text)
    assert (item.frequency_per_week, item.weeks, item.visits) == (per_week, weeks, visits)
    assert item.assumptions == ()


def test_range_reads_upper_end_and_says_so(pack):
    item = resolve(pack, "PT 2-3x/week x 4 weeks")
    assert (item.frequency_per_week, item.visits) == (3, 12)
    assert any("range" in note and "upper end" in note for note in item.assumptions)


def test_weekly_rhythm_without_length_is_not_a_total(pack):
    """'8 hours/day 5 days/week' is a rhythm: no total, said, and never read as 5 or 8 days."""
    for text in ("Functional restoration program 8 hours/day 5 days/week", "Physical therapy 2x/week"):
        item = resolve(pack, text)
        assert item.visits is None
        assert any("no number of weeks or visits" in note for note in item.assumptions)


def test_count_and_schedule_that_disagree_keep_the_count_and_say_so(pack):
    item = resolve(pack, "PT 2x/week x 6 weeks, 8 sessions")
    assert item.visits == 8
    assert any("8 visits and a schedule of 12" in note for note in item.assumptions)


def test_explicit_fields_still_win(pack):
    assert resolve(pack, "PT twice a week for six weeks", visits=4).visits == 4


def test_written_schedule_moves_the_outcome(decide):
    """Myalgia allows about 10 visits (CPMTG Physical medicine): 2 a week for 4 weeks passes, for 6 does not."""
    def outcome(request: str):
        case = {"request_date": "2014-06-01", "injury_date": "2013-09-01", "findings": {"therapy_diagnosis": "myalgia"},
                "items": [{"id": "pt", "request": request}]}
        return decide(case).items[0].outcome

    assert outcome("Physical therapy twice a week for four weeks, lumbar") == "overturned"
    assert outcome("Physical therapy twice a week for six weeks, lumbar") == "upheld"
    assert outcome("Physical therapy 2 times weekly for 6 weeks lumbar") == "upheld"


@pytest.mark.parametrize("text, name", [
    ("Norco 10/325 #90", "hydrocodone/acetaminophen"),
    ("hydrocodone/acetaminophen 10/325 #90", "hydrocodone/acetaminophen"),
    ("hydrocodone-acetaminophen 10/325 #90", "hydrocodone/acetaminophen"),
    ("hydrocodone and acetaminophen 10/325mg #90", "hydrocodone/acetaminophen"),
    ("Percocet 10/325 #60", "oxycodone/acetaminophen"),
    ("oxycodone and acetaminophen 10/325 #60", "oxycodone/acetaminophen"),
    ("Oxycodone w/ APAP 5/325 #60", "oxycodone/acetaminophen"),
    ("Vicoprofen 7.5/200 #60", "hydrocodone/ibuprofen"),
    ("hydrocodone with ibuprofen 7.5/200 #60", "hydrocodone/ibuprofen"),
    ("Ultracet 37.5/325 #60", "tramadol/acetaminophen"),
    ("tramadol and acetaminophen 37.5/325 #60", "tramadol/acetaminophen"),
    ("Fioricet 50/325/40 #30", "butalbital/acetaminophen/caffeine"),
    ("butalbital, acetaminophen and caffeine 50/325/40 #30", "butalbital/acetaminophen/caffeine"),
])
def test_combination_is_one_drug_with_its_ingredients(pack, text, name):
    item = resolve(pack, text)
    assert (item.kind, item.name) == ("drug", name)
    assert len(item.ingredients) >= 2 and all(i.term for i in item.ingredients)


def test_ingredient_strengths_in_written_order(pack):
    item = resolve(pack, "Norco 10/325 #90")
    assert [(i.name, i.strength_mg) for i in item.ingredients] == [("hydrocodone", 10), ("acetaminophen", 325)]
    assert item.strength_mg == 10   # the product's strength (and its MME) stays the opioid's
    fioricet = resolve(pack, "Fioricet 50/325/40 #30")
    assert [i.strength_mg for i in fioricet.ingredients] == [50, 325, 40]


def test_strengths_that_do_not_line_up_are_not_read(pack):
    item = resolve(pack, "Norco 10/325/5 #90")
    assert all(i.strength_mg is None for i in item.ingredients)
    assert any("one figure per ingredient" in note for note in item.assumptions)


def test_two_real_treatments_are_still_refused(pack):
    for text in ("Norco 10/325mg and Soma 350mg", "Norco and acetaminophen 500mg"):
        with pytest.raises(EngineError, match="names two treatments"):
            resolve(pack, text)


def _norco_case(request: str, sig: str, **extra) -> dict:
    case = {"request_date": "2015-06-01", "injury_date": "2012-03-01",
            "function": {"work_status": "modified_duty"}, "monitoring": {"opioid_agreement": True},
            "medications": [{"drug": "Norco", "strength": "10/325 mg", "sig": "1 q6h", "since": "2014-06-01",
                             "response": {"pain_reduced": True, "function_improved": True}}],
            "items": [{"id": "rx", "request": request, "sig": sig}]}
    case.update(extra)
    return case


def test_acetaminophen_rule_judges_the_acetaminophen_in_norco(decide):
    """The acetaminophen daily maximum (4 g) applies to the 325 mg in each Norco tablet: 1 q6h is
    1.3 g a day; 2 every 3 hours is 5.2 g and fails it. Both ways of writing the product agree."""
    for request in ("Norco 10/325 #120", "hydrocodone and acetaminophen 10/325mg #120"):
        ok = decide(_norco_case(request, "1 q6h")).items[0]
        assert "mtus-cpmtg.acetaminophen" in [r.id for r in ok.rules if r.applicable]
        assert ok.outcome == "overturned"
        assert any("judged its acetaminophen (325 mg a unit)" in note for note in ok.assumptions)
        high = decide(_norco_case(request, "2 q3h")).items[0]
        assert "mtus-cpmtg.acetaminophen.within_daily_maximum" in high.unmet


def test_nsaid_rule_judges_the_ibuprofen_in_vicoprofen(decide):
    """A second NSAID alongside Vicoprofen fails the single-NSAID criterion; without it the product passes."""
    base = _norco_case("Vicoprofen 7.5/200 #120", "1 q6h",
                       medications=[{"drug": "Vicoprofen", "strength": "7.5/200 mg", "sig": "1 q6h", "since": "2014-06-01",
                                     "response": {"pain_reduced": True, "function_improved": True}}])
    alone = decide(base).items[0]
    assert alone.outcome == "overturned"
    assert "mtus-cpmtg.nsaids" in [r.id for r in alone.rules if r.applicable]
    base["medications"].append({"drug": "naproxen", "strength": "500 mg", "sig": "1 bid"})
    with_naproxen = decide(base).items[0]
    assert "mtus-cpmtg.nsaids.single_nsaid" in with_naproxen.unmet


def test_unknown_ingredient_is_a_located_error(tmp_path):
    from engine.intake.vocabulary import read_vocabulary

    (tmp_path / "v.yaml").write_text(
        "drugs:\n  - {name: acetaminophen, classes: [acetaminophen]}\n"
        "  - {name: fake/acetaminophen, synonyms: [Fakeco], ingredients: [fakeine, acetaminophen]}\n")
    _, problems = read_vocabulary(tmp_path)
    assert [str(p) for p in problems if "ingredient 'fakeine' is not a drug of the vocabulary" in str(p)]
    assert ":3:" in str(problems[0])

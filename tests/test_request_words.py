"""Request words that could mean two things are read by the whole phrase (rules/vocabulary/phrases.yaml);
an ambiguous one is reported with its candidates, never guessed; and every topic real disputes raise
reaches a rule or an explicit `no applicable rule` that says why."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from engine.errors import EngineError
from engine.intake.vocabulary import read_vocabulary

ROOT = Path(__file__).resolve().parent.parent


def _item(decide, request: str, **extra):
    decision = decide({"request_date": "2015-06-01", "items": [{"id": "x", "request": request, **extra}]})
    return decision.items[0]


@pytest.mark.parametrize("request_text, meant", [
    ("Chronic pain management (CPM) program x 10 days", "functional_restoration_program"),
    ("CPM (chronic pain management) x 10 days", "functional_restoration_program"),
    ("CPM program", "functional_restoration_program"),
    ("CPM rental x 14 days, left knee", "continuous_passive_motion"),
    ("CPM post-op x 21 days", "continuous_passive_motion"),
    ("Aftercare program x 6 sessions", "functional_restoration_aftercare"),
    ("Functional restoration program (HELP) aftercare x 6", "functional_restoration_aftercare"),
    ("HELP program aftercare", "functional_restoration_aftercare"),
    ("Post-op aftercare visit", "follow_up_visit"),
    ("Program: functional restoration x 10 days", "functional_restoration_program"),
    ("Shower chair", "bathroom_equipment"),
    ("Chair for the shower", "bathroom_equipment"),
    ("Transport chair", "wheelchair"),
    ("Power lift chair", "lift_chair"),
    ("Ergonomic chair", "ergonomic_chair"),
    ("Hep panel", "lab_panel"),
    ("Lumbar epidural with lysis of adhesions", "epidural_adhesiolysis"),
    ("Lysis of adhesions L4-5", "epidural_adhesiolysis"),
    ("Knee lysis of adhesions", "joint_lysis_of_adhesions"),
    ("LESI L4-5", "epidural_steroid_injection"),
    ("Home exercise program with gym membership x 6 months", "gym_membership"),
    ("HEP with YMCA pool membership", "gym_membership"),
    ("Home exercise program", "home_exercise"),
    ("f/u with pain management in 4-6 weeks", "follow_up_visit"),
    ("Return to clinic in 6 weeks", "follow_up_visit"),
])
def test_the_whole_phrase_decides_what_a_word_means(pack, request_text, meant):
    assert pack.vocab.find(request_text).name == meant


@pytest.mark.parametrize("request_text, word, candidates", [
    ("CPM x 21 days", "CPM", {"continuous_passive_motion", "functional_restoration_program"}),
    ("Chair", "Chair", {"bathroom_equipment", "wheelchair", "lift_chair", "ergonomic_chair"}),
    ("Orthopedic chair", "chair", {"lift_chair", "ergonomic_chair"}),
    ("Program x 10 days", "Program", {"functional_restoration_program", "home_exercise", "work_hardening"}),
    ("Aftercare", "Aftercare", {"functional_restoration_aftercare", "follow_up_visit"}),
    ("Lysis of adhesions", "Lysis of adhesions", {"epidural_adhesiolysis", "joint_lysis_of_adhesions"}),
])
def test_an_unsettled_word_is_reported_with_its_candidates_not_guessed(pack, decide, request_text, word, candidates):
    reading = pack.vocab.read(request_text)
    assert reading.term is None and reading.word == word
    assert candidates <= {option.rsplit("(", 1)[1].rstrip(")") for option in reading.candidates}
    item = _item(decide, request_text)
    assert item.outcome == "no_applicable_rule"
    assert item.rules == [] and item.summary.startswith("not read as one treatment")
    assert all(name in item.summary for name in candidates)


def test_a_word_with_a_usual_meaning_is_read_so_and_the_assumption_is_said(decide):
    item = _item(decide, "HEP")
    assert item.name == "home_exercise"
    assert any("usual meaning" in note and "hepatic" in note for note in item.assumptions)


def test_a_settled_reading_is_said_in_the_assumptions(decide):
    item = _item(decide, "Chronic pain management (CPM) program x 10 days")
    assert item.name == "functional_restoration_program"
    assert any("'program' in the request" in note for note in item.assumptions)
    assert all(rule.id.startswith("mtus-cpmtg.functional-restoration") for rule in item.rules)


def test_an_explicit_name_decides_and_an_ambiguous_explicit_name_is_an_error(decide):
    assert _item(decide, "CPM x 21 days", name="continuous_passive_motion").name == "continuous_passive_motion"
    with pytest.raises(EngineError, match="could mean several treatments: name one of"):
        _item(decide, "CPM x 21 days", name="CPM")


def test_an_ambiguous_word_cannot_also_be_a_name(tmp_path):
    shutil.copytree(ROOT / "rules" / "vocabulary", tmp_path / "vocabulary")
    path = tmp_path / "vocabulary" / "phrases.yaml"
    path.write_text(path.read_text().replace("words: [CPM]", "words: [CPM, shower chair]"))
    _, problems = read_vocabulary(tmp_path / "vocabulary")
    assert [p.message for p in problems] == ["ambiguous word 'shower chair' is also a name of 'bathroom_equipment'"]


def test_a_meaning_must_name_an_entry(tmp_path):
    shutil.copytree(ROOT / "rules" / "vocabulary", tmp_path / "vocabulary")
    path = tmp_path / "vocabulary" / "phrases.yaml"
    path.write_text(path.read_text().replace("name: ergonomic_chair", "name: ergonomic_chairs"))
    _, problems = read_vocabulary(tmp_path / "vocabulary")
    assert problems and all(re.search(r"no vocabulary entry 'ergonomic_chairs'.*did you mean 'ergonomic_chair'", str(p))
                            for p in problems)


# Each topic real disputes raise, written as requests are written: the rule it reaches, or None for an
# explicit `no applicable rule` whose summary says why.
TOPICS = [
    ("Functional restoration program x 10 days", "mtus-cpmtg.functional-restoration-program"),
    ("Chronic pain management program additional 10 days", "mtus-cpmtg.functional-restoration-program-continuation"),
    ("HELP aftercare x 6 sessions", "mtus-cpmtg.functional-restoration-aftercare"),
    ("H-wave unit 30 day home trial", "mtus-cpmtg.h-wave"),
    ("Aquatic therapy 2x6 lumbar", "mtus-cpmtg.aquatic-therapy"),
    ("Shower chair", "odg.bathroom-equipment"),
    ("Power lift chair", "odg.durable-medical-equipment"),
    ("Ergonomic chair", "odg.durable-medical-equipment"),
    ("Reacher", "odg.durable-medical-equipment"),
    ("Lumbar brace (LSO)", "acoem.lumbar-supports"),
    ("Hinged knee brace", "acoem.knee-brace"),
    ("Manual wheelchair", "odg.wheelchair"),
    ("Transportation to and from medical appointments", "odg.transportation"),
    ("Percutaneous epidural adhesiolysis", "odg.epidural-adhesiolysis"),
    ("Home health aide 4 hours/day, 4 days/week", "mtus-cpmtg.home-health"),
    ("In-home care 20 hours per week", "mtus-cpmtg.home-health"),
    ("Housekeeping services", "mtus-cpmtg.homemaker-services"),
    ("Bilateral hearing aids", None),
    ("Arthroscopic lysis of adhesions, right knee", None),
]


@pytest.mark.parametrize("request_text, rule_id", TOPICS)
def test_each_topic_reaches_its_rule_or_an_explicit_no_rule(decide, request_text, rule_id):
    item = _item(decide, request_text)
    applied = [r.id for r in item.rules if r.applicable and not r.superseded_by]
    if rule_id is None:
        assert item.outcome == "no_applicable_rule" and applied == []
        assert "clinical review" in item.summary and "8 CCR 9792.21.1" in item.summary
    else:
        assert rule_id in applied, (request_text, applied)


def test_an_ambiguous_word_still_counts_when_two_treatments_share_a_line(decide):
    """'PT/HEP' names two therapies: HEP, read by its usual meaning, is not silently dropped."""
    with pytest.raises(EngineError, match="names two treatments"):
        _item(decide, "PT/HEP 2x4")

"""What real records say that the case format could not (issue 13, format gaps): why a drug was
stopped and what it did, relief in hours or days or in words, the side of an earlier procedure, time
off work, and orthopaedic examination signs by name.

Every test goes through the real loader and engine and changes one documented fact; the outcome (or
the criterion) moves the way the guideline says. Old files keep loading: the new fields are optional."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.decide.evaluate import evaluate, resolve_items
from engine.errors import EngineError
from engine.intake.cases import as_of_request
from engine.knowledge.case_files import case_from_data
from engine.knowledge.facts import FACTS, Context

DAY = {"request_date": "2015-06-01", "injury_date": "2012-01-06"}


@pytest.fixture(scope="module")
def fact(pack):
    def run(name: str, item: dict, **fields):
        case = case_from_data({**DAY, "items": [item], **fields})
        resolved = resolve_items(case, pack)
        return FACTS[name].compute(Context(case, case.items[0], resolved[0], pack.vocab, pack.table_values))

    return run


def decided(pack, **fields):
    return evaluate(case_from_data({**DAY, **fields}), pack).items[0]


def criterion(item, key: str) -> str:
    rule, crit = key.rsplit(".", 1)
    return next(c.status for r in item.rules if r.id == rule for c in r.criteria if c.id == crit)


# --- why a drug was stopped, what it did -----------------------------------------------------------

NUCYNTA = {"request": "Nucynta 50mg #120", "sig": "1 q6h prn"}
PPI = {"request": "Prilosec 20mg #30", "sig": "1 qd"}
ACUPUNCTURE = {"request": "Acupuncture 2x3 cervical"}


@pytest.mark.parametrize("entry, expected", [
    ({"drug": "Norco", "status": "past", "stopped_for": ["side_effects"]}, True),
    ({"drug": "Percocet", "status": "past", "stopped_for": ["side_effects"]}, True),
    ({"drug": "Norco", "status": "past", "stopped_for": ["no_benefit"]}, None),     # ineffective is not intolerance
    ({"drug": "Norco", "status": "past", "stopped_for": ["not_authorized"]}, None),
    ({"drug": "tramadol", "status": "past", "stopped_for": ["side_effects"]}, None),  # not a first-line opioid (table)
    ({"drug": "Norco", "status": "past"}, None),
])
def test_first_line_opioid_stopped_for_side_effects(fact, entry, expected):
    assert fact("history.first_line_opioid_intolerance", NUCYNTA, medications=[entry]) is expected


def test_a_stated_finding_wins_over_the_history(fact):
    meds = [{"drug": "Norco", "status": "past", "stopped_for": ["side_effects"]}]
    assert fact("history.first_line_opioid_intolerance", NUCYNTA, medications=meds,
                findings={"first_line_opioid_intolerance": False}) is False
    assert fact("history.nsaid_dyspepsia", PPI, medications=[{"drug": "naproxen"}],
                findings={"nsaid_dyspepsia": True}) is True


def test_tapentadol_is_approved_only_after_a_first_line_opioid_could_not_be_taken(pack):
    base = dict(medications=[{"drug": "Nucynta", "since": "2015-02-01"}, {"drug": "Norco", "status": "past"}],
                items=[NUCYNTA])
    without = decided(pack, **base)
    base["medications"][1]["stopped_for"] = ["side_effects"]
    with_reason = decided(pack, **base)
    assert criterion(without, "mtus-cpmtg.tapentadol.first_line_opioid_intolerance") == "not_documented"
    assert criterion(with_reason, "mtus-cpmtg.tapentadol.first_line_opioid_intolerance") == "met"


@pytest.mark.parametrize("entry, expected", [
    ({"drug": "naproxen", "adverse_effects": ["gi_upset"]}, True),
    ({"drug": "ibuprofen", "status": "past", "stopped_for": ["side_effects"], "adverse_effects": ["gi_upset"]}, True),
    ({"drug": "naproxen", "adverse_effects": ["dizziness"]}, None),
    ({"drug": "gabapentin", "adverse_effects": ["gi_upset"]}, None),               # not an NSAID
])
def test_nsaid_dyspepsia_read_from_the_drug_entry(fact, entry, expected):
    assert fact("history.nsaid_dyspepsia", PPI, medications=[entry]) is expected


def test_ppi_for_an_nsaid_that_upsets_the_stomach(pack):
    fields = dict(patient={"age": 50}, items=[PPI])
    assert decided(pack, medications=[{"drug": "naproxen"}], **fields).outcome == "upheld"
    assert decided(pack, medications=[{"drug": "naproxen", "adverse_effects": ["gi_upset"]}], **fields).outcome \
        == "overturned"


@pytest.mark.parametrize("entry, expected", [
    ({"drug": "gabapentin", "status": "past", "stopped_for": ["side_effects"]}, "overturned"),
    ({"drug": "gabapentin", "status": "past", "stopped_for": ["no_benefit"]}, "upheld"),     # ineffective, tolerated
    ({"drug": "gabapentin", "status": "past", "stopped_for": ["not_authorized"]}, "upheld"),
    ({"drug": "gabapentin", "status": "past"}, "upheld"),
])
def test_acupuncture_when_pain_medication_is_not_tolerated(pack, entry, expected):
    assert decided(pack, medications=[entry], items=[ACUPUNCTURE]).outcome == expected


@pytest.mark.parametrize("entry, expected", [
    ({"drug": "ibuprofen", "status": "past", "stopped_for": ["no_benefit"]}, True),
    ({"drug": "ibuprofen", "response": {"pain_reduced": False}}, True),               # "ibuprofen not helping"
    ({"drug": "naproxen", "status": "past", "stopped_for": ["side_effects"]}, True),
    ({"drug": "ibuprofen", "status": "past", "stopped_for": ["not_authorized"]}, None),
    ({"drug": "Norco", "status": "past", "stopped_for": ["no_benefit"]}, None),      # an opioid is not a non-opioid
])
def test_non_opioid_failed_read_from_the_history(fact, entry, expected):
    assert fact("history.non_opioid_failed", {"request": "Norco 10/325 #60"}, medications=[entry]) is expected


def test_opioid_trial_after_a_failed_nsaid_even_without_a_pain_score(pack):
    """CPMTG pp. 76-77: non-opioid analgesics tried and failed before an opioid trial."""
    item = {"request": "Norco 10/325mg #60", "sig": "1 bid"}
    tried = decided(pack, medications=[{"drug": "ibuprofen", "status": "past"}], items=[item])
    failed = decided(pack, medications=[{"drug": "ibuprofen", "status": "past", "stopped_for": ["no_benefit"]}],
                     items=[item])
    key = "mtus-cpmtg.opioids-initiation.non_opioid_tried"
    assert criterion(tried, key) != "met"
    assert criterion(failed, key) == "met"


def test_interferential_selection_reads_failed_medication(pack):
    item = {"request": "Interferential unit rental x 30 days"}
    fields = dict(findings={"active_rehabilitation": True}, items=[item])
    key = "mtus-cpmtg.interferential.selection_criteria"
    assert criterion(decided(pack, medications=[{"drug": "Norco"}], **fields), key) != "met"
    assert criterion(decided(pack, medications=[{"drug": "Norco", "response": {"pain_reduced": False}}], **fields),
                     key) == "met"


# --- relief in hours, days or words; the side and level of an earlier procedure ---------------------

RFA = {"request": "Right L4-5 and L5-S1 radiofrequency ablation"}
RFA_FIELDS = dict(pain={"score": 6, "radiating": False}, exam={"date": "2015-05-01", "straight_leg_raise": "negative"},
                  findings={"active_rehabilitation": True}, items=[RFA])


def block(**extra):
    return {"service": "medial branch block", "region": "lumbar", "date": "2015-03-02", **extra}


@pytest.mark.parametrize("result, expected", [
    ({"relief_percent": 80, "relief_hours": 4}, "overturned"),
    ({"relief_percent": 80}, "overturned"),                     # duration not stated: read on its percent
    ({"relief_percent": 50, "relief_hours": 3}, "upheld"),       # under 70%
    ({"relief_percent": 80, "relief_hours": 0.5}, "upheld"),     # wore off before the anaesthetic would
    ({"relief": "none"}, "upheld"),
    ({"relief_percent": 80, "relief_hours": 4, "side": "left"}, "upheld"),        # the other side was tested
    ({"relief_percent": 80, "relief_hours": 4, "side": "right", "levels": ["L2-3"]}, "upheld"),  # other levels
    ({"relief_percent": 80, "relief_hours": 4, "side": "both", "levels": ["L4-5", "L5-S1"]}, "overturned"),
])
def test_neurotomy_reads_the_diagnostic_block_response_in_hours(pack, result, expected):
    assert decided(pack, procedures=[block(**result)], **RFA_FIELDS).outcome == expected


ESI = {"request": "Repeat right L4-5 TFESI"}


@pytest.mark.parametrize("result, weeks", [
    ({"relief_weeks": 8}, 8),
    ({"relief_days": 2}, 0.29),
    ({"relief_hours": 6}, 0.04),
    ({"relief": "none"}, 0),
    ({"relief": "temporary"}, None),
])
def test_relief_duration_in_any_unit_reads_as_weeks(fact, result, weeks):
    procs = [{"service": "ESI", "region": "lumbar", "date": "2015-01-29", **result}]
    assert fact("history.last_relief_weeks", ESI, procedures=procs) == weeks


def test_relief_none_is_zero_percent_and_temporary_is_kept_as_said(fact):
    procs = [{"service": "ESI", "region": "lumbar", "relief": "none"}]
    assert fact("history.last_relief_percent", ESI, procedures=procs) == 0
    procs = [{"service": "ESI", "region": "lumbar", "relief": "temporary"}]
    assert fact("history.last_relief", ESI, procedures=procs) == "temporary"
    assert fact("history.last_relief_percent", ESI, procedures=procs) is None


def test_an_earlier_block_on_the_other_side_is_not_an_earlier_one_of_this(fact):
    left = {"service": "ESI", "region": "lumbar", "date": "2015-01-29", "side": "left", "relief": "none"}
    assert fact("history.prior_count", ESI, procedures=[left]) == 0
    assert fact("history.prior_count_past_year", ESI, procedures=[left]) == 1   # the yearly limit counts the region
    assert fact("history.prior_count", ESI, procedures=[{**left, "side": "right"}]) == 1
    assert fact("history.prior_count", ESI, procedures=[{**left, "side": None}]) == 1   # side not stated
    assert fact("history.prior_count", ESI, procedures=[{**left, "side": "right", "levels": ["L4-5"]}]) == 1
    assert fact("history.prior_count", ESI, procedures=[{**left, "side": "right", "levels": ["L2-3"]}]) == 0


def test_shoulder_repeat_after_temporary_relief(pack):
    """ODG Shoulder, steroid injections: a repeat after partial, temporary relief."""
    item = {"request": "Repeat right shoulder subacromial cortisone injection"}
    fields = dict(diagnoses=["right shoulder impingement"], pain={"score": 6}, items=[item],
                  medications=[{"drug": "naproxen", "since": "2015-01-01"}])
    prior = {"service": "subacromial injection", "region": "shoulder", "side": "right", "date": "2015-03-01"}
    key = "acoem.shoulder-corticosteroid-injection.repeat_after_relief"
    assert criterion(decided(pack, procedures=[{**prior, "relief": "temporary"}], **fields), key) == "met"
    assert criterion(decided(pack, procedures=[{**prior, "relief": "none"}], **fields), key) == "not_met"
    assert criterion(decided(pack, procedures=[{**prior, "relief": "temporary", "relief_percent": 30}], **fields),
                     key) == "not_met"
    assert criterion(decided(pack, procedures=[prior], **fields), key) == "not_documented"


# --- time off work ---------------------------------------------------------------------------------

FRP = {"request": "Functional restoration program x 10 days"}
FRP_FINDINGS = {"conservative_care_failed": True, "not_surgical_candidate": True, "significant_functional_loss": True,
                "baseline_functional_testing": True, "motivated_to_change": True, "negative_predictors_addressed": True}


@pytest.mark.parametrize("function, goals, expected", [
    ({"off_work_since": "2012-04-01"}, False, "upheld"),     # 38 months off work, outcomes not identified
    ({"off_work_since": "2012-04-01"}, True, "overturned"),
    ({"off_work_months": 30}, False, "upheld"),
    ({"off_work_months": 8}, False, "overturned"),
    ({}, False, "overturned"),                               # not documented: not held against the request
])
def test_programme_for_a_patient_off_work_over_two_years_needs_stated_outcomes(pack, function, goals, expected):
    findings = {**FRP_FINDINGS, **({"functional_goals": True} if goals else {})}
    assert decided(pack, function=function, findings=findings, items=[FRP]).outcome == expected


def test_months_off_work_and_the_work_status_it_implies(fact):
    assert fact("function.months_off_work", FRP, function={"off_work_since": "2013-06-01"}) == pytest.approx(24, abs=0.2)
    assert fact("function.work_status", FRP, function={"off_work_months": 3}) == "not_working"
    assert fact("function.work_status", FRP, function={"work_status": "retired", "off_work_months": 3}) == "retired"


def test_off_work_since_after_the_request_is_not_used():
    case = case_from_data({**DAY, "function": {"off_work_since": "2015-07-01"}, "items": [FRP]})
    as_of, later = as_of_request(case)
    assert as_of.function.off_work_since is None
    assert later == ("off work since 2015-07-01",)


# --- examination signs by name -----------------------------------------------------------------------

SCOPE = {"request": "Right knee arthroscopy with partial medial meniscectomy"}


@pytest.mark.parametrize("signs, expected", [
    ([{"sign": "positive McMurray"}], True),
    ([{"sign": "medial joint line tenderness", "side": "right"}], True),
    ([{"sign": "positive McMurray", "side": "left"}], None),     # the other knee
    ([{"sign": "negative McMurray"}], None),                      # kept, not a finding
    ([{"sign": "effusion"}, {"sign": "crepitus"}], None),
])
def test_meniscal_signs_by_name(fact, signs, expected):
    assert fact("finding.meniscal_exam_signs", SCOPE, exam={"signs": signs}) is expected


def test_a_stated_finding_wins_over_a_sign(fact):
    assert fact("finding.meniscal_exam_signs", SCOPE, exam={"signs": [{"sign": "positive McMurray"}]},
                findings={"meniscal_exam_signs": False}) is False


@pytest.mark.parametrize("words, expected", [
    (["positive FABER", "positive Gaenslen", "positive thigh thrust"], 3),
    (["positive FABER", "positive Patrick"], 1),                 # one test under two names counts once
    (["positive FABER"], 1),
])
def test_sacroiliac_provocation_tests_are_counted(fact, words, expected):
    item = {"request": "Right SI joint injection"}
    assert fact("finding.si_positive_tests", item, exam={"signs": [{"sign": w} for w in words]}) == expected


def test_trigger_point_injection_needs_twitch_and_referred_pain(pack):
    item = {"request": "Trigger point injections x3 left upper trapezius"}
    key = "mtus-cpmtg.trigger-point-injections.trigger_points_on_exam"
    both = [{"sign": "local twitch response"}, {"sign": "referred pain on palpation"}]
    assert criterion(decided(pack, exam={"signs": both}, items=[item]), key) == "met"
    assert criterion(decided(pack, exam={"signs": both[1:]}, items=[item]), key) != "met"


def test_an_unknown_sign_word_is_still_an_error(pack):
    with pytest.raises(EngineError, match="did you mean 'positive mcmurray's test'"):
        decided(pack, exam={"signs": [{"sign": "positive mcmurray's tst"}]}, items=[SCOPE])


# --- bad input: one line naming the field; old files load --------------------------------------------

def explain(tmp_path, text: str):
    path = tmp_path / "case.yaml"
    path.write_text(textwrap.dedent(text))
    return path, CliRunner().invoke(app, ["explain", str(path)])


@pytest.mark.parametrize("fragment, field, message", [
    ("medications:\n  - {drug: naproxen, stopped_for: [side_effects]}\n", "medications[0].stopped_for",
     "set status: past"),
    ("procedures:\n  - {service: ESI, relief_days: 2, relief_weeks: 1}\n", "procedures[0].relief_weeks",
     "given twice"),
    ("procedures:\n  - {service: ESI, relief: none, relief_percent: 50}\n", "procedures[0].relief", "contradicts"),
    ("function: {work_status: full_duty, off_work_months: 3}\n", "function.work_status", "contradicts"),
    ("function: {off_work_since: 2013-01-01, off_work_months: 3}\n", "function.off_work_months", "given twice"),
    ("medications:\n  - {drug: naproxen, stopped_for: [gi_upset]}\n", "medications[0].stopped_for[0]", "got 'gi_upset'"),
])
def test_contradictory_record_fields_are_one_line_errors(tmp_path, fragment, field, message):
    path, result = explain(tmp_path, "request_date: 2015-06-01\ninjury_date: 2012-01-01\n" + fragment
                           + "items:\n  - {request: Acupuncture x6}\n")
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith(f"error: {path}:") and f": {field}:" in err and message in err, err


def test_a_case_without_the_new_fields_decides_as_before(pack):
    """The fields are optional: a record that does not state them reads as not documented, as before."""
    old = dict(medications=[{"drug": "Norco", "status": "past"}], items=[NUCYNTA],
               findings={"first_line_opioid_intolerance": True})
    assert criterion(decided(pack, **old), "mtus-cpmtg.tapentadol.first_line_opioid_intolerance") == "met"


def test_the_explanation_cites_the_drug_entry_that_shows_the_failure(pack):
    meds = [{"drug": "Norco", "status": "past", "stopped_for": ["side_effects"],
             "documented_in": "PR-2 2015-01-20: Norco d/c'd, vomiting"}]
    case = case_from_data({**DAY, "medications": meds, "items": [NUCYNTA]})
    ctx = Context(case, case.items[0], resolve_items(case, pack)[0], pack.vocab, pack.table_values)
    assert ctx.source_of(FACTS["history.first_line_opioid_intolerance"]) == "PR-2 2015-01-20: Norco d/c'd, vomiting"
    stated = case.model_copy(update={"findings": {"first_line_opioid_intolerance": True},
                                     "sources": {"first_line_opioid_intolerance": "PR-2: intolerant of Norco"}})
    ctx = Context(stated, stated.items[0], resolve_items(stated, pack)[0], pack.vocab, pack.table_values)
    assert ctx.source_of(FACTS["history.first_line_opioid_intolerance"]) == "PR-2: intolerant of Norco"


@pytest.mark.parametrize("entry, expected", [
    ({"drug": "senna", "status": "past", "stopped_for": ["no_benefit"]}, True),
    ({"drug": "senna", "status": "past"}, None),
    ({"drug": "senna", "status": "past", "stopped_for": ["not_authorized"]}, None),
])
def test_laxatives_that_did_not_work_are_failed_first_line_care(fact, entry, expected):
    item = {"request": "Movantik 25mg #30", "sig": "1 qd"}
    assert fact("history.oic_first_line_failed", item, medications=[{"drug": "MS Contin"}, entry]) is expected

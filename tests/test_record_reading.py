"""How the engine reads a record: tri-state histories, regimen-level benefit, author roles, dates,
unknown names, examination signs and same-level, same-side corroboration (issue 13, issue 15 item 4).

Every test goes through the real loader and engine; each changes one documented fact and checks
the outcome moves the way the guideline says."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.decide.evaluate import evaluate, resolve_items
from engine.errors import EngineError
from engine.knowledge.case_files import case_from_data
from engine.knowledge.facts import FACTS, Context

# --- helpers --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fact(pack):
    def run(name: str, item: dict, **fields):
        case = case_from_data({"request_date": "2015-06-01", "items": [item], **fields})
        resolved = resolve_items(case, pack)
        return FACTS[name].compute(Context(case, case.items[0], resolved[0], pack.vocab, pack.table_values))

    return run


def outcome(pack, data: dict, item: int = 0):
    decision = evaluate(case_from_data(data), pack)
    return decision.items[item]


def run_explain(tmp_path, text: str):
    path = tmp_path / "case.yaml"
    path.write_text(textwrap.dedent(text))
    return path, CliRunner().invoke(app, ["explain", str(path)])


# --- tri-state histories --------------------------------------------------------------------------

SOMA = {"request": "Soma 350mg #21", "sig": "1 tid"}


@pytest.mark.parametrize("name, item", [
    ("drug.weeks_on_drug", SOMA),
    ("history.first_line_tried", {"request": "Ultram 50mg #60", "sig": "1 bid"}),
    ("history.neuropathic_first_line_tried", {"request": "Lidoderm 5% patch #30"}),
    ("drug.other_nsaids", {"request": "Naproxen 550mg #60", "sig": "1 bid"}),
    ("drug.current_opioid", {"request": "OxyContin 20mg #60", "sig": "1 q12h"}),
])
def test_a_missing_medication_history_is_not_documented_and_an_empty_one_is_none(fact, name, item):
    assert fact(name, item) is None
    assert fact(name, item, medications=[]) in (0, False)


def test_a_missing_procedure_history_is_not_documented_and_an_empty_one_is_none(fact):
    esi = {"request": "Right L5-S1 TFESI"}
    assert fact("history.prior_count", esi) is None
    assert fact("history.prior_count", esi, procedures=[]) == 0
    assert fact("history.prior_count", esi, procedures=[{"service": "ESI", "region": "lumbar"}]) == 1


def test_a_missing_drug_screen_history_is_not_documented(fact):
    norco = {"request": "Norco 10/325 #90", "sig": "1 tid"}
    assert fact("monitoring.unaddressed_inconsistent_screens", norco) is None
    assert fact("monitoring.unaddressed_inconsistent_screens", norco, monitoring={"drug_screens": []}) == 0


def test_soma_with_no_medication_list_is_not_read_as_a_new_start(pack):
    base = {"request_date": "2015-06-01", "findings": {"acute_exacerbation": True}, "items": [SOMA]}
    assert outcome(pack, {**base, "medications": []}).outcome == "overturned"
    missing = outcome(pack, base)
    assert missing.outcome == "upheld" and missing.unmet == ["mtus-cpmtg.carisoprodol.not_long_term"]


def test_the_record_keeps_the_difference_through_verify(pack, tmp_path):
    from engine.decide.record import decide, read_records, record_json
    from engine.decide.verification import verify

    case = case_from_data({"request_date": "2015-06-01", "findings": {"acute_exacerbation": True}, "items": [SOMA]})
    path = tmp_path / "record.json"
    path.write_text(record_json(decide(case, "soma", pack, "2020-01-01T00:00:00Z")))
    [again] = read_records(path)
    assert "medications" not in again.input.case
    result = verify(again, pack)
    assert result.reproduced and result.details == []


# --- regimen-level benefit ------------------------------------------------------------------------

NORCO_CASE = {
    "request_date": "2015-06-01", "injury_date": "2012-01-01",
    "pain": {"without_medication": 8, "with_medication": 4},
    "regimen": {"function_improved": True, "documented_in": "PR-2 2015-05-20: with medications does housework"},
    "medications": [{"drug": "Norco", "strength": "10/325 mg", "sig": "1 tid", "since": "2014-01-01"},
                    {"drug": "naproxen", "sig": "1 bid"}],
    "monitoring": {"opioid_agreement": True},
    "items": [{"id": "norco", "request": "Norco 10/325mg #90", "sig": "1 tid"}],
}


def test_regimen_level_relief_and_function_count_for_each_listed_drug(pack):
    assert outcome(pack, NORCO_CASE).outcome == "overturned"


def test_without_the_regimen_benefit_the_opioid_is_denied(pack):
    data = {**NORCO_CASE, "pain": {"score": 6}, "regimen": {}}
    got = outcome(pack, data)
    assert got.outcome == "upheld"
    assert {"mtus-cpmtg.opioids-ongoing.pain_relief_from_this_drug",
            "mtus-cpmtg.opioids-ongoing.functional_benefit"} <= set(got.unmet)


def test_drugs_the_reports_never_name_get_no_regimen_benefit(pack):
    meds = [{**NORCO_CASE["medications"][0], "named_in_reports": False}, NORCO_CASE["medications"][1]]
    got = outcome(pack, {**NORCO_CASE, "medications": meds})
    assert got.outcome == "upheld" and "mtus-cpmtg.opioids-ongoing.pain_relief_from_this_drug" in got.unmet


def test_a_drug_attributed_otherwise_keeps_its_own_response(pack):
    meds = [{**NORCO_CASE["medications"][0], "response": {"pain_reduced": False}}, NORCO_CASE["medications"][1]]
    got = outcome(pack, {**NORCO_CASE, "medications": meds})
    assert got.outcome == "upheld" and "mtus-cpmtg.opioids-ongoing.pain_relief_from_this_drug" in got.unmet


def test_regimen_percent_relief_comes_from_the_scores(fact):
    gabapentin = {"request": "Neurontin 600mg #90", "sig": "1 tid"}
    fields = {"medications": [{"drug": "gabapentin"}], "pain": {"without_medication": 8, "with_medication": 5}}
    assert fact("benefit.pain_reduction_percent", gabapentin, **fields) == 37.5
    assert fact("drug.pain_reduction_percent", gabapentin, **fields) is None  # nothing attributed by name


# --- author roles ---------------------------------------------------------------------------------

HIGH_DOSE = {**NORCO_CASE, "medications": [{"drug": "OxyContin", "strength": "40 mg", "sig": "1 q12h"},
                                           {"drug": "Roxicodone", "strength": "15 mg", "sig": "1 q6h"}],
             "items": [{"id": "oxy", "request": "Roxicodone 15mg #120", "sig": "1 q6h"}]}


def test_pain_management_reports_are_the_consultation_high_doses_need(pack):
    without = outcome(pack, HIGH_DOSE)
    assert "mtus-cpmtg.opioid-dosing.within_120_mme" in without.unmet
    author = outcome(pack, {**HIGH_DOSE, "author": {"role": "pain_management"}})
    assert "mtus-cpmtg.opioid-dosing.within_120_mme" not in author.unmet
    report = outcome(pack, {**HIGH_DOSE, "author": {"role": "treating_physician"},
                            "reports": [{"name": "pain consult 2015-04-01", "role": "pain_management"}]})
    assert "mtus-cpmtg.opioid-dosing.within_120_mme" not in report.unmet
    treating = outcome(pack, {**HIGH_DOSE, "author": {"role": "treating_physician"}})
    assert "mtus-cpmtg.opioid-dosing.within_120_mme" in treating.unmet


# --- dates ----------------------------------------------------------------------------------------

GOOD = """\
request_date: 2015-06-01
injury_date: 2014-01-01
medications: []
findings: {acute_exacerbation: true}
items:
  - {id: soma, request: "Soma 350mg #21", sig: 1 tid}
"""


@pytest.mark.parametrize("old, new, field, words", [
    ("request_date: 2015-06-01", "request_date: 0", "request_date", "not as a number"),
    ("request_date: 2015-06-01", "request_date: 20150601", "request_date", "not as a number"),
    ("request_date: 2015-06-01", "request_date: 9999-12-31", "request_date", "outside 1900-2100"),
    ("request_date: 2015-06-01", "request_date: 1901-01-01", "request_date", "before 1990"),
    ("request_date: 2015-06-01", "request_date: 2099-01-01", "request_date", "in the future"),
    ("injury_date: 2014-01-01", "injury_date: 0001-01-01", "injury_date", "outside 1900-2100"),
    ("injury_date: 2014-01-01", "injury_date: 2016-01-01", "injury_date", "after request_date"),
    ("medications: []", "exam: {date: 2013-06-01, spasm: true}", "exam.date", "before the injury"),
    ("medications: []", "medications: [{drug: Norco, since: 2015-01-01, stopped: 2014-01-01}]",
     "medications[0].stopped", "before since"),
])
def test_impossible_dates_are_one_line_errors_at_their_field(tmp_path, old, new, field, words):
    text = GOOD.replace(old, new)
    path, result = run_explain(tmp_path, text)
    line = text.splitlines().index(new.splitlines()[0]) + 1
    assert result.exit_code == 2, result.output
    assert f"{path}:{line}: {field}:" in result.stderr and words in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


ESI = {
    "request_date": "2015-06-01", "injury_date": "2013-01-01", "procedures": [],
    "pain": {"score": 7, "radiating": True},
    "findings": {"conservative_care_failed": True},
    "exam": {"date": "2015-05-20", "sensory_loss": [{"level": "L5", "side": "right"}]},
    "studies": [{"kind": "mri", "region": "lumbar", "date": "2015-03-01", "nerve_root_levels": ["L5"],
                 "side": "right"}],
    "items": [{"id": "esi", "request": "Right L4-5 transforaminal ESI"}],
}


def test_evidence_dated_after_the_request_is_not_used_and_is_listed(pack):
    assert outcome(pack, ESI).outcome == "overturned"
    later = {**ESI, "studies": [{**ESI["studies"][0], "date": "2015-07-01"}]}
    got = outcome(pack, later)
    assert got.outcome == "upheld" and "mtus-cpmtg.esi.corroborated" in got.unmet
    assert any("not used: dated after the request" in note and "mri lumbar 2015-07-01" in note
               for note in got.assumptions)
    exam_later = outcome(pack, {**ESI, "exam": {**ESI["exam"], "date": "2015-06-10"}})
    assert exam_later.outcome == "upheld" and "mtus-cpmtg.esi.radiculopathy_on_exam" in exam_later.unmet


def test_a_medication_started_after_the_request_is_not_used(fact):
    ultram = {"request": "Ultram 50mg #60", "sig": "1 bid"}
    assert fact("history.first_line_tried", ultram, medications=[{"drug": "naproxen", "since": "2015-01-01"}])
    later = [{"drug": "naproxen", "since": "2015-07-01"}]
    # the context sees the case as given; the engine sets the later drug aside before deriving facts
    from engine.intake.cases import as_of_request

    case = case_from_data({"request_date": "2015-06-01", "medications": later, "items": [ultram]})
    kept, notes = as_of_request(case)
    assert kept.medications == [] and notes == ("naproxen started 2015-07-01",)


# --- unknown names --------------------------------------------------------------------------------


def test_an_unknown_drug_in_the_history_is_an_error_with_a_suggestion(tmp_path):
    text = GOOD.replace("medications: []", "medications: [{drug: Norcoo}]")
    path, result = run_explain(tmp_path, text)
    assert result.exit_code == 2
    assert f"{path}:3: medications[0].drug:" in result.stderr and "did you mean" in result.stderr
    assert "kind: other" in result.stderr


def test_a_drug_kept_as_other_is_shown_and_read_by_no_rule(tmp_path):
    text = GOOD.replace("medications: []", "medications: [{drug: Bioflex herbal, kind: other}]")
    _, result = run_explain(tmp_path, text)
    assert result.exit_code == 0, result.stderr
    assert "kept unclassified (kind: other), read by no rule: Bioflex herbal" in " ".join(result.stdout.split())


def test_an_unknown_examination_sign_is_an_error(tmp_path):
    text = GOOD.replace("medications: []", "exam: {signs: [{sign: hypoesthezia, level: L5}]}")
    path, result = run_explain(tmp_path, text)
    assert result.exit_code == 2
    assert "exam.signs[0].sign" in result.stderr and "did you mean 'hypoesthesia'" in result.stderr


# --- examination signs and corroboration ----------------------------------------------------------


@pytest.mark.parametrize("word", ["dysesthesia", "hypoesthesia", "decreased sensation", "paresthesia",
                                  "EHL weakness", "diminished Achilles reflex"])
def test_radicular_signs_named_as_clinicians_name_them(pack, word):
    exam = {"date": "2015-05-20", "signs": [{"sign": word, "level": "L5", "side": "right"}]}
    assert outcome(pack, {**ESI, "exam": exam}).outcome == "overturned"


def test_a_non_radicular_finding_is_not_radiculopathy(pack):
    exam = {"date": "2015-05-20", "signs": [{"sign": "non-dermatomal numbness", "side": "right"}]}
    got = outcome(pack, {**ESI, "exam": exam, "pain": {"score": 7}})
    assert "mtus-cpmtg.esi.radiculopathy_on_exam" in got.unmet


def test_straight_leg_raise_supports_radicular_pain_only_with_radiating_pain(pack):
    exam = {"date": "2015-05-20", "straight_leg_raise": "positive", "straight_leg_raise_side": "right"}
    assert outcome(pack, {**ESI, "exam": exam}).outcome == "overturned"
    got = outcome(pack, {**ESI, "exam": exam, "pain": {"score": 7, "radiating": False}})
    assert got.outcome == "upheld" and "mtus-cpmtg.esi.radiculopathy_on_exam" in got.unmet


@pytest.mark.parametrize("request_text, exam_level, exam_side, study_level, study_side, expected", [
    ("Right L4-5 transforaminal ESI", "L5", "right", "L5", "right", "overturned"),
    ("Right L5-S1 transforaminal ESI", "L5", "right", "L5", "right", "overturned"),
    ("Left L5-S1 transforaminal ESI", "L5", "right", "L5", "right", "upheld"),  # other side
    ("Right L5-S1 transforaminal ESI", "C6", "right", "C6", "right", "upheld"),  # other region
    ("Right L2-3 transforaminal ESI", "L5", "right", "L5", "right", "upheld"),   # other level
    ("Right L4-5 transforaminal ESI", "L5", "right", "S1", "right", "upheld"),   # study at another root
    ("Right L4-5 transforaminal ESI", "L5", "left", "L5", "left", "upheld"),     # findings on the left only
    ("Bilateral L4-5 transforaminal ESI", "L5", "right", "L5", "both", "overturned"),
])
def test_corroboration_is_at_the_injected_level_and_side(pack, request_text, exam_level, exam_side, study_level,
                                                         study_side, expected):
    data = {**ESI, "exam": {"date": "2015-05-20", "sensory_loss": [{"level": exam_level, "side": exam_side}]},
            "studies": [{"kind": "mri", "region": "lumbar", "nerve_root_levels": [study_level], "side": study_side}],
            "items": [{"id": "esi", "request": request_text}]}
    got = outcome(pack, data)
    assert got.outcome == expected, got.unmet
    if expected == "upheld":
        assert "mtus-cpmtg.esi.corroborated" in got.unmet


def test_conservative_care_is_read_from_the_history(pack):
    data = {**ESI, "findings": {}}
    got = outcome(pack, data)
    assert "mtus-cpmtg.esi.conservative_care_failed" in got.unmet
    tried = {**data, "procedures": [{"service": "physical therapy", "region": "lumbar", "visits": 12}]}
    assert outcome(pack, tried).outcome == "overturned"
    resolved = {**tried, "pain": {"score": 2, "radiating": False}}
    assert "mtus-cpmtg.esi.conservative_care_failed" in outcome(pack, resolved).unmet


def test_an_old_case_without_the_new_fields_still_loads(pack):
    with pytest.raises(EngineError):
        case_from_data({"request_date": "2015-06-01", "record": "insufficient", "items": [SOMA]})
    case = case_from_data({"request_date": "2015-06-01", "items": [SOMA]})
    assert case.record is None and case.author is None and case.exam.signs == []


def test_a_reported_percent_the_scores_contradict_is_not_relief(fact):
    norco = {"request": "Norco 10/325 #90", "sig": "1 tid"}
    meds = [{"drug": "Norco"}]
    assert fact("benefit.pain_reduced", norco, medications=meds,
                pain={"with_medication": 3, "reported_relief_percent": 70}) is True
    assert fact("benefit.pain_reduced", norco, medications=meds,
                pain={"with_medication": 8, "reported_relief_percent": 80}) is None

"""Guideline editions (rules/editions.yaml): each request is judged by the edition that governed it,
by the date that edition is keyed to; when the pack lacks that edition, the nearest earlier one
decides and every output says so; impossible edition data is refused by `ur validate`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml

from engine.errors import EngineError
from engine.knowledge.editions import Dates
from engine.knowledge.pack import load_pack
from tests.conftest import ROOT

SOMA = {"injury_date": "2014-01-01", "medications": [], "findings": {"acute_exacerbation": True},
        "items": [{"id": "soma", "request": "Soma 350mg #21", "sig": "1 tid"}]}
MRI = {"injury_date": "2017-06-01", "findings": {"conservative_care_weeks": 8, "surgery_considered": True},
       "exam": {"date": "2017-11-10", "motor_deficit": [{"level": "L5"}]},
       "items": [{"id": "mri", "request": "MRI lumbar spine"}]}


def rule_ids(decision):
    return [r.id for r in decision.items[0].rules]


def copy_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    return rules


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


# --- which edition governs ------------------------------------------------------------------

def test_every_2009_chronic_pain_rule_ends_2016_07_28(pack):
    rules = [r.rule for r in pack.rules if r.rule.citation.guideline == "MTUS Chronic Pain Medical Treatment Guidelines"]
    assert len(rules) > 60
    assert {(r.effective.until, r.effective.edition) for r in rules} == {(dt.date(2016, 7, 28), "mtus-cpmtg-2009")}
    assert pack.by_id["imr.associated-services"].rule.effective.until == dt.date(2016, 7, 28)


def test_soma_notice_appears_after_2016_07_28_and_not_before(decide):
    before = decide({**SOMA, "request_date": "2016-07-01"}).items[0]
    after = decide({**SOMA, "request_date": "2016-09-01"}).items[0]
    assert before.outcome == after.outcome == "overturned"
    assert before.editions == [] and all(r.stands_in_for is None for r in before.rules)
    [notice] = after.editions
    assert notice.governing == "MTUS Chronic Pain Medical Treatment Guidelines, 2016 update"
    assert (notice.keyed_to, notice.date, notice.governing_from) == ("request_date", "2016-09-01", "2016-07-29")
    assert "mtus-cpmtg.carisoprodol" in notice.applied and "does not encode" in notice.text
    deciding = [r for r in after.rules if r.applicable and not r.superseded_by]
    # never cited as if the 2009 text governed: every citation of a stand-in says what it stands in for
    assert all(r.stands_in_for and "in place of" in r.citation for r in deciding)
    assert all("in place of" in c.citation for r in deciding for c in r.criteria if c.citation.startswith("MTUS Chronic"))
    assert any(c.citation.startswith("MTUS Chronic") for r in deciding for c in r.criteria)


def test_opioids_are_told_the_separate_2016_opioid_guideline_governed(decide):
    decision = decide({"request_date": "2016-09-01", "injury_date": "2014-01-01",
                       "items": [{"id": "n", "request": "Norco 10/325 #60", "sig": "1 q6h"}]})
    by_edition = {n.governing: n.applied for n in decision.items[0].editions}
    assert "mtus-cpmtg.opioids-initiation" in by_edition["MTUS Opioids Treatment Guidelines, 2016"]
    # the acetaminophen in Norco is judged by the chronic pain line, whose 2016 update governed
    assert by_edition.get("MTUS Chronic Pain Medical Treatment Guidelines, 2016 update", []) == ["mtus-cpmtg.acetaminophen"]


def test_the_2017_update_is_keyed_to_the_date_of_service(decide):
    def notices(**dates):
        return [n.governing for n in decide({**MRI, **dates}).items[0].editions]

    assert notices(request_date="2017-11-20", date_of_service="2017-12-05") == \
        ["MTUS ACOEM-based update of 2017-12-01 (current ACOEM chapters)"]
    assert notices(request_date="2017-11-20", date_of_service="2017-11-25") == []
    assert notices(request_date="2017-11-20") == []                              # the request date stands in
    assert notices(request_date="2017-12-04", date_of_service="2017-11-30") == []  # a service before the update
    [text] = [n.text for n in decide({**MRI, "request_date": "2017-12-04"}).items[0].editions]
    assert "none stated; request date 2017-12-04 used" in text


def test_shoulder_acupuncture_before_2009_07_18_names_acoem_shoulder_chapter(decide):
    base = {"injury_date": "2007-01-15", "findings": {"active_rehabilitation": True},
            "items": [{"id": "acu", "request": "Acupuncture x6 right shoulder"}]}
    early = decide({**base, "request_date": "2008-03-10"}).items[0]
    late = decide({**base, "request_date": "2010-03-10"}).items[0]
    lumbar = decide({**base, "request_date": "2008-03-10",
                     "items": [{"id": "acu", "request": "Acupuncture x6 lumbar"}]}).items[0]
    assert early.outcome == "no_applicable_rule" and "shoulder complaints chapter" in early.editions[0].text
    assert late.outcome == lumbar.outcome == "overturned" and late.editions == lumbar.editions == []


def test_before_the_2009_edition_the_notice_names_the_2007_mtus(decide):
    item = decide({**SOMA, "injury_date": "2007-03-01", "request_date": "2008-06-01"}).items[0]
    assert item.outcome == "no_applicable_rule"
    assert item.editions[0].governing.startswith("MTUS of 2007")


def test_a_successor_edition_replaces_the_stand_in(tmp_path):
    """Encode the 2016 carisoprodol section (a made-up 14-day limit): it decides 2016 requests without a
    notice, the 2009 rule keeps 2015, and for a 2018 service the 2016 rule, now the nearest, stands in alone."""
    from engine.decide.evaluate import evaluate
    from engine.knowledge.case_files import case_from_data

    rules = copy_rules(tmp_path)
    old = (rules / "mtus-cpmtg-2009" / "carisoprodol.yaml").read_text()
    new = (old.replace("id: mtus-cpmtg.carisoprodol", "id: mtus-cpmtg-2016.carisoprodol\nreplaces: [mtus-cpmtg.carisoprodol]")
              .replace("effective: {from: 2009-07-18, until: 2016-07-28, edition: mtus-cpmtg-2009}",
                       "effective: {from: 2016-07-29, until: 2017-11-30, edition: mtus-cpmtg-2016}")
              .replace("value: 21}", "value: 14}"))
    (rules / "mtus-cpmtg-2009" / "carisoprodol-2016.yaml").write_text(new)
    pack = load_pack(rules)

    def run(day):
        twenty_days = {**SOMA, "items": [{"id": "soma", "request": "Soma 350mg #60", "sig": "1 tid"}]}
        return evaluate(case_from_data({**twenty_days, "request_date": day}), pack).items[0]

    early, mid, late = run("2015-06-01"), run("2016-09-01"), run("2018-03-01")
    assert "mtus-cpmtg.carisoprodol" in [r.id for r in early.rules] and early.outcome == "overturned"
    assert "mtus-cpmtg-2016.carisoprodol" in [r.id for r in mid.rules] and "mtus-cpmtg.carisoprodol" not in [r.id for r in mid.rules]
    assert mid.outcome == "upheld"  # 20 days exceeds the new edition's 14
    assert not any("carisoprodol" in rule for n in mid.editions for rule in n.applied)
    assert [r.id for r in late.rules if "carisoprodol" in r.id] == ["mtus-cpmtg-2016.carisoprodol"]
    assert any("mtus-cpmtg-2016.carisoprodol" in n.applied for n in late.editions)


def test_carries_into_needs_a_source_and_then_governs(tmp_path):
    from engine.decide.evaluate import evaluate
    from engine.knowledge.case_files import case_from_data
    from engine.quality.lint import lint_pack

    rules = copy_rules(tmp_path)
    path = rules / "mtus-cpmtg-2009" / "carisoprodol.yaml"
    edit(path, "effective: {from: 2009-07-18, until: 2016-07-28, edition: mtus-cpmtg-2009}",
         "effective: {from: 2009-07-18, until: 2017-11-30, edition: mtus-cpmtg-2009}")
    codes = [(i.code, i.file) for i in lint_pack(rules) if i.severity == "error"]
    assert ("edition-window", str(path)) in codes  # extended without a source: refused
    edit(path, "effective: {from: 2009-07-18, until: 2017-11-30, edition: mtus-cpmtg-2009}",
         "effective:\n  from: 2009-07-18\n  until: 2016-07-28\n  edition: mtus-cpmtg-2009\n  carries_into:\n"
         "    - {edition: mtus-cpmtg-2016, source: a cited source saying the 2016 update kept it, verified: sec}")
    assert not [i for i in lint_pack(rules) if i.file == str(path) and i.severity == "error"]
    item = evaluate(case_from_data({**SOMA, "request_date": "2016-09-01"}), load_pack(rules)).items[0]
    soma = next(r for r in item.rules if r.id == "mtus-cpmtg.carisoprodol")
    assert soma.stands_in_for is None and not any("mtus-cpmtg.carisoprodol" in n.applied for n in item.editions)


def test_a_pack_without_editions_still_loads_and_flags_rules_past_their_end(tmp_path):
    from engine.decide.evaluate import evaluate
    from engine.knowledge.case_files import case_from_data

    rules = copy_rules(tmp_path)
    (rules / "editions.yaml").unlink()
    for path in rules.rglob("*.yaml"):
        text = path.read_text()
        path.write_text(text.replace(", edition: mtus-cpmtg-2009}", "}").replace(", edition: acoem-2004}", "}")
                        .replace(", edition: odg-2013-2016}", "}").replace(", edition: other-2013-2016}", "}")
                        .replace(", edition: mtus-acupuncture-2007}", "}").replace(", edition: mtus-postsurgical-2009}", "}"))
    pack = load_pack(rules)
    item = evaluate(case_from_data({**SOMA, "request_date": "2016-09-01"}), pack).items[0]
    assert "mtus-cpmtg.carisoprodol" in [r.id for r in item.rules]
    assert item.editions and "no later edition" in item.editions[0].text


# --- definitions that changed between editions ------------------------------------------------

@pytest.mark.parametrize("request_date, injury_date, chronic", [
    ("2016-07-20", "2016-04-22", True),    # 2009: beyond tissue healing, read as more than 12 weeks (12.9)
    ("2016-08-01", "2016-05-05", False),   # 2016: three months from onset not reached (12.6 weeks)
    ("2016-08-05", "2016-05-05", True),    # 2016: three calendar months reached
    ("2016-07-26", "2016-05-05", False),   # 2009: 11.6 weeks
])
def test_chronic_pain_follows_the_definition_in_force(pack, request_date, injury_date, chronic):
    from engine.decide.items import resolve_items
    from engine.knowledge.case_files import case_from_data
    from engine.knowledge.facts import FACTS, Context

    case = case_from_data({"request_date": request_date, "injury_date": injury_date,
                           "items": [{"id": "s", "request": "Soma 350mg #21"}]})
    ctx = Context(case, case.items[0], resolve_items(case, pack)[0], pack.vocab, pack.table_values, {}, pack.editions)
    assert FACTS["case.chronic_phase"].compute(ctx) is chronic
    source = ctx.source_of(FACTS["case.chronic_phase"])
    assert ("three or more months" in source) is (request_date >= "2016-07-29")


# --- every output says it ----------------------------------------------------------------------

def test_every_output_carries_the_notice(tmp_path):
    from typer.testing import CliRunner

    from engine.cli import app

    case = tmp_path / "soma.yaml"
    case.write_text(yaml.safe_dump({**SOMA, "request_date": "2016-09-01"}))
    runner = CliRunner()
    for args in (["check", str(case)], ["check", str(case), "--format", "markdown"],
                 ["explain", str(case)], ["explain", str(case), "--format", "markdown"],
                 ["explain", str(case), "--format", "html"]):
        out = runner.invoke(app, args).output
        assert "2016 update" in out and "not encoded" in out.lower(), args
    check = json.loads(runner.invoke(app, ["check", str(case), "--format", "json"]).output)
    assert check["items"][0]["editions"][0]["governing"].endswith("2016 update")
    record = json.loads(runner.invoke(app, ["explain", str(case), "--format", "json"]).output)
    assert record["decision"]["items"][0]["editions"][0]["keyed_to"] == "request_date"
    batch = tmp_path / "in.jsonl"
    batch.write_text(json.dumps({**SOMA, "request_date": "2016-09-01"}) + "\n" + json.dumps({**SOMA, "request_date": "2015-09-01"}) + "\n")
    lines = runner.invoke(app, ["batch", str(batch)]).stdout.splitlines()
    assert [bool(json.loads(line)["decision"]["items"][0]["editions"]) for line in lines] == [True, False]
    saved = tmp_path / "record.json"
    saved.write_text(json.dumps(record))
    assert runner.invoke(app, ["verify", str(saved)]).exit_code == 0


def test_ur_test_and_coverage_count_not_encoded_items_apart():
    from typer.testing import CliRunner

    from engine.cli import app

    result = CliRunner().invoke(app, ["test", str(ROOT / "cases" / "editions"), "--coverage", "--format", "json"])
    data = json.loads(result.output)
    assert data["summary"]["edition_not_encoded"] == sum(r["edition_not_encoded"] for r in data["results"]) > 0
    assert data["coverage"]["stand_in"] > 0
    text = CliRunner().invoke(app, ["test", str(ROOT / "cases" / "editions")]).output
    assert "judged without the edition that governed" in text


def test_expected_edition_notice_fails_when_it_does_not_hold(tmp_path, pack):
    from engine.quality.regression import run

    case = tmp_path / "c.yaml"
    item = {"id": "soma", "request": "Soma 350mg #21", "sig": "1 tid", "expected": "overturned",
            "expected_edition_notice": False}
    case.write_text(yaml.safe_dump({**SOMA, "request_date": "2016-09-01", "items": [item]}))
    [result] = list(run([case], pack))
    assert result.status == "fail" and "expected_edition_notice false" in result.message


def test_rules_timeline_shows_editions_dates_and_gaps(tmp_path):
    from typer.testing import CliRunner

    from engine.cli import app

    out = CliRunner().invoke(app, ["rules", "--editions"]).output
    assert "2009-07-18 to 2016-07-28  request date" in out
    assert "2017-12-01 to open        date of service NOT ENCODED" in out
    rules = copy_rules(tmp_path)
    edit(rules / "editions.yaml", "        from: 2017-12-01\n        keyed_to: date_of_service\n        source: >-\n"
         "          8 CCR 9792.24.1 amended", "        from: 2018-03-01\n        keyed_to: date_of_service\n        source: >-\n"
         "          8 CCR 9792.24.1 amended")
    edit(rules / "editions.yaml", "        from: 2007-06-15\n        keyed_to: request_date\n        source: >-\n"
         "          Adopted with the MTUS", "        from: 2007-06-15\n        until: 2017-11-30\n        keyed_to: request_date\n"
         "        source: >-\n          Adopted with the MTUS")
    out = CliRunner().invoke(app, ["rules", "--editions", "--rules", str(rules)]).output
    assert "GAP 2017-12-01 to 2018-02-28: no edition" in out


# --- ur validate refuses impossible edition data ---------------------------------------------

def lint_codes(rules: Path) -> list[tuple[str, str]]:
    from engine.quality.lint import lint_pack

    return [(i.code, i.severity) for i in lint_pack(rules)]


@pytest.mark.parametrize("old, new, message", [
    ("effective: {from: 2009-07-18, until: 2016-07-28, edition: mtus-cpmtg-2009}",
     "effective: {from: 2016-07-28, until: 2009-07-18, edition: mtus-cpmtg-2009}", "is after until"),
    ("supersedes: [mtus-cpmtg.muscle-relaxants]", "supersedes: [mtus-cpmtg.carisoprodol]", "supersedes itself"),
    ("supersedes: [mtus-cpmtg.muscle-relaxants]", "supersedes: [mtus-cpmtg.muscle-relaxants]\nreplaces: [mtus-cpmtg.carisoprodol]",
     "replaces itself"),
    ("edition: mtus-cpmtg-2009}", "edition: mtus-cpmtg-2090}", "unknown edition"),
])
def test_impossible_rule_edition_data_is_refused(tmp_path, old, new, message):
    rules = copy_rules(tmp_path)
    edit(rules / "mtus-cpmtg-2009" / "carisoprodol.yaml", old, new)
    with pytest.raises(EngineError, match=message) as info:
        load_pack(rules)
    assert "carisoprodol.yaml:" in str(info.value)


def test_overlapping_editions_of_one_rule_need_supersedes(tmp_path):
    rules = copy_rules(tmp_path)
    old = (rules / "mtus-cpmtg-2009" / "carisoprodol.yaml").read_text()
    later = (old.replace("id: mtus-cpmtg.carisoprodol", "id: mtus-cpmtg-2016.carisoprodol\nreplaces: [mtus-cpmtg.carisoprodol]")
                .replace("effective: {from: 2009-07-18, until: 2016-07-28, edition: mtus-cpmtg-2009}",
                         "effective: {from: 2016-07-29, until: 2017-11-30, edition: mtus-cpmtg-2016}"))
    (rules / "mtus-cpmtg-2009" / "carisoprodol-2016.yaml").write_text(later)
    assert ("edition-overlap", "error") not in lint_codes(rules)
    edit(rules / "mtus-cpmtg-2009" / "carisoprodol-2016.yaml", "{from: 2016-07-29, until: 2017-11-30, edition: mtus-cpmtg-2016}",
         "{from: 2016-07-29, until: 2017-11-30, edition: mtus-cpmtg-2016}\n# same day as the 2009 edition")
    edit(rules / "mtus-cpmtg-2009" / "carisoprodol.yaml", "until: 2016-07-28", "until: 2016-08-30")
    codes = lint_codes(rules)
    assert ("edition-overlap", "error") in codes
    edit(rules / "mtus-cpmtg-2009" / "carisoprodol-2016.yaml", "supersedes: [mtus-cpmtg.muscle-relaxants]",
         "supersedes: [mtus-cpmtg.muscle-relaxants, mtus-cpmtg.carisoprodol]")
    assert ("edition-overlap", "error") not in lint_codes(rules)


def test_a_rule_without_an_edition_is_warned(tmp_path):
    rules = copy_rules(tmp_path)
    assert ("edition-missing", "warning") not in lint_codes(rules)  # every shipped rule names its edition
    edit(rules / "mtus-cpmtg-2009" / "carisoprodol.yaml", ", edition: mtus-cpmtg-2009}", "}")
    assert ("edition-missing", "warning") in lint_codes(rules)


def test_gaps_are_warned(tmp_path):
    rules = copy_rules(tmp_path)
    assert ("edition-gap", "warning") not in lint_codes(rules)  # the pack as shipped has none
    edit(rules / "odg" / "soma.yaml" if (rules / "odg" / "soma.yaml").exists() else next((rules / "odg").glob("*.yaml")),
         "effective: {from: 2004-01-01, until: 2017-11-30, edition: odg-2013-2016}",
         "effective: {from: 2004-01-01, until: 2012-12-31, edition: odg-2013-2016}")
    assert ("edition-gap", "warning") in lint_codes(rules)


def test_editions_file_refuses_overlapping_editions(tmp_path):
    rules = copy_rules(tmp_path)
    edit(rules / "editions.yaml", "        from: 2016-07-29\n        took_effect: 2016-07-28\n        keyed_to: request_date\n"
         "        source: >-\n          An updated", "        from: 2009-07-01\n        took_effect: 2016-07-28\n"
         "        keyed_to: request_date\n        source: >-\n          An updated")
    with pytest.raises(EngineError, match="starts on or before"):
        load_pack(rules)


def test_dates_key(pack):
    dates = Dates(dt.date(2017, 11, 20), dt.date(2017, 12, 5))
    assert dates.key("request_date") == dt.date(2017, 11, 20) and dates.key("date_of_service") == dt.date(2017, 12, 5)
    assert Dates(dt.date(2017, 11, 20)).key("date_of_service") == dt.date(2017, 11, 20)


def test_a_statute_criterion_of_a_stand_in_rule_is_cited_plainly(decide):
    """The 24-visit cap is Labor Code 4604.5, in force whatever the guideline edition: its citation
    (both numberings, (c) and the 2009-era (d)(1)) is not marked as a stand-in; the guideline's are."""
    item = decide({"request_date": "2016-09-01", "injury_date": "2015-01-01", "diagnoses": ["lumbar sprain"],
                   "items": [{"id": "pt", "request": "Physical therapy 2x3 lumbar"}]}).items[0]
    rule = next(r for r in item.rules if r.id == "mtus-cpmtg.physical-medicine")
    cites = {c.citation for c in rule.criteria}
    statute = [c for c in cites if c.startswith("California Labor Code")]
    assert statute and all("in place of" not in c and "(d)(1)" in c for c in statute)
    assert all("in place of" in c for c in cites if c.startswith("MTUS Chronic"))


def test_the_pre_submission_page_shows_the_notice(live_server):
    form = {"request_date": "2016-09-01", "items[0].request": "Soma 350mg #21", "items[0].sig": "1 tid"}
    late = live_server.post_form("/", form).text
    early = live_server.post_form("/", {**form, "request_date": "2016-07-01"}).text
    assert "Edition not encoded: MTUS Chronic Pain Medical Treatment Guidelines, 2016 update governed" in late
    assert "Edition not encoded" not in early

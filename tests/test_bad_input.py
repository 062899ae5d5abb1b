"""Bad input gets one line `file:line: field: message`, exit 2, and no traceback."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from engine.cli import app

GOOD = """\
request_date: 2015-06-01
injury_date: 2014-01-01
findings: {acute_exacerbation: true}
items:
  - id: soma
    request: "Soma 350mg #21"
    sig: 1 tid
"""


def run_check(tmp_path, text: str, name: str = "case.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    result = CliRunner().invoke(app, ["explain", str(path)])
    return path, result


def assert_one_line_error(result, path, line: int, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert "\n" not in err, err
    assert "Traceback" not in result.output + result.stderr
    assert err.startswith(f"error: {path}:{line}:"), err
    for fragment in fragments:
        assert fragment in err, err


def test_good_case_explains(tmp_path):
    _, result = run_check(tmp_path, GOOD + "medications: []\n")  # a new start: no drug taken now
    assert result.exit_code == 0, result.stderr
    assert "OVERTURNED" in result.stdout


def test_malformed_yaml_names_the_line(tmp_path):
    path, result = run_check(tmp_path, GOOD.replace("sig: 1 tid", "sig: [1 tid"))
    assert_one_line_error(result, path, 8, "YAML syntax error")


def test_unquoted_colon_in_a_value_says_to_quote_it(tmp_path):
    path, result = run_check(tmp_path, "title: Lumbar strain, topicals: Lidoderm\n" + GOOD)
    assert_one_line_error(result, path, 1, "YAML syntax error", "must be quoted")


def test_unknown_field_suggests_the_right_one(tmp_path):
    path, result = run_check(tmp_path, GOOD.replace("    sig: 1 tid", "    sigg: 1 tid"))
    assert_one_line_error(result, path, 7, "items[0].sigg", "unknown field 'sigg'", "did you mean 'sig'")


def test_wrong_type(tmp_path):
    path, result = run_check(tmp_path, GOOD + "patient: {age: fifty}\n")
    assert_one_line_error(result, path, 8, "patient.age", "integer")


def test_impossible_value(tmp_path):
    path, result = run_check(tmp_path, GOOD + "pain: {score: 14}\n")
    assert_one_line_error(result, path, 8, "pain.score", "less than or equal to 10")


def test_injury_after_request_is_refused(tmp_path):
    path, result = run_check(tmp_path, GOOD.replace("injury_date: 2014-01-01", "injury_date: 2016-01-01"))
    assert result.exit_code == 2
    assert "injury_date is after request_date" in result.stderr
    line = GOOD.splitlines().index("injury_date: 2014-01-01") + 1
    assert f"{path}:{line}: injury_date:" in result.stderr


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "Yes"])
def test_yes_no_is_not_a_boolean(tmp_path, word):
    path, result = run_check(tmp_path, GOOD.replace("acute_exacerbation: true", f"acute_exacerbation: {word}"))
    assert_one_line_error(result, path, 3, "findings.acute_exacerbation", "true or false")


def test_yes_no_in_a_model_field(tmp_path):
    path, result = run_check(tmp_path, GOOD.replace("    sig: 1 tid", "    sig: 1 tid\n    retrospective: yes"))
    assert_one_line_error(result, path, 8, "items[0].retrospective", "boolean")


def test_unknown_drug_gets_did_you_mean(tmp_path):
    path, result = run_check(tmp_path, GOOD.replace("Soma 350mg", "Somma 350mg"))
    assert_one_line_error(result, path, 6, "items[0].request", "no known drug or service", "did you mean 'soma'")


def test_unknown_explicit_name(tmp_path):
    path, result = run_check(tmp_path, GOOD.replace("    sig: 1 tid", "    sig: 1 tid\n    name: Flexerill"))
    assert_one_line_error(result, path, 8, "items[0].name", "did you mean 'flexeril'")


def test_unknown_finding_gets_did_you_mean(tmp_path):
    path, result = run_check(tmp_path, GOOD.replace("acute_exacerbation", "acute_exacerbaton"))
    assert_one_line_error(result, path, 3, "findings.acute_exacerbaton", "did you mean 'acute_exacerbation'")


def test_duplicate_keys(tmp_path):
    path, result = run_check(tmp_path, GOOD.replace("injury_date: 2014-01-01", "injury_date: 2014-01-01\ninjury_date: 2013-01-01"))
    assert_one_line_error(result, path, 3, "duplicate key 'injury_date'")


def test_quantity_hidden_as_comment(tmp_path):
    path, result = run_check(tmp_path, GOOD.replace('"Soma 350mg #21"', "Soma 350mg #21"))
    assert_one_line_error(result, path, 6, "YAML comment", "quotes")


def test_accompanies_unknown_item(tmp_path):
    text = GOOD + "  - {id: fluoro, request: Fluoroscopy, accompanies: esj}\n"
    path, result = run_check(tmp_path, text)
    assert_one_line_error(result, path, 8, "items[1].accompanies", "unknown item 'esj'")


def test_not_utf8(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_bytes(GOOD.encode() + b"title: caf\xe9\n")
    result = CliRunner().invoke(app, ["explain", str(path)])
    assert_one_line_error(result, path, 8, "not valid UTF-8")


def test_missing_file(tmp_path):
    result = CliRunner().invoke(app, ["explain", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "cannot read file" in result.stderr


def test_bad_rule_file_names_its_line(tmp_path):
    import shutil

    from tests.conftest import ROOT

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    target = rules / "mtus-cpmtg-2009" / "carisoprodol.yaml"
    target.write_text(target.read_text().replace("fact: request.days_supply", "fact: request.day_supply"))
    case = tmp_path / "case.yaml"
    case.write_text(GOOD)
    result = CliRunner().invoke(app, ["explain", str(case), "--rules", str(rules)])
    assert result.exit_code == 2
    assert f"{target}:" in result.stderr
    assert "unknown fact 'request.day_supply'" in result.stderr
    assert "did you mean 'request.days_supply'" in result.stderr

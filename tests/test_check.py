"""`ur check`: file and quick entry, text/json/markdown output, exit codes, one-line errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from engine.cli import app
from tests.conftest import ROOT

SOMA = ["check", "--item", "Soma 350mg #90", "--sig", "1 tid", "--fact", "acute_exacerbation=true",
        "--fact", "weeks_on_drug=0", "--request-date", "2015-06-01"]


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_quick_entry_names_the_smallest_quantity_and_exits_1():
    result = run(*SOMA)
    assert result.exit_code == 1, result.output
    assert "likely DENIED" in result.output
    assert "#63 or fewer" in result.output and "lasts 21 days" in result.output
    assert "Carisoprodol (Soma), p. 29" in " ".join(result.output.split())
    assert "likely APPROVABLE (re-evaluated" in result.output


def test_quick_entry_within_limits_exits_0():
    result = run("check", "--item", "Soma 350mg #21", "--sig", "1 tid", "--fact", "acute_exacerbation=true",
                 "--fact", "weeks_on_drug=0", "--request-date", "2015-06-01")
    assert result.exit_code == 0, result.output
    assert "likely APPROVABLE" in result.output and "What would make it approvable" not in result.output


def test_json_output_is_the_report():
    data = json.loads(run(*SOMA, "--format", "json").output)
    assert data["approvable"] is False
    item = data["items"][0]
    assert item["changes"][0]["field"] == "quantity" and item["changes"][0]["proposed"] == 63
    assert item["plan_outcome"] == "overturned"


def test_markdown_output_has_a_table_per_request():
    out = run("check", str(ROOT / "cases/real/letters/000_29257c263c25c5e1.yaml"), "--format", "markdown").output
    assert out.count("| # | Criterion | Status | What to add or change | Citation |") == 4
    assert "- Change: request only chem 8, hepatic functional panel, CBC (drop CPK, CRP, arthritis panel)" in out


def test_structured_quick_facts_reach_the_rules():
    regular = json.loads(run("check", "--item", "Soma 350mg #21", "--sig", "1 tid", "--fact", "acute_exacerbation=true",
                             "--fact", "weeks_on_drug=20", "--fact", "use_pattern=regular",
                             "--request-date", "2015-06-01", "--format", "json").output)
    lines = regular["items"][0]["lines"]
    assert [(l["criterion"], l["action"]) for l in lines] == [("mtus-cpmtg.carisoprodol.not_long_term", "cannot")]
    flexeril = json.loads(run("check", "--item", "Flexeril 10mg #21", "--sig", "1 tid", "--fact", "also_taking=Soma",
                              "--fact", "finding.acute_exacerbation=true", "--request-date", "2015-06-01",
                              "--format", "json").output)
    assert "mtus-cpmtg.cyclobenzaprine.not_added_to_other_relaxant" in flexeril["items"][0]["plan_blocking"]


@pytest.mark.parametrize("args, fragment", [
    (["--fact", "acute_exacerbaton=true"], "unknown fact 'acute_exacerbaton' (did you mean 'acute_exacerbation'?)"),
    (["--fact", "acute_exacerbation=maybe"], "expects true or false (got 'maybe')"),
    (["--fact", "weeks_on_drug=many"], "expects a number (got 'many')"),
    (["--fact", "use_pattern=daily"], "expects one of regular, intermittent, as_needed"),
    (["--fact", "no_equals_sign"], "expects NAME=VALUE"),
    (["--request-date", "2015-13-01"], "expects a date YYYY-MM-DD"),
    (["--format", "html"], "--format must be one of text, json, markdown"),
])
def test_bad_quick_entry_is_one_line_exit_2(args, fragment):
    result = run("check", "--item", "Soma 350mg #90", *args)
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert "\n" not in err and "Traceback" not in result.output
    assert fragment in err, err


def test_unknown_drug_and_bad_invocations_exit_2():
    unknown = run("check", "--item", "Zomaa 350mg #90", "--request-date", "2015-06-01")
    assert unknown.exit_code == 2 and unknown.stderr.startswith("error: --item: items.0.request: no known drug")
    assert run("check").exit_code == 2
    both = run("check", str(ROOT / "cases/real/letters/003_f23b8e2a6e4a7aa2.yaml"), "--item", "Soma #90")
    assert both.exit_code == 2 and "not both" in both.stderr


def test_sample_file_with_denials_exits_1_and_states_what_cannot_be_fixed():
    result = run("check", str(ROOT / "cases/real/letters/002_f86fb34153405d19.yaml"))
    assert result.exit_code == 1
    assert "follows item 'lumbar-esi'" in result.output
    assert "cannot be fixed in this request" in result.output  # the unaddressed inconsistent drug screen


def test_post_op_therapy_without_a_surgery_item_does_not_follow_item_none():
    result = run("check", "--item", "Post op PT x12", "--request-date", "2015-01-01")
    assert result.exit_code == 1, result.output
    assert "follows item 'None'" not in result.output
    assert "surgery_done_or_necessary" in result.output

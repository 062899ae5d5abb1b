"""Known gaps and the real-case scores of `ur test`: a marked miss is reported apart from failures
(KNOWN GAP, or FIXED? once it passes) and is a strict xfail in pytest; the last lines of `ur test`
give recall per outcome, balanced accuracy, the always-denied baseline and coverage."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from engine.cli.common import app
from engine.quality.regression import ItemResult, run
from engine.quality.scores import by_folder, score
from tests.test_regression_cases import case_item_params

runner = CliRunner()

CASES = """\
base:
  request_date: 2015-06-01
  injury_date: 2012-03-01
  findings: {acute_exacerbation: true}
  medications: []
  items:
    - {id: soma, request: "Soma 350mg #21", sig: 1 tid, expected: overturned}
cases:
  - name: approvable
  - name: gap_still_missed
    items:
      - {id: soma, request: "Soma 350mg #90", sig: 1 tid, expected: overturned,
         known_gap: "supply limit read more strictly than reviewers do"}
  - name: gap_now_fixed
    items:
      - {id: soma, request: "Soma 350mg #21", sig: 1 tid, expected: overturned,
         known_gap: "was denied for the flare wording"}
  - name: plain_failure
    items:
      - {id: soma, request: "Soma 350mg #90", sig: 1 tid, expected: overturned}
"""


@pytest.fixture()
def gaps(tmp_path):
    path = tmp_path / "gaps.yaml"
    path.write_text(CASES)
    return path


def test_known_gap_is_reported_apart_and_a_passing_one_as_fixed(pack, gaps):
    by_name = {r.name: r for r in run([gaps], pack)}
    assert by_name["approvable"].status == "pass"
    assert by_name["plain_failure"].status == "fail"
    missed = by_name["gap_still_missed"]
    assert missed.status == "known_gap" and not missed.matches
    assert missed.message.startswith("supply limit read more strictly") and "expected overturned, got upheld" in missed.message
    fixed = by_name["gap_now_fixed"]
    assert fixed.status == "fixed" and fixed.matches and "remove `known_gap`" in fixed.message


def test_ur_test_text_and_json_report_known_gaps(gaps):
    text = runner.invoke(app, ["test", str(gaps)])
    assert text.exit_code == 1  # one plain failure (and a stale marker)
    assert f"KNOWN GAP {gaps}::gap_still_missed::soma  (supply limit" in text.stdout
    assert f"FIXED? {gaps}::gap_now_fixed::soma" in text.stdout
    assert "1 passed, 1 failed, 1 known gap, 1 fixed? (known gaps that pass now)" in text.stdout
    data = json.loads(runner.invoke(app, ["test", str(gaps), "--format", "json"]).stdout)
    assert data["summary"] == {"passed": 1, "failed": 1, "known_gaps": 1, "fixed": 1, "errors": 0, "total": 4,
                               "edition_not_encoded": 0}
    assert {r["name"]: r["status"] for r in data["results"]}["gap_still_missed"] == "known_gap"


def test_a_known_gap_alone_does_not_fail_the_run_but_a_fixed_one_does(tmp_path):
    only_gap = tmp_path / "gap.yaml"
    only_gap.write_text(CASES.split("  - name: gap_now_fixed")[0])
    assert runner.invoke(app, ["test", str(only_gap)]).exit_code == 0
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(CASES.split("  - name: plain_failure")[0].replace(
        '  - name: gap_still_missed\n    items:\n      - {id: soma, request: "Soma 350mg #90", sig: 1 tid, expected: overturned,\n'
        '         known_gap: "supply limit read more strictly than reviewers do"}\n', ""))
    result = runner.invoke(app, ["test", str(fixed)])
    assert "FIXED?" in result.stdout and result.exit_code == 1


def test_known_gap_needs_an_expected_outcome(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text('request_date: 2015-06-01\nitems:\n  - {id: soma, request: "Soma 350mg #21",\n'
                   '     known_gap: "no expectation given here"}\n')
    result = runner.invoke(app, ["test", str(bad)])
    assert result.exit_code == 2 and "known_gap marks an expected outcome" in result.stdout


def test_pytest_ids_are_file_case_item_and_known_gaps_are_strict_xfails(gaps):
    params = {p.id: p for p in case_item_params(gaps.parent)}
    assert set(params) == {f"gaps::{n}::soma" for n in ("approvable", "gap_still_missed", "gap_now_fixed", "plain_failure")}
    [mark] = params["gaps::gap_still_missed::soma"].marks
    assert mark.name == "xfail" and mark.kwargs["strict"] is True and "supply limit" in mark.kwargs["reason"]
    assert not params["gaps::approvable::soma"].marks


def _result(expected, actual, **kw) -> ItemResult:
    status = "pass" if expected == actual else "fail"
    return ItemResult(case="cases/real/x.yaml", name="n", item="i", expected=expected, actual=actual, status=status, **kw)


def test_scores_count_recall_balanced_accuracy_baseline_and_coverage():
    results = ([_result("upheld", "upheld")] * 3 + [_result("upheld", "overturned")]
               + [_result("overturned", "overturned")] + [_result("overturned", "upheld")] * 2
               + [_result("overturned", "no_applicable_rule")]
               + [_result("overturned", "upheld", insufficient=True)]
               + [ItemResult(case="cases/real/x.yaml", name="bad", item="-", status="error")])
    s = score(results, "cases/real")
    assert (s.recall["upheld"].expected, s.recall["upheld"].decided_so) == (4, 3)
    assert (s.recall["overturned"].expected, s.recall["overturned"].decided_so) == (4, 1)
    assert s.balanced_accuracy == round((3 / 4 + 1 / 4) / 2, 3)
    assert s.baseline_balanced_accuracy == 0.5
    assert (s.reached_rule, s.decided, s.coverage) == (7, 8, 0.875)
    assert (s.insufficient, s.errors, s.scored) == (1, 1, 8)


def test_an_engine_that_denies_everything_scores_the_baseline():
    results = [_result("upheld", "upheld")] * 5 + [_result("overturned", "upheld")] * 9
    s = score(results, "x")
    assert s.recall["overturned"].value == 0.0 and s.balanced_accuracy == s.baseline_balanced_accuracy == 0.5


def test_ur_test_last_four_lines_are_the_summary_and_the_figures(gaps):
    lines = runner.invoke(app, ["test", str(gaps)]).stdout.splitlines()[-4:]
    assert lines[0].startswith("1 passed, 1 failed")
    assert lines[1].startswith(f"decided {gaps}: 4 items scored (upheld 0, overturned 4; 0 insufficient records apart")
    assert lines[2] == "  recall: upheld n/a (0/0), overturned 0.50 (2/4)"
    assert lines[3] == ("  balanced accuracy 0.50 (always-denied baseline 0.00); coverage 100% "
                        "(4/4 items reached a rule)")


def test_several_folders_are_scored_each_and_together(tmp_path, gaps):
    other = tmp_path / "more"
    other.mkdir()
    (other / "one.yaml").write_text(CASES.split("  - name: gap_still_missed")[0])
    results = run([gaps, other], __import__("engine.knowledge.pack", fromlist=["load_pack"]).load_pack())
    parts = by_folder(list(results), [gaps, other])
    assert [p.label for p in parts] == [str(gaps), str(other), "all"]
    assert [p.scored for p in parts] == [4, 1, 5]
    out = runner.invoke(app, ["test", str(gaps), str(other), "--format", "json"])
    assert [s["label"] for s in json.loads(out.stdout)["scores"]] == [str(gaps), str(other), "all"]

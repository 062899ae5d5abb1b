"""`ur test --coverage`: criterion-status pairs driven by the cases, rules without cases, --min-coverage."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine.quality.coverage import Coverage, render
from engine.quality.regression import run
from tests.conftest import ROOT

SOMA_CASES = """\
base:
  medications: []
  request_date: 2015-06-01
  injury_date: 2012-03-01
  findings: {acute_exacerbation: true}
  items:
    - {id: soma, request: "Soma 350mg #21", sig: 1 tid, expected: overturned}
cases:
  - name: all_met
  - name: flare_not_documented
    findings: {acute_exacerbation: null}
    items:
      - {id: soma, request: "Soma 350mg #21", sig: 1 tid, expected: upheld}
  - name: supply_too_long
    items:
      - {id: soma, request: "Soma 350mg #90", sig: 1 tid, expected: upheld}
"""


@pytest.fixture()
def soma_file(tmp_path):
    path = tmp_path / "soma.yaml"
    path.write_text(SOMA_CASES)
    return path


def test_counts_each_status_the_cases_drive(pack, soma_file):
    cov = Coverage(pack)
    results = list(run([soma_file], pack, cov.add))
    assert [r.status for r in results] == ["pass"] * 3
    report = cov.report()
    rows = {(r.rule, r.criterion): r for r in report.criteria}
    flare = rows[("mtus-cpmtg.carisoprodol", "acute_exacerbation")]
    assert flare.seen == {"met": 2, "not_met": 0, "not_documented": 1}
    assert flare.missing == ["not_met"]
    supply = rows[("mtus-cpmtg.carisoprodol", "short_supply")]
    assert supply.seen["met"] == 2 and supply.seen["not_met"] == 1
    # the superseded generic muscle-relaxant rule decided nothing, so it counts as having no cases
    assert "mtus-cpmtg.muscle-relaxants" in report.rules_without_cases
    assert "mtus-cpmtg.carisoprodol" not in report.rules_without_cases
    assert report.total == sum(len(r.reachable) for r in report.criteria)
    assert report.covered == sum(1 for r in report.criteria for s in r.reachable if r.seen[s])
    assert report.percent == round(100 * report.covered / report.total, 1)
    assert "missing: not_met" in render(report)


def test_the_hook_does_not_change_regression_results(pack, soma_file):
    plain = [r.model_dump() for r in run([soma_file], pack)]
    hooked = [r.model_dump() for r in run([soma_file], pack, Coverage(pack).add)]
    assert plain == hooked


def test_unreachable_pairs_are_left_out_of_the_denominator(pack):
    cov = Coverage(pack)
    for (rule, crit), states in cov.reachable.items():
        criterion = next(c for c in pack.by_id[rule].rule.criteria if c.id == crit)
        if criterion.condition.__class__.__name__ == "Leaf" and criterion.condition.op == "documented":
            assert "not_documented" not in states


def _ur(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from engine.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_cli_min_coverage_gates(soma_file):
    low = _ur("test", str(soma_file), "--min-coverage", "99")
    assert low.returncode == 1
    assert "below --min-coverage 99%" in low.stderr
    assert "criterion-status pairs" in low.stdout and "NO CASES" in low.stdout
    ok = _ur("test", str(soma_file), "--min-coverage", "0.1")  # one file is a small share of a growing pack
    assert ok.returncode == 0, ok.stdout + ok.stderr
    plain = _ur("test", str(soma_file))
    assert plain.returncode == 0 and "criterion-status pairs" not in plain.stdout

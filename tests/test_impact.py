"""`ur diff [REV]`: a changed threshold is reported, and the items it flips are listed (exit 1)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from engine.quality.impact import impact
from tests.conftest import ROOT

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
SOMA = "mtus-cpmtg-2009/carisoprodol.yaml"

CASES = """\
base:
  medications: []
  request_date: 2015-06-01
  injury_date: 2012-03-01
  findings: {acute_exacerbation: true}
cases:
  - name: three_weeks
    items: [{id: soma, request: "Soma 350mg #63", sig: 1 tid}]
  - name: one_week
    items: [{id: soma, request: "Soma 350mg #21", sig: 1 tid}]
  - name: not_soma
    items: [{id: mri, request: "Lumbar MRI", region: lumbar}]
"""


@pytest.fixture()
def repo(tmp_path):
    """A throwaway git repo with a copy of the bundled rules committed, and a case file."""
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    subprocess.run([*GIT, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*GIT, "add", "rules"], cwd=tmp_path, check=True)
    subprocess.run([*GIT, "commit", "-qm", "rules"], cwd=tmp_path, check=True)
    (tmp_path / "cases.yaml").write_text(CASES)
    return tmp_path


def _tighten_soma(repo):
    path = repo / "rules" / SOMA
    text = path.read_text()
    assert "{fact: request.days_supply, op: lte, value: 21}" in text
    path.write_text(text.replace("{fact: request.days_supply, op: lte, value: 21}",
                                 "{fact: request.days_supply, op: lte, value: 14}"))


def test_unchanged_rules_change_nothing(repo):
    report = impact("HEAD", repo / "rules", [repo / "cases.yaml"])
    assert report.rules == [] and report.items == [] and report.flips == 0
    assert report.evaluated == 3


def test_tightened_threshold_flips_the_three_week_supply_only(repo):
    _tighten_soma(repo)
    report = impact("HEAD", repo / "rules", [repo / "cases.yaml"])
    [change] = report.rules
    assert (change.rule, change.criterion, change.kind) == ("mtus-cpmtg.carisoprodol", "short_supply", "changed")
    assert "request.days_supply lte: 21 -> 14" in change.detail
    [flip] = report.items
    assert (flip.name, flip.item, flip.before, flip.after) == ("three_weeks", "soma", "overturned", "upheld")
    assert flip.unmet_after == ["mtus-cpmtg.carisoprodol.short_supply"]
    assert report.flips == 1


def test_removed_criterion_and_rule_are_listed(repo):
    (repo / "rules" / "odg" / "mri-repeat.yaml").unlink()
    report = impact("HEAD", repo / "rules", [repo / "cases.yaml"])
    assert [(c.rule, c.kind) for c in report.rules] == [("odg.mri-repeat", "removed")]


def _ur(repo, *args):
    return subprocess.run([sys.executable, "-c", "from engine.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=repo, timeout=60)


def test_cli_exit_codes(repo):
    same = _ur(repo, "diff", "--rules", "rules", "--cases", "cases.yaml")
    assert same.returncode == 0, same.stderr
    assert "0 outcome flips" in same.stdout
    _tighten_soma(repo)
    flipped = _ur(repo, "diff", "HEAD", "--rules", "rules", "--cases", "cases.yaml")
    assert flipped.returncode == 1
    assert "FLIP" in flipped.stdout and "three_weeks::soma: overturned -> upheld" in flipped.stdout
    bad = _ur(repo, "diff", "no-such-rev", "--rules", "rules", "--cases", "cases.yaml")
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "no-such-rev" in bad.stderr and "Traceback" not in bad.stderr


def test_unchanged_pack_reports_no_vocabulary_or_file_change(repo):
    assert impact("HEAD", repo / "rules", [repo / "cases.yaml"]).data == []


def test_vocabulary_entry_changes_are_listed_field_by_field(repo):
    drugs = repo / "rules" / "vocabulary" / "drugs.yaml"
    text = drugs.read_text()
    assert "synonyms: [Soma, Vanadom]" in text
    text = text.replace("synonyms: [Soma, Vanadom]", "synonyms: [Soma, Vanadom, Soma Compound]")
    text = text.replace("  - {name: orphenadrine, synonyms: [Norflex], classes: [muscle_relaxant], typical_units_per_day: 2}\n", "")
    drugs.write_text(text)
    report = impact("HEAD", repo / "rules", [repo / "cases.yaml"])
    vocab = {(d.name, d.change): d for d in report.data if d.kind == "vocabulary"}
    assert set(vocab) == {("drug:carisoprodol", "changed"), ("drug:orphenadrine", "removed")}
    changed = vocab[("drug:carisoprodol", "changed")]
    assert changed.file == "vocabulary/drugs.yaml"
    assert changed.detail == 'synonyms: ["Soma","Vanadom"] -> ["Soma","Vanadom","Soma Compound"]'
    assert report.rules == [] and report.flips == 0


def test_other_pack_files_are_listed_with_the_values_that_moved(repo):
    info = repo / "rules" / "pack.yaml"
    info.write_text(info.read_text().replace("version: 0.1.0", "version: 0.2.0"))
    report = impact("HEAD", repo / "rules", [repo / "cases.yaml"])
    [change] = report.data
    assert (change.kind, change.name, change.change, change.detail) == ("file", "pack.yaml", "changed", 'version: "0.1.0" -> "0.2.0"')
    out = _ur(repo, "diff", "--rules", "rules", "--cases", "cases.yaml")
    assert "vocabulary entry changes: none" in out.stdout and "table changes: none" in out.stdout
    assert '  CHANGED  pack.yaml: version: "0.1.0" -> "0.2.0"' in out.stdout

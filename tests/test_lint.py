"""Lint: the seeded bad pack yields one finding per defect class; the real pack lints clean."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine.errors import EngineError
from engine.knowledge.pack import load_pack
from engine.quality.lint import lint_pack, reachable
from engine.knowledge.rules import Leaf, All, Any_
from tests.conftest import ROOT

BAD = ROOT / "tests" / "fixtures" / "bad_rules"

# (file under bad_rules/, lint code, a word the message must contain)
SEEDED = [
    ("mtus/duplicate-rule-b.yaml", "duplicate-id", "fixture.duplicate-rule"),
    ("mtus/duplicate-criterion.yaml", "duplicate-id", "pain_reduced"),
    ("mtus/unknown-fact.yaml", "unknown-fact", "did you mean 'finding.acute_exacerbation'"),
    ("mtus/type-mismatch.yaml", "type-mismatch", "'long ago' is not a number"),
    ("mtus/type-mismatch.yaml", "type-mismatch", "finding.red_flags is bool"),
    ("mtus/never-met.yaml", "never-met", "'contradiction'"),
    ("mtus/never-met.yaml", "never-met", "'beyond_range'"),
    ("mtus/never-fails.yaml", "never-fails", "'tautology'"),
    ("odg/precedence.yaml", "precedence", "fixture.no-page"),
    ("mtus/no-page.yaml", "citation-page", "no page"),
    ("mtus/unknown-name.yaml", "unknown-name", "did you mean 'diazepam'"),
    ("tables/programme-day.yaml", "type-mismatch", "table value does not fit"),
    ("tables/programme-days.yaml", "unused-table", "did you mean 'programme-day'"),
]


@pytest.fixture(scope="module")
def bad_pack(tmp_path_factory):
    """The seeded pack with the real tables (which the fact catalog needs), two of them broken."""
    import shutil

    pack = tmp_path_factory.mktemp("lint") / "bad_rules"
    shutil.copytree(BAD, pack)
    shutil.copytree(ROOT / "rules" / "tables", pack / "tables")
    day = (pack / "tables" / "programme-day.yaml").read_text()
    (pack / "tables" / "programme-days.yaml").write_text(day.replace("id: programme-day", "id: programme-days"))
    (pack / "tables" / "programme-day.yaml").write_text(day.replace("hours_per_day: 8", "hours_per_day: eight"))
    return pack


@pytest.fixture(scope="module")
def findings(bad_pack):
    return lint_pack(bad_pack)


@pytest.mark.parametrize("file,code,word", SEEDED, ids=[f"{c}:{w}" for _, c, w in SEEDED])
def test_each_seeded_defect_is_found(findings, file, code, word):
    hits = [i for i in findings if i.file.endswith(file) and i.code == code and word in i.message]
    assert hits, f"no {code} finding mentioning {word!r} in {file}; got:\n" + "\n".join(map(str, findings))
    assert all(i.line > 0 for i in hits)


def test_no_finding_in_a_file_without_a_seeded_defect(findings):
    seeded = {f for f, _, _ in SEEDED} | {"mtus/duplicate-rule-a.yaml"}
    stray = [str(i) for i in findings if not any(i.file.endswith(f) for f in seeded)]
    assert not stray, stray


def test_severities_are_fixed_per_code(findings):
    expected = {"duplicate-id": "error", "unknown-fact": "error", "type-mismatch": "error", "never-met": "error",
                "unknown-name": "error", "never-fails": "warning", "precedence": "warning", "citation-page": "warning",
                "unused-table": "warning"}
    assert {i.code: i.severity for i in findings} == expected


def test_cli_validate_reports_every_class_and_exits_1(bad_pack):
    proc = subprocess.run([sys.executable, "-c", "from engine.cli import main; main()", "validate", "--rules", str(bad_pack)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 1, proc.stderr
    for _, code, _ in SEEDED:
        assert f" {code}: " in proc.stdout
    assert "Traceback" not in proc.stderr


def test_real_pack_lints_clean():
    issues = lint_pack()
    assert not issues, "\n".join(map(str, issues))


def test_schema_error_is_bad_input_not_a_finding(tmp_path):
    import shutil

    shutil.copytree(BAD / "vocabulary", tmp_path / "vocabulary")
    shutil.copy(BAD / "pack.yaml", tmp_path / "pack.yaml")
    (tmp_path / "broken.yaml").write_text("id: x\ntier: mtus\n")
    [found] = [i for i in lint_pack(tmp_path) if i.file.endswith("broken.yaml")]
    assert (found.code, found.severity) == ("schema", "error")
    with pytest.raises(EngineError, match="broken.yaml"):
        load_pack(tmp_path)


def test_every_problem_in_every_file_is_reported_at_once(tmp_path):
    """Two files that do not fit the schema, a vocabulary clash and a rule naming an unknown fact:
    `ur validate` lists all four (bad input: stderr, exit 2); loading refuses the pack with the
    first and says how many more there are."""
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "odg" / "broken-one.yaml").write_text("id: x\ntier: mtus\n")
    (rules / "odg" / "broken-two.yaml").write_text("id: [unclosed\n")
    (rules / "vocabulary" / "zz-clash.yaml").write_text("drugs:\n  - {name: soma-again, synonyms: [Soma]}\n")
    soma = rules / "mtus-cpmtg-2009" / "carisoprodol.yaml"
    soma.write_text(soma.read_text().replace("fact: request.days_supply,", "fact: request.day_supply,", 1))
    proc = subprocess.run([sys.executable, "-c", "from engine.cli import main; main()", "validate", "--rules", str(rules)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    errors = proc.stderr.splitlines()
    assert any("broken-one.yaml:1" in e and "Field required" in e for e in errors)
    assert any("broken-two.yaml:" in e and "YAML syntax error" in e for e in errors)
    assert any("zz-clash.yaml:2: drugs[0].synonyms: name 'Soma' already means 'carisoprodol'" in e for e in errors)
    assert len(errors) == 3 and all(e.startswith("error: ") for e in errors)
    assert "carisoprodol.yaml" in proc.stdout and "unknown-fact" in proc.stdout and "request.day_supply" in proc.stdout
    with pytest.raises(EngineError, match=r"and 3 more problems in the pack: run `ur validate`"):
        load_pack(rules)


def test_reachability_of_small_conditions():
    weeks = lambda op, v: Leaf(fact="drug.course_weeks", op=op, value=v)  # noqa: E731
    assert reachable(weeks("lte", 3)) == {"met", "not_met", "not_documented"}
    assert "met" not in reachable(weeks("lt", 0))
    assert "met" not in reachable(All(all=[weeks("lt", 2), weeks("gte", 2)]))
    assert "not_met" not in reachable(Any_(any=[weeks("lt", 2), weeks("gte", 2)]))
    assert reachable(Leaf(fact="drug.course_weeks", op="documented", value=True)) == {"met", "not_met"}

"""Tables (rules/tables/<id>.yaml): loaded and type-checked with the pack, part of its digest and of
the decision record's files, shown by `ur rules` and `ur explain`, and the only place the numbers
they hold live: editing a table moves outcomes with no Python change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.errors import EngineError
from engine.knowledge.case_files import case_from_data, load_cases
from engine.knowledge.facts import FACTS, TABLE_TYPES
from engine.knowledge.facts.base import Context
from engine.knowledge.pack import load_pack
from tests.conftest import ROOT

PT_12 = {"request_date": "2014-06-01", "injury_date": "2013-09-01", "findings": {"therapy_diagnosis": "myalgia"},
         "items": [{"id": "pt", "request": "PT 2x6 lumbar"}]}


@pytest.fixture()
def rules_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("UR_CACHE_DIR", "")
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _outcome(pack, data: dict, item: str = "pt") -> str:
    from engine.decide.evaluate import evaluate

    return evaluate(case_from_data(data), pack).item(item).outcome


def test_every_table_a_reader_declares_is_in_the_pack_typed(pack):
    assert set(TABLE_TYPES) <= set(pack.tables)
    assert set(pack.table_values) == set(TABLE_TYPES)
    assert pack.table_values["visit-allowances"]["myalgia"] == 10.0
    assert pack.table_values["postsurgical-courses"]["carpal_tunnel_release"] == {"visits": 8.0, "period_weeks": 13.0}
    for loaded in pack.tables.values():
        assert loaded.table.verified in ("reg", "gl", "imr", "sec", "unverified")
        assert str(loaded.table.citation)


def test_editing_a_table_moves_the_outcome_and_the_digest(rules_copy, pack):
    assert _outcome(pack, PT_12) == "upheld"  # 12 visits, myalgia allows 10
    _edit(rules_copy / "tables" / "visit-allowances.yaml", "myalgia: 10", "myalgia: 12")
    edited = load_pack(rules_copy)
    assert _outcome(edited, PT_12) == "overturned"
    assert edited.digest != pack.digest
    changed = {path for path, sha in edited.files().items() if pack.files().get(path) != sha}
    assert changed == {"tables/visit-allowances.yaml"}
    assert edited.file_kind("tables/visit-allowances.yaml") == ("table", ["visit-allowances"])


def test_a_threshold_table_moves_a_derived_fact(rules_copy):
    data = {"request_date": "2014-06-01", "injury_date": "2014-03-01", "pain": {"score": 4},
            "items": [{"id": "x", "request": "Norco 10/325 #60", "sig": "1 q12h"}]}
    base = load_pack(rules_copy)
    _edit(rules_copy / "tables" / "moderate-pain-score.yaml", "value: 4", "value: 5")
    edited = load_pack(rules_copy)
    from engine.decide.evaluate import resolve_items

    def moderate(p):
        case = case_from_data(data)
        res = resolve_items(case, p)[0]
        ctx = Context(case, case.items[0], res, p.vocab, p.table_values, {}, p.editions)
        return FACTS["pain.moderate_to_severe"].compute(ctx)

    assert moderate(base) is True and moderate(edited) is False  # a score of 4 is moderate only while the table says so


@pytest.mark.parametrize("old, new, message, status", [
    ("myalgia: 10", "myalgia: ten", "table value does not fit", 1),
    ("myalgia: 10", "myalgia: true", "table value does not fit", 1),
    ("id: visit-allowances", "id: visit-allowance", "differs from its file name", 2),
    ("verified: unverified", "verified: maybe", "verified", 2),
    ("title:", "titel:", "title: Field required", 2),
])
def test_a_bad_table_is_one_error_at_its_line(rules_copy, old, new, message, status):
    """A value of the wrong type is a finding (exit 1); a file that does not fit the table format is
    unreadable (exit 2); either way the pack does not load and the error names the file and line."""
    path = rules_copy / "tables" / "visit-allowances.yaml"
    _edit(path, old, new)
    with pytest.raises(EngineError, match=message) as err:
        load_pack(rules_copy)
    assert "visit-allowances.yaml:" in str(err.value) and "more problems" not in str(err.value)
    result = CliRunner().invoke(app, ["validate", "--rules", str(rules_copy), "cases/real/letters"])
    assert result.exit_code == status and "Traceback" not in result.output


def test_a_missing_table_names_the_table_and_its_readers(rules_copy):
    (rules_copy / "tables" / "los-targets.yaml").unlink()
    with pytest.raises(EngineError, match="missing table 'los-targets'.*surgery.days_beyond_los_target"):
        load_pack(rules_copy)


def test_fact_catalog_refuses_a_fact_reading_an_undeclared_table():
    from engine.knowledge.facts import build_catalog
    from engine.knowledge.facts.base import FactSet

    declared = FactSet()
    declared.derived("x.y", "number", "A fact that reads a table nobody declared", tables=("nowhere",))(lambda ctx: 1)
    with pytest.raises(ValueError, match="undeclared tables"):
        build_catalog([declared], [])


def test_facts_read_only_the_tables_they_declare(pack):
    """Every derivation run over every case file reads no table it does not declare (so the decision
    record's file list and `ur explain` name every table that decided an outcome)."""
    from engine.decide.evaluate import resolve_items
    from engine.intake.cases import case_files

    undeclared: dict[str, set[str]] = {}
    for path in case_files([ROOT / "cases"]):
        for loaded in load_cases(path):
            for item, res in zip(loaded.case.items, resolve_items(loaded.case, pack)):
                for name, fact in FACTS.items():
                    reads: set[str] = set()
                    ctx = _Recording(loaded.case, item, res, pack.vocab, pack.table_values, {}, reads=reads)
                    fact.compute(ctx)
                    extra = reads - set(fact.tables)
                    if extra:
                        undeclared.setdefault(name, set()).update(extra)
    assert not undeclared


class _Recording(Context):
    def __init__(self, *args, reads: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.reads = reads

    def table(self, table_id: str):
        self.reads.add(table_id)
        return super().table(table_id)


def test_ur_rules_lists_tables_and_each_rules_tables(pack):
    runner = CliRunner()
    rows = json.loads(runner.invoke(app, ["rules", "--tables", "--format", "json"]).stdout)
    assert {r["id"] for r in rows} == set(pack.tables)
    visits = next(r for r in rows if r["id"] == "visit-allowances")
    assert "mtus-cpmtg.physical-medicine" in visits["rules"] and "therapy.allowed_visits" in visits["facts"]
    text = runner.invoke(app, ["rules", "--tier", "mtus"]).stdout
    assert "tables: diagnosis-groups, postsurgical-courses, same-therapy, visit-allowances, visit-cap" in text


def test_ur_explain_says_which_table_a_fact_read(tmp_path):
    case = tmp_path / "pt.json"
    case.write_text(json.dumps(PT_12))
    out = CliRunner().invoke(app, ["explain", str(case)]).stdout
    assert "therapy.visits_beyond_allowance = 2" in out
    assert "from table visit-allowances (MTUS Chronic Pain Medical Treatment Guidelines" in " ".join(out.split())
    for fmt in ("markdown", "html"):
        out = CliRunner().invoke(app, ["explain", str(case), "--format", fmt]).stdout
        assert "from table visit-allowances (MTUS Chronic Pain Medical Treatment Guidelines" in out


def test_the_record_lists_every_table_with_its_hash(pack):
    from engine.decide.record import decide

    record = decide(case_from_data(PT_12), "pt", pack)
    tables = {path: sha for path, sha in record.pack.files.items() if path.startswith("tables/")}
    assert set(tables) == {f"tables/{t}.yaml" for t in pack.tables}
    assert tables["tables/visit-allowances.yaml"] == pack.tables["visit-allowances"].sha256


def test_validate_warns_about_a_table_no_fact_reads(rules_copy):
    shutil.copy(rules_copy / "tables" / "los-targets.yaml", rules_copy / "tables" / "los-target.yaml")
    _edit(rules_copy / "tables" / "los-target.yaml", "id: los-targets", "id: los-target")
    result = CliRunner().invoke(app, ["validate", "--rules", str(rules_copy), "cases/real/letters"])
    assert result.exit_code == 1
    assert "los-target.yaml:2: id: warning unused-table: no fact reads table 'los-target'" in result.stdout
    assert "did you mean" in result.stdout

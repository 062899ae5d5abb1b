"""Decision records cover everything that decided them and show any edit: a field edited after
writing is ALTERED (named), a signed record edited with its seal recomputed is ALTERED by its
signature, and a changed engine file, vocabulary entry or pack file makes `ur verify` say NOT
REPRODUCED and name it. Format 1 records (before seals) still load and verify."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli.common import app
from engine.decide.record import (SEALED, DecisionRecord, canonical_json, decide, read_records, record_json, seal_of,
                                  sha256_text)
from engine.decide.verification import EntryChange, verify
from engine.knowledge.case_files import load_cases
from engine.knowledge.pack import load_pack
from tests.conftest import ROOT

SOMA_CASE = ROOT / "cases" / "real" / "letters" / "000_29257c263c25c5e1.yaml"
FORMAT_1 = ROOT / "tests" / "fixtures" / "records" / "format1-soma.json"
runner = CliRunner()


@pytest.fixture()
def record(pack) -> DecisionRecord:
    loaded = load_cases(SOMA_CASE)[0]
    return decide(loaded.case, loaded.name, pack, "2020-01-01T00:00:00Z")


@pytest.fixture()
def key_file(tmp_path) -> Path:
    path = tmp_path / "ur.key"
    path.write_bytes(bytes(range(32)))
    return path


def _edited(record: DecisionRecord, edit, reseal: bool = False) -> DecisionRecord:
    data = json.loads(record_json(record))
    edit(data)
    if reseal:  # an editor who knows the format recomputes the seal
        data["seal"] = seal_of({field: canonical_json(data[field]) for field in SEALED}).model_dump()
    return DecisionRecord.model_validate(data)


def _set(path: str, value):
    """An edit of the value at a dotted path (`/` separates parts whose name has a dot)."""
    def edit(data):
        *parents, last = path.split("/") if "/" in path else path.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return edit


def _input_with_hash(data):
    data["input"]["case"]["pain"] = {"score": 9}
    data["input"]["sha256"] = sha256_text(canonical_json(data["input"]["case"]))


@pytest.mark.parametrize("field, edit", [
    ("created", _set("created", "2019-01-01T00:00:00Z")),
    ("engine", _set("engine.version", "9.9.9")),
    ("engine", _set("engine.code", "0" * 64)),
    ("pack", _set("pack.digest", "0" * 64)),
    ("pack", _set("pack/files/pack.yaml", "0" * 64)),
    ("input", _input_with_hash),
    ("decision", _set("decision.items.0.outcome", "upheld")),
    ("format", _set("format", "ur-decision-record/1")),
])
def test_a_field_edited_after_writing_is_altered_and_named(pack, record, field, edit):
    result = verify(_edited(record, edit), pack)
    assert result.verdict == "altered" and not result.reproduced
    assert [a.split(":")[0] for a in result.altered] == [field]


def test_an_intact_record_is_reproduced(pack, record):
    result = verify(record, pack)
    assert (result.verdict, result.altered, result.engine, result.files, result.entries) == ("reproduced", [], [], [], [])
    assert result.sealed and result.signature == "unsigned"


def test_edited_input_without_recomputed_hash_is_named_as_input(pack, record):
    result = verify(_edited(record, _set("input.case.pain", {"score": 9})), pack)
    assert result.verdict == "altered" and not result.input_intact
    assert result.altered[0].startswith("input: the case no longer matches input.sha256")


def test_a_removed_seal_is_altered(pack, record):
    result = verify(_edited(record, lambda data: data.pop("seal")), pack)
    assert result.altered == ["seal: missing from a sealed record format"]


def test_resealed_edit_passes_the_seal_but_not_the_signature(pack, record, key_file):
    key = key_file.read_bytes()
    loaded = load_cases(SOMA_CASE)[0]
    signed = decide(loaded.case, loaded.name, pack, "2020-01-01T00:00:00Z", key=key)
    assert verify(signed, pack, key).verdict == "reproduced"
    assert verify(signed, pack, key).signature == "valid"
    forged = _edited(signed, _set("created", "2019-01-01T00:00:00Z"), reseal=True)
    assert verify(forged, pack).verdict == "reproduced"  # without the key a consistent edit cannot be seen
    caught = verify(forged, pack, key)
    assert caught.verdict == "altered" and caught.signature == "invalid"
    assert caught.altered == ["signature: does not match the record (edited after it was signed)"]
    other = verify(signed, pack, b"another key of sixteen bytes or more")
    assert other.signature == "other_key" and other.verdict == "altered"
    unsigned = verify(record, pack, key)
    assert unsigned.signature == "absent" and unsigned.verdict == "altered"


def test_cli_signs_with_sign_key_and_verify_checks_it(tmp_path, key_file):
    made = runner.invoke(app, ["explain", str(SOMA_CASE), "--format", "json", "--sign-key", str(key_file)])
    assert made.exit_code == 0, made.output
    path = tmp_path / "signed.json"
    path.write_text(made.stdout)
    assert json.loads(made.stdout)["signature"]["alg"] == "hmac-sha256"
    ok = runner.invoke(app, ["verify", str(path), "--key", str(key_file)])
    assert ok.exit_code == 0 and "signature:  valid" in ok.stdout and "Result: REPRODUCED" in ok.stdout
    unchecked = runner.invoke(app, ["verify", str(path)])
    assert unchecked.exit_code == 0 and "present, not checked" in unchecked.stdout
    data = json.loads(made.stdout)
    data["created"] = "2019-01-01T00:00:00Z"
    data["seal"] = seal_of({field: canonical_json(data[field]) for field in SEALED}).model_dump()
    path.write_text(json.dumps(data))
    caught = runner.invoke(app, ["verify", str(path), "--key", str(key_file)])
    assert caught.exit_code == 1 and "Result: ALTERED" in caught.stdout and "signature:  INVALID" in caught.stdout
    env_key = runner.invoke(app, ["verify", str(path)], env={"UR_SIGN_KEY_FILE": str(key_file)})
    assert env_key.exit_code == 1 and "INVALID" in env_key.stdout


def test_bad_key_files_are_one_line_errors(tmp_path):
    short = tmp_path / "short.key"
    short.write_bytes(b"tiny")
    result = runner.invoke(app, ["explain", str(SOMA_CASE), "--format", "json", "--sign-key", str(short)])
    assert result.exit_code == 2 and result.stdout == ""
    assert re.fullmatch(r"error: .*short\.key: a key file holds 16 to 4096 bytes \(this one 4\); .*\n", result.stderr)
    missing = runner.invoke(app, ["verify", str(FORMAT_1), "--key", str(tmp_path / "none.key")])
    assert missing.exit_code == 2 and "cannot read key" in missing.stderr
    text = runner.invoke(app, ["explain", str(SOMA_CASE), "--sign-key", str(short)])
    assert text.exit_code == 2


def test_batch_signs_every_record(tmp_path, key_file):
    out = tmp_path / "out.jsonl"
    folder = ROOT / "cases" / "real" / "letters"
    result = runner.invoke(app, ["batch", str(folder), "--output", str(out), "--sign-key", str(key_file)])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert len(lines) == 5 and all(json.loads(line)["signature"]["value"] for line in lines)
    checked = runner.invoke(app, ["verify", str(out), "--key", str(key_file), "--format", "json"])
    assert checked.exit_code == 0
    assert [r["verdict"] for r in json.loads(checked.stdout)] == ["reproduced"] * 5


def _pack_copy(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    return rules


def test_a_changed_vocabulary_entry_is_named(pack, record, tmp_path):
    rules = _pack_copy(tmp_path)
    drugs = rules / "vocabulary" / "drugs.yaml"
    text = drugs.read_text()
    assert "synonyms: [Soma, Vanadom]" in text
    drugs.write_text(text.replace("synonyms: [Soma, Vanadom]", "synonyms: [Soma, Vanadom, Soma Compound]"))
    result = verify(record, load_pack(rules))
    assert result.verdict == "not_reproduced" and result.outcomes == []
    assert [e.entry for e in result.entries] == ["drug:carisoprodol"]
    assert result.entries[0].file == "vocabulary/drugs.yaml" and None not in (result.entries[0].old, result.entries[0].new)
    assert [(f.path, f.kind) for f in result.files] == [("vocabulary/drugs.yaml", "vocabulary")]


def test_an_entry_the_decision_did_not_read_changes_the_file_but_names_no_entry(pack, record, tmp_path):
    rules = _pack_copy(tmp_path)
    drugs = rules / "vocabulary" / "drugs.yaml"
    drugs.write_text(drugs.read_text().replace("synonyms: [Robaxin]", "synonyms: [Robaxin, Robaxin-750]"))
    result = verify(record, load_pack(rules))
    assert result.verdict == "not_reproduced" and result.entries == []
    assert [f.path for f in result.files] == ["vocabulary/drugs.yaml"]


def test_a_request_that_now_reads_as_another_entry_names_it(pack, tmp_path):
    rules = _pack_copy(tmp_path)
    loaded = load_cases(SOMA_CASE)[0]
    before = decide(loaded.case, loaded.name, pack, "2020-01-01T00:00:00Z")
    drugs = rules / "vocabulary" / "drugs.yaml"
    text = drugs.read_text().replace("synonyms: [Soma, Vanadom]", "synonyms: [Vanadom]")
    drugs.write_text(text.replace("synonyms: [Robaxin]", "synonyms: [Robaxin, Soma]"))
    result = verify(before, load_pack(rules))
    assert EntryChange(entry="drug:methocarbamol", file="vocabulary/drugs.yaml", old=None,
                       new=result.entries[-1].new) in result.entries
    assert any(e.entry == "drug:carisoprodol" and e.old != e.new for e in result.entries)


def test_another_pack_file_is_named(pack, record, tmp_path):
    rules = _pack_copy(tmp_path)
    info = rules / "pack.yaml"
    info.write_text(info.read_text() + "\n# edited\n")
    result = verify(record, load_pack(rules))
    assert result.verdict == "not_reproduced"
    assert [(f.path, f.kind) for f in result.files] == [("pack.yaml", "pack")]


def test_a_rule_file_the_decision_did_not_read_leaves_it_reproduced(pack, record, tmp_path):
    rules = _pack_copy(tmp_path)
    other = rules / "acoem-2004" / "ankle-brace.yaml"
    other.write_text(other.read_text() + "\n# edited\n")
    changed = load_pack(rules)
    assert changed.digest != pack.digest
    result = verify(record, changed)
    assert result.verdict == "reproduced"
    assert result.notes == ["pack digest differs: only files this decision did not read changed"]


def test_an_edited_engine_file_is_not_reproduced_and_names_the_engine(tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "UR_CACHE_DIR": ""}
    code = "from engine.cli import main; main()"
    made = subprocess.run([sys.executable, "-c", code, "explain", str(SOMA_CASE), "--format", "json"],
                          capture_output=True, env=env, cwd=ROOT, timeout=120)
    assert made.returncode == 0, made.stderr.decode()
    record = tmp_path / "record.json"
    record.write_bytes(made.stdout)
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "engine", copy / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / "engine" / "report" / "explain.py"
    target.write_text(target.read_text() + "\n# an edit that changes no decision\n")
    run = subprocess.run([sys.executable, "-c", code, "verify", str(record), "--rules", str(ROOT / "rules")],
                         capture_output=True, text=True, env=env, cwd=copy, timeout=120)
    assert run.returncode == 1, run.stderr
    assert "Result: NOT REPRODUCED" in run.stdout and "engine:     CHANGED" in run.stdout
    assert re.search(r"engine code: sha256 [0-9a-f]{64} -> [0-9a-f]{64}", run.stdout)
    assert "Items whose determination changed" not in run.stdout
    same = subprocess.run([sys.executable, "-c", code, "verify", str(record)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert same.returncode == 0 and "Result: REPRODUCED" in same.stdout


def test_format_1_records_still_load_and_verify(pack):
    [old] = read_records(FORMAT_1)
    assert old.format == "ur-decision-record/1" and old.seal is None and old.engine.code is None
    result = verify(old, pack)
    assert result.verdict in ("reproduced", "not_reproduced") and result.altered == [] and not result.sealed
    assert any(n.startswith("format 1 record: not sealed") for n in result.notes)
    assert all(f.path != "pack.yaml" for f in result.files)  # format 1 never listed it: not a change
    cli = runner.invoke(app, ["verify", str(FORMAT_1)])
    assert cli.exit_code in (0, 1) and "not sealed (format 1 record)" in cli.stdout


def test_a_changed_table_file_is_named_as_a_table(pack):
    """Tables (rules/tables/<id>.yaml) are pack files like any other: a record lists them, and a
    changed one is reported under its table id."""
    from engine.decide.verification import file_changes
    from engine.report.verification_text import render_verification

    assert pack.file_kind("tables/visit-allowances.yaml") == ("table", ["visit-allowances"])
    assert pack.file_kind("vocabulary/drugs.yaml") == ("vocabulary", [])
    assert pack.file_kind("pack.yaml") == ("pack", [])
    [change] = file_changes({"tables/visit-allowances.yaml": "a" * 64}, {"tables/visit-allowances.yaml": "b" * 64}, pack)
    assert (change.kind, change.names) == ("table", ["visit-allowances"])
    loaded = load_cases(SOMA_CASE)[0]
    result = verify(decide(loaded.case, loaded.name, pack, "2020-01-01T00:00:00Z"), pack)
    text = render_verification(result.model_copy(update={"files": [change], "verdict": "not_reproduced"}))
    assert "Tables that differ:\n  tables/visit-allowances.yaml (visit-allowances)\n    recorded sha256 aaaa" in text

"""Decision records: byte-identical for the same input and rules, reproducible by `ur verify`,
and precise about what changed when a rule threshold or the recorded input is altered."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.knowledge.case_files import load_cases
from engine.cli.common import app
from engine.knowledge.pack import load_pack
from engine.decide.record import DecisionRecord, decide, read_records, record_json
from engine.decide.verification import CriterionChange, FileChange, OutcomeChange, verify
from tests.conftest import ROOT

SAMPLES = sorted((ROOT / "cases" / "real" / "letters").glob("*.yaml"))
SOMA_CASE = ROOT / "cases" / "real" / "letters" / "000_29257c263c25c5e1.yaml"
runner = CliRunner()


def _record(path: Path, pack, created: str = "2020-01-01T00:00:00Z") -> DecisionRecord:
    loaded = load_cases(path)[0]
    return decide(loaded.case, loaded.name, pack, created)


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_record_of_each_sample_is_reproduced_by_verify(path, pack, tmp_path):
    out = tmp_path / "record.json"
    out.write_text(record_json(_record(path, pack)), encoding="utf-8")
    [again] = read_records(out)
    result = verify(again, pack)
    assert result.input_intact and result.reproduced
    assert (result.outcomes, result.criteria, result.files, result.details) == ([], [], [], [])


def test_same_input_and_rules_give_byte_identical_records_apart_from_the_timestamp_and_its_seal(pack):
    first = record_json(_record(SOMA_CASE, pack, "2020-01-01T00:00:00Z"))
    fresh_pack = load_pack()  # a second, independent load of the same rule files
    second = record_json(_record(SOMA_CASE, fresh_pack, "2031-12-31T23:59:59Z"))
    assert first != second
    diff = [(a, b) for a, b in zip(first.splitlines(), second.splitlines()) if a != b]
    assert diff[0] == ('  "created": "2020-01-01T00:00:00Z",', '  "created": "2031-12-31T23:59:59Z",')
    assert [a.split(":")[0].strip() for a, _ in diff[1:]] == ['"created"', '"sha256"']  # seal.fields.created, seal.sha256
    one, two = json.loads(first), json.loads(second)
    assert {k: v for k, v in one["seal"]["fields"].items() if k != "created"} == \
           {k: v for k, v in two["seal"]["fields"].items() if k != "created"}


def test_cli_json_record_is_byte_identical_across_runs(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    runs = [runner.invoke(app, ["explain", str(SOMA_CASE), "--format", "json"]) for _ in range(2)]
    assert [r.exit_code for r in runs] == [0, 0]
    assert runs[0].stdout == runs[1].stdout
    assert json.loads(runs[0].stdout)["created"] == "2023-11-14T22:13:20Z"


def test_records_from_separate_processes_with_different_hash_seeds_are_byte_identical():
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "0"}
        code = "from engine.cli import main; main()"
        proc = subprocess.run([sys.executable, "-c", code, "explain", str(SOMA_CASE), "--format", "json"],
                              capture_output=True, env=env, timeout=60, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr.decode()
        outs.append(proc.stdout)
    assert outs[0] == outs[1] and b'"created": "1970-01-01T00:00:00Z"' in outs[0]


def test_record_holds_input_digests_and_versions(pack):
    record = _record(SOMA_CASE, pack)
    data = json.loads(record_json(record))
    canonical = json.dumps(data["input"]["case"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert data["input"]["sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert data["input"]["case"]["request_date"] == "2015-07-10"
    assert data["pack"]["digest"] == pack.digest == data["decision"]["pack"]["digest"]
    assert data["pack"]["version"] == pack.info.version
    root = Path(pack.root)
    assert data["pack"]["files"] == {name: hashlib.sha256((root / name).read_bytes()).hexdigest()
                                     for name in data["pack"]["files"]}
    assert "mtus-cpmtg-2009/carisoprodol.yaml" in data["pack"]["files"]
    assert data["engine"]["version"] == metadata.version("ur-engine")
    assert data["engine"]["durable_rules"] == metadata.version("durable-rules")
    statuses = {c["status"] for i in data["decision"]["items"] for r in i["rules"] for c in r["criteria"]}
    assert statuses == {"met", "not_met", "not_documented"}


def _rules_with_soma_supply_limit(tmp_path: Path, days: int) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "mtus-cpmtg-2009" / "carisoprodol.yaml"
    text, n = re.subn(r"(fact: request\.days_supply, op: lte, value: )21\b", rf"\g<1>{days}", path.read_text())
    assert n == 1, "the carisoprodol supply threshold moved; update this test"
    path.write_text(text)
    return rules


def test_changed_threshold_reports_exactly_the_changed_criterion_and_file(pack, tmp_path):
    record = _record(SOMA_CASE, pack)
    changed = load_pack(_rules_with_soma_supply_limit(tmp_path, 5))
    result = verify(record, changed)
    assert result.input_intact and not result.reproduced
    assert result.outcomes == [OutcomeChange(item="soma", old="overturned", new="upheld")]
    assert result.criteria == [CriterionChange(item="soma", rule="mtus-cpmtg.carisoprodol", criterion="short_supply",
                                               old="met", new="not_met")]
    name = "mtus-cpmtg-2009/carisoprodol.yaml"
    assert result.files == [FileChange(path=name, old=pack.files()[name], new=changed.files()[name], kind="rule",
                                       names=["mtus-cpmtg.carisoprodol"])]
    assert result.files[0].old != result.files[0].new


def test_cli_verify_with_changed_rules_names_criterion_and_file(pack, tmp_path):
    record = tmp_path / "soma.json"
    made = runner.invoke(app, ["explain", str(SOMA_CASE), "--format", "json"])
    assert made.exit_code == 0
    record.write_text(made.stdout)
    same = runner.invoke(app, ["verify", str(record)])
    assert same.exit_code == 0 and "REPRODUCED" in same.stdout
    rules = _rules_with_soma_supply_limit(tmp_path, 5)
    moved = runner.invoke(app, ["verify", str(record), "--rules", str(rules)])
    assert moved.exit_code == 1
    assert "soma  mtus-cpmtg.carisoprodol  short_supply: met -> not met" in moved.stdout
    assert "soma: overturned -> upheld" in moved.stdout
    assert f"current  sha256 {hashlib.sha256((rules / 'mtus-cpmtg-2009/carisoprodol.yaml').read_bytes()).hexdigest()}" \
        in moved.stdout
    assert "lumbar-mri" not in moved.stdout.split("Criteria that changed")[1]


def test_a_threshold_that_changes_no_status_lists_the_file_and_the_changed_test(pack, tmp_path):
    record = _record(SOMA_CASE, pack)
    result = verify(record, load_pack(_rules_with_soma_supply_limit(tmp_path, 20)))
    assert result.criteria == [] and result.outcomes == []
    assert [f.path for f in result.files] == ["mtus-cpmtg-2009/carisoprodol.yaml"]
    assert not result.reproduced  # the recorded test text ('at most 21') differs from today's
    assert any(d.endswith('"request.days_supply is at most 20"') for d in result.details)


def test_tampered_input_or_result_is_not_reproduced(pack):
    record = _record(SOMA_CASE, pack)
    data = json.loads(record_json(record))
    data["input"]["case"]["items"][0]["request"] = "Soma 350mg #90"
    tampered = verify(DecisionRecord.model_validate(data), pack)
    assert not tampered.input_intact and not tampered.reproduced
    data = json.loads(record_json(record))
    item, rule, crit = next((i, r, c) for i in data["decision"]["items"] for r in i["rules"] for c in r["criteria"])
    old = crit["status"]
    crit["status"] = "not_met" if old == "met" else "met"
    edited = verify(DecisionRecord.model_validate(data), pack)
    assert edited.input_intact and not edited.reproduced
    assert edited.criteria == [CriterionChange(item=item["id"], rule=rule["id"], criterion=crit["id"],
                                               old=crit["status"], new=old)]


def test_log_appends_one_line_per_run_and_verify_reads_the_log(tmp_path):
    log = tmp_path / "decisions.jsonl"
    for path in SAMPLES[:2]:
        result = runner.invoke(app, ["explain", str(path), "--log", str(log)])
        assert result.exit_code == 0, result.output
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(line)["format"] == "ur-decision-record/2" for line in lines)
    checked = runner.invoke(app, ["verify", str(log), "--format", "json"])
    assert checked.exit_code == 0
    assert [r["reproduced"] for r in json.loads(checked.stdout)] == [True, True]


@pytest.mark.parametrize("content, expected", [
    ("{not json", r"^error: .*bad\.json:1: invalid JSON"),
    ('{\n  "format": "ur-decision-record/1",\n  "created": "x"\n}\n', r"^error: .*bad\.json:1: .*Field required"),
    ('{\n  "format": "other",\n  "created": "x"\n}\n', r"^error: .*bad\.json:2: format: "),
])
def test_bad_record_is_one_line_exit_2(tmp_path, content, expected):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = runner.invoke(app, ["verify", str(bad)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and re.search(expected, result.stderr), result.stderr

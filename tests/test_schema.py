"""JSON Schemas generated from the models: shipped up to date in schema/, linked from the first line
of every rule, vocabulary and case YAML file, accepting every file in the repository and rejecting
the mistakes an editor should underline as one types."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from engine.cli.common import app
from engine.intake.sources import read_document
from engine.quality import schema
from tests.conftest import ROOT

SCHEMA_DIR = ROOT / "schema"
RULES = ROOT / "rules"
runner = CliRunner()


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMA_DIR / name).read_text()))


def _json(data):
    """Data as an editor's YAML server sees it (dates as text)."""
    return json.loads(json.dumps(data, default=str))


def test_shipped_schemas_are_up_to_date_with_the_models():
    assert schema.stale(SCHEMA_DIR) == [], "run `ur schema` to regenerate schema/"
    for name in schema.SCHEMAS:
        Draft202012Validator.check_schema(json.loads((SCHEMA_DIR / name).read_text()))


def test_every_yaml_file_links_its_schema_on_its_first_line():
    assert schema.unlinked([RULES, ROOT / "cases"], SCHEMA_DIR, RULES) == [], "run `ur schema` to link them"
    first = (ROOT / "cases" / "real" / "letters" / "000_29257c263c25c5e1.yaml").read_text().split("\n", 1)[0]
    assert first == "# yaml-language-server: $schema=../../../schema/case.schema.json"
    assert (RULES / "pack.yaml").read_text().startswith("# yaml-language-server: $schema=../schema/pack.schema.json\n")


def test_every_file_in_the_repository_fits_its_schema():
    validators = {name: _validator(name) for name in schema.SCHEMAS}
    checked, bad = 0, []
    for path in schema.yaml_files([RULES, ROOT / "cases"]):
        name = schema.schema_for(path, RULES)
        if name is None:
            continue
        errors = list(validators[name].iter_errors(_json(read_document(path).data)))
        checked += 1
        if errors:
            bad.append(f"{path}: {errors[0].message}")
    assert checked > 300 and not bad, "\n".join(bad[:10])


@pytest.mark.parametrize("name, data", [
    ("case.schema.json", {"request_dat": "2015-06-01", "items": [{"request": "Soma 350mg #21"}]}),
    ("case.schema.json", {"request_date": "2015-06-01", "items": [{"request": "Soma", "expected": "approved"}]}),
    ("case.schema.json", {"request_date": "2015-06-01", "items": []}),
    ("case.schema.json", {"cases": [{"name": "x", "pain": {"scor": 3}}]}),
    ("case.schema.json", {"cases": [{"name": "x", "items": [{"request": "Soma", "quantity": "ninety"}]}]}),
    ("rule.schema.json", {"id": "x", "tier": "mtus"}),
    ("vocabulary.schema.json", {"drugs": [{"name": "x", "route": "nasal"}]}),
    ("pack.schema.json", {"name": "p"}),
    ("table.schema.json", {"id": "visit-allowances", "title": "t", "value": {"myalgia": 10}}),
    ("table.schema.json", {"id": "x", "title": "t", "description": "a long description", "verified": "maybe",
                           "citation": {"guideline": "g", "edition": "e", "section": "s"}, "value": 1}),
])
def test_schemas_reject_what_validation_rejects(name, data):
    assert list(_validator(name).iter_errors(data))


def test_a_case_entry_may_be_partial_and_remove_base_values_with_null():
    entry = {"cases": [{"name": "no_flare", "findings": {"acute_exacerbation": None}, "injury_date": None}]}
    assert list(_validator("case.schema.json").iter_errors(entry)) == []


def test_rule_condition_operators_and_values_are_checked():
    rule = _json(read_document(RULES / "mtus-cpmtg-2009" / "carisoprodol.yaml").data)
    assert list(_validator("rule.schema.json").iter_errors(rule)) == []
    rule["criteria"][0]["condition"] = {"fact": "request.days_supply", "op": "below", "value": 21}
    assert list(_validator("rule.schema.json").iter_errors(rule))


def test_ur_schema_writes_links_and_checks(tmp_path):
    rules, cases = tmp_path / "rules", tmp_path / "cases"
    shutil.copytree(RULES, rules)
    shutil.copytree(ROOT / "cases" / "real" / "letters", cases / "determinations")
    for path in schema.yaml_files([rules, cases]):  # as before the schemas: no first-line link
        text = path.read_text()
        if text.startswith(schema.MODELINE):
            path.write_text(text.split("\n", 1)[1])
    before = runner.invoke(app, ["schema", "--check", "--rules", str(rules), "--cases", str(cases)])
    assert before.exit_code == 1 and "out of date; run `ur schema`" in before.stdout
    made = runner.invoke(app, ["schema", "--rules", str(rules), "--cases", str(cases)])
    assert made.exit_code == 0, made.output
    assert f"{len(schema.SCHEMAS)} schema files written to {tmp_path / 'schema'}" in made.stdout
    assert sorted(p.name for p in (tmp_path / "schema").iterdir()) == sorted(schema.SCHEMAS)
    after = runner.invoke(app, ["schema", "--check", "--rules", str(rules), "--cases", str(cases)])
    assert after.exit_code == 0 and "schemas up to date" in after.stdout
    first = (cases / "determinations" / "000_29257c263c25c5e1.yaml").read_text().split("\n", 1)[0]
    assert first == "# yaml-language-server: $schema=../../schema/case.schema.json"
    again = runner.invoke(app, ["schema", "--rules", str(rules), "--cases", str(cases)])
    assert "0 schema files written" in again.stdout and "0 YAML files linked" in again.stdout
    load = runner.invoke(app, ["test", str(cases)])
    assert load.exit_code == 0, load.output  # the linked files still load and pass

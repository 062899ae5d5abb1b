"""`ur rules`: every rule listed with its edition, dates, citation and verification counts."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from engine.report.rule_catalog import catalog, summarize
from engine.cli import app
from engine.knowledge.rules import VERIFIED_LEVELS
from tests.conftest import ROOT


def invoke(*args: str):
    return CliRunner().invoke(app, ["rules", *args])


def test_json_lists_every_rule_with_counts_from_its_criteria(pack):
    result = invoke("--format", "json")
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert set(rows) == {r.rule.id for r in pack.rules}
    for loaded in pack.rules:
        rule, row = loaded.rule, rows[loaded.rule.id]
        tags = [c.verified for c in rule.criteria]
        assert row["criteria"] == len(tags)
        assert row["verified"] == sum(t in VERIFIED_LEVELS for t in tags)
        assert row["unverified"] == sum(t not in VERIFIED_LEVELS for t in tags)
        assert sum(row["verification"].values()) == len(tags)
        assert row["tier"] == rule.tier and row["edition"] == rule.citation.edition
        assert row["effective_from"] == rule.effective.from_.isoformat()


def test_known_rules_read_as_written(pack):
    rows = {row.id: row for row in catalog(pack)}
    soma = rows["mtus-cpmtg.carisoprodol"]
    assert (soma.criteria, soma.verified, soma.verification) == (3, 3, {"imr": 3})
    assert (soma.effective_from, soma.effective_until) == ("2009-07-18", "2016-07-28")
    assert soma.citation.endswith("p. 29") and soma.applies_to == ["carisoprodol"]
    sleep = rows["odg.sedative-hypnotics"]
    assert (sleep.verified, sleep.unverified, sleep.effective_until) == (0, 2, "2017-11-30")
    assert sleep.applies_to == ["class:sedative_hypnotic"]
    assert sleep.path == "odg/sedative-hypnotics.yaml"


def test_text_has_one_block_per_rule_and_true_totals(pack):
    result = invoke()
    assert result.exit_code == 0, result.output
    for loaded in pack.rules:
        assert f"{loaded.rule.id}  [{loaded.rule.tier}]" in result.stdout
    total = sum(len(r.rule.criteria) for r in pack.rules)
    verified = sum(c.verified in VERIFIED_LEVELS for r in pack.rules for c in r.rule.criteria)
    totals = [line for line in result.stdout.splitlines() if line.startswith(f"{len(pack.rules)} rules, ")]
    assert totals and totals[0].startswith(f"{len(pack.rules)} rules, {total} criteria, {verified} verified")
    assert result.stdout.index(totals[0]) < result.stdout.index("Guideline editions")  # the timeline follows


def test_filters_by_tier_and_topic():
    odg = json.loads(invoke("--format", "json", "--tier", "odg").stdout)
    assert odg and {row["tier"] for row in odg} == {"odg"}
    opioids = json.loads(invoke("--format", "json", "--topic", "opioids").stdout)
    ids = {row["id"] for row in opioids}
    assert {"mtus-cpmtg.opioids-initiation", "mtus-cpmtg.long-acting-opioids", "mtus-cpmtg.opioids-ongoing"} <= ids
    assert {row["topic"] for row in opioids} == {"opioids"}


def test_rule_pack_option_reads_another_pack(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    target = rules / "mtus-cpmtg-2009" / "carisoprodol.yaml"
    target.write_text(target.read_text().replace("verified: imr", "verified: sec", 1))
    rows = {row["id"]: row for row in json.loads(invoke("--format", "json", "--rules", str(rules)).stdout)}
    assert rows["mtus-cpmtg.carisoprodol"]["verification"] == {"imr": 2, "sec": 1}
    assert rows["mtus-cpmtg.carisoprodol"]["verified"] == 2


def test_bad_options_are_one_line_errors():
    for args, fragment in ((("--format", "xml"), "--format must be one of"),
                           (("--tier", "acme"), "--tier must be one of"),
                           (("--rules", "/nonexistent/rules"), "rules folder not found")):
        result = invoke(*args)
        assert result.exit_code == 2
        err = result.stderr.strip()
        assert "\n" not in err and fragment in err and "Traceback" not in result.output


def test_summarize_counts_each_level(pack):
    rule = pack.by_id["mtus-cpmtg.opioids-ongoing"].rule
    row = summarize(rule)
    assert row.verification == {"imr": 4, "unverified": 1}
    assert (row.verified, row.unverified) == (4, 1)

"""A case is judged by the edition in force on its request date; an edition past its end date
keeps applying only until a successor edition (a rule that `replaces` it) is in the pack."""

from __future__ import annotations

import datetime as dt
import shutil

from engine.knowledge.pack import load_pack, past_end
from tests.conftest import ROOT

SOMA = {"injury_date": "2005-01-01", "medications": [], "findings": {"acute_exacerbation": True},
        "items": [{"id": "soma", "request": "Soma 350mg #60", "sig": "1 tid"}]}


def rule_ids(decision):
    return [r.id for r in decision.items[0].rules]


def test_before_the_2009_edition_no_rule_applies(decide):
    decision = decide({**SOMA, "request_date": "2008-06-01"})
    assert decision.items[0].outcome == "no_applicable_rule"


def test_in_force_edition_applies(decide):
    decision = decide({**SOMA, "request_date": "2015-06-01"})
    assert "mtus-cpmtg.carisoprodol" in rule_ids(decision)
    assert not any("no later edition" in note for note in decision.items[0].assumptions)


def test_edition_past_its_end_applies_until_a_successor_exists(decide, pack):
    decision = decide({**SOMA, "request_date": "2019-06-01"})
    assert "mtus-cpmtg.carisoprodol" in rule_ids(decision)
    assert past_end(pack.by_id["mtus-cpmtg.carisoprodol"].rule, dt.date(2019, 6, 1))
    assert any("no later edition is encoded" in note for note in decision.items[0].assumptions)
    assert not past_end(pack.by_id["mtus-cpmtg.carisoprodol"].rule, dt.date(2015, 6, 1))


def test_successor_edition_replaces_the_old_one(tmp_path):
    from engine.knowledge.case_files import case_from_data
    from engine.decide.evaluate import evaluate

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    old = (rules / "mtus-cpmtg-2009" / "carisoprodol.yaml").read_text()
    new = (old.replace("id: mtus-cpmtg.carisoprodol", "id: mtus-2017.carisoprodol\nreplaces: [mtus-cpmtg.carisoprodol]")
              .replace("effective: {from: 2009-07-18, until: 2017-11-30}", "effective: {from: 2017-12-01}")
              .replace("value: 21}", "value: 14}"))
    (rules / "mtus-cpmtg-2009" / "carisoprodol-2017.yaml").write_text(new)
    pack = load_pack(rules)
    late = evaluate(case_from_data({**SOMA, "request_date": "2019-06-01"}), pack)
    early = evaluate(case_from_data({**SOMA, "request_date": "2015-06-01"}), pack)
    assert "mtus-2017.carisoprodol" in rule_ids(late) and "mtus-cpmtg.carisoprodol" not in rule_ids(late)
    assert "mtus-cpmtg.carisoprodol" in rule_ids(early) and "mtus-2017.carisoprodol" not in rule_ids(early)
    assert late.items[0].outcome == "upheld"  # 20 days exceeds the new edition's 14
    assert early.items[0].outcome == "overturned"


def test_edition_note_only_for_rules_that_decide_the_item(decide):
    """A shoulder MRI after 2017-11-30 names only the shoulder imaging rule as past its end, not the
    cervical, lumbar or knee imaging rules whose `when` excludes a shoulder MRI."""
    decision = decide({"request_date": "2018-03-01", "injury_date": "2017-06-01",
                       "items": [{"id": "mri", "request": "MRI R shoulder"}]})
    notes = [n for n in decision.items[0].assumptions if "no later edition" in n]
    assert notes and all(n.startswith("acoem.shoulder-imaging:") for n in notes)

"""Both directions on records written the way real records read (cases/realistic/, issue 13 item 6).

- Every approvable case has a sibling `<name>_without_<fact>` that only removes documentation from
  it (a field, a list entry, a value), and that sibling is denied: the removed fact is what the
  approval rested on.
- Every denied case becomes approvable when the documentation and request changes that `ur check`
  asks for are added, re-evaluated through the real engine, unless the record documents a fact
  that fails a criterion (then the checklist must say it cannot be fixed in this request).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.advise.checklist import advise
from engine.advise.levers import changed_case
from engine.decide.evaluate import evaluate
from engine.intake.cases import merge
from engine.intake.sources import read_document
from engine.knowledge.case_files import load_cases
from tests.conftest import ROOT

FILES = sorted((ROOT / "cases" / "realistic").glob("*.yaml"))
# Files written with a `<name>_without_<fact>` sibling for each approvable case (the convention above);
# the checklist direction is checked on every realistic file. Other realistic files should adopt the
# convention and join this list.
PAIRED_TOPICS = ("opioids", "nsaids-gi", "neuropathic-pain", "spinal-injections", "spine-diagnostics",
                 "therapy-and-monitoring", "injections", "diagnostics", "devices-and-modalities",
                 "braces-and-home-equipment", "opioid-adjuncts", "opioid-choices", "topical-analgesics",
                 "other-analgesics", "psychiatric-and-sleep-medications", "other-medications",
                 "hand-and-elbow-surgery", "knee-and-shoulder-surgery",
                 "spine-hip-and-foot-surgery", "postoperative-care", "postsurgical-therapy",
                 "physical-medicine", "behavioral-health", "implants-and-spine-procedures", "visits-and-programs",
                 "drug-changes", "procedure-responses", "orthopedic-exam-signs", "time-off-work")
PAIRED = [p for p in FILES if p.stem in PAIRED_TOPICS]
IGNORED = {"name", "title", "items", "sources", "documented_in"}


def _entries(path: Path) -> dict[str, dict]:
    """Each case of the file as written (merged over the base), by name."""
    data = read_document(path).data
    base = data.get("base") or {}
    return {entry["name"]: merge(base, entry) for entry in data["cases"]}


def _removes_only(full: Any, less: Any) -> bool:
    """`less` is `full` with documentation taken away (nothing added or changed)."""
    if less is None or less == full:
        return True
    if isinstance(full, dict) and isinstance(less, dict):
        return all(k in full and (k in IGNORED or _removes_only(full[k], v)) for k, v in less.items())
    if isinstance(full, list) and isinstance(less, list):
        return all(any(_removes_only(f, v) for f in full) for v in less)
    return False


def _outcomes(loaded) -> dict[str, str]:
    return {item.id: item.expected for item in loaded.case.items if item.expected}


def test_there_are_realistic_cases_for_each_topic():
    assert {p.stem for p in PAIRED} == set(PAIRED_TOPICS)


@pytest.mark.parametrize("path", PAIRED, ids=[p.stem for p in PAIRED])
def test_each_approval_rests_on_a_fact_whose_removal_denies_it(path, pack):
    entries = _entries(path)
    loaded = {one.name: one for one in load_cases(path)}
    approvable = [name for name, one in loaded.items() if set(_outcomes(one).values()) == {"overturned"}]
    assert approvable, f"{path.name}: no approvable case"
    for name in approvable:
        siblings = [other for other in loaded if other.startswith(f"{name}_without_")]
        assert siblings, f"{name}: no '{name}_without_<fact>' case"
        for sibling in siblings:
            full = {k: v for k, v in entries[name].items() if k not in IGNORED}
            less = {k: v for k, v in entries[sibling].items() if k not in IGNORED}
            assert _removes_only(full, less), f"{sibling} adds or changes documentation, not only removes it"
            decision = evaluate(loaded[sibling].case, pack)
            assert all(item.outcome == "upheld" for item in decision.items), sibling
            assert set(_outcomes(loaded[sibling]).values()) == {"upheld"}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_denial_is_fixed_by_what_the_checklist_asks_for(path, pack):
    denied = [one for one in load_cases(path) if "upheld" in _outcomes(one).values()]
    assert denied or path not in PAIRED, f"{path.name}: no denied case"
    fixed: list[str] = []
    for one in denied:
        report = advise(one.case, pack, one.doc, one.name)
        changed = changed_case(one.case, {item.id: item.changes for item in report.items})
        overrides: dict[str, dict] = {}
        for item in report.items:
            for line in item.lines:
                if line.doc_check is not None:
                    overrides.setdefault(item.id, {}).update(line.doc_check.assume)
        after = evaluate(changed, pack, overrides=overrides)
        for item_id, expected in _outcomes(one).items():
            if expected != "upheld":
                continue
            got = after.item(item_id)
            if got.outcome == "overturned":
                fixed.append(one.name)
                continue
            # what documentation cannot fix (the record documents a failing fact) must be said so
            actions = {line.criterion: line.action for item in report.items if item.id == item_id
                       for line in item.lines}
            assert all(actions.get(key) in ("cannot", "follows") for key in got.unmet), (one.name, got.unmet, actions)
    assert fixed or path not in PAIRED, f"{path.name}: no denied case is made approvable by the checklist"

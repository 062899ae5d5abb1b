"""The validated-pack cache: a cached pack decides exactly like a freshly validated one, a changed
rule file is never served stale, and an unusable cache folder or entry is skipped silently."""

from __future__ import annotations

import re
import shutil

from engine.knowledge import conditions
from engine.knowledge.case_files import load_cases
from engine.decide.evaluate import evaluate
from engine.knowledge.pack import load_pack
from tests.conftest import ROOT

SAMPLES = sorted((ROOT / "cases" / "real" / "letters").glob("*.yaml"))


def _entries(folder):
    return sorted(folder.glob("pack-*.pickle"))


def _rules_copy(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    return rules


def test_cached_pack_gives_identical_decisions_digest_and_files(tmp_path, monkeypatch):
    rules = _rules_copy(tmp_path)
    monkeypatch.setenv("UR_CACHE_DIR", "")
    fresh = load_pack(rules)
    monkeypatch.setenv("UR_CACHE_DIR", str(tmp_path / "cache"))
    written = load_pack(rules)
    assert len(_entries(tmp_path / "cache")) == 1
    cached = load_pack(rules)
    assert cached is not written and cached is not fresh
    assert cached.digest == fresh.digest and cached.files() == fresh.files()
    assert [r.rule for r in cached.rules] == [r.rule for r in fresh.rules]
    for path in SAMPLES:
        loaded = load_cases(path)[0]
        assert (evaluate(loaded.case, cached, loaded.doc, loaded.name).model_dump()
                == evaluate(loaded.case, fresh, loaded.doc, loaded.name).model_dump())


def test_a_changed_rule_file_is_validated_again_not_served_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("UR_CACHE_DIR", str(tmp_path / "cache"))
    rules = _rules_copy(tmp_path)
    before = load_pack(rules)
    path = rules / "mtus-cpmtg-2009" / "carisoprodol.yaml"
    text, n = re.subn(r"(fact: request\.days_supply, op: lte, value: )21\b", r"\g<1>5", path.read_text())
    assert n == 1
    path.write_text(text)
    after = load_pack(rules)
    assert after.digest != before.digest
    [short] = [c for c in after.by_id["mtus-cpmtg.carisoprodol"].rule.criteria if c.id == "short_supply"]
    assert [leaf.value for leaf in conditions.leaves(short.condition) if leaf.fact == "request.days_supply"] == [5]
    assert len(_entries(tmp_path / "cache")) == 2


def test_unwritable_cache_and_corrupt_entries_are_skipped(tmp_path, monkeypatch):
    rules = _rules_copy(tmp_path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("UR_CACHE_DIR", str(blocker))
    assert load_pack(rules).rules
    cache = tmp_path / "cache"
    monkeypatch.setenv("UR_CACHE_DIR", str(cache))
    digest = load_pack(rules).digest
    [entry] = _entries(cache)
    entry.write_bytes(b"not a pickle")
    assert load_pack(rules).digest == digest

"""The rule pack: every rule file, the tables, the vocabulary and the pack's version and content digest."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from engine.errors import EngineError
from engine.knowledge.pack_check import pack_files, read_pack, refuse
from engine.knowledge.rules import LoadedRule, PackInfo, Rule
from engine.knowledge.tables import LoadedTable
from engine.intake.vocabulary import Vocabulary

DEFAULT_RULES = Path(__file__).resolve().parents[2] / "rules"


@dataclass
class RulePack:
    """Loaded, cross-checked rules with the vocabulary they are written against."""

    root: str
    info: PackInfo
    rules: list[LoadedRule]
    vocab: Vocabulary
    file_hashes: dict[str, str] = field(default_factory=dict)  # every file of the pack: relative path -> sha256
    tables: dict[str, LoadedTable] = field(default_factory=dict)
    table_values: dict[str, Any] = field(default_factory=dict)  # id -> value as its readers declared it

    @cached_property
    def by_id(self) -> dict[str, LoadedRule]:
        return {r.rule.id: r for r in self.rules}

    @cached_property
    def digest(self) -> str:
        """Content hash of every file the pack is made of (rules, vocabulary, tables, pack.yaml, ...)."""
        h = hashlib.sha256()
        for name, sha in sorted(self.files().items()):
            h.update(f"{name}\0{sha}\n".encode())
        return h.hexdigest()

    def files(self) -> dict[str, str]:
        """Relative path -> sha256 of every file of the pack."""
        return self.file_hashes

    def used_files(self, rule_ids: set[str]) -> dict[str, str]:
        """Relative path -> sha256 of the files a decision that evaluated these rules read: the
        named rules' files and every file that is not a rule (vocabulary, tables, pack.yaml, ...)."""
        out = dict(self.shared_files)
        out.update(self.files_by_rule[i] for i in rule_ids)
        return out

    @cached_property
    def tables_by_rule(self) -> dict[str, tuple[str, ...]]:
        """Rule id -> the tables read by the facts its conditions use (its `when` included)."""
        from engine.knowledge.compiler import referenced_facts
        from engine.knowledge.facts import FACTS

        return {r.rule.id: tuple(sorted({t for name in referenced_facts(r.rule) for t in FACTS[name].tables}))
                for r in self.rules}

    @cached_property
    def files_by_rule(self) -> dict[str, tuple[str, str]]:
        """Rule id -> (relative path, sha256) of its file."""
        return {r.rule.id: (_rel(r.path, self.root), r.sha256) for r in self.rules}

    @cached_property
    def rules_by_file(self) -> dict[str, list[str]]:
        """Relative path -> ids of the rules in that file."""
        out: dict[str, list[str]] = {}
        for rule_id, (path, _) in self.files_by_rule.items():
            out.setdefault(path, []).append(rule_id)
        return out

    @cached_property
    def shared_files(self) -> dict[str, str]:
        """Relative path -> sha256 of the files every decision may read (all but the rule files)."""
        return {path: sha for path, sha in self.file_hashes.items() if path not in self.rules_by_file}

    def file_kind(self, path: str) -> tuple[str, list[str]]:
        """What a pack file (relative path) holds: ('rule', rule ids), ('vocabulary', []),
        ('table', [table id]) or ('pack', []) for anything else (pack.yaml, ...)."""
        if path in self.rules_by_file:
            return "rule", self.rules_by_file[path]
        top = Path(path).parts[0] if Path(path).parts else ""
        if top == "vocabulary":
            return "vocabulary", []
        if top == "tables":
            return "table", [Path(path).stem]
        return "pack", []

    def candidates(self, kind: str, name: str, classes: tuple[str, ...], category: str | None,
                   day: dt.date) -> list[Rule]:
        """Rules naming this drug/service (directly or by class/category) in force on `day`."""
        out = []
        for loaded in self.rules:
            rule = loaded.rule
            target = rule.applies_to
            if not self.in_force(rule, day):
                continue
            if kind == "drug" and (name in target.drugs or set(classes) & set(target.classes)):
                out.append(rule)
            elif kind == "service" and (name in target.services or (category and category in target.categories)):
                out.append(rule)
        return out


    def in_force(self, rule: Rule, day: dt.date) -> bool:
        """In force on `day`; past its end date a rule still applies until a successor edition
        (a rule that `replaces` it and covers the day) is in the pack (flagged as past_end)."""
        if day < rule.effective.from_:
            return False
        if rule.effective.covers(day):
            return True
        return not any(rule.id in other.rule.replaces and other.rule.effective.covers(day) for other in self.rules)


def past_end(rule: Rule, day: dt.date) -> bool:
    """Applied after its edition's end date because no later edition is encoded yet."""
    return rule.effective.until is not None and day > rule.effective.until


def _rel(path: str, root: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)


def load_pack(root: str | Path | None = None) -> RulePack:
    """Load every rule under `root` (default: the repository's rules/) and cross-check them.

    A pack validated before from the very same bytes, by the very same engine code and library
    versions, is read back from the cache (engine/knowledge/pack_cache.py) instead of being parsed again."""
    from engine.knowledge import pack_cache

    root = Path(root) if root else DEFAULT_RULES
    if not root.is_dir():
        raise EngineError(f"rules folder not found: {root}")
    info_path = root / "pack.yaml"
    if not info_path.is_file():
        raise EngineError(f"{info_path}: missing pack.yaml (name and version of the rule pack)")
    key = pack_cache.key(root, pack_files(root))
    pack = pack_cache.read(key)
    if pack is None:
        pack = _load_uncached(root)
        pack_cache.write(key, pack)
    return pack


def _load_uncached(root: Path) -> RulePack:
    """Read and check every file (engine/knowledge/pack_check.py); refuse the pack on any problem."""
    reading = read_pack(root)
    refuse(reading.issues)
    assert reading.info is not None and reading.vocab is not None
    hashes = {_rel(str(p), str(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in pack_files(root)}
    hashes.update({_rel(r.path, str(root)): r.sha256 for r in reading.rules})  # the very bytes each rule was read from
    return RulePack(str(root), reading.info, reading.rules, reading.vocab, hashes, reading.tables,
                    reading.table_values)

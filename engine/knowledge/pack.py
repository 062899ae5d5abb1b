"""The rule pack: every rule file, the tables, the vocabulary and the pack's version and content digest."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Optional

from engine.errors import EngineError
from engine.knowledge.editions import Dates, Edition, Editions, EditionsFile, Exclusion, excluded, governing
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
    editions: Editions = field(default_factory=lambda: Editions(EditionsFile()))

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
                   day: dt.date | Dates, region: Optional[str] = None) -> list[Rule]:
        """Rules naming this drug/service (directly or by class/category) that apply on `day`
        (a request date, or the request and service dates)."""
        dates = day if isinstance(day, Dates) else Dates(day)
        return [rule for rule, standing in self.standings(kind, name, classes, category, dates, region) if standing.applies]

    def standings(self, kind: str, name: str, classes: tuple[str, ...], category: str | None,
                  dates: Dates, region: Optional[str] = None) -> list[tuple[Rule, "Standing"]]:
        """Every rule naming this drug/service (directly or by class/category), each with how it
        stands on these dates (whether it applies, and which edition governed), in pack order."""
        index = self.by_target
        if kind == "drug":
            keys = [("drug", name), *(("class", c) for c in classes)]
        elif kind == "service":
            keys = [("service", name)] + ([("category", category)] if category else [])
        else:
            return []
        positions = sorted({i for key in keys for i in index.get(key, ())})
        return [(self.rules[i].rule, self.standing(self.rules[i].rule, dates, region)) for i in positions]

    @cached_property
    def by_target(self) -> dict[tuple[str, str], tuple[int, ...]]:
        """(drug|class|service|category, name) -> positions of the rules whose applies_to names it."""
        out: dict[tuple[str, str], list[int]] = {}
        for i, loaded in enumerate(self.rules):
            t = loaded.rule.applies_to
            for kind, names in (("drug", t.drugs), ("class", t.classes), ("service", t.services),
                                ("category", t.categories)):
                for name in names:
                    out.setdefault((kind, name), []).append(i)
        return {key: tuple(v) for key, v in out.items()}

    @cached_property
    def lines(self) -> dict[str, list[Edition]]:
        """Rule id -> the editions of its guideline it belongs to (rules naming an edition)."""
        return {r.rule.id: self.editions.line(r.rule.effective.edition, r.rule.topic)
                for r in self.rules if r.rule.effective.edition in self.editions.by_id}

    @cached_property
    def encoded_editions(self) -> set[str]:
        """Editions some rule of the pack encodes (as its own or carried into)."""
        out = set()
        for loaded in self.rules:
            eff = loaded.rule.effective
            if eff.edition:
                out |= {eff.edition, *(c.edition for c in eff.carries_into)}
        return out

    def standing(self, rule: Rule, dates: Dates, region: Optional[str] = None,
                 seen: frozenset[str] = frozenset()) -> "Standing":
        """How a rule stands for a request on these dates.

        It governs when the edition in force (by the date that edition is keyed to) is its own or
        one it carries into. When a later edition governed that the pack does not encode, it still
        applies as the nearest earlier encoded edition, marked as standing in, unless a rule that
        `replaces` it applies (that one is nearer). Before its edition, or for a request its edition
        did not cover, it does not apply."""
        eff = rule.effective
        line = self.lines.get(rule.id)
        if line is None:  # a rule without edition data: its own dates, on the request date
            day = dates.request
            if eff.covers(day):
                return GOVERNS
            if day < eff.from_ or self._replaced(rule, dates, region, seen):
                return NOT_IN_FORCE
            return Standing(True, None, True)
        gov = governing(line, dates)
        if gov is None:
            if dates.key(line[0].keyed_to) < line[0].from_ or self._replaced(rule, dates, region, seen):
                return NOT_IN_FORCE
            return Standing(True, None, True)
        exclusion = excluded(gov, region, dates)
        if exclusion is not None:
            return Standing(False, gov, False, exclusion)
        if self._governs(rule, gov, dates):
            return Standing(True, gov, False)
        ids = [e.id for e in line]
        if ids.index(gov.id) <= ids.index(eff.edition) or self._replaced(rule, dates, region, seen):
            return Standing(False, gov, False)
        return Standing(True, gov, True)

    def _governs(self, rule: Rule, gov: Edition, dates: Dates) -> bool:
        eff = rule.effective
        if gov.id in {c.edition for c in eff.carries_into}:
            return True
        if gov.id != eff.edition or dates.key(gov.keyed_to) < eff.from_:
            return False
        if eff.until is None:
            return True
        nxt = self.editions.successor(gov.id, rule.topic)
        end = (nxt.from_ - dt.timedelta(days=1)) if nxt else gov.until
        return (end is not None and eff.until >= end) or dates.key(gov.keyed_to) <= eff.until

    def _replaced(self, rule: Rule, dates: Dates, region: Optional[str], seen: frozenset[str]) -> bool:
        """A rule that `replaces` this one applies on these dates (governing or itself standing in)."""
        seen = seen | {rule.id}
        return any(rule.id in other.rule.replaces and other.rule.id not in seen
                   and self.standing(other.rule, dates, region, seen).applies for other in self.rules)


@dataclass(frozen=True)
class Standing:
    """How one rule stands for one request: whether it applies, the edition that governed (None
    when the rule has no edition data), whether it applies only as a stand-in for a later edition
    the pack does not encode, and the exclusion that left the request out of its edition."""

    applies: bool
    governing: Optional[Edition] = None
    stand_in: bool = False
    exclusion: Optional[Exclusion] = None


GOVERNS = Standing(True)
NOT_IN_FORCE = Standing(False)


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
                    reading.table_values, reading.editions)

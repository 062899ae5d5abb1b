"""The rule pack: every rule file, the vocabulary and the pack's version and content digest."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from engine.errors import EngineError
from engine.knowledge.rules import LoadedRule, PackInfo, Rule, load_rule
from engine.intake.sources import read_document, suggest, validate
from engine.intake.vocabulary import Vocabulary, load_vocabulary

DEFAULT_RULES = Path(__file__).resolve().parents[2] / "rules"


@dataclass
class RulePack:
    """Loaded, cross-checked rules with the vocabulary they are written against."""

    root: str
    info: PackInfo
    rules: list[LoadedRule]
    vocab: Vocabulary
    file_hashes: dict[str, str] = field(default_factory=dict)  # every file of the pack: relative path -> sha256

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


def pack_files(root: str | Path) -> list[Path]:
    """Every file the pack is made of (each YAML file under the pack folder), hashed into its digest
    and listed in decision records whatever it holds, so a new kind of pack file is covered at once."""
    return sorted(p for p in Path(root).rglob("*.yaml") if p.is_file())


def rule_files(root: str | Path) -> list[Path]:
    root = Path(root)
    return sorted(p for p in root.rglob("*.yaml") if "vocabulary" not in p.relative_to(root).parts
                  and p.name != "pack.yaml")


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
        pack = _load_uncached(root, info_path)
        pack_cache.write(key, pack)
    return pack


def _load_uncached(root: Path, info_path: Path) -> RulePack:
    info = validate(PackInfo, read_document(info_path))
    vocab = load_vocabulary(root / "vocabulary")
    rules = [load_rule(p) for p in rule_files(root)]
    hashes = {_rel(str(p), str(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in pack_files(root)}
    hashes.update({_rel(r.path, str(root)): r.sha256 for r in rules})  # the very bytes each rule was read from
    pack = RulePack(str(root), info, rules, vocab, hashes)
    check_pack(pack)
    return pack


def check_pack(pack: RulePack) -> None:
    """Cross-file checks that make a pack unusable: duplicate ids, unknown names."""
    seen: dict[str, str] = {}
    classes = {c for d in pack.vocab.drugs.values() for c in d.classes}
    categories = {s.category for s in pack.vocab.services.values()}
    for loaded in pack.rules:
        rule, doc = loaded.rule, loaded.doc
        if rule.id in seen:
            raise EngineError(f"rule id '{rule.id}' is also used by {seen[rule.id]}", doc.location(("id",)))
        seen[rule.id] = loaded.path
        target = rule.applies_to
        for field_name, names, known in (("drugs", target.drugs, pack.vocab.drugs), ("classes", target.classes, classes),
                                         ("services", target.services, pack.vocab.services),
                                         ("categories", target.categories, categories)):
            for j, name in enumerate(names):
                if name not in known:
                    raise EngineError(f"unknown {field_name[:-1] if field_name != 'classes' else 'class'} '{name}'"
                                      f"{suggest(name, known)}", doc.location(("applies_to", field_name, j)))
    for loaded in pack.rules:
        for field_name in ("supersedes", "replaces"):
            for j, other in enumerate(getattr(loaded.rule, field_name)):
                if other not in seen:
                    raise EngineError(f"{field_name} unknown rule '{other}'{suggest(other, seen)}",
                                      loaded.doc.location((field_name, j)))

"""One validation path for a rule pack: read every file and report every problem in every file
(a file that cannot be read or does not fit its model, unknown facts and names, values of the
wrong type, duplicate ids, unknown rules named by `supersedes`/`replaces`, a table a fact reads
that is missing or whose value has the wrong type, a table nothing reads).

`load_pack` refuses a pack with any of these (bad input: the first, and how many more); `ur
validate` and lint (engine/quality/lint.py) list them all, one line each, then add lint findings.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, Optional

from pydantic import BaseModel

from engine.errors import EngineError, Location
from engine.intake.sources import Document, read_document, suggest, validate
from engine.intake.vocabulary import Vocabulary, read_vocabulary
from engine.knowledge.editions import EDITIONS_FILE, Editions, EditionsFile, load_editions
from engine.knowledge.rules import All, Condition, Leaf, LoadedRule, Not, PackInfo, Rule
from engine.knowledge.tables import LoadedTable, load_table, table_files, typed_value

Severity = Literal["error", "warning"]
UNREADABLE = "schema"  # the code of a file that cannot be read or does not fit its model: bad input


class Issue(BaseModel):
    """One problem or lint finding, printed as `file:line: field: severity code: message`."""

    file: str
    line: int
    field: str
    code: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.severity} {self.code}: {self.message}"

    def error(self) -> EngineError:
        """The problem as bad input: `file:line: field: message`."""
        return EngineError(self.message, Location(self.file, self.line, "" if self.field == "-" else self.field))


def issue(doc: Document, loc: tuple, code: str, severity: Severity, message: str) -> Issue:
    where = doc.location(loc)
    return Issue(file=where.file, line=where.line, field=where.field or "-", code=code, severity=severity,
                 message=message)


def unreadable(exc: EngineError) -> Issue:
    where = exc.location or Location("-")
    return Issue(file=where.file, line=where.line, field=where.field or "-", code=UNREADABLE, severity="error",
                 message=exc.message)


# --- the files of a pack ------------------------------------------------------------------------

def pack_files(root: str | Path) -> list[Path]:
    """Every file the pack is made of (each YAML file under the pack folder), hashed into its digest
    and listed in decision records whatever it holds, so a new kind of pack file is covered at once."""
    return sorted(p for p in Path(root).rglob("*.yaml") if p.is_file())


def rule_files(root: str | Path) -> list[Path]:
    root = Path(root)
    return sorted(p for p in root.rglob("*.yaml") if not {"vocabulary", "tables"} & set(p.relative_to(root).parts[:1])
                  and p.relative_to(root).as_posix() not in ("pack.yaml", EDITIONS_FILE))


# --- one rule file ------------------------------------------------------------------------------

def read_rule(path: str | Path) -> LoadedRule:
    """Read one rule file and validate it against the rule model (schema only)."""
    raw = Path(path).read_bytes() if Path(path).is_file() else b""
    doc = read_document(path)
    rule = validate(Rule, doc)
    return LoadedRule(rule=rule, path=str(path), sha256=hashlib.sha256(raw).hexdigest(), doc=doc)


def load_rule(path: str | Path) -> LoadedRule:
    """Read and validate one rule file, including fact names and types in its conditions."""
    loaded = read_rule(path)
    for found in rule_issues(loaded.rule, loaded.doc):
        raise found.error()
    return loaded


def conditions(rule: Rule) -> Iterator[tuple[tuple, Condition]]:
    """(location, condition) of the rule's `when` and of each criterion."""
    if rule.when is not None:
        yield ("when",), rule.when
    for i, crit in enumerate(rule.criteria):
        yield ("criteria", i, "condition"), crit.condition


def walk(cond: Condition, path: tuple) -> Iterator[tuple[tuple, Leaf]]:
    """Every leaf of a condition with its location."""
    if isinstance(cond, Leaf):
        yield path, cond
    elif isinstance(cond, Not):
        yield from walk(cond.not_, path + ("not",))
    else:
        name = "all" if isinstance(cond, All) else "any"
        for j, child in enumerate(getattr(cond, name)):
            yield from walk(child, path + (name, j))


def condition_issues(doc: Document, base: tuple, cond: Condition) -> Iterator[Issue]:
    """Unknown fact names (with a suggestion) and values or operators of the wrong type."""
    from engine.knowledge.facts import FACTS, value_problem

    for path, leaf in walk(cond, base):
        fact = FACTS.get(leaf.fact)
        if fact is None:
            yield issue(doc, path + ("fact",), "unknown-fact", "error",
                        f"unknown fact '{leaf.fact}'{suggest(leaf.fact, FACTS)}")
            continue
        if leaf.op == "documented":
            continue
        for value in leaf.value if isinstance(leaf.value, list) else [leaf.value]:
            problem = value_problem(fact, value)
            if problem:
                yield issue(doc, path + ("value",), "type-mismatch", "error", f"{leaf.fact} is {fact.type}: {problem}")
                break
        else:
            if fact.type == "bool" and leaf.op not in ("eq", "ne"):
                yield issue(doc, path + ("op",), "type-mismatch", "error",
                            f"{leaf.fact} is yes/no; '{leaf.op}' compares numbers (use eq or ne)")


def rule_issues(rule: Rule, doc: Document) -> Iterator[Issue]:
    """Problems inside one rule: a criterion id used twice, facts unknown or of the wrong type."""
    seen: set[str] = set()
    for i, crit in enumerate(rule.criteria):
        if crit.id in seen:
            yield issue(doc, ("criteria", i, "id"), "duplicate-id", "error",
                        f"criterion id '{crit.id}' is used twice in {rule.id}")
        seen.add(crit.id)
    for base, cond in conditions(rule):
        yield from condition_issues(doc, base, cond)


# --- across files -------------------------------------------------------------------------------

def pack_issues(rules: list[LoadedRule], vocab: Optional[Vocabulary],
                editions: Optional[Editions] = None) -> Iterator[Issue]:
    """Problems between files: a rule id used twice, `applies_to` naming what the vocabulary lacks,
    `supersedes`/`replaces` naming no rule, an edition the editions file does not list (not checked
    when `editions` is None: the file could not be read, which is reported once)."""
    first: dict[str, str] = {}
    for lr in rules:
        if lr.rule.id in first:
            yield issue(lr.doc, ("id",), "duplicate-id", "error", f"rule id '{lr.rule.id}' is also used by {first[lr.rule.id]}")
        first.setdefault(lr.rule.id, lr.path)
    if vocab is not None:
        classes = {c for d in dict.values(vocab.drugs) for c in d.classes}
        categories = {s.category for s in dict.values(vocab.services)}
        for lr in rules:
            t = lr.rule.applies_to
            for name, names, known in (("drugs", t.drugs, vocab.drugs), ("classes", t.classes, classes),
                                       ("services", t.services, vocab.services), ("categories", t.categories, categories)):
                for j, term in enumerate(names):
                    if term not in known:
                        yield issue(lr.doc, ("applies_to", name, j), "unknown-name", "error",
                                    f"no {name} entry '{term}' in the vocabulary{suggest(term, known)}")
    if vocab is not None:
        yield from diagnosis_issues(vocab)
    for lr in rules:
        for name in ("supersedes", "replaces"):
            for j, other in enumerate(getattr(lr.rule, name)):
                if other not in first:
                    yield issue(lr.doc, (name, j), "unknown-name", "error",
                                f"{name} unknown rule '{other}'{suggest(other, first)}")
    for lr in [] if editions is None else rules:
        eff = lr.rule.effective
        named = [(("effective", "edition"), eff.edition)]
        named += [(("effective", "carries_into", j, "edition"), c.edition) for j, c in enumerate(eff.carries_into)]
        for loc, edition in named:
            if edition is not None and edition not in editions.by_id:
                yield issue(lr.doc, loc, "unknown-name", "error", f"unknown edition '{edition}'"
                            f"{suggest(edition, editions.by_id)} (editions are listed in {EDITIONS_FILE})")


def diagnosis_issues(vocab: Vocabulary) -> Iterator[Issue]:
    """Diagnosis words (vocabulary `diagnoses:`) and examination signs that document a finding (`signs:`
    with `finding:`) name a known case finding and a value of its type."""
    from engine.knowledge.facts import FACTS, value_problem

    findings = {name.split(".", 1)[1] for name in FACTS if name.startswith("finding.")}
    named = [(entry.finding, entry.value, where) for entry, where in vocab.diagnosis_locations]
    named += [(entry.finding, 1.0 if entry.count else entry.value, where)
              for entry, where in vocab.sign_locations if entry.finding is not None]
    for finding, value, where in named:
        at = {"file": where.file, "line": where.line, "field": where.field or "-", "severity": "error"}
        if finding not in findings:
            yield Issue(**at, code="unknown-fact",
                        message=f"unknown finding '{finding}'{suggest(finding, findings)}")
        else:
            problem = value_problem(FACTS[f"finding.{finding}"], value)
            if problem:
                yield Issue(**at, code="type-mismatch", message=f"finding '{finding}': {problem}")


def table_issues(root: Path, tables: dict[str, LoadedTable], values: dict[str, Any],
                 unreadable_files: set[str] = frozenset()) -> Iterator[Issue]:
    """Every table a fact (or the reading of requests) declares is present and its value has the
    declared type (the typed values go into `values`); a table nothing reads is reported too.
    A table whose file exists but cannot be read (`unreadable_files`: file stems) is reported once,
    as unreadable, not again as missing."""
    from engine.knowledge.facts import FACTS, TABLE_TYPES

    for table_id, value_type in sorted(TABLE_TYPES.items()):
        loaded = tables.get(table_id)
        if loaded is None and table_id in unreadable_files:
            continue
        if loaded is None:
            readers = [name for name, fact in FACTS.items() if table_id in fact.tables] or ["the engine"]
            yield Issue(file=str(root / "tables" / f"{table_id}.yaml"), line=0, field="-", code="missing-table",
                        severity="error", message=f"missing table '{table_id}' (read by {', '.join(readers[:3])}"
                                                  f"{' ...' if len(readers) > 3 else ''})")
            continue
        try:
            values[table_id] = typed_value(loaded, value_type)
        except EngineError as exc:
            where = exc.location or Location(loaded.path)
            yield Issue(file=where.file, line=where.line, field=where.field or "-", code="type-mismatch",
                        severity="error", message=exc.message)
    for table_id, loaded in sorted(tables.items()):
        if table_id not in TABLE_TYPES:
            yield issue(loaded.doc, ("id",), "unused-table", "warning",
                        f"no fact reads table '{table_id}'{suggest(table_id, TABLE_TYPES)}")


# --- the whole pack -----------------------------------------------------------------------------

@dataclass
class PackReading:
    """Everything read from a pack folder, and every problem found on the way."""

    root: Path
    info: Optional[PackInfo] = None
    vocab: Optional[Vocabulary] = None
    rules: list[LoadedRule] = field(default_factory=list)
    tables: dict[str, LoadedTable] = field(default_factory=dict)
    table_values: dict[str, Any] = field(default_factory=dict)  # id -> value as its readers declared it
    editions: Editions = field(default_factory=lambda: Editions(EditionsFile()))
    issues: list[Issue] = field(default_factory=list)

    @property
    def unreadable(self) -> list[Issue]:
        """Files that cannot be read or do not fit their model (bad input)."""
        return [i for i in self.issues if i.code == UNREADABLE]


def read_pack(root: str | Path) -> PackReading:
    """Read every file of the pack at `root`; collect every problem instead of stopping at the first."""
    root = Path(root)
    if not root.is_dir():
        raise EngineError(f"rules folder not found: {root}")
    reading = PackReading(root)
    info_path = root / "pack.yaml"
    if not info_path.is_file():
        reading.issues.append(unreadable(EngineError("missing pack.yaml (name and version of the rule pack)",
                                                     Location(str(info_path)))))
    else:
        reading.info = _attempt(reading, lambda: validate(PackInfo, read_document(info_path)))
    reading.vocab, problems = read_vocabulary(root / "vocabulary")
    reading.issues += [unreadable(p) for p in problems]
    for path in rule_files(root):
        loaded = _attempt(reading, lambda: read_rule(path))
        if loaded is not None:
            reading.rules.append(loaded)
            reading.issues += rule_issues(loaded.rule, loaded.doc)
    editions = _attempt(reading, lambda: load_editions(root))  # None: unreadable, reported once
    reading.editions = editions or reading.editions
    reading.issues += pack_issues(reading.rules, reading.vocab, editions)
    unreadable_tables = set()
    for path in table_files(root):
        loaded_table = _attempt(reading, lambda: load_table(path))
        if loaded_table is not None:
            reading.tables[loaded_table.table.id] = loaded_table
        else:
            unreadable_tables.add(path.stem)
    reading.issues += table_issues(root, reading.tables, reading.table_values, unreadable_tables)
    reading.issues.sort(key=lambda i: (i.file, i.line, i.code))
    return reading


def _attempt(reading: PackReading, read: Any) -> Any:
    try:
        return read()
    except EngineError as exc:
        reading.issues.append(unreadable(exc))
        return None


def refuse(issues: Iterable[Issue]) -> None:
    """Raise the first error as bad input, saying how many more there are (for load_pack)."""
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        first = errors[0].error()
        if len(errors) > 1:
            first.message += f" (and {len(errors) - 1} more problems in the pack: run `ur validate`)"
        raise first

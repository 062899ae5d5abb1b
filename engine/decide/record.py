"""Decision records: the case input, the rule pack's file hashes, the engine versions and the full
result, in canonical JSON, so an auditor can re-run a decision later and see what changed.

The same input and rules give a byte-identical record apart from `created` (the timestamp).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict

from engine.intake.cases import Case

from engine.knowledge.case_files import case_from_data
from engine.decide.decision import CaseDecision
from engine.errors import EngineError, Location
from engine.knowledge.pack import RulePack

FORMAT = "ur-decision-record/1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EngineInfo(_Model):
    name: str = "ur-engine"
    version: str
    durable_rules: str
    python: str


class CaseInput(_Model):
    """The validated case exactly as evaluated (nulls dropped), and its digest."""

    name: str
    sha256: str
    case: dict[str, Any]


class PackRecord(_Model):
    name: str
    version: str
    digest: str
    files: dict[str, str]


class DecisionRecord(_Model):
    format: Literal["ur-decision-record/1"] = FORMAT
    created: str
    engine: EngineInfo
    input: CaseInput
    pack: PackRecord
    decision: CaseDecision


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(data: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text: one byte sequence per value (one encoder, built once)."""
    return _CANONICAL.encode(data)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def case_input(case: Case, name: str) -> CaseInput:
    """Canonical form of a validated case: the fields it states (a history left out stays "not
    documented" when the record is read again; an empty one stays "none")."""
    data = case.model_dump(mode="json", exclude_none=True, exclude_unset=True)
    return CaseInput(name=name, sha256=sha256_text(canonical_json(data)), case=data)


def engine_info() -> EngineInfo:
    return EngineInfo(version=_version("ur-engine"), durable_rules=_version("durable-rules"),
                      python=platform.python_version())


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def timestamp() -> str:
    """UTC now, or SOURCE_DATE_EPOCH when set (reproducible builds of a report)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch.isdigit() else dt.datetime.now(dt.timezone.utc)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def pack_record(pack: RulePack, decision: Optional[CaseDecision] = None) -> PackRecord:
    """The pack's name, version and digest; file hashes of the whole pack, or, given a decision,
    of the vocabulary and the files of the rules evaluated for it (issue 5: "every rule file used")."""
    files = pack.files() if decision is None else used_files(pack, decision)
    return PackRecord(name=pack.info.name, version=pack.info.version, digest=pack.digest,
                      files=dict(sorted(files.items())))


def used_files(pack: RulePack, decision: CaseDecision) -> dict[str, str]:
    """Relative path -> sha256 of the vocabulary files and of every rule the decision evaluated."""
    rule_ids = {rule.id for item in decision.items for rule in item.rules}
    return pack.used_files(rule_ids)


def build_record(case: Case, name: str, pack: RulePack, decision: CaseDecision,
                 created: Optional[str] = None) -> DecisionRecord:
    """Everything needed to reproduce `decision`: input, rule files, versions and the result."""
    return DecisionRecord(created=created or timestamp(), engine=engine_info(), input=case_input(case, name),
                          pack=pack_record(pack, decision), decision=decision)


def decide(case: Case, name: str, pack: RulePack, created: Optional[str] = None, doc: Any = None) -> DecisionRecord:
    """Evaluate a case and wrap the decision in a record (`doc` gives errors their file lines)."""
    from engine.decide.evaluate import evaluate

    return build_record(case, name, pack, evaluate(case, pack, doc, name), created)


def record_json(record: DecisionRecord, indent: Optional[int] = 2) -> str:
    """The record as canonical JSON (indented for files, one line for a JSONL log)."""
    data = record.model_dump(mode="json")
    if indent is None:
        return canonical_json(data)
    return json.dumps(data, sort_keys=True, indent=indent, ensure_ascii=False, allow_nan=False)


def record_line(case: Case, name: str, pack: RulePack, decision: CaseDecision, created: str,
                engine: str) -> str:
    """The bytes of record_json(build_record(...), indent=None), built for batch speed: no
    re-validation, the case serialised once (its digest is taken from the very same text), the
    decision written by pydantic's serializer (decision models declare fields in sorted order),
    and the parts shared by many records (`engine`: engine_json(); the pack part) encoded once."""
    case_json = canonical_json(case.model_dump(mode="json", exclude_none=True, exclude_unset=True))
    return "".join((
        '{"created":', canonical_json(created), ',"decision":', decision.model_dump_json(),
        ',"engine":', engine, ',"format":"', FORMAT,
        '","input":{"case":', case_json, ',"name":', canonical_json(name), ',"sha256":"', sha256_text(case_json),
        '"},"pack":', _pack_json(pack, frozenset(rule.id for item in decision.items for rule in item.rules)), "}"))


def engine_json() -> str:
    """The record's `engine` part as canonical JSON (the same for every record of a process)."""
    return canonical_json(engine_info().model_dump(mode="json"))


_PACK_PARTS: dict[str, tuple[str, dict[str, tuple[str, str]], dict[str, str]]] = {}


def _pack_json(pack: RulePack, rule_ids: frozenset) -> str:
    """The record's `pack` part for the rules a decision used, joined from file entries encoded
    once per pack (the same text canonical_json gives; tests/test_batch.py checks it)."""
    parts = _PACK_PARTS.get(pack.digest)
    if parts is None:
        head = canonical_json({"digest": pack.digest, "files": {}, "name": pack.info.name,
                               "version": pack.info.version})
        encoded = {path: f"{canonical_json(path)}:{canonical_json(sha)}" for path, sha in pack.files().items()}
        rules = {rule_id: (path, encoded[path]) for rule_id, (path, _) in pack.files_by_rule.items()}
        vocab = {path: encoded[path] for path in pack.vocab_files_rel}
        parts = _PACK_PARTS[pack.digest] = (head, rules, vocab)
    head, rules, vocab = parts
    entries = dict(vocab)
    entries.update(rules[rule_id] for rule_id in rule_ids)
    files = ",".join(entries[path] for path in sorted(entries))
    return head.replace('"files":{}', '"files":{' + files + "}", 1)


def append_log(record: DecisionRecord, path: str) -> None:
    """Append the record as one line of a JSONL log."""
    with open(path, "a", encoding="utf-8") as out:
        out.write(record_json(record, indent=None) + "\n")


def recorded_case(record: DecisionRecord) -> Case:
    """The case input stored in a record, validated again by today's case model."""
    return case_from_data(record.input.case, record.input.name)


def read_records(path: str | Path) -> list[DecisionRecord]:
    """One record (`ur explain --format json`) or a JSONL log of them, validated with line numbers."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EngineError(f"cannot read record: {getattr(exc, 'strerror', None) or exc}", Location(name)) from None
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise EngineError("file is empty", Location(name, 1))
    if len(lines) > 1 and all(line.lstrip().startswith("{") and line.rstrip().endswith("}") for _, line in lines):
        return [_parse_record(line, name, n) for n, line in lines]
    return [_parse_record(text, name, 1)]


def _parse_record(text: str, name: str, first_line: int) -> DecisionRecord:
    from pydantic import ValidationError

    from engine.intake.sources import Document, parse_text, validate

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EngineError(f"not valid JSON: {exc.msg}", Location(name, first_line + exc.lineno - 1)) from None
    try:
        record = DecisionRecord.model_validate(data)
    except ValidationError:  # validate again with line numbers for the message
        doc = parse_text(text, name)
        validate(DecisionRecord, Document(name, data, {k: v + first_line - 1 for k, v in doc.positions.items()}))
        raise
    try:
        recorded_case(record)
    except EngineError as exc:
        field = "input.case" + (f".{exc.location.field}" if exc.location and exc.location.field else "")
        raise EngineError(exc.message, Location(name, first_line, field)) from None
    return record


# --- verification: re-evaluate a record's input with the current rules and compare -----------

class CriterionChange(_Model):
    item: str
    rule: str
    criterion: str
    old: str
    new: str


class OutcomeChange(_Model):
    item: str
    old: str
    new: str


class FileChange(_Model):
    path: str
    old: Optional[str] = None
    new: Optional[str] = None


class Verification(_Model):
    """What re-running a record showed; `reproduced` means every result is the same."""

    case: str
    created: str
    input_intact: bool
    reproduced: bool
    recorded_pack: PackRecord
    current_pack: PackRecord
    recorded_engine: EngineInfo
    current_engine: EngineInfo
    outcomes: list[OutcomeChange] = []
    criteria: list[CriterionChange] = []
    files: list[FileChange] = []
    details: list[str] = []


def verify(record: DecisionRecord, pack: RulePack) -> Verification:
    """Re-evaluate the recorded input with `pack`; list changed outcomes, criteria and files."""
    intact = sha256_text(canonical_json(record.input.case)) == record.input.sha256
    again = decide(recorded_case(record), record.input.name, pack, record.created)
    old, new = record.decision, again.decision
    details = diff_paths(_result_only(old), _result_only(new))
    return Verification(
        case=old.case, created=record.created, input_intact=intact, reproduced=intact and not details,
        recorded_pack=record.pack, current_pack=again.pack, recorded_engine=record.engine,
        current_engine=again.engine, outcomes=outcome_changes(old, new), criteria=criterion_changes(old, new),
        files=file_changes(record.pack.files, again.pack.files), details=details,
    )


def _result_only(decision: CaseDecision) -> dict:
    """The decision without the pack reference: rule files are compared separately."""
    return decision.model_dump(mode="json", exclude={"pack"})


def outcome_changes(old: CaseDecision, new: CaseDecision) -> list[OutcomeChange]:
    before = {i.id: i.outcome for i in old.items}
    after = {i.id: i.outcome for i in new.items}
    return [OutcomeChange(item=k, old=before.get(k, "absent"), new=after.get(k, "absent"))
            for k in _union(before, after) if before.get(k) != after.get(k)]


def criterion_states(decision: CaseDecision) -> dict[tuple[str, str, str], str]:
    """(item, rule, criterion) -> status; a rule's own state under criterion '(rule)'."""
    out: dict[tuple[str, str, str], str] = {}
    for item in decision.items:
        for rule in item.rules:
            state = ("not applicable" if not rule.applicable
                     else f"superseded by {rule.superseded_by}" if rule.superseded_by else "applies")
            out[(item.id, rule.id, "(rule)")] = state
            for crit in rule.criteria:
                out[(item.id, rule.id, crit.id)] = crit.status
    return out


def criterion_changes(old: CaseDecision, new: CaseDecision) -> list[CriterionChange]:
    before, after = criterion_states(old), criterion_states(new)
    return [CriterionChange(item=k[0], rule=k[1], criterion=k[2], old=before.get(k, "absent"),
                            new=after.get(k, "absent"))
            for k in _union(before, after) if before.get(k) != after.get(k)]


def file_changes(old: dict[str, str], new: dict[str, str]) -> list[FileChange]:
    return [FileChange(path=k, old=old.get(k), new=new.get(k)) for k in sorted(set(old) | set(new))
            if old.get(k) != new.get(k)]


def _union(first: dict, second: dict) -> list:
    """Keys of both, in first-seen order (records keep item and rule order)."""
    return list(dict.fromkeys([*first, *second]))


def diff_paths(old: Any, new: Any, path: str = "", limit: int = 50) -> list[str]:
    """Paths where two JSON values differ; lists of objects with an `id` are matched by id."""
    out: list[str] = []
    _diff(old, new, path, out, limit)
    return out


def _diff(old: Any, new: Any, path: str, out: list[str], limit: int) -> None:
    if len(out) >= limit or old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in _union(old, new):
            _diff(old.get(key), new.get(key), f"{path}.{key}" if path else key, out, limit)
    elif _keyed(old) and _keyed(new):
        before, after = {x["id"]: x for x in old}, {x["id"]: x for x in new}
        for key in _union(before, after):
            _diff(before.get(key), after.get(key), f"{path}[{key}]", out, limit)
    else:
        out.append(f"{path}: {_short(old)} -> {_short(new)}")


def _keyed(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, dict) and "id" in x for x in value)


def _short(value: Any) -> str:
    text = "absent" if value is None else canonical_json(value)
    return text if len(text) <= 80 else text[:77] + "..."

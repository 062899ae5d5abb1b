"""Decision records: the case input, the hashes of every pack file and vocabulary entry it read,
the engine's versions and code digest, and the full result, in canonical JSON, so an auditor can
re-run a decision later and see what changed (engine/decide/verification.py).

A record is sealed: `seal.fields` holds the sha256 of each of its fields' canonical JSON and
`seal.sha256` the hash of those, so an edit to any field shows; with an operator key it is also
signed (HMAC-SHA256 of the seal), so an edit whose seal was recomputed shows too.

The same input and rules give a byte-identical record apart from `created` and the seal over it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import hmac
import json
import os
import platform
from importlib import metadata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Literal, Optional

from pydantic import BaseModel, ConfigDict

from engine.intake.cases import Case
from engine.intake.vocabulary import tracking_reads
from engine.knowledge.case_files import case_from_data
from engine.decide.decision import CaseDecision
from engine.errors import EngineError, Location
from engine.knowledge.pack import RulePack
from engine.knowledge.pack_cache import engine_code_digest

FORMAT = "ur-decision-record/2"
SEALED = ("created", "decision", "engine", "format", "input", "pack")  # every field but the seal and signature
SIGNATURE = "hmac-sha256"
MIN_KEY_BYTES = 16
MAX_KEY_BYTES = 4096


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EngineInfo(_Model):
    name: str = "ur-engine"
    version: str
    durable_rules: str
    python: str
    code: Optional[str] = None  # sha256 of every .py file of the engine (format 2 on)


class CaseInput(_Model):
    """The validated case exactly as evaluated (nulls dropped), and its digest."""

    name: str
    sha256: str
    case: dict[str, Any]


class PackRecord(_Model):
    """The pack's name, version and digest (of every file), the sha256 of each file the decision
    read, and of each vocabulary entry it read ("drug:<name>", "service:<name>"; format 2 on)."""

    name: str
    version: str
    digest: str
    files: dict[str, str]
    entries: dict[str, str] = {}


class Seal(_Model):
    fields: dict[str, str]
    sha256: str


class Signature(_Model):
    alg: Literal["hmac-sha256"] = SIGNATURE
    key: str  # the key's fingerprint, to tell "another key" from "edited"
    value: str


class DecisionRecord(_Model):
    format: Literal["ur-decision-record/1", "ur-decision-record/2"] = FORMAT
    created: str
    engine: EngineInfo
    input: CaseInput
    pack: PackRecord
    decision: CaseDecision
    seal: Optional[Seal] = None  # absent only in format 1 records
    signature: Optional[Signature] = None


# check_circular off: every value encoded is a tree of plain JSON values (no container holds itself)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                              check_circular=False)


def canonical_json(data: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text: one byte sequence per value (one encoder, built once)."""
    return _CANONICAL.encode(data)


_SHA256 = hashlib.sha256()  # copied, not made anew: OpenSSL looks the algorithm up on every new object


def sha256_text(text: str) -> str:
    digest = _SHA256.copy()
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def case_input(case: Case, name: str) -> CaseInput:
    """Canonical form of a validated case: the fields it states (a history left out stays "not
    documented" when the record is read again; an empty one stays "none")."""
    data = case.model_dump(mode="json", exclude_none=True, exclude_unset=True)
    return CaseInput(name=name, sha256=sha256_text(canonical_json(data)), case=data)


def engine_info() -> EngineInfo:
    return EngineInfo(version=_version("ur-engine"), durable_rules=_version("durable-rules"),
                      python=platform.python_version(), code=engine_code_digest())


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


def pack_record(pack: RulePack, decision: Optional[CaseDecision] = None, entries: Iterable[str] = ()) -> PackRecord:
    """The pack's name, version and digest; file hashes of the whole pack, or, given a decision,
    of the files it read (its rules' files and every file that is not a rule); and the hashes of
    the vocabulary entries read."""
    files = pack.files() if decision is None else used_files(pack, decision)
    return PackRecord(name=pack.info.name, version=pack.info.version, digest=pack.digest,
                      files=dict(sorted(files.items())), entries=entry_hashes(pack, entries))


def used_files(pack: RulePack, decision: CaseDecision) -> dict[str, str]:
    """Relative path -> sha256 of every file the decision read (RulePack.used_files)."""
    rule_ids = {rule.id for item in decision.items for rule in item.rules}
    return pack.used_files(rule_ids)


def entry_hashes(pack: RulePack, entries: Iterable[str]) -> dict[str, str]:
    """Entry key -> sha256 of each vocabulary entry read, sorted."""
    out = {key: pack.vocab.entry_hash(key) for key in sorted(entries)}
    return {key: sha for key, sha in out.items() if sha is not None}


def build_record(case: Case, name: str, pack: RulePack, decision: CaseDecision, created: Optional[str] = None,
                 entries: Iterable[str] = (), key: Optional[bytes] = None) -> DecisionRecord:
    """Everything needed to reproduce `decision` (`entries`: the vocabulary entries it read),
    sealed, and signed when an operator key is given."""
    record = DecisionRecord(created=created or timestamp(), engine=engine_info(), input=case_input(case, name),
                            pack=pack_record(pack, decision, entries), decision=decision)
    data = record.model_dump(mode="json")
    seal = seal_of({field: canonical_json(data[field]) for field in SEALED})
    return record.model_copy(update={"seal": seal, "signature": sign(seal, key) if key else None})


def evaluate_reading(case: Case, pack: RulePack, doc: Any = None, name: str = "") -> tuple[CaseDecision, set[str]]:
    """Evaluate a case, noting the vocabulary entries read while deciding it (for its record)."""
    from engine.decide.evaluate import evaluate

    with tracking_reads() as reads:
        decision = evaluate(case, pack, doc, name)
    return decision, reads


def decide(case: Case, name: str, pack: RulePack, created: Optional[str] = None, doc: Any = None,
           key: Optional[bytes] = None) -> DecisionRecord:
    """Evaluate a case and wrap the decision in a record (`doc` gives errors their file lines)."""
    decision, reads = evaluate_reading(case, pack, doc, name)
    return build_record(case, name, pack, decision, created, reads, key)


def record_json(record: DecisionRecord, indent: Optional[int] = 2) -> str:
    """The record as canonical JSON (indented for files, one line for a JSONL log); an unsigned
    record has no `signature` field."""
    data = record.model_dump(mode="json", exclude={"signature"} if record.signature is None else None)
    if indent is None:
        return canonical_json(data)
    return json.dumps(data, sort_keys=True, indent=indent, ensure_ascii=False, allow_nan=False)


def record_line(case: Case, name: str, pack: RulePack, decision: CaseDecision, created: str,
                engine: str, entries: Iterable[str] = (), key: Optional[bytes] = None) -> str:
    """The bytes of record_json(build_record(...), indent=None), built for batch speed: no
    re-validation, the case serialised once (its digest is taken from the very same text), the
    decision written by pydantic's serializer (decision models declare fields in sorted order),
    the parts shared by many records (`engine`: engine_json(); the pack part) encoded once, and
    the seal written as text, the hashes of the parts shared by many records taken once."""
    case_json = canonical_json(case.model_dump(mode="json", exclude_none=True, exclude_unset=True))
    decision_json = decision.model_dump_json()
    created_json = canonical_json(created)
    input_json = "".join(('{"case":', case_json, ',"name":', canonical_json(name), ',"sha256":"',
                          sha256_text(case_json), '"}'))
    pack_json, pack_sha = _pack_json(pack, frozenset(rule.id for item in decision.items for rule in item.rules),
                                     entries)
    fields = (("created", _shared_hash(created_json)), ("decision", sha256_text(decision_json)),
              ("engine", _shared_hash(engine)), ("format", _FORMAT_HASH), ("input", sha256_text(input_json)),
              ("pack", pack_sha))  # SEALED, in order
    fields_json = "{" + ",".join(f'"{field}":"{sha}"' for field, sha in fields) + "}"  # = canonical_json(fields)
    seal_sha = sha256_text(fields_json)
    line = "".join(('{"created":', created_json, ',"decision":', decision_json, ',"engine":', engine,
                    ',"format":', _FORMAT_JSON, ',"input":', input_json, ',"pack":', pack_json,
                    ',"seal":{"fields":', fields_json, ',"sha256":"', seal_sha, '"}'))
    if key:
        signature = sign(Seal.model_construct(fields=dict(fields), sha256=seal_sha), key)
        line += ',"signature":' + canonical_json(signature.model_dump(mode="json"))
    return line + "}"


_FORMAT_JSON = canonical_json(FORMAT)
_FORMAT_HASH = sha256_text(_FORMAT_JSON)
_SHARED_HASHES: dict[str, str] = {}


def _shared_hash(text: str) -> str:
    """sha256_text of a part many records share (`engine`, `created`), taken once per value."""
    sha = _SHARED_HASHES.get(text)
    if sha is None:
        if len(_SHARED_HASHES) >= 64:  # `created` moves with the clock in a long-running server
            _SHARED_HASHES.clear()
        sha = _SHARED_HASHES[text] = sha256_text(text)
    return sha


def engine_json() -> str:
    """The record's `engine` part as canonical JSON (the same for every record of a process)."""
    return canonical_json(engine_info().model_dump(mode="json"))


@dataclass(frozen=True)
class _PackParts:
    """The text of a pack part, prepared once per pack: the JSON before the entries, between the
    entries and the files, and after the files; each file's and each vocabulary entry's
    `"key":"sha256"` (the same text canonical_json gives; tests/test_batch.py checks it)."""

    head: str
    middle: str
    tail: str
    rules: dict[str, str]  # rule id -> the path of its file
    shared: tuple[str, ...]  # the encoded files every record lists, in path order
    place: dict[str, int]  # rule file path -> how many of the shared files sort before it
    encoded: dict[str, str]
    entries: dict[str, Optional[str]]
    hashes: dict[tuple, str]  # (rule ids, entries read) -> the sha256 of the pack part


_PACK_PARTS: dict[str, _PackParts] = {}
_UNSEEN = object()


def _pack_json(pack: RulePack, rule_ids: frozenset, entries: Iterable[str]) -> tuple[str, str]:
    """The record's `pack` part for the rules a decision used and the entries it read, and its
    sha256 (a batch repeats the same parts: each is hashed once). Only hashes are kept: the text
    is quickly joined again, where 4,096 texts kept would hold 20 MB."""
    parts = _PACK_PARTS.get(pack.digest)
    if parts is None:
        head = canonical_json({"digest": pack.digest, "entries": {}, "files": {}, "name": pack.info.name,
                               "version": pack.info.version})
        before, after = head.split('"entries":{},"files":{}', 1)
        encoded = {path: f"{canonical_json(path)}:{canonical_json(sha)}" for path, sha in pack.files().items()}
        shared = sorted(pack.shared_files)
        rules = {rule_id: path for rule_id, (path, _) in pack.files_by_rule.items()}
        parts = _PACK_PARTS[pack.digest] = _PackParts(
            before + '"entries":{', '},"files":{', "}" + after, rules,
            tuple(encoded[path] for path in shared),
            {path: bisect.bisect_left(shared, path) for path in set(rules.values())}, encoded, {}, {})
    read_keys = tuple(sorted(entries))
    files = list(parts.shared)  # rule files are never shared: each goes in at its place, the last first
    for path in sorted({parts.rules[rule_id] for rule_id in rule_ids}, reverse=True):
        files.insert(parts.place[path], parts.encoded[path])
    listed = ",".join(files)
    known = parts.entries
    read = []
    for key in read_keys:
        text = known.get(key, _UNSEEN)
        if text is _UNSEEN:  # None: no such entry (left out, as entry_hashes does)
            sha = pack.vocab.entry_hash(key)
            text = known[key] = None if sha is None else f"{canonical_json(key)}:{canonical_json(sha)}"
        if text is not None:
            read.append(text)
    text = "".join((parts.head, ",".join(read), parts.middle, listed, parts.tail))
    sha = parts.hashes.get((rule_ids, read_keys))
    if sha is None:
        if len(parts.hashes) >= 4096:  # bounded: a long-running server meets endless combinations
            parts.hashes.clear()
        sha = parts.hashes[(rule_ids, read_keys)] = sha256_text(text)
    return text, sha


# --- seal and signature ------------------------------------------------------------------------

def seal_of(parts: dict[str, str]) -> Seal:
    """The seal over a record's fields, given each field's canonical JSON text."""
    fields = {field: sha256_text(parts[field]) for field in SEALED}
    return Seal(fields=fields, sha256=sha256_text(canonical_json(fields)))


def key_id(key: bytes) -> str:
    """A short fingerprint of an operator key (names the key in a signature; not the key)."""
    return hashlib.sha256(b"ur-engine record key\0" + key).hexdigest()[:16]


def sign(seal: Seal, key: bytes) -> Signature:
    value = hmac.new(key, seal.sha256.encode("ascii"), hashlib.sha256).hexdigest()
    return Signature(key=key_id(key), value=value)


def read_key(path: str | Path) -> bytes:
    """An operator key file (any bytes, 16 to 4096 of them), e.g. `head -c 32 /dev/urandom > ur.key`."""
    name = str(path)
    try:
        with open(path, "rb") as stream:
            key = stream.read(MAX_KEY_BYTES + 1)
    except OSError as exc:
        raise EngineError(f"cannot read key: {exc.strerror or exc}", Location(name)) from None
    if not MIN_KEY_BYTES <= len(key) <= MAX_KEY_BYTES:
        raise EngineError(f"a key file holds {MIN_KEY_BYTES} to {MAX_KEY_BYTES} bytes (this one {len(key)}"
                          f"{'+' if len(key) > MAX_KEY_BYTES else ''}); make one with "
                          "`head -c 32 /dev/urandom > ur.key`", Location(name)) from None
    return key


def append_log(record: DecisionRecord, path: str, inputs: tuple = ()) -> None:
    """Append the record as one line of a JSONL log (whole lines only; never onto an input)."""
    from engine.intake.outputs import append_line

    append_line(path, record_json(record, indent=None), inputs, "--log")


def recorded_case(record: DecisionRecord) -> Case:
    """The case input stored in a record, validated again by today's case model."""
    return case_from_data(record.input.case, record.input.name)


def read_records(path: str | Path) -> list[DecisionRecord]:
    """One record (`ur explain --format json`) or a JSONL log of them, validated with line numbers."""
    from engine.intake.sources import read_text

    name = str(path)
    text = read_text(path)
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise EngineError("file is empty", Location(name, 1))
    if len(lines) > 1 and all(line.lstrip().startswith("{") and line.rstrip().endswith("}") for _, line in lines):
        return [_parse_record(line, name, n) for n, line in lines]
    return [_parse_record(text, name, 1)]


def _parse_record(text: str, name: str, first_line: int) -> DecisionRecord:
    from pydantic import ValidationError

    from engine.intake.sources import Document, parse_text, validate
    from engine.intake.strict_json import parse_json

    data = parse_json(text, name, first_line)
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

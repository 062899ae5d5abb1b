"""`ur verify`: check a decision record and re-run it with today's engine and rules.

Three verdicts. ALTERED: the record no longer matches its own seal (or signature, or input
digest): it was edited after it was written, and which field is named. NOT REPRODUCED: the record
is intact, but something that decided it differs now (engine code or versions, a rule file and its
criteria, a table, a vocabulary entry) or the result differs; each is named. REPRODUCED: the same
inputs gave the same result.
"""

from __future__ import annotations

import hmac
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict

from engine.decide.decision import CaseDecision
from engine.decide.record import (FORMAT, SEALED, DecisionRecord, EngineInfo, PackRecord, canonical_json, decide,
                                  key_id, recorded_case, seal_of, sha256_text, sign)
from engine.knowledge.pack import RulePack

Verdict = Literal["reproduced", "not_reproduced", "altered"]
SignatureCheck = Literal["valid", "invalid", "other_key", "absent", "not_checked", "unsigned"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
    """A pack file the decision read whose content differs; `kind` and `names` say what it holds
    (the rule ids of a rule file, the id of a table)."""

    path: str
    old: Optional[str] = None
    new: Optional[str] = None
    kind: str = "pack"
    names: list[str] = []


class EntryChange(_Model):
    """A vocabulary entry read by the recorded decision or by the re-run whose content differs."""

    entry: str
    file: Optional[str] = None
    old: Optional[str] = None
    new: Optional[str] = None


class Verification(_Model):
    """What checking and re-running a record showed; `reproduced` means same inputs, same result."""

    case: str
    created: str
    verdict: Verdict
    input_intact: bool
    reproduced: bool
    altered: list[str] = []
    sealed: bool
    signature: SignatureCheck
    signature_key: Optional[str] = None  # fingerprint of the key the record says signed it
    recorded_pack: PackRecord
    current_pack: PackRecord
    recorded_engine: EngineInfo
    current_engine: EngineInfo
    engine: list[str] = []
    notes: list[str] = []
    outcomes: list[OutcomeChange] = []
    criteria: list[CriterionChange] = []
    files: list[FileChange] = []
    entries: list[EntryChange] = []
    details: list[str] = []


def integrity(record: DecisionRecord, key: Optional[bytes] = None) -> tuple[list[str], SignatureCheck, bool]:
    """(what no longer matches the record's own seal, signature or input digest; the signature
    check; whether the record is sealed at all)."""
    altered: list[str] = []
    if sha256_text(canonical_json(record.input.case)) != record.input.sha256:
        altered.append("input: the case no longer matches input.sha256")
    sealed = record.seal is not None
    if record.seal is None:
        if record.format != "ur-decision-record/1":
            altered.append("seal: missing from a sealed record format")
    else:
        data = record.model_dump(mode="json")
        now = seal_of({field: canonical_json(data[field]) for field in SEALED})
        fields = record.seal.fields
        for field in SEALED:
            if fields.get(field) != now.fields[field]:
                altered.append(f"{field}: differs from the sealed content")
        extra = sorted(set(fields) - set(SEALED))
        if extra:
            altered.append(f"seal: names unknown fields {', '.join(extra)}")
        if sha256_text(canonical_json(fields)) != record.seal.sha256:
            altered.append("seal: its digest does not match its field hashes")
    check = _signature(record, key)
    if check == "invalid":
        altered.append("signature: does not match the record (edited after it was signed)")
    elif check == "other_key":
        altered.append(f"signature: made with another key ({record.signature.key}, not {key_id(key)})")  # type: ignore[union-attr,arg-type]
    elif check == "absent":
        altered.append("signature: the record is not signed, and a key was given")
    return altered, check, sealed


def _signature(record: DecisionRecord, key: Optional[bytes]) -> SignatureCheck:
    if key is None:
        return "unsigned" if record.signature is None else "not_checked"
    if record.signature is None or record.seal is None:
        return "absent"
    if record.signature.key != key_id(key):
        return "other_key"
    expected = sign(record.seal, key).value
    return "valid" if hmac.compare_digest(expected, record.signature.value) else "invalid"


def verify(record: DecisionRecord, pack: RulePack, key: Optional[bytes] = None) -> Verification:
    """Check the record's integrity, re-evaluate its input with `pack` and this engine, and name
    every difference."""
    altered, signature, sealed = integrity(record, key)
    again = decide(recorded_case(record), record.input.name, pack, record.created)
    old, new = record.decision, again.decision
    details = diff_paths(_result_only(old), _result_only(new))
    engine, notes = engine_changes(record.engine, again.engine)
    current_files = again.pack.files
    if record.format != FORMAT:  # format 1 listed the vocabulary and rule files only
        current_files = {path: sha for path, sha in current_files.items()
                         if path in record.pack.files or pack.file_kind(path)[0] in ("rule", "vocabulary")}
    files = file_changes(record.pack.files, current_files, pack)
    entries = entry_changes(record.pack.entries, again.pack.entries, pack) if record.format == FORMAT else []
    if record.format != FORMAT:
        notes.append("format 1 record: not sealed; the engine code, tables, other pack files and vocabulary "
                     "entries were not recorded, so not compared")
    if record.pack.digest != again.pack.digest and not files and not entries:
        notes.append("pack digest differs: only files this decision did not read changed")
    same = not (details or engine or files or entries)
    verdict: Verdict = "altered" if altered else "reproduced" if same else "not_reproduced"
    return Verification(
        case=old.case, created=record.created, verdict=verdict, input_intact=not any(a.startswith("input:") for a in altered),
        reproduced=verdict == "reproduced", altered=altered, sealed=sealed, signature=signature,
        signature_key=record.signature.key if record.signature else None,
        recorded_pack=record.pack, current_pack=again.pack, recorded_engine=record.engine,
        current_engine=again.engine, engine=engine, notes=notes, outcomes=outcome_changes(old, new),
        criteria=criterion_changes(old, new), files=files, entries=entries, details=details,
    )


def engine_changes(old: EngineInfo, new: EngineInfo) -> tuple[list[str], list[str]]:
    """(what differs in the engine that decides, notes on what differs but does not decide)."""
    changed = []
    if old.code is not None and old.code != new.code:
        changed.append(f"engine code: sha256 {old.code} -> {new.code}")
    if old.version != new.version:
        changed.append(f"ur-engine version: {old.version} -> {new.version}")
    if old.durable_rules != new.durable_rules:
        changed.append(f"durable-rules version: {old.durable_rules} -> {new.durable_rules}")
    notes = [f"Python {old.python} then, {new.python} now"] if old.python != new.python else []
    return changed, notes


def _result_only(decision: CaseDecision) -> dict:
    """The decision without the pack reference: pack files are compared separately."""
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


def file_changes(old: dict[str, str], new: dict[str, str], pack: RulePack) -> list[FileChange]:
    out = []
    for path in sorted(set(old) | set(new)):
        if old.get(path) != new.get(path):
            kind, names = pack.file_kind(path)
            out.append(FileChange(path=path, old=old.get(path), new=new.get(path), kind=kind, names=names))
    return out


def entry_changes(old: dict[str, str], new: dict[str, str], pack: RulePack) -> list[EntryChange]:
    """Entries read then or now whose hash differs (an entry read only now: old is None)."""
    out = []
    for key in sorted(set(old) | set(new)):
        before = old.get(key)
        after = new.get(key) or pack.vocab.entry_hash(key)
        if before != after:
            where = pack.vocab.entry_files.get(key)
            out.append(EntryChange(entry=key, file=f"vocabulary/{where}" if where else None, old=before, new=after))
    return out


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

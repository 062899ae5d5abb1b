"""`ur verify` as text: the verdict first, then exactly what changed, grouped by what decided it
(engine, rules and their criteria, tables, vocabulary entries) and how the result moved."""

from __future__ import annotations

from engine.decide.verification import FileChange, Verification
from engine.report.explain import MARK

VERDICT = {
    "reproduced": "REPRODUCED: same engine, rules, tables and vocabulary entries; every item, rule and criterion identical",
    "not_reproduced": "NOT REPRODUCED",
    "altered": "ALTERED: the record was edited after it was written",
}
SIGNATURE = {
    "valid": "valid (signed with key {key})",
    "invalid": "INVALID",
    "other_key": "made with another key ({key})",
    "absent": "MISSING (a key was given)",
    "not_checked": "present, not checked (key {key}; give --key to check it)",
    "unsigned": "none",
}
KINDS = (("rule", "Rules whose files differ"), ("table", "Tables that differ"),
         ("vocabulary", "Vocabulary files that differ"), ("pack", "Other pack files that differ"))
IMPLIED = ("outcome", "unmet", "satisfied", "counts_against", "summary", "status", "applicable", "superseded_by")


def render_verification(result: Verification) -> str:
    """Plain-text verdict of checking and re-running a record."""
    old, new = result.recorded_pack, result.current_pack
    lines = [f"Record of case {result.case} (created {result.created})",
             f"  record:     {_integrity(result)}",
             f"  signature:  {SIGNATURE[result.signature].format(key=result.signature_key)}",
             f"  recorded:   {old.name} {old.version}, pack digest {old.digest}",
             f"  current:    {new.name} {new.version}, pack digest {new.digest}"]
    e1, e2 = result.recorded_engine, result.current_engine
    lines.append(f"  engine:     {'CHANGED' if result.engine else 'identical'}: recorded {e1.version} "
                 f"(durable-rules {e1.durable_rules}, code {_short(e1.code)}); now {e2.version} "
                 f"(durable-rules {e2.durable_rules}, code {_short(e2.code)})")
    verdict = VERDICT[result.verdict]
    if result.verdict == "reproduced" and not result.sealed:
        verdict = "REPRODUCED: every item, rule and criterion identical (a format 1 record: see the note)"
    lines.append(f"Result: {verdict}")
    if result.altered:
        lines.append("Edited after it was written:")
        lines += [f"  {a}" for a in result.altered]
    if result.engine:
        lines.append("Engine that differs:")
        lines += [f"  {e}" for e in result.engine]
    if result.outcomes:
        lines.append("Items whose determination changed:")
        lines += [f"  {c.item}: {c.old} -> {c.new}" for c in result.outcomes]
    if result.criteria:
        lines.append("Criteria that changed (item, rule, criterion: old -> new):")
        lines += [f"  {c.item}  {c.rule}  {c.criterion}: {_status(c.old)} -> {_status(c.new)}" for c in result.criteria]
    lines += _files(result.files)
    if result.entries:
        lines.append("Vocabulary entries that differ (read by the recorded decision or by the re-run):")
        for entry in result.entries:
            state = ("read now, not by the recorded decision" if entry.old is None
                     else "removed" if entry.new is None else "changed")
            lines.append(f"  {entry.entry} ({entry.file or 'no longer in the vocabulary'}): {state}")
    other = other_differences(result)
    if other:
        lines.append("Other differences (wording, tests or fact values; path: recorded -> current):")
        lines += [f"  {d}" for d in other]
    lines += [f"Note: {n}" for n in result.notes]
    return "\n".join(lines)


def _integrity(result: Verification) -> str:
    if result.altered:
        return "ALTERED: " + "; ".join(a.split(":", 1)[0] for a in result.altered)
    if not result.sealed:
        return "not sealed (format 1 record); input " + ("intact" if result.input_intact else "MODIFIED")
    return "intact (every field matches its seal; the input matches its sha256)"


def _files(files: list[FileChange]) -> list[str]:
    if not files:
        return ["Pack files read: identical"]
    out = []
    for kind, title in KINDS:
        group = [f for f in files if f.kind == kind]
        if not group:
            continue
        out.append(f"{title}:")
        for f in group:
            names = f" ({', '.join(f.names)})" if f.names else ""
            out += [f"  {f.path}{names}", f"    recorded sha256 {f.old or 'absent'}", f"    current  sha256 {f.new or 'absent'}"]
    return out


def other_differences(result: Verification) -> list[str]:
    """Differences not already listed as a changed outcome or criterion status."""
    listed = bool(result.outcomes or result.criteria)
    out = []
    for line in result.details:
        path = line.split(": ", 1)[0]
        if path.rsplit(".", 1)[-1] in IMPLIED or (listed and path == "trace"):
            continue
        out.append(line)
    return out


def _short(digest: str | None) -> str:
    return "not recorded" if digest is None else digest[:12]


def _status(value: str) -> str:
    return MARK.get(value, value).lower()

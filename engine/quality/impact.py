"""Impact analysis of a rule-pack change: evaluate every case with the pack at a git revision and
as it is now, and list what changed (rule criteria and thresholds, vocabulary entries, tables and
other pack files; item outcomes and unmet lists).

Both packs run in one process: compiled rulesets are registered as `<rule id>@<content hash>`.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Iterable, Optional

from pydantic import BaseModel

from engine.knowledge.case_files import load_cases
from engine.knowledge.conditions import describe, leaves, show_value
from engine.errors import EngineError, EngineFault, Location
from engine.knowledge.pack import DEFAULT_RULES, RulePack, load_pack
from engine.intake.cases import case_files
from engine.knowledge.rules import Rule

RULE_FIELDS = ("tier", "citation", "effective", "applies_to", "when", "supersedes")


class RuleChange(BaseModel):
    rule: str
    criterion: str = "-"
    kind: str  # added / removed / changed
    detail: str


class DataChange(BaseModel):
    """A vocabulary entry, a table or another pack file that was added, removed or changed."""

    kind: str  # vocabulary / table / file
    name: str  # entry key ("drug:carisoprodol"), table id, or path
    file: str
    change: str  # added / removed / changed
    detail: str


class ItemChange(BaseModel):
    case: str
    name: str
    item: str
    before: str
    after: str
    unmet_before: list[str]
    unmet_after: list[str]

    @property
    def flipped(self) -> bool:
        return self.before != self.after


class ImpactReport(BaseModel):
    rev: str
    rules: list[RuleChange]
    data: list[DataChange] = []
    items: list[ItemChange]
    evaluated: int

    @property
    def flips(self) -> int:
        return sum(i.flipped for i in self.items)


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError(f"cannot run git: {exc}") from None
    if proc.returncode != 0:
        first = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["git failed"])[0]
        raise EngineError(f"git {' '.join(args[:2])}: {first}")
    return proc.stdout


# A branch, tag, commit hash or relative form (HEAD~2, main^, v1.0, @{u}); never an option.
_REVISION = re.compile(r"[A-Za-z0-9_@][A-Za-z0-9_./@{}~^+-]*")
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def commit_of(rev: str, cwd: Path) -> str:
    """The commit hash a revision names. The revision is checked first and then handed to git
    after --end-of-options, so no text can be read as an option (--output=FILE, --remote=...)."""
    if not _REVISION.fullmatch(rev) or ".." in rev or len(rev) > 200:
        raise EngineError(f"'{rev}' is not a git revision (a branch, tag or commit, e.g. HEAD~1)", Location("REV"))
    try:
        proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
                              cwd=cwd, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError(f"cannot run git: {exc}") from None
    commit = proc.stdout.decode("ascii", "replace").strip()
    if proc.returncode != 0 or not _COMMIT.fullmatch(commit):
        raise EngineError(f"no commit '{rev}' in this repository", Location("REV"))
    return commit


def pack_at(rev: str, rules_dir: Path, into: Path) -> RulePack:
    """Load the rule pack as it was at git revision `rev` (extracted with `git archive` into `into`)."""
    rules_dir = rules_dir.resolve()
    top = Path(_git(["rev-parse", "--show-toplevel"], rules_dir).decode().strip())
    rel = rules_dir.relative_to(top.resolve()).as_posix()
    data = _git(["archive", "--format=tar", commit_of(rev, top), "--", rel], top)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return load_pack(into / rel)


def _show(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def rule_changes(old: RulePack, new: RulePack) -> list[RuleChange]:
    """Rules and criteria added, removed or changed, with each changed threshold spelled out."""
    out: list[RuleChange] = []
    for rid in sorted(set(old.by_id) | set(new.by_id)):
        if rid not in new.by_id:
            out.append(RuleChange(rule=rid, kind="removed", detail="rule removed"))
        elif rid not in old.by_id:
            out.append(RuleChange(rule=rid, kind="added", detail="rule added"))
        else:
            out += _compare_rule(old.by_id[rid].rule, new.by_id[rid].rule)
    return out


def _compare_rule(a: Rule, b: Rule) -> list[RuleChange]:
    out = []
    for name in RULE_FIELDS:
        va, vb = getattr(a, name), getattr(b, name)
        if va != vb:
            show = (lambda v: describe(v) if v is not None else "none") if name == "when" else \
                (lambda v: _show(v.model_dump(mode="json", by_alias=True) if hasattr(v, "model_dump") else v))
            out.append(RuleChange(rule=a.id, kind="changed", detail=f"{name}: {show(va)} -> {show(vb)}"))
    old_c, new_c = {c.id: c for c in a.criteria}, {c.id: c for c in b.criteria}
    for cid in [*old_c, *(c for c in new_c if c not in old_c)]:
        if cid not in new_c:
            out.append(RuleChange(rule=a.id, criterion=cid, kind="removed", detail=describe(old_c[cid].condition)))
        elif cid not in old_c:
            out.append(RuleChange(rule=a.id, criterion=cid, kind="added", detail=describe(new_c[cid].condition)))
        elif old_c[cid].condition != new_c[cid].condition:
            out.append(RuleChange(rule=a.id, criterion=cid, kind="changed",
                                  detail=_condition_detail(old_c[cid].condition, new_c[cid].condition)))
    return out


def vocabulary_changes(old: RulePack, new: RulePack) -> list[DataChange]:
    """Vocabulary entries added, removed or changed, each change spelled out field by field."""
    from engine.decide.verification import diff_paths

    keys = sorted({f"drug:{n}" for n in (*dict.keys(old.vocab.drugs), *dict.keys(new.vocab.drugs))}
                  | {f"service:{n}" for n in (*dict.keys(old.vocab.services), *dict.keys(new.vocab.services))})
    out = []
    for key in keys:
        before, after = old.vocab.entry(key), new.vocab.entry(key)
        where = new.vocab.entry_files.get(key) or old.vocab.entry_files.get(key, "?")
        if before == after:
            continue
        if before is None or after is None:
            shown = after if before is None else before
            out.append(DataChange(kind="vocabulary", name=key, file=f"vocabulary/{where}",
                                  change="added" if before is None else "removed",
                                  detail=_show(shown.model_dump(mode="json", exclude_defaults=True))))
        else:
            detail = "; ".join(diff_paths(before.model_dump(mode="json"), after.model_dump(mode="json")))
            out.append(DataChange(kind="vocabulary", name=key, file=f"vocabulary/{where}", change="changed", detail=detail))
    return out


def file_changes(old: RulePack, new: RulePack) -> list[DataChange]:
    """Tables and other pack files (not rules, not vocabulary) added, removed or changed, with the
    paths inside them whose values moved (read as data, whatever the file's kind)."""
    from engine.decide.verification import diff_paths

    out = []
    before, after = old.files(), new.files()
    for path in sorted(set(before) | set(after)):
        if before.get(path) == after.get(path):
            continue
        kind, names = (new if path in after else old).file_kind(path)
        if kind in ("rule", "vocabulary"):
            continue
        change = "added" if path not in before else "removed" if path not in after else "changed"
        detail = "; ".join(diff_paths(_data(old, path), _data(new, path))) or "formatting or comments only"
        out.append(DataChange(kind="table" if kind == "table" else "file", name=names[0] if names else path,
                              file=path, change=change, detail=detail))
    return out


def _data(pack: RulePack, path: str) -> object:
    """The parsed content of a pack file (None when absent or unreadable)."""
    from engine.intake.sources import read_document

    if path not in pack.files():
        return None
    try:
        return read_document(Path(pack.root) / path).data
    except EngineError:
        return None


def _value(value: object) -> str:
    return "[" + ", ".join(map(show_value, value)) + "]" if isinstance(value, list) else show_value(value)


def _condition_detail(old, new) -> str:
    """'a -> b', plus 'threshold fact op: x -> y' where leaves line up and only a value moved."""
    text = f"{describe(old)} -> {describe(new)}"
    la, lb = leaves(old), leaves(new)
    if len(la) == len(lb):
        moved = [f"{x.fact} {x.op}: {_value(x.value)} -> {_value(y.value)}"
                 for x, y in zip(la, lb) if (x.fact, x.op) == (y.fact, y.op) and x.value != y.value]
        if moved:
            text += " (threshold " + "; ".join(moved) + ")"
    return text


def _decide(loaded, pack: RulePack) -> tuple[dict[str, tuple[str, list[str]]], Optional[str]]:
    from engine.decide.evaluate import evaluate

    try:
        decision = evaluate(loaded.case, pack, loaded.doc, loaded.name)
    except (EngineError, EngineFault) as exc:
        return {}, f"error: {exc}"
    return {i.id: (i.outcome, list(i.unmet)) for i in decision.items}, None


def item_changes(paths: Iterable[str | Path], old: RulePack, new: RulePack) -> tuple[list[ItemChange], int]:
    """Every item whose outcome or unmet criteria differ between the two packs; and how many were run."""
    changes: list[ItemChange] = []
    count = 0
    for path in case_files(paths):
        for loaded in load_cases(path):
            before, err_a = _decide(loaded, old)
            after, err_b = _decide(loaded, new)
            ids = list(after or before) or ["-"]
            for item in ids:
                count += 1
                oa, ua = before.get(item, (err_a or "absent", []))
                ob, ub = after.get(item, (err_b or "absent", []))
                if oa != ob or ua != ub:
                    changes.append(ItemChange(case=str(path), name=loaded.name, item=item, before=oa, after=ob,
                                              unmet_before=ua, unmet_after=ub))
    return changes, count


def impact(rev: str = "HEAD", rules_dir: Optional[Path] = None, paths: Iterable[str | Path] = ("cases",)) -> ImpactReport:
    """Compare the rule pack at `rev` with the working tree over every case under `paths`."""
    rules_dir = Path(rules_dir) if rules_dir else DEFAULT_RULES
    new = load_pack(rules_dir)
    with tempfile.TemporaryDirectory(prefix="ur-diff-") as tmp:
        old = pack_at(rev, rules_dir, Path(tmp))
        items, count = item_changes(paths, old, new)
        data = vocabulary_changes(old, new) + file_changes(old, new)  # reads the old files: inside the block
    return ImpactReport(rev=rev, rules=rule_changes(old, new), data=data, items=items, evaluated=count)


def render(report: ImpactReport) -> str:
    lines = [f"rule changes since {report.rev}: {len(report.rules) or 'none'}"]
    for ch in report.rules:
        where = ch.rule + (f".{ch.criterion}" if ch.criterion != "-" else "")
        lines.append(f"  {ch.kind.upper():8} {where}: {ch.detail}")
    for kind, title in (("vocabulary", "vocabulary entry changes"), ("table", "table changes"),
                        ("file", "other pack file changes")):
        group = [d for d in report.data if d.kind == kind]
        if group or kind != "file":
            lines.append(f"{title}: {len(group) or 'none'}")
        for d in group:
            where = f" ({d.file})" if d.file != d.name else ""
            lines.append(f"  {d.change.upper():8} {d.name}{where}: {d.detail}")
    lines.append(f"items changed: {len(report.items)} of {report.evaluated} evaluated")
    for it in report.items:
        plus = sorted(set(it.unmet_after) - set(it.unmet_before))
        minus = sorted(set(it.unmet_before) - set(it.unmet_after))
        unmet = "".join([f" +{u}" for u in plus] + [f" -{u}" for u in minus])
        lines.append(f"  {'FLIP' if it.flipped else 'UNMET':5} {it.case}::{it.name}::{it.item}: "
                     f"{it.before} -> {it.after}" + (f" (unmet{unmet})" if unmet else ""))
    lines.append(f"{report.flips} outcome flips")
    return "\n".join(lines)

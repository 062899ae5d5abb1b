"""The rule catalog: one summary row per rule (what it covers, which edition, in force when, cited
where, how much of it was checked against guideline text, which tables its facts read) and one per
table, for `ur rules` (and `ur rules --tables`) and auditors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict

from engine.knowledge.pack import RulePack
from engine.knowledge.rules import TIER_ORDER, VERIFIED_LEVELS, Rule


class RuleSummary(BaseModel):
    """One rule as a catalog row; `verified` counts criteria tagged reg, gl or imr."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    topic: str
    tier: str
    guideline: str
    edition: str
    edition_id: Optional[str] = None
    carries_into: list[str] = []
    effective_from: str
    effective_until: Optional[str]
    citation: str
    applies_to: list[str]
    criteria: int
    verified: int
    unverified: int
    verification: dict[str, int]
    path: str
    tables: list[str] = []


class TableSummary(BaseModel):
    """One rule-pack table as a catalog row: what it holds, where it is cited, who reads it."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    citation: str
    verified: str
    value: Any
    facts: list[str]
    rules: list[str]
    path: str


def summarize(rule: Rule, path: str = "", tables: tuple[str, ...] = ()) -> RuleSummary:
    """Catalog row for one rule (`tables`: the tables its facts read)."""
    levels = Counter(c.verified for c in rule.criteria)
    verified = sum(n for level, n in levels.items() if level in VERIFIED_LEVELS)
    target = rule.applies_to
    applies = [*target.drugs, *(f"class:{c}" for c in target.classes), *target.services,
               *(f"category:{c}" for c in target.categories)]
    until = rule.effective.until
    return RuleSummary(
        id=rule.id, title=rule.title, topic=rule.topic, tier=rule.tier, guideline=rule.citation.guideline,
        edition=rule.citation.edition, edition_id=rule.effective.edition,
        carries_into=[c.edition for c in rule.effective.carries_into], effective_from=rule.effective.from_.isoformat(),
        effective_until=until.isoformat() if until else None, citation=str(rule.citation), applies_to=applies,
        criteria=len(rule.criteria), verified=verified, unverified=len(rule.criteria) - verified,
        verification=dict(sorted(levels.items())), path=path, tables=list(tables),
    )


def catalog(pack: RulePack, topic: Optional[str] = None, tier: Optional[str] = None) -> list[RuleSummary]:
    """Every rule of the pack (optionally one topic or tier), by tier then id."""
    rows = [summarize(r.rule, _relative(r.path, pack.root), pack.tables_by_rule[r.rule.id]) for r in pack.rules
            if (topic is None or r.rule.topic == topic) and (tier is None or r.rule.tier == tier)]
    return sorted(rows, key=lambda s: (TIER_ORDER[s.tier], s.id))


def render_text(rows: list[RuleSummary]) -> str:
    """A readable listing: one block per rule, then totals."""
    lines = []
    for row in rows:
        until = row.effective_until or "open"
        lines.append(f"{row.id}  [{row.tier}] {row.title}")
        edition = f" [{row.edition_id}" + "".join(f", carried into {c}" for c in row.carries_into) + "]" \
            if row.edition_id else ""
        lines.append(f"    topic: {row.topic}; edition: {row.guideline} {row.edition}{edition}; "
                     f"in force {row.effective_from} to {until}")
        lines.append(f"    cites: {row.citation}")
        levels = ", ".join(f"{k} {v}" for k, v in row.verification.items())
        lines.append(f"    criteria: {row.criteria} ({row.verified} verified, {row.unverified} not: {levels})")
        if row.tables:
            lines.append(f"    tables: {', '.join(row.tables)}")
    total = sum(r.criteria for r in rows)
    verified = sum(r.verified for r in rows)
    lines.append(f"{len(rows)} rules, {total} criteria, {verified} verified against guideline, IMR or "
                 f"regulation text (reg/gl/imr), {total - verified} not (sec/unverified)")
    return "\n".join(lines) + "\n"


def table_catalog(pack: RulePack) -> list[TableSummary]:
    """Every table of the pack, by id, with the facts that read it and the rules whose facts do."""
    from engine.knowledge.facts import FACTS

    rows = []
    for table_id, loaded in sorted(pack.tables.items()):
        table = loaded.table
        facts = sorted(name for name, fact in FACTS.items() if table_id in fact.tables)
        rules = sorted(rule_id for rule_id, tables in pack.tables_by_rule.items() if table_id in tables)
        rows.append(TableSummary(id=table.id, title=table.title, citation=str(table.citation), verified=table.verified,
                                 value=table.value, facts=facts, rules=rules, path=_relative(loaded.path, pack.root)))
    return rows


def render_tables(rows: list[TableSummary]) -> str:
    """A readable listing of the tables: one block each, then totals."""
    lines = []
    for row in rows:
        lines.append(f"{row.id}  {row.title}")
        lines.append(f"    cites: {row.citation}; verified: {row.verified}")
        lines.append(f"    value: {_short(row.value)}")
        lines.append(f"    read by: {', '.join(row.facts) or 'the reading of requests'}")
        if row.rules:
            lines.append(f"    rules: {len(row.rules)} ({', '.join(row.rules[:4])}{', ...' if len(row.rules) > 4 else ''})")
    verified = sum(r.verified in VERIFIED_LEVELS for r in rows)
    lines.append(f"{len(rows)} tables, {verified} verified against guideline, IMR or regulation text (reg/gl/imr)")
    return "\n".join(lines) + "\n"


def _short(value: Any, width: int = 88) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 3] + "..."


def _relative(path: str, root: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return path

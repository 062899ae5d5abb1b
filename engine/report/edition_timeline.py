"""`ur rules` edition timeline: per guideline, the editions listed in rules/editions.yaml, their
dates and what they are keyed to, how many rules encode each, which rules stand in for an edition
the pack lacks, and the gaps where no edition is known."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from pydantic import BaseModel

from engine.knowledge.editions import KEY_WORDS, Edition
from engine.knowledge.pack import RulePack


class EditionRow(BaseModel):
    id: str
    title: str
    start: str
    end: Optional[str]
    keyed_to: str
    rules: int
    stand_ins: int
    verified: str
    excludes: list[str] = []


class GuidelineTimeline(BaseModel):
    id: str
    title: str
    editions: list[EditionRow]
    gaps: list[str]


def timeline(pack: RulePack) -> list[GuidelineTimeline]:
    """One entry per guideline of the editions file, editions in date order."""
    own: dict[str, int] = {}
    for loaded in pack.rules:
        eff = loaded.rule.effective
        for edition in {eff.edition, *(c.edition for c in eff.carries_into)} - {None}:
            own[edition] = own.get(edition, 0) + 1
    out = []
    for guideline in pack.editions.data.guidelines:
        rows, gaps = [], []
        for i, edition in enumerate(guideline.editions):
            nxt = guideline.editions[i + 1] if i + 1 < len(guideline.editions) else None
            end = edition.until or (nxt.from_ - dt.timedelta(days=1) if nxt else None)
            if nxt and edition.until and nxt.from_ > edition.until + dt.timedelta(days=1):
                gaps.append(f"{edition.until + dt.timedelta(days=1)} to {nxt.from_ - dt.timedelta(days=1)}: no edition")
            if not nxt and edition.until:
                gaps.append(f"after {edition.until}: no edition known")
            rows.append(EditionRow(
                id=edition.id, title=edition.title, start=edition.from_.isoformat(),
                end=end.isoformat() if end else None, keyed_to=edition.keyed_to, rules=own.get(edition.id, 0),
                stand_ins=0 if own.get(edition.id) else _stand_ins(pack, edition), verified=edition.verified,
                excludes=[f"{', '.join(x.regions)}" + (f" until {x.until}" if x.until else "") + f": {x.governed_by}"
                          for x in edition.excludes]))
        out.append(GuidelineTimeline(id=guideline.id, title=guideline.title, editions=rows, gaps=gaps))
    return out


def _stand_ins(pack: RulePack, edition: Edition) -> int:
    """Rules that would decide in this edition's place: rules of an earlier edition on its line."""
    count = 0
    for rule_id, line in pack.lines.items():
        ids = [e.id for e in line]
        own = pack.by_id[rule_id].rule.effective.edition
        if edition.id in ids and ids.index(own) < ids.index(edition.id):
            count += 1
    return count


def render_timeline(rows: list[GuidelineTimeline], today: Optional[dt.date] = None) -> str:
    """Text: a bar per guideline (one character a year: # encoded, - not encoded, . no edition)
    over a table of its editions."""
    if not rows:
        return "no editions file (rules/editions.yaml): rules are judged by their own dates on the request date\n"
    first = min(int(e.start[:4]) for g in rows for e in g.editions)
    last = max((today or dt.date.today()).year, *(int(e.start[:4]) for g in rows for e in g.editions))
    years = range(first, last + 1)
    lines = [f"Guideline editions (rules/editions.yaml), one character a year {first}-{last} on 1 July: "
             "# encoded, - not encoded (earlier rules stand in, flagged), . no edition"]
    for g in rows:
        lines += ["", g.title, "  " + _axis(years), "  " + "".join(_mark(g, year) for year in years)]
        for e in g.editions:
            state = (f"{e.rules} rule{'s' if e.rules > 1 else ''}" if e.rules else
                     f"NOT ENCODED ({e.stand_ins} earlier rules stand in)" if e.stand_ins else "NOT ENCODED")
            lines.append(f"  {e.start} to {e.end or 'open':<10}  {KEY_WORDS[e.keyed_to]:<15} {state:<40} {e.title}")
            lines += [f"      does not cover {x}" for x in e.excludes]
        lines += [f"  GAP {gap}" for gap in g.gaps]
    return "\n".join(lines) + "\n"


def _mark(g: GuidelineTimeline, year: int) -> str:
    day = f"{year}-07-01"
    for e in reversed(g.editions):
        if e.start <= day:
            if e.end is not None and day > e.end:
                return "."
            return "#" if e.rules else "-"
    return "."


def _axis(years: range) -> str:
    """Year labels every five years, each starting above its year's character."""
    out = ""
    for year in years:
        if len(out) <= year - years.start:
            out += str(year) if year % 5 == 0 and year + 3 <= years.stop - 1 else " "
    return out.rstrip()

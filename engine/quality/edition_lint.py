"""Lint of edition data (for `ur validate`, through engine/quality/lint.py): rules whose dates
cannot hold together with the editions they name, editions of one rule that overlap, and gaps
where a rule or an edition ends with nothing known to follow it.

A rule whose `from` is after its `until`, or that supersedes or replaces itself, is refused when
it is read (engine/knowledge/rules.py); so is an editions file whose editions overlap, and a rule
naming an edition the file does not list (engine/knowledge/pack_check.py)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Iterator, Optional

from engine.knowledge.editions import EDITIONS_FILE, Edition, Editions
from engine.knowledge.pack_check import Issue, issue
from engine.intake.sources import Document
from engine.knowledge.rules import LoadedRule, Rule

DAY = dt.timedelta(days=1)


def check_editions(loaded: list[LoadedRule], editions: Editions) -> Iterator[Issue]:
    """Every edition finding for the rules of a pack and its editions file."""
    rules = [(lr.rule, lr.doc) for lr in loaded]
    yield from _rule_windows(rules, editions)
    yield from _overlaps(rules, editions)
    yield from _rule_gaps(rules, editions)
    yield from _edition_gaps(editions)


def _end(editions: Editions, edition: Edition, topic: str) -> Optional[dt.date]:
    """The last day an edition governs: its `until`, else the day before its successor starts."""
    nxt = editions.successor(edition.id, topic)
    return edition.until or (nxt.from_ - DAY if nxt else None)


def _rule_windows(rules: list[tuple[Rule, Document]], editions: Editions) -> Iterator[Issue]:
    """No edition named (in a pack that has editions); unknown editions; a rule's dates outside its
    edition's; carried into an edition not after its own."""
    for rule, doc in rules:
        eff = rule.effective
        if eff.edition is None:
            if editions.path:
                yield issue(doc, ("effective",), "edition-missing", "warning",
                            f"{rule.id} names no edition ({EDITIONS_FILE}): it is judged by its own dates on the "
                            f"request date and never says when a later edition governed; add `edition:`")
            continue
        known = editions.by_id.get(eff.edition)
        if known is None:
            continue  # an unknown edition: reported by pack_check
        _, edition = known
        line = [e.id for e in editions.line(edition.id, rule.topic)]
        if eff.from_ < edition.from_:
            yield issue(doc, ("effective", "from"), "edition-window", "error",
                        f"from {eff.from_} is before its edition {edition.id} starts ({edition.from_})")
        end = _end(editions, edition, rule.topic)
        if end is not None and (eff.until is None or eff.until > end) and not eff.carries_into:
            yield issue(doc, ("effective", "until"), "edition-window", "error",
                        f"until {eff.until or 'open'} runs past the end of its edition {edition.id} ({end}); a later "
                        f"edition keeps these criteria only with a cited source (`carries_into`)")
        for j, carry in enumerate(eff.carries_into):
            if carry.edition not in line or line.index(carry.edition) <= line.index(edition.id):
                yield issue(doc, ("effective", "carries_into", j, "edition"), "edition-window", "error",
                            f"carries_into '{carry.edition}', which is not a later edition of {edition.id}'s guideline")


def _window(rule: Rule) -> tuple[dt.date, dt.date]:
    return rule.effective.from_, rule.effective.until or dt.date.max


def _overlaps(rules: list[tuple[Rule, Document]], editions: Editions) -> Iterator[Issue]:
    """Two editions of the same rule in force on the same day, without a `supersedes` between them:
    a rule and the rule that `replaces` it, or rules of different editions of one guideline that
    apply to the same items."""
    for x, y in itertools.combinations(rules, 2):
        a, b = x[0], y[0]
        (a_from, a_until), (b_from, b_until) = _window(a), _window(b)
        if a_from > b_until or b_from > a_until or a.id in b.supersedes or b.id in a.supersedes:
            continue
        linked = a.id in b.replaces or b.id in a.replaces
        same_line = (a.effective.edition and b.effective.edition and a.effective.edition != b.effective.edition
                     and a.effective.edition in editions.by_id and b.effective.edition in editions.by_id
                     and editions.by_id[a.effective.edition][0] is editions.by_id[b.effective.edition][0]
                     and _names(a) & _names(b))
        if linked or same_line:
            later = y if (b_from, b.id) > (a_from, a.id) else x
            other = x if later is y else y
            yield issue(later[1], ("effective",), "edition-overlap", "error",
                        f"{later[0].id} and {other[0].id} are editions of the same rule in force together "
                        f"({max(a_from, b_from)} to {min(a_until, b_until)}); end the earlier one before the later "
                        f"starts, or add `supersedes: [{other[0].id}]` to {later[0].id}")


def _names(rule: Rule) -> set[str]:
    """What a rule's applies_to names (drugs, classes, services, categories)."""
    t = rule.applies_to
    return {f"drug:{d}" for d in t.drugs} | {f"class:{c}" for c in t.classes} | \
        {f"service:{s}" for s in t.services} | {f"category:{c}" for c in t.categories}


def _rule_gaps(rules: list[tuple[Rule, Document]], editions: Editions) -> Iterator[Issue]:
    """A rule that ends before its edition does, not replaced by another rule: after its `until`
    nothing says what governed its topic. (A rule naming no edition has only its own dates: nothing
    is known to check it against.)"""
    replaced = {other for rule, _ in rules for other in rule.replaces}
    for rule, doc in rules:
        eff = rule.effective
        known = editions.by_id.get(eff.edition) if eff.edition else None
        if eff.until is None or known is None or rule.id in replaced or eff.carries_into:
            continue
        end = _end(editions, known[1], rule.topic)
        if end is not None and eff.until >= end:
            continue  # its edition ends with it: a listed successor, or an edition gap (below)
        yield issue(doc, ("effective", "until"), "edition-gap", "warning",
                    f"{rule.id} ends {eff.until}, before its edition {eff.edition} does, and no rule replaces it: "
                    f"after that its topic ({rule.topic}) has no rule; give the successor (`replaces`)")


def _edition_gaps(editions: Editions) -> Iterator[Issue]:
    """Editions of one guideline that leave days between them, or a last edition that ends."""
    if not editions.path:
        return
    from engine.intake.sources import read_document

    doc = read_document(editions.path)
    for i, guideline in enumerate(editions.data.guidelines):
        for j, edition in enumerate(guideline.editions):
            if edition.until is None:
                continue
            nxt = guideline.editions[j + 1] if j + 1 < len(guideline.editions) else None
            if nxt is None or nxt.from_ > edition.until + DAY:
                gap = f"from {edition.until + DAY}" + (f" to {nxt.from_ - DAY}" if nxt else "")
                yield issue(doc, ("guidelines", i, "editions", j, "until"), "edition-gap", "warning",
                            f"{guideline.id}: no edition {gap} (after {edition.id}); say what governed, or list the successor")

"""What a decision says when the edition that governed an item is not in the rule pack.

The engine's one behaviour (docs/rule-format.md, "Editions"): a rule whose edition was followed
by a later one the pack does not encode still decides, as the nearest earlier encoded edition,
and the item carries a notice naming the edition that governed, the date it was keyed to and the
rules applied instead; its citations say the text applied in place of the governing one. When no
rule decides an item because its edition did not cover the request (a region it left out) or had
not begun, and the text that governed is not encoded, the notice says that instead.
"""

from __future__ import annotations

import datetime as dt

from engine.decide.decision import EditionNotice
from engine.knowledge.editions import Dates
from engine.knowledge.pack import RulePack, Standing
from engine.knowledge.rules import Rule


def stand_in_label(standing: Standing) -> str:
    """The phrase a stand-in rule's citations carry."""
    if standing.governing is None:
        return "applied after its edition ended; no later edition is encoded"
    return f"applied in place of {standing.governing.title}, which governed and is not encoded"


def notices(pack: RulePack, dates: Dates, deciding: list[tuple[Rule, Standing]],
            left_out: list[tuple[Rule, Standing]], region: str | None) -> list[EditionNotice]:
    """One notice per governing edition the pack lacks: for the stand-in rules that decided the
    item, or (when none decided it) for the rules its edition left out."""
    out: list[EditionNotice] = []
    groups: dict[str, list[Rule]] = {}
    for rule, standing in deciding:
        if standing.stand_in:
            groups.setdefault(standing.governing.id if standing.governing else "", []).append(rule)
    for gov_id, rules in groups.items():
        out.append(_stand_in(pack, dates, gov_id, rules))
    if deciding:
        return out
    seen: set[str] = set()
    for rule, standing in left_out:
        gov = standing.governing
        if gov is None:
            continue
        if standing.exclusion is not None:
            ex = standing.exclusion
            key = f"x:{ex.governed_by}"
            until = f" before {ex.until + dt.timedelta(days=1)}" if ex.until else ""
            text = (f"{ex.governed_by} governed this request: {gov.title} did not cover {region} complaints{until} "
                    f"({dates.phrase(gov.keyed_to)}). The rule pack does not encode that text for this request, "
                    f"so no rule applied.")
            governing = ex.governed_by
        elif gov.id not in pack.encoded_editions and dates.key(gov.keyed_to) < rule.effective.from_:
            key = f"b:{gov.id}"
            text = (f"{gov.title} governed this request (in force from {gov.from_}, by the "
                    f"{dates.phrase(gov.keyed_to)}); the rule pack does not encode it, and {rule.id} "
                    f"({rule.citation.guideline} {rule.citation.edition}) starts {rule.effective.from_}, so no rule applied.")
            governing = gov.title
        else:
            continue
        if key not in seen:
            seen.add(key)
            out.append(EditionNotice(applied=[], date=dates.key(gov.keyed_to).isoformat(), governing=governing,
                                     governing_from=gov.from_.isoformat(), keyed_to=gov.keyed_to, text=text))
    return out


def _stand_in(pack: RulePack, dates: Dates, gov_id: str, rules: list[Rule]) -> EditionNotice:
    ids = [r.id for r in rules]
    first = rules[0]
    own = f"{first.citation.guideline} {first.citation.edition}"
    if not gov_id:
        text = (f"{', '.join(ids)}: the edition it encodes ({own}) ended {first.effective.until} and the rule pack "
                f"has no later edition; applied as the nearest earlier edition, so the outcome is provisional.")
        return EditionNotice(applied=ids, date=dates.request.isoformat(), governing="", keyed_to="request_date",
                             text=text)
    _, gov = pack.editions.by_id[gov_id]
    text = (f"{gov.title} governed this request (in force from {gov.from_}, by the {dates.phrase(gov.keyed_to)}); "
            f"the rule pack does not encode it. Decided instead by {', '.join(ids)} ({own}), the nearest earlier "
            f"edition the pack encodes, which did not govern this request: the outcome is provisional.")
    return EditionNotice(applied=ids, date=dates.key(gov.keyed_to).isoformat(), governing=gov.title,
                         governing_from=gov.from_.isoformat(), keyed_to=gov.keyed_to, text=text)


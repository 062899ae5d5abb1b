"""The items of a case: each request read against the vocabulary, the order they are decided
in (primary items before the services that accompany them), and the rules that may cover
each, memoised per item type and date span (the pack never changes within a process)."""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from typing import Callable, Optional

from engine.intake.cases import Case, Medication, item_ids
from engine.errors import EngineError, Location
from engine.knowledge.editions import Dates
from engine.knowledge.pack import RulePack, Standing
from engine.intake.request_wording import Ingredient
from engine.intake.requests import ResolvedItem, SigError, bounded_strength_mg, parse_sig, resolve_item
from engine.knowledge.rules import TIER_ORDER, Rule
from engine.intake.sources import Document, dotted, suggest
from engine.intake.vocabulary import note_reads, tracking_reads

_CANDIDATES: dict[tuple, list[tuple[Rule, Standing]]] = {}
_CANDIDATE_LIMIT = 4096
_BOUNDS: dict[str, list[dt.date]] = {}


def candidates(pack: RulePack, res: ResolvedItem, dates: Dates, region: Optional[str] = None) -> list[tuple[Rule, Standing]]:
    """pack.standings (every rule naming the item, with how it stands on these dates), sorted by
    tier then id, memoised per item type, region and date span.

    How a rule stands changes only on some rule's or edition's `from` date or the day after an
    `until`, so between two such dates the answer is the same and one lookup serves them all."""
    bounds = _BOUNDS.get(pack.digest)
    if bounds is None:
        bounds = _BOUNDS[pack.digest] = _boundaries(pack)
    span = (bisect.bisect_right(bounds, dates.request), bisect.bisect_right(bounds, dates.key("date_of_service")))
    key = (pack.digest, res.kind, res.name, res.classes, res.category, region, span)
    rules = _CANDIDATES.get(key)
    if rules is None:
        if len(_CANDIDATES) >= _CANDIDATE_LIMIT:
            _CANDIDATES.clear()
        rules = pack.standings(res.kind, res.name, res.classes, res.category, dates, region)
        rules.sort(key=lambda pair: (TIER_ORDER[pair[0].tier], pair[0].id))
        _CANDIDATES[key] = rules
    return rules


def rules_with_ingredients(pack: RulePack, res: ResolvedItem, dates: Dates, region: Optional[str] = None
                           ) -> list[tuple[Rule, Standing, ResolvedItem, Optional[Ingredient]]]:
    """The item's rules, each with how it stands on these dates and the reading it judges: the
    product's own rules judge the item as requested; for a combination product, the rules of each
    other ingredient (not already among the product's) judge that ingredient: the product's name
    and history, the ingredient's classes and strength ("Norco 10/325": the acetaminophen rules read
    325 mg a unit)."""
    own = candidates(pack, res, dates, region)
    out: list[tuple[Rule, Standing, ResolvedItem, Optional[Ingredient]]] = [(rule, st, res, None) for rule, st in own]
    seen = {rule.id for rule, _ in own}
    for ingredient in res.ingredients:
        if ingredient.term is None or ingredient.term == res.name:
            continue
        probe = dataclasses.replace(res, name=ingredient.term, classes=ingredient.classes)
        view = dataclasses.replace(res, classes=ingredient.classes, strength_mg=ingredient.strength_mg, ingredients=(),
                                   judged_ingredient=ingredient.name)
        for rule, standing in candidates(pack, probe, dates, region):
            if rule.id not in seen:
                seen.add(rule.id)
                out.append((rule, standing, view, ingredient))
    return out


def _boundaries(pack: RulePack) -> list[dt.date]:
    """Every date on which some rule or edition starts, or the day after one ends."""
    starts = [r.rule.effective.from_ for r in pack.rules]
    ends = [r.rule.effective.until for r in pack.rules]
    for guideline in pack.editions.data.guidelines:
        for edition in guideline.editions:
            starts.append(edition.from_)
            ends += [edition.until, *(x.until for x in edition.excludes)]
    return sorted(set(starts) | {day + dt.timedelta(days=1) for day in ends if day})


def resolve_items(case: Case, pack: RulePack, doc: Optional[Document] = None, name: str = "<case>") -> list[ResolvedItem]:
    """Read every requested item; check ids are unique and `accompanies` names another item."""
    ids = item_ids(case)
    where = (lambda loc: doc.location(loc)) if doc else (lambda loc: Location(name, 0, ".".join(map(str, loc))))
    for i, med in enumerate(case.medications):
        check_medication(med, lambda field, i=i: where(("medications", i, field)))
    seen: set[str] = set()
    out = []
    for i, (item, item_id) in enumerate(zip(case.items, ids)):
        if item_id in seen:
            raise EngineError(f"duplicate item id '{item_id}'", where(("items", i, "id")))
        seen.add(item_id)
        try:
            out.append(_resolve(item, item_id, pack, lambda i=i: where(("items", i))))
        except EngineError as exc:
            raise _at_field_line(exc, doc, ("items", i)) from None
    check_history_names(case, pack, where)
    out = [infer_primary(item, out) for item in out]
    for i, item in enumerate(out):
        if item.accompanies is not None and item.accompanies not in seen:
            raise EngineError(f"accompanies unknown item '{item.accompanies}'{suggest(item.accompanies, seen)}",
                              where(("items", i, "accompanies")))
        if item.accompanies == item.id:
            raise EngineError("an item cannot accompany itself", where(("items", i, "accompanies")))
    return out


_RESOLVED: dict[tuple, tuple[ResolvedItem, frozenset[str]]] = {}


def _resolve(item, item_id: str, pack: RulePack, where: Callable[[], Location]) -> ResolvedItem:
    """resolve_item, memoised per pack on the item's whole content (a batch repeats request lines;
    the reading depends on nothing else). The vocabulary entries the first reading noted are noted
    again on every hit, so each record still lists what decided it. An item that is refused is not
    kept (its error names its own place: `where`, looked up only when the item is read)."""
    key = (id(pack.vocab), id(pack.table_values), pack.digest, item_id, item.model_dump_json(warnings=False))
    hit = _RESOLVED.get(key)
    if hit is None:
        with tracking_reads() as reads:
            res = resolve_item(item, item_id, pack.vocab, where(), pack.table_values)
        hit = (res, frozenset(reads))
        if len(_RESOLVED) >= 4096:  # bounded: a long-running server sees endless distinct items
            _RESOLVED.clear()
        _RESOLVED[key] = hit
    note_reads(hit[1])
    return hit[0]


def check_history_names(case: Case, pack: RulePack, where) -> None:
    """Every drug and service named in a history must be known (or marked `kind: other`, kept and
    shown as unclassified), and every examination sign word too: a misspelt name silently dropped
    would read as "never taken" or "not examined"."""
    vocab = pack.vocab
    for i, med in enumerate(case.medications):
        term = None if med.kind == "other" else vocab.lookup(med.drug)
        if med.kind != "other" and (term is None or term.kind != "drug"):
            raise EngineError(f"unknown drug '{med.drug}' in the medication history{vocab.suggestion(med.drug)}; "
                              "if it is not in the vocabulary, write kind: other to keep it unclassified",
                              where(("medications", i, "drug")))
    for i, sign in enumerate(case.exam.signs):
        if vocab.sign_kind(sign.sign) is None:
            raise EngineError(f"unknown examination sign '{sign.sign}'{suggest(sign.sign, vocab.signs)}; "
                              "rules/vocabulary/exam-signs.yaml lists the words read", where(("exam", "signs", i, "sign")))
    for i, proc in enumerate(case.procedures):
        term = None if proc.kind == "other" else vocab.lookup(proc.service)
        if proc.kind != "other" and term is None:
            raise EngineError(f"unknown service '{proc.service}' in the procedure history"
                              f"{vocab.suggestion(proc.service)}; if it is not in the vocabulary, write kind: other "
                              "to keep it unclassified", where(("procedures", i, "service")))


def _at_field_line(exc: EngineError, doc: Optional[Document], at: tuple) -> EngineError:
    """The error at the line of the field it names (items[0].sig), not the line of the item."""
    field = exc.location.field if exc.location else ""
    head = dotted(at) + "."
    if doc is None or not field.startswith(head) or not field[len(head):].isidentifier():
        return exc
    return EngineError(exc.message, doc.location(at + (field[len(head):],)))


def check_medication(med: Medication, where) -> None:
    """A history entry's sig and strength are read like a requested item's (derived doses such as
    total MME use them): directions or strengths that cannot be right are input errors."""
    if med.sig:
        try:
            parse_sig(med.sig)
        except SigError as exc:
            raise EngineError(str(exc), where("sig")) from None
    bounded_strength_mg(med.strength, where("strength"))


def infer_primary(item: ResolvedItem, items: list[ResolvedItem]) -> ResolvedItem:
    """Fluoroscopy or anaesthesia requested without `accompanies:` goes with the request's only
    procedure, as a reviewer reads it (said in the assumptions); with none or several it stays
    unattached, and the associated-services rule asks for the procedure to be named."""
    if item.category != "associated_service" or item.accompanies is not None:
        return item
    procedures = [other for other in items if other.kind == "service" and other.category == "procedure"]
    if len(procedures) != 1:
        return item
    primary = procedures[0]
    note = f"no accompanies: given; read as going with {primary.id} ({primary.name}), the only procedure requested"
    return dataclasses.replace(item, accompanies=primary.id, assumptions=item.assumptions + (note,))


def order_items(items: list[ResolvedItem], doc: Optional[Document], name: str) -> list[str]:
    """Primary items first, then the services that accompany them (dependency order)."""
    done: list[str] = []
    pending = {i.id: i.accompanies for i in items}
    while pending:
        ready = [k for k, dep in pending.items() if dep is None or dep in done]
        if not ready:
            where = doc.location(("items",)) if doc else Location(name)
            raise EngineError(f"items accompany each other in a cycle: {', '.join(sorted(pending))}", where)
        for k in ready:
            done.append(k)
            del pending[k]
    return done

"""Guideline editions as data (rules/editions.yaml): which text governed which dates, which date
each edition is keyed to (the request date or the date of service), the regions an edition did
not cover, and definitions that changed between editions.

A rule names the edition it encodes (`effective.edition`). For a given request the engine finds
the edition of that rule's guideline that governed it; when that is a later edition the pack does
not encode, the rule still decides, as the nearest earlier encoded edition, and the decision says
so (engine/decide/evaluate.py). Nothing here knows a guideline by name: it is all in the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from engine.errors import EngineError
from engine.intake.sources import read_document, validate

EDITIONS_FILE = "editions.yaml"
Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
KeyedTo = Literal["request_date", "date_of_service"]
Verification = Literal["reg", "gl", "imr", "sec", "unverified"]
KEY_WORDS = {"request_date": "request date", "date_of_service": "date of service"}
Text = Annotated[str, Field(min_length=10)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Exclusion(Model):
    """Requests an edition did not cover, and the text that governed them instead."""

    regions: Annotated[list[StrictStr], Field(min_length=1)]
    until: Optional[dt.date] = None
    governed_by: Text
    source: Text
    verified: Verification


class Edition(Model):
    id: Id
    title: Text
    from_: dt.date = Field(alias="from")
    until: Optional[dt.date] = None
    took_effect: Optional[dt.date] = None
    keyed_to: KeyedTo
    source: Text
    verified: Verification
    notes: Optional[StrictStr] = None
    excludes: list[Exclusion] = []

    @model_validator(mode="after")
    def _dates_in_order(self) -> "Edition":
        if self.until is not None and self.until < self.from_:
            raise ValueError(f"from {self.from_} is after until {self.until}")
        return self


class TakeOver(Model):
    """A guideline that took over some topics of another from its first edition on (the 2016 MTUS
    opioid guideline took the opioid sections out of the chronic pain guideline)."""

    guideline: Id
    topics: Annotated[list[StrictStr], Field(min_length=1)]
    source: Text


class Guideline(Model):
    id: Id
    title: Text
    takes_over: Optional[TakeOver] = None
    editions: Annotated[list[Edition], Field(min_length=1)]


class DefinitionEdition(Model):
    """One edition's definition of a term a derived fact reads (e.g. chronic pain)."""

    from_: dt.date = Field(alias="from")
    keyed_to: KeyedTo = "request_date"
    text: Text
    cite: Text
    verified: Verification
    reading: Text
    weeks_after_onset: Optional[Annotated[float, Field(gt=0, le=520)]] = None
    months_after_onset: Optional[Annotated[int, Field(gt=0, le=120)]] = None

    @model_validator(mode="after")
    def _one_measure(self) -> "DefinitionEdition":
        if (self.weeks_after_onset is None) == (self.months_after_onset is None):
            raise ValueError("give exactly one of weeks_after_onset, months_after_onset")
        return self


class Definition(Model):
    id: Id
    fact: StrictStr
    editions: Annotated[list[DefinitionEdition], Field(min_length=1)]


class EditionsFile(Model):
    guidelines: list[Guideline] = []
    definitions: list[Definition] = []


@dataclass(frozen=True)
class Dates:
    """The dates an edition can be keyed to; without a date of service the request date stands in."""

    request: dt.date
    service: Optional[dt.date] = None

    def key(self, keyed_to: str) -> dt.date:
        if keyed_to == "date_of_service" and self.service is not None:
            return self.service
        return self.request

    def phrase(self, keyed_to: str) -> str:
        """'request date 2016-09-01' or 'date of service 2017-12-05' (saying when the request date stood in)."""
        if keyed_to == "date_of_service" and self.service is None:
            return f"date of service (none stated; request date {self.request} used)"
        return f"{KEY_WORDS[keyed_to]} {self.key(keyed_to)}"


@dataclass
class Editions:
    """The loaded editions file with its lookups; empty for a pack without one (older packs)."""

    data: EditionsFile
    path: Optional[str] = None
    sha256: str = ""

    def __post_init__(self) -> None:
        self.guidelines = {g.id: g for g in self.data.guidelines}
        self.by_id: dict[str, tuple[Guideline, Edition]] = {
            e.id: (g, e) for g in self.data.guidelines for e in g.editions}
        self.definitions = {d.id: d for d in self.data.definitions}

    def line(self, edition_id: str, topic: str) -> list[Edition]:
        """The editions a rule of `edition_id` on `topic` belongs to, in order: its guideline's
        editions, except that from the first edition of a guideline that took this topic over,
        that guideline's editions follow instead."""
        guideline, _ = self.by_id[edition_id]
        for other in self.data.guidelines:
            take = other.takes_over
            if take and take.guideline == guideline.id and topic in take.topics:
                start = other.editions[0].from_
                return [e for e in guideline.editions if e.from_ < start] + list(other.editions)
        return list(guideline.editions)

    def successor(self, edition_id: str, topic: str) -> Optional[Edition]:
        line = self.line(edition_id, topic)
        index = [e.id for e in line].index(edition_id)
        return line[index + 1] if index + 1 < len(line) else None

    def definition(self, definition_id: str, day: dt.date) -> Optional[DefinitionEdition]:
        """The definition in force on `day` (the earliest one for days before it)."""
        found = self.definitions.get(definition_id)
        if found is None:
            return None
        current = found.editions[0]
        for entry in found.editions:
            if entry.from_ <= day:
                current = entry
        return current


def governing(line: list[Edition], dates: Dates) -> Optional[Edition]:
    """The edition of `line` that governed: the latest one whose start its own key date has reached
    (an edition keyed to the date of service governs a service on or after its start, whatever the
    request date). None before the first edition, or after the last one's `until`."""
    found = None
    for edition in line:
        if dates.key(edition.keyed_to) >= edition.from_:
            found = edition
    if found is not None and found is line[-1] and found.until and dates.key(found.keyed_to) > found.until:
        return None
    return found


def excluded(edition: Edition, region: Optional[str], dates: Dates) -> Optional[Exclusion]:
    """The exclusion of `edition` that leaves out a request for `region`, if any, on these dates."""
    if region is None:
        return None
    for exclusion in edition.excludes:
        if region in exclusion.regions and (exclusion.until is None or dates.key(edition.keyed_to) <= exclusion.until):
            return exclusion
    return None


def load_editions(root: str | Path) -> Editions:
    """rules/editions.yaml, cross-checked (guideline and edition ids unique, editions in date order,
    take-overs naming a known guideline); a pack without the file has no editions."""
    path = Path(root) / EDITIONS_FILE
    if not path.is_file():
        return Editions(EditionsFile())
    doc = read_document(path)
    data = validate(EditionsFile, doc)
    seen: set[str] = set()
    for i, guideline in enumerate(data.guidelines):
        for j, edition in enumerate(guideline.editions):
            for name in (guideline.id, edition.id) if j == 0 else (edition.id,):
                if name in seen:
                    raise EngineError(f"id '{name}' is used twice", doc.location(("guidelines", i, "editions", j, "id")))
                seen.add(name)
            if j and edition.from_ <= guideline.editions[j - 1].from_:
                raise EngineError(f"edition {edition.id} starts on or before the edition listed before it",
                                  doc.location(("guidelines", i, "editions", j, "from")))
            previous_end = guideline.editions[j - 1].until if j else None
            if previous_end is not None and edition.from_ <= previous_end:
                raise EngineError(f"edition {edition.id} overlaps {guideline.editions[j - 1].id} "
                                  f"(which runs until {previous_end})", doc.location(("guidelines", i, "editions", j, "from")))
    ids = {g.id for g in data.guidelines}
    for i, guideline in enumerate(data.guidelines):
        take = guideline.takes_over
        if take and (take.guideline not in ids or take.guideline == guideline.id):
            raise EngineError(f"takes_over names no other guideline '{take.guideline}'",
                              doc.location(("guidelines", i, "takes_over", "guideline")))
    return Editions(data, str(path), hashlib.sha256(path.read_bytes()).hexdigest())

"""Decision records: what the engine concluded for each item and why (serialisable)."""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict

Status = Literal["met", "not_met", "not_documented"]
ItemOutcome = Literal["overturned", "upheld", "no_applicable_rule"]


class Record(BaseModel):
    """Fields are declared in alphabetical order, so pydantic's own serializer writes the
    canonical (sorted-key) JSON of a record directly (see engine/decide/record.py, record_line)."""

    model_config = ConfigDict(extra="forbid")


class FactUse(Record):
    description: str
    documented: bool
    name: str
    source: Optional[str] = None
    value: Any = None


class CriterionResult(Record):
    citation: str
    condition: str
    counts_against: bool
    document: str
    facts: list[FactUse]
    id: str
    statement: str
    status: Status
    verified: str


class RuleResult(Record):
    alternatives: list[str] = []
    applicable: bool
    citation: str
    criteria: list[CriterionResult] = []
    edition: str
    id: str
    satisfied: Optional[bool] = None
    stands_in_for: Optional[str] = None  # the later edition that governed and is not encoded
    superseded_by: Optional[str] = None
    tier: str
    title: str


class EditionNotice(Record):
    """The edition that governed an item is not in the rule pack: which one, by which date, and
    what the engine did instead (`applied`: the earlier-edition rules that decided it, if any)."""

    applied: list[str] = []
    date: str
    governing: str
    governing_from: Optional[str] = None
    keyed_to: str
    text: str


class ItemDecision(Record):
    accompanies: Optional[str] = None
    assumptions: list[str] = []
    classes: list[str] = []
    editions: list[EditionNotice] = []
    id: str
    kind: str
    name: str
    outcome: ItemOutcome
    request: str
    rules: list[RuleResult] = []
    summary: str
    unmet: list[str] = []


class PackRef(Record):
    digest: str
    name: str
    version: str


class CaseDecision(Record):
    case: str
    date_of_service: Optional[str] = None
    items: list[ItemDecision]
    pack: PackRef
    request_date: str
    trace: list[str]

    def item(self, item_id: str) -> ItemDecision:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

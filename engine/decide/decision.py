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
    superseded_by: Optional[str] = None
    tier: str
    title: str


class ItemDecision(Record):
    accompanies: Optional[str] = None
    assumptions: list[str] = []
    classes: list[str] = []
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
    items: list[ItemDecision]
    pack: PackRef
    request_date: str
    trace: list[str]

    def item(self, item_id: str) -> ItemDecision:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

"""Decision records: what the engine concluded for each item and why (serialisable)."""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict

Status = Literal["met", "not_met", "not_documented"]
ItemOutcome = Literal["overturned", "upheld", "no_applicable_rule"]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FactUse(Record):
    name: str
    value: Any = None
    documented: bool
    description: str
    source: Optional[str] = None


class CriterionResult(Record):
    id: str
    statement: str
    status: Status
    counts_against: bool
    verified: str
    citation: str
    condition: str
    facts: list[FactUse]
    document: str


class RuleResult(Record):
    id: str
    title: str
    tier: str
    edition: str
    citation: str
    applicable: bool
    superseded_by: Optional[str] = None
    satisfied: Optional[bool] = None
    criteria: list[CriterionResult] = []
    alternatives: list[str] = []


class ItemDecision(Record):
    id: str
    request: str
    kind: str
    name: str
    classes: list[str] = []
    accompanies: Optional[str] = None
    outcome: ItemOutcome
    unmet: list[str] = []
    rules: list[RuleResult] = []
    assumptions: list[str] = []
    summary: str


class PackRef(Record):
    name: str
    version: str
    digest: str


class CaseDecision(Record):
    case: str
    request_date: str
    items: list[ItemDecision]
    trace: list[str]
    pack: PackRef

    def item(self, item_id: str) -> ItemDecision:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

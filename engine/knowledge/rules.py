"""Rule files: one guideline topic each, validated by pydantic, conditions as data (never eval).
Reading and checking them is engine/knowledge/pack_check.py.

A rule applies to items by drug name, drug class, service or service category, optionally
narrowed by a `when` condition; an item is medically necessary when every criterion of every
applicable rule is met.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from engine.intake.sources import Document

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
Tier = Literal["mtus", "acoem", "odg", "other"]
TIER_ORDER = {"mtus": 0, "acoem": 1, "odg": 2, "other": 3}
Verification = Literal["reg", "gl", "imr", "sec", "unverified"]
VERIFIED_LEVELS = {"reg", "gl", "imr"}
Scalar = Union[bool, float, str]


# The rule engine reads numbers without exponents only; smaller ones would need one (1e-05).
# (Larger than sources.MAX_MAGNITUDE is refused when any file is read.)
MIN_MAGNITUDE = 0.0001


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Leaf(Model):
    fact: StrictStr
    op: Literal["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "documented"]
    value: Union[Scalar, list[Scalar]]

    @model_validator(mode="after")
    def _value_fits_op(self) -> "Leaf":
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"op '{self.op}' needs a list value")
        if self.op not in ("in", "not_in") and isinstance(self.value, list):
            raise ValueError(f"op '{self.op}' needs a single value, not a list")
        if self.op in ("lt", "lte", "gt", "gte") and (isinstance(self.value, bool) or not isinstance(self.value, (int, float))):
            raise ValueError(f"op '{self.op}' compares numbers; value {self.value!r} is not a number")
        if self.op == "documented" and not isinstance(self.value, bool):
            raise ValueError("op 'documented' takes true or false")
        for value in self.value if isinstance(self.value, list) else [self.value]:
            if isinstance(value, float) and value != 0 and abs(value) < MIN_MAGNITUDE:
                raise ValueError(f"value {value!r} is too small for the rule engine to compare (at least {MIN_MAGNITUDE})")
        return self


class All(Model):
    all: list["Condition"]


class Any_(Model):
    any: list["Condition"]


class Not(Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    not_: "Condition" = Field(alias="not")


Condition = Annotated[Union[Leaf, All, Any_, Not], Field(union_mode="left_to_right")]
All.model_rebuild()
Any_.model_rebuild()
Not.model_rebuild()


class Citation(Model):
    guideline: StrictStr
    edition: StrictStr
    section: StrictStr
    pages: Optional[StrictStr] = None

    def __str__(self) -> str:
        text = f"{self.guideline} ({self.edition}), {self.section}"
        return text + (f", p. {self.pages}" if self.pages else "")


class CiteOverride(Model):
    guideline: Optional[StrictStr] = None
    edition: Optional[StrictStr] = None
    section: Optional[StrictStr] = None
    pages: Optional[StrictStr] = None


class Criterion(Model):
    id: Id
    statement: Annotated[str, Field(min_length=10)]
    condition: Condition
    verified: Verification
    document: Annotated[str, Field(min_length=10)]
    cite: Optional[CiteOverride] = None


class Carry(Model):
    """A later edition known to keep this rule's criteria, and the source that says so."""

    edition: Id
    source: Annotated[str, Field(min_length=10)]
    verified: Verification


class Effective(Model):
    """When a rule is in force: its dates and the guideline edition it encodes (rules/editions.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: dt.date = Field(alias="from")
    until: Optional[dt.date] = None
    edition: Optional[Id] = None
    carries_into: list[Carry] = []

    @model_validator(mode="after")
    def _dates_in_order(self) -> "Effective":
        if self.until is not None and self.until < self.from_:
            raise ValueError(f"from {self.from_} is after until {self.until}")
        if self.carries_into and self.edition is None:
            raise ValueError("carries_into needs the rule's own `edition`")
        return self

    def covers(self, day: dt.date) -> bool:
        return self.from_ <= day and (self.until is None or day <= self.until)


Term = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_/+-]*$", max_length=80)]


class AppliesTo(Model):
    drugs: list[Term] = []
    classes: list[Id] = []
    services: list[Term] = []
    categories: list[Id] = []

    @model_validator(mode="after")
    def _something(self) -> "AppliesTo":
        if not (self.drugs or self.classes or self.services or self.categories):
            raise ValueError("applies_to names no drug, class, service or category")
        return self


class Rule(Model):
    id: Id
    title: StrictStr
    topic: StrictStr
    tier: Tier
    citation: Citation
    effective: Effective
    applies_to: AppliesTo
    when: Optional[Condition] = None
    supersedes: list[Id] = []
    replaces: list[Id] = []
    criteria: Annotated[list[Criterion], Field(min_length=1)]
    alternatives: list[StrictStr] = []
    notes: Optional[StrictStr] = None

    @model_validator(mode="after")
    def _not_itself(self) -> "Rule":
        for name in ("supersedes", "replaces"):
            if self.id in getattr(self, name):
                raise ValueError(f"rule {self.id} {name} itself")
        return self

    def citation_for(self, criterion: Criterion) -> Citation:
        if criterion.cite is None:
            return self.citation
        override = {k: getattr(criterion.cite, k) for k in criterion.cite.model_fields_set}
        return self.citation.model_copy(update=override)


class LoadedRule(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    rule: Rule
    path: str
    sha256: str
    doc: Document


class PackInfo(Model):
    name: StrictStr
    version: StrictStr
    description: Optional[StrictStr] = None

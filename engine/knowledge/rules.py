"""Rule files: one guideline topic each, validated by pydantic, conditions as data (never eval).

A rule applies to items by drug name, drug class, service or service category, optionally
narrowed by a `when` condition; an item is medically necessary when every criterion of every
applicable rule is met.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from engine.errors import EngineError
from engine.intake.sources import Document, read_document, suggest, validate

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
Tier = Literal["mtus", "acoem", "odg", "other"]
TIER_ORDER = {"mtus": 0, "acoem": 1, "odg": 2, "other": 3}
Verification = Literal["reg", "gl", "imr", "sec", "unverified"]
VERIFIED_LEVELS = {"reg", "gl", "imr"}
Scalar = Union[bool, float, str]


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


class Effective(Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: dt.date = Field(alias="from")
    until: Optional[dt.date] = None

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


def load_rule(path: str | Path) -> LoadedRule:
    """Read and validate one rule file, including fact names and types in its conditions."""
    raw = Path(path).read_bytes() if Path(path).is_file() else b""
    doc = read_document(path)
    rule = validate(Rule, doc)
    check_rule_facts(rule, doc)
    return LoadedRule(rule=rule, path=str(path), sha256=hashlib.sha256(raw).hexdigest(), doc=doc)


def check_rule_facts(rule: Rule, doc: Document) -> None:
    """Every fact named must exist in the catalog, with a value of its type."""
    seen: set[str] = set()
    for i, crit in enumerate(rule.criteria):
        if crit.id in seen:
            raise EngineError(f"duplicate criterion id '{crit.id}'", doc.location(("criteria", i, "id")))
        seen.add(crit.id)
        _check_condition(crit.condition, ("criteria", i, "condition"), doc)
    if rule.when is not None:
        _check_condition(rule.when, ("when",), doc)


def _check_condition(cond: Any, path: tuple, doc: Document) -> None:
    from engine.knowledge.facts import FACTS, value_problem

    if isinstance(cond, Leaf):
        fact = FACTS.get(cond.fact)
        if fact is None:
            raise EngineError(f"unknown fact '{cond.fact}'{suggest(cond.fact, FACTS)}", doc.location(path + ("fact",)))
        values = cond.value if isinstance(cond.value, list) else [cond.value]
        if cond.op == "documented":
            return
        for value in values:
            problem = value_problem(fact, value)
            if problem:
                raise EngineError(f"{cond.fact} is {fact.type}: {problem}", doc.location(path + ("value",)))
        if fact.type == "bool" and cond.op not in ("eq", "ne"):
            raise EngineError(f"{cond.fact} is a yes/no fact; use eq or ne", doc.location(path + ("op",)))
        return
    if isinstance(cond, Not):
        _check_condition(cond.not_, path + ("not",), doc)
        return
    name = "all" if isinstance(cond, All) else "any"
    for j, child in enumerate(getattr(cond, name)):
        _check_condition(child, path + (name, j), doc)

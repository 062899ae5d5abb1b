"""Case files: the documented facts of one request for authorization, as pydantic models.

What a case does not state counts as "not documented". A regression case also carries the
expected IMR outcome of each item. A file holds either one case or `cases:` (a list of small,
named cases, usually sharing a base through a YAML anchor).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Iterable, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator

from engine.errors import EngineError, Location
from engine.intake.sources import Document, read_document, validate

Percent = Annotated[float, Field(ge=0, le=100, strict=True)]
Score = Annotated[float, Field(ge=0, le=10, strict=True)]
Count = Annotated[int, Field(ge=0, le=100_000, strict=True)]
Quantity = Annotated[float, Field(gt=0, le=100_000, strict=True)]
Weeks = Annotated[float, Field(ge=0, le=5_000, strict=True)]
Level = Annotated[str, Field(pattern=r"^(C[1-8]|T(1[0-2]|[1-9])|L[1-5]|S[1-5])$")]
Outcome = Literal["upheld", "overturned", "no_applicable_rule"]
Side = Literal["left", "right", "both"]
Region = Literal[
    "cervical", "thoracic", "lumbar", "sacral", "shoulder", "elbow", "wrist", "hand", "hip",
    "knee", "ankle", "foot", "head", "whole_body", "other",
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Patient(Model):
    age: Optional[Annotated[int, Field(ge=14, le=110, strict=True)]] = None
    sex: Optional[Literal["male", "female", "other"]] = None


class LevelFinding(Model):
    level: Optional[Level] = None
    side: Optional[Side] = None


class Exam(Model):
    """The most recent physical examination (objective findings only)."""

    date: Optional[dt.date] = None
    documented_in: Optional[StrictStr] = None
    sensory_loss: list[LevelFinding] = Field(default_factory=list)
    motor_deficit: list[LevelFinding] = Field(default_factory=list)
    reflex_loss: list[LevelFinding] = Field(default_factory=list)
    straight_leg_raise: Optional[Literal["positive", "negative"]] = None
    spasm: Optional[StrictBool] = None
    tenderness: Optional[StrictBool] = None
    range_of_motion_reduced: Optional[StrictBool] = None
    trigger_points: Optional[StrictBool] = None


class Study(Model):
    """An imaging or electrodiagnostic study and what it showed."""

    kind: Literal["mri", "ct", "xray", "bone_scan", "myelogram", "emg", "ncs", "emg_ncs", "ultrasound"]
    region: Region
    date: Optional[dt.date] = None
    documented_in: Optional[StrictStr] = None
    findings: Optional[StrictStr] = None
    nerve_root_levels: list[Level] = Field(default_factory=list)
    significant_pathology: Optional[StrictBool] = None


class Pain(Model):
    score: Optional[Score] = None
    severity: Optional[Literal["mild", "moderate", "severe", "moderate_to_severe"]] = None
    with_medication: Optional[Score] = None
    without_medication: Optional[Score] = None
    reported_relief_percent: Optional[Percent] = None
    radiating: Optional[StrictBool] = None
    neuropathic: Optional[StrictBool] = None
    months: Optional[Weeks] = None
    documented_in: Optional[StrictStr] = None


class Function(Model):
    work_status: Optional[Literal["full_duty", "modified_duty", "not_working", "retired"]] = None
    adl_improved: Optional[StrictBool] = None
    documented_in: Optional[StrictStr] = None


class Response(Model):
    """What the record attributes to one specific drug or treatment."""

    pain_reduced: Optional[StrictBool] = None
    pain_reduction_percent: Optional[Percent] = None
    function_improved: Optional[StrictBool] = None
    side_effects_reviewed: Optional[StrictBool] = None
    aberrant_behavior: Optional[StrictBool] = None
    medication_reduced: Optional[StrictBool] = None


class Medication(Model):
    drug: StrictStr
    strength: Optional[StrictStr] = None
    sig: Optional[StrictStr] = None
    since: Optional[dt.date] = None
    since_at_least: StrictBool = False
    status: Literal["current", "past"] = "current"
    stopped: Optional[dt.date] = None
    pattern: Optional[Literal["regular", "intermittent", "as_needed"]] = None
    response: Response = Response()
    documented_in: Optional[StrictStr] = None


class Procedure(Model):
    """A prior procedure or course of therapy, with its documented result."""

    service: StrictStr
    date: Optional[dt.date] = None
    region: Optional[Region] = None
    levels: list[StrictStr] = Field(default_factory=list)
    visits: Optional[Count] = None
    relief_percent: Optional[Percent] = None
    relief_weeks: Optional[Weeks] = None
    medication_reduced: Optional[StrictBool] = None
    function_improved: Optional[StrictBool] = None
    documented_in: Optional[StrictStr] = None


class DrugScreen(Model):
    date: Optional[dt.date] = None
    consistent: StrictBool
    addressed: Optional[StrictBool] = None
    documented_in: Optional[StrictStr] = None


class Monitoring(Model):
    opioid_agreement: Optional[StrictBool] = None
    single_prescriber: Optional[StrictBool] = None
    drug_screens: list[DrugScreen] = Field(default_factory=list)
    documented_in: Optional[StrictStr] = None


FactValue = StrictBool | Annotated[float, Field(strict=True)] | StrictStr


class Item(Model):
    """One requested treatment, as the provider wrote it plus any structured detail."""

    id: Optional[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]] = None
    request: Annotated[str, Field(min_length=1, max_length=300)]
    name: Optional[StrictStr] = None
    kind: Optional[Literal["drug", "service", "other"]] = None
    strength: Optional[StrictStr] = None
    quantity: Optional[Quantity] = None
    sig: Optional[StrictStr] = None
    units_per_day: Optional[Annotated[float, Field(gt=0, le=48, strict=True)]] = None
    days_supply: Optional[Annotated[float, Field(gt=0, le=3650, strict=True)]] = None
    retrospective: Optional[StrictBool] = None
    region: Optional[Region] = None
    side: Optional[Side] = None
    levels: Optional[list[StrictStr]] = None
    approach: Optional[Literal["interlaminar", "transforaminal", "caudal"]] = None
    visits: Optional[Count] = None
    frequency_per_week: Optional[Annotated[float, Field(gt=0, le=14, strict=True)]] = None
    weeks: Optional[Weeks] = None
    accompanies: Optional[StrictStr] = None
    components: list[StrictStr] = Field(default_factory=list)
    justified_components: list[StrictStr] = Field(default_factory=list)
    documentation: dict[str, FactValue] = Field(default_factory=dict)
    documented_in: Optional[StrictStr] = None
    expected: Optional[Outcome] = None
    expected_unmet: list[StrictStr] = Field(default_factory=list)
    known_gap: Optional[Annotated[str, Field(min_length=10, max_length=300)]] = None  # why the engine misses `expected`

    @model_validator(mode="after")
    def _gap_has_an_expectation(self) -> "Item":
        if self.known_gap is not None and self.expected is None:
            raise ValueError("known_gap marks an expected outcome the engine misses; give `expected` too")
        return self


class Case(Model):
    """Everything the reviewer had: dates, findings, history, monitoring and the requests."""

    id: Optional[StrictStr] = None
    title: Optional[StrictStr] = None
    source: Optional[StrictStr] = None
    request_date: dt.date
    injury_date: Optional[dt.date] = None
    patient: Patient = Patient()
    diagnoses: list[StrictStr] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)
    exam: Exam = Field(default_factory=Exam)  # a factory: pydantic deep-copies unhashable defaults
    studies: list[Study] = Field(default_factory=list)
    pain: Pain = Pain()
    function: Function = Function()
    medications: list[Medication] = Field(default_factory=list)
    procedures: list[Procedure] = Field(default_factory=list)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    findings: dict[str, FactValue] = Field(default_factory=dict)
    sources: dict[str, StrictStr] = Field(default_factory=dict)
    items: Annotated[list[Item], Field(min_length=1)]

    @model_validator(mode="after")
    def _dates_make_sense(self) -> "Case":
        if self.injury_date and self.injury_date > self.request_date:
            raise ValueError("injury_date is after request_date")
        return self


class CaseFile(Model):
    """A file of small named cases (sqlfluff-style fixtures) for one rule or topic."""

    rule: Optional[StrictStr] = None
    description: Optional[StrictStr] = None
    base: Optional[dict[str, Any]] = None
    cases: Annotated[list[dict[str, Any]], Field(min_length=1)]


class LoadedCase(BaseModel):
    """A validated case plus where it came from (file, name, positions for errors)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    case: Case
    path: str
    name: str
    doc: Document
    prefix: tuple = ()


def read_cases(path: str | Path) -> list[LoadedCase]:
    """Read a case file (one case or a `cases:` list) and validate it against the case models.

    Documented findings are checked against the fact catalog by knowledge.case_files.load_cases,
    which is what every command uses."""
    doc = read_document(path)
    if not isinstance(doc.data, dict):
        raise EngineError("a case file must be a mapping", doc.location(()))
    if "cases" in doc.data:
        validate(CaseFile, doc)
        base = doc.data.get("base") or {}
        base_positions = {k[1:]: v for k, v in doc.positions.items() if k[:1] == ("base",)}
        out = []
        for i, entry in enumerate(doc.data["cases"]):
            sub = doc.sub(("cases", i))
            data = merge(base, entry)
            name = data.pop("name", None)
            if not isinstance(name, str) or not name:
                raise EngineError("each case needs a 'name'", doc.location(("cases", i, "name")))
            positions = {**base_positions, **sub.positions}
            merged = Document(doc.path, data, positions)
            case = validate(Case, merged, prefix=("cases", i))
            out.append(LoadedCase(case=case, path=doc.path, name=name, doc=merged, prefix=("cases", i)))
        _check_unique([c.name for c in out], doc, "cases")
        return out
    case = validate(Case, doc)
    name = case.id or Path(doc.path).stem
    return [LoadedCase(case=case, path=doc.path, name=name, doc=doc)]


def case_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every case file under the given files or folders, in a stable order."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".json")))
        elif path.exists():
            out.append(path)
        else:
            raise EngineError(f"no such file or folder: {path}")
    return out


def merge(base: dict, override: dict) -> dict:
    """Deep-merge a case over the file's `base`; a null in the case removes the base value."""
    out = dict(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _check_unique(names: list[str], doc: Document, field: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise EngineError(f"duplicate case name '{name}'", doc.location((field, i, "name")))
        seen.add(name)


def item_ids(case: Case) -> list[str]:
    """Stable item ids: the given id, else item-1, item-2, ..."""
    return [item.id or f"item-{i + 1}" for i, item in enumerate(case.items)]


def case_location(loaded: LoadedCase, loc: tuple) -> Location:
    return loaded.doc.location(loc)

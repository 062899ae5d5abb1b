"""Case files: the documented facts of one request for authorization, as pydantic models.

What a case does not state counts as "not documented". A regression case also carries the
expected IMR outcome of each item. A file holds either one case or `cases:` (a list of small,
named cases, usually sharing a base through a YAML anchor).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Iterable, Literal, Optional

from pydantic_core import PydanticCustomError
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr, field_validator, model_validator

from engine.errors import EngineError, Location
from engine.intake.sources import Document, dotted, read_document, validate

def _not_a_number(value: Any) -> Any:
    """A date is written as a date (2015-06-01); a bare number (0, 20150601) is not read as one."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError("a date is written YYYY-MM-DD, not as a number")
    return value


EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)


def _plausible(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"date {value.isoformat()} is outside {EARLIEST.year}-{LATEST.year}")
    return value


Date = Annotated[dt.date, BeforeValidator(_not_a_number), AfterValidator(_plausible)]
Percent = Annotated[float, Field(ge=0, le=100, strict=True)]
Score = Annotated[float, Field(ge=0, le=10, strict=True)]
# Input bounds (not guideline numbers): the largest values a request can sensibly state; the same
# bounds hold for numbers written in the request text (requests.py).
MAX_QUANTITY = 100_000
MAX_UNITS_PER_DAY = 48
MAX_STRENGTH_MG = 1_000_000  # a topical written by its package ("cream 240g") reads as 240,000 mg
Count = Annotated[int, Field(ge=0, le=100_000, strict=True)]
Quantity = Annotated[float, Field(gt=0, le=MAX_QUANTITY, strict=True)]
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
    """An examination sign at a root level and side; `sign` keeps the clinician's word
    ("hypoesthesia", "EHL weakness 4/5", "diminished Achilles reflex")."""

    level: Optional[Level] = None
    side: Optional[Side] = None
    sign: Optional[StrictStr] = None


class Sign(Model):
    """An examination sign named as the clinician names it; `rules/vocabulary/` (`signs:`) says
    which kind of sign the word is (sensory change, motor deficit, reflex change, nerve tension)."""

    sign: Annotated[str, Field(min_length=1, max_length=120)]
    level: Optional[Level] = None
    side: Optional[Side] = None


class Exam(Model):
    """The most recent physical examination (objective findings only)."""

    date: Optional[Date] = None
    documented_in: Optional[StrictStr] = None
    sensory_loss: list[LevelFinding] = Field(default_factory=list)
    motor_deficit: list[LevelFinding] = Field(default_factory=list)
    reflex_loss: list[LevelFinding] = Field(default_factory=list)
    straight_leg_raise: Optional[Literal["positive", "negative"]] = None
    straight_leg_raise_side: Optional[Side] = None
    signs: list[Sign] = Field(default_factory=list)
    spasm: Optional[StrictBool] = None
    tenderness: Optional[StrictBool] = None
    range_of_motion_reduced: Optional[StrictBool] = None
    trigger_points: Optional[StrictBool] = None


class Study(Model):
    """An imaging or electrodiagnostic study and what it showed."""

    kind: Literal["mri", "ct", "xray", "bone_scan", "myelogram", "emg", "ncs", "emg_ncs", "ultrasound"]
    region: Region
    date: Optional[Date] = None
    documented_in: Optional[StrictStr] = None
    findings: Optional[StrictStr] = None
    nerve_root_levels: list[Level] = Field(default_factory=list)
    side: Optional[Side] = None
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
    """Work and daily function. Time off work ("TTD since 3/2013", "off work 2 years") is given
    once, as a start date or in months: the chronic pain programme criteria read its length."""

    work_status: Optional[Literal["full_duty", "modified_duty", "not_working", "retired"]] = None
    adl_improved: Optional[StrictBool] = None
    off_work_since: Optional[Date] = None
    off_work_months: Optional[Weeks] = None
    documented_in: Optional[StrictStr] = None


class Response(Model):
    """What the record attributes to one specific drug or treatment."""

    pain_reduced: Optional[StrictBool] = None
    pain_reduction_percent: Optional[Percent] = None
    function_improved: Optional[StrictBool] = None
    side_effects_reviewed: Optional[StrictBool] = None
    aberrant_behavior: Optional[StrictBool] = None
    medication_reduced: Optional[StrictBool] = None


class Regimen(Response):
    """What the reports say of the medications as a whole ("with medications pain 4/10 instead of 8/10,
    able to do housework; no side effects"). It counts for each drug the reports list, unless that
    drug's own `response:` says otherwise; the pain scores with and without medications stay in `pain:`."""

    documented_in: Optional[StrictStr] = None


# Why a drug was stopped or changed, as progress reports say it: "stopped for GI upset" (side_effects),
# "did not help" (no_benefit), "denied by the carrier" (not_authorized, not a failed trial).
StopReason = Literal["side_effects", "no_benefit", "not_authorized", "other"]
# Adverse effects a report attributes to one drug ("naproxen gives her GI upset").
AdverseEffect = Literal["gi_upset", "dizziness", "drowsiness", "cognitive", "nausea", "constipation", "rash", "other"]


class Medication(Model):
    drug: StrictStr
    kind: Optional[Literal["other"]] = None
    named_in_reports: StrictBool = True
    strength: Optional[StrictStr] = None
    sig: Optional[StrictStr] = None
    since: Optional[Date] = None
    since_at_least: StrictBool = False
    status: Literal["current", "past"] = "current"
    stopped: Optional[Date] = None
    pattern: Optional[Literal["regular", "intermittent", "as_needed"]] = None
    response: Response = Response()
    stopped_for: list[StopReason] = Field(default_factory=list)  # a stopped drug (status past or a stopped date)
    adverse_effects: list[AdverseEffect] = Field(default_factory=list)
    documented_in: Optional[StrictStr] = None


Hours = Annotated[float, Field(ge=0, le=24 * 5_000, strict=True)]
Days = Annotated[float, Field(ge=0, le=7 * 5_000, strict=True)]


class Procedure(Model):
    """A prior procedure or course of therapy, with its documented result."""

    service: StrictStr
    kind: Optional[Literal["other"]] = None
    date: Optional[Date] = None
    region: Optional[Region] = None
    side: Optional[Side] = None
    levels: list[StrictStr] = Field(default_factory=list)
    visits: Optional[Count] = None
    relief_percent: Optional[Percent] = None
    relief: Optional[Literal["none", "temporary", "sustained"]] = None  # as worded, when no percent is given
    relief_hours: Optional[Hours] = None  # how long the relief lasted: one of hours, days or weeks
    relief_days: Optional[Days] = None
    relief_weeks: Optional[Weeks] = None
    medication_reduced: Optional[StrictBool] = None
    function_improved: Optional[StrictBool] = None
    documented_in: Optional[StrictStr] = None


class DrugScreen(Model):
    date: Optional[Date] = None
    consistent: StrictBool
    addressed: Optional[StrictBool] = None
    documented_in: Optional[StrictStr] = None


class Monitoring(Model):
    opioid_agreement: Optional[StrictBool] = None
    single_prescriber: Optional[StrictBool] = None
    drug_screens: list[DrugScreen] = Field(default_factory=list)
    documented_in: Optional[StrictStr] = None


# The sections a case leaves out: one empty instance each, shared by every such case (models are frozen
# and nothing edits a case's lists in place), as for the other sections' defaults; building a new
# one per case cost about a sixth of validating a small case.
NO_EXAM, NO_REGIMEN, NO_MONITORING = Exam(), Regimen(), Monitoring()

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
    units_per_day: Optional[Annotated[float, Field(gt=0, le=MAX_UNITS_PER_DAY, strict=True)]] = None
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
    expected_edition_notice: Optional[StrictBool] = None  # regression: the governing edition is not encoded
    known_gap: Optional[Annotated[str, Field(min_length=10, max_length=300)]] = None  # why the engine misses `expected`

    @model_validator(mode="after")
    def _gap_has_an_expectation(self) -> "Item":
        if self.known_gap is not None and self.expected is None:
            raise ValueError("known_gap marks an expected outcome the engine misses; give `expected` too")
        return self


Role = Literal[
    "treating_physician", "primary_treating_physician", "pain_management", "surgeon", "orthopedic_surgeon",
    "spine_surgeon", "neurosurgeon", "neurologist", "physiatrist", "internist", "psychiatrist", "psychologist",
    "physical_therapist", "occupational_therapist", "chiropractor", "acupuncturist", "nurse_practitioner",
    "physician_assistant", "qme", "ame", "other",
]


class Author(Model):
    """Who wrote the record the request rests on (the requesting provider's role)."""

    role: Role
    name: Optional[StrictStr] = None


class Report(Model):
    """One report named in `documented_in` fields, with its author's role."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    role: Role
    date: Optional[Date] = None


class ReviewEntry(Model):
    """A field an imported draft (ur import) could not read, or read with doubt: for a person to confirm."""

    field: StrictStr
    read: Any = None
    note: StrictStr


class Case(Model):
    """Everything the reviewer had: dates, findings, history, monitoring and the requests.

    A history (`medications`, `procedures`, `studies`, `monitoring.drug_screens`) left out is not
    documented; written as `[]` it is documented as none (see `history_documented`)."""

    id: Optional[StrictStr] = None
    title: Optional[StrictStr] = None
    source: Optional[StrictStr] = None
    record: Optional[Literal["insufficient"]] = None  # the source does not state enough to decide it
    record_reason: Optional[Annotated[str, Field(min_length=10, max_length=500)]] = None
    author: Optional[Author] = None
    reports: list[Report] = Field(default_factory=list)
    request_date: Date
    date_of_service: Optional[Date] = None  # planned; editions keyed to it (rules/editions.yaml) read it
    injury_date: Optional[Date] = None
    patient: Patient = Patient()
    diagnoses: list[StrictStr] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)
    exam: Exam = Field(default_factory=lambda: NO_EXAM)  # a factory: pydantic deep-copies unhashable defaults
    studies: list[Study] = Field(default_factory=list)
    pain: Pain = Pain()
    function: Function = Function()
    medications: list[Medication] = Field(default_factory=list)
    regimen: Regimen = Field(default_factory=lambda: NO_REGIMEN)
    procedures: list[Procedure] = Field(default_factory=list)
    monitoring: Monitoring = Field(default_factory=lambda: NO_MONITORING)
    findings: dict[str, FactValue] = Field(default_factory=dict)
    sources: dict[str, StrictStr] = Field(default_factory=dict)
    items: Annotated[list[Item], Field(min_length=1)]
    review: list[ReviewEntry] = Field(default_factory=list)

    @field_validator("review")
    @classmethod
    def _confirmed(cls, review: list[ReviewEntry]) -> list[ReviewEntry]:
        if review:
            raise PydanticCustomError(
                "unconfirmed_draft", "{count} entries of this imported draft still to confirm (first: {first}); confirm or"
                " correct each field it names, then delete the entry (docs/importing.md)",
                {"count": len(review), "first": review[0].field})
        return review


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
            check_case(case, merged, prefix=("cases", i))
            out.append(LoadedCase(case=case, path=doc.path, name=name, doc=merged, prefix=("cases", i)))
        _check_unique([c.name for c in out], doc, "cases")
        return out
    case = validate(Case, doc)
    check_case(case, doc)
    name = case.id or Path(doc.path).stem
    return [LoadedCase(case=case, path=doc.path, name=name, doc=doc)]


HISTORIES = ("medications", "procedures", "studies", "drug_screens")
EARLIEST_REQUEST = dt.date(1990, 1, 1)
LATEST_REQUEST_DAYS = 366


def history_documented(case: Case, history: str) -> bool:
    """Whether the record states this history at all: `[]` is "documented as none", while a
    history left out of the case is "not documented" (never "none")."""
    if history == "drug_screens":
        return "drug_screens" in case.monitoring.model_fields_set
    return history in case.model_fields_set


def case_problems(case: Case, today: Optional[dt.date] = None) -> list[tuple[tuple, str]]:
    """What cannot be, as (field location, message): impossible dates (evidence merely dated after
    the request is not an error; `as_of_request` sets it aside) and an insufficient-record marker
    without its reason."""
    today = today or dt.date.today()
    request = case.request_date
    out: list[tuple[tuple, str]] = []
    if request < EARLIEST_REQUEST:
        out.append((("request_date",), f"request_date {request} is before {EARLIEST_REQUEST.year}: "
                                       "no utilization-review rule of that time is encoded"))
    if (request - today).days > LATEST_REQUEST_DAYS:
        out.append((("request_date",), f"request_date {request} is more than a year in the future"))
    injury = case.injury_date
    if injury and injury > request:
        out.append((("injury_date",), f"injury_date is after request_date ({injury} > {request})"))
    if injury and case.date_of_service and case.date_of_service < injury:
        out.append((("date_of_service",), f"date_of_service is before injury_date ({case.date_of_service} < {injury})"))
    if injury and case.exam.date and case.exam.date < injury:
        out.append((("exam", "date"), f"the examination ({case.exam.date}) is dated before the injury ({injury})"))
    if case.record and not case.record_reason:
        out.append((("record",), "record: insufficient needs record_reason: what the source does not state"))
    for i, med in enumerate(case.medications):
        if med.since and med.stopped and med.stopped < med.since:
            out.append((("medications", i, "stopped"), f"stopped {med.stopped} is before since {med.since}"))
        if med.stopped_for and med.status == "current" and med.stopped is None:
            out.append((("medications", i, "stopped_for"), "stopped_for says why the drug was stopped: "
                                                          "set status: past (or its stopped date)"))
    for i, proc in enumerate(case.procedures):
        given = [f for f in ("relief_hours", "relief_days", "relief_weeks") if getattr(proc, f) is not None]
        if len(given) > 1:
            out.append((("procedures", i, given[1]), f"how long the relief lasted is given twice ({', '.join(given)}):"
                                                     " keep the one the record states"))
        if proc.relief == "none" and (proc.relief_percent or given):
            out.append((("procedures", i, "relief"), "relief: none contradicts the relief percent or duration given"))
    work = case.function
    if work.off_work_since is not None and work.off_work_months is not None:
        out.append((("function", "off_work_months"), "time off work is given twice (off_work_since and "
                                                     "off_work_months): keep the one the record states"))
    if (work.off_work_since is not None or work.off_work_months is not None) and work.work_status in (
            "full_duty", "modified_duty"):
        out.append((("function", "work_status"), f"work_status {work.work_status} contradicts the time off work "
                                                 "given (off_work_since / off_work_months mean off work now)"))
    if work.off_work_since and injury and work.off_work_since < injury:
        out.append((("function", "off_work_since"), f"off work since {work.off_work_since}, before the injury ({injury})"))
    return out


def check_case(case: Case, doc: Document, prefix: tuple = ()) -> None:
    """Raise the first problem as a one-line error naming its field."""
    problems = case_problems(case)
    if problems:
        loc, message = problems[0]
        raise EngineError(message, Location(doc.path, doc.line_of(loc), dotted(prefix + loc)))


def as_of_request(case: Case) -> tuple[Case, tuple[str, ...]]:
    """The case as the record stood on the request date: evidence dated after it (an examination,
    study, drug screen or procedure, a medication started later) is set aside and named, since a
    reviewer judges the request on what was documented when it was made."""
    day = case.request_date
    later: list[str] = []
    update: dict[str, Any] = {}
    if case.exam.date and case.exam.date > day:
        later.append(f"examination {case.exam.date}" + (f" ({case.exam.documented_in})" if case.exam.documented_in else ""))
        update["exam"] = Exam()
    studies = [s for s in case.studies if not (s.date and s.date > day)]
    if len(studies) != len(case.studies):
        later += [f"{s.kind} {s.region} {s.date}" for s in case.studies if s.date and s.date > day]
        update["studies"] = studies
    procedures = [p for p in case.procedures if not (p.date and p.date > day)]
    if len(procedures) != len(case.procedures):
        later += [f"{p.service} {p.date}" for p in case.procedures if p.date and p.date > day]
        update["procedures"] = procedures
    meds = [m for m in case.medications if not (m.since and m.since > day)]
    if len(meds) != len(case.medications):
        later += [f"{m.drug} started {m.since}" for m in case.medications if m.since and m.since > day]
        update["medications"] = meds
    screens = [s for s in case.monitoring.drug_screens if not (s.date and s.date > day)]
    if len(screens) != len(case.monitoring.drug_screens):
        later += [f"drug screen {s.date}" for s in case.monitoring.drug_screens if s.date and s.date > day]
        update["monitoring"] = case.monitoring.model_copy(update={"drug_screens": screens})
    if case.function.off_work_since and case.function.off_work_since > day:
        later.append(f"off work since {case.function.off_work_since}")
        update["function"] = case.function.model_copy(update={"off_work_since": None})
    if not later:
        return case, ()
    return case.model_copy(update=update), tuple(later)


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

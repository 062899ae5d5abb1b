"""What a fact is and what its derivation sees: the Fact record, the derivation Context (case,
item, vocabulary and the rule pack's tables) and FactSet, the list of facts one module declares.

Facts are either read from the case (documented findings) or derived once, visibly, from
dates, history and the request (weeks on a drug, days' supply, morphine equivalents,
"radiculopathy corroborated by imaging or EMG"). Rules never recompute them. A module declares
its facts in its own FactSet; importing it registers nothing (the catalog, in
engine/knowledge/facts/__init__.py, lists the modules).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Optional

from pydantic import ConfigDict, StrictBool, StrictFloat, StrictStr, with_config

from engine.intake.cases import Case, Item, Medication, Procedure, Study, history_documented, item_ids
from engine.intake.requests import ResolvedItem, level_segments, levels_in_text, side_in_text
from engine.intake.vocabulary import Term, Vocabulary
from engine.knowledge.editions import DefinitionEdition, Editions
from engine.knowledge.study_text import StudyFindings, StudyResult, study_shows

TYPES = ("bool", "number", "text")

# Scalar types a reader declares table values with (FactSet.table): no silent conversion (a
# quoted "10" is not a number, 1 is not true), but a YAML list is accepted where a tuple or set is.
Number = StrictFloat
Text = StrictStr
Flag = StrictBool
closed = with_config(ConfigDict(extra="forbid"))  # decorate a TypedDict table type: no unknown keys
SAME_THERAPY = "same-therapy"  # the table Context.prior reads: services counted as one therapy
STUDY_FINDINGS = "study-findings"  # the table Context.study reads: how a study's findings text is read
BASE_TABLES = {SAME_THERAPY: tuple[tuple[Text, ...], ...], STUDY_FINDINGS: StudyFindings}


# (case, item, value, ctx): see FactSet.setter; ctx holds the item's drug or service `name`, its
# `classes`, the `vocab`, the pack's `tables`, the request `date` and the `fact` being set.
Setter = Callable[[dict, dict, Any, dict], None]


@dataclass(frozen=True)
class Linear:
    """How one request field moves a fact: fact = a * field + b, the rest of the request fixed."""

    field: str
    a: float
    b: float
    current: float
    label: str
    unit: str = ""


@dataclass(frozen=True)
class Fact:
    """One named fact: its type, meaning, where it is documented, how to compute it, the tables
    its derivation reads, how a request field moves it (lever) and how an example case sets it
    (setter, for the benchmark's generated cases)."""

    name: str
    type: str
    description: str
    compute: Callable[["Context"], Any]
    unit: str = ""
    values: tuple[str, ...] = ()
    section: str = ""
    controllable: bool = False
    tables: tuple[str, ...] = ()
    lever: Optional[Callable[["Context"], Optional[Linear]]] = None
    setter: Optional[Setter] = None


class FactSet:
    """The facts, tables, levers and example setters one module declares, as data.

    A module builds one (`FACTS = FactSet()`) and decorates its derivations with `FACTS.derived`;
    nothing is registered anywhere until the catalog collects the module's set."""

    def __init__(self) -> None:
        self.facts: dict[str, Fact] = {}
        self.tables: dict[str, Any] = {}
        self.levers: dict[str, Callable] = {}
        self.setters: dict[str, Setter] = {}

    def table(self, table_id: str, value_type: Any) -> str:
        """Declare that this module's derivations read table `table_id` (rules/tables/<id>.yaml),
        whose value must validate as `value_type`; returns the id, to read it with ctx.table."""
        if self.tables.get(table_id, value_type) != value_type:
            raise ValueError(f"table {table_id} declared twice with different types")
        self.tables[table_id] = value_type
        return table_id

    def derived(self, name: str, type: str, description: str, *, unit: str = "", values: tuple[str, ...] = (),
                section: str = "", controllable: bool = False, tables: tuple[str, ...] = ()) -> Callable:
        """Declare a fact computed from the case; the function returns None when undocumented.

        `tables`: every table the derivation reads, directly or through helpers (shown by
        `ur explain` and `ur rules`, listed in decision records); each is declared with
        FactSet.table in this module or the one it is imported from."""
        if type not in TYPES:
            raise ValueError(f"fact {name}: type must be one of {TYPES}")

        def declare(fn: Callable[["Context"], Any]) -> Callable:
            if name in self.facts:
                raise ValueError(f"fact {name} declared twice")
            self.facts[name] = Fact(name, type, description, fn, unit, values, section, controllable, tables)
            return fn

        return declare

    def finding(self, name: str, type: str, description: str, *, scope: str = "case",
                values: tuple[str, ...] = ()) -> None:
        """Declare a documented finding: `findings:` on the case (finding.X) or `documentation:` on an item (doc.X)."""
        if scope == "case":
            self.derived(f"finding.{name}", type, description, values=values, section=f"findings.{name}")(
                lambda ctx, key=name: ctx.finding(key)
            )
        else:
            self.derived(f"doc.{name}", type, description, values=values, section="item")(
                lambda ctx, key=name: ctx.item.documentation.get(key)
            )

    def lever(self, name: str) -> Callable:
        """Declare how a request field moves fact `name` (ur check proposes changes with it)."""
        def declare(fn: Callable[["Context"], Optional[Linear]]) -> Callable:
            self.levers[name] = fn
            return fn

        return declare

    def setter(self, *names: str) -> Callable:
        """Declare how an example case (a plain dict) is edited so fact `name` takes a value: through
        the case fields it is derived from, so derivation runs for real (bench/generate.py)."""
        def declare(fn: Setter) -> Setter:
            for name in names:
                self.setters[name] = fn
            return fn

        return declare


@dataclass
class Context:
    """What derivations see for one requested item."""

    case: Case
    item: Item
    resolved: ResolvedItem
    vocab: Vocabulary
    tables: Mapping[str, Any]
    outcomes: dict[str, str] = field(default_factory=dict)
    editions: Optional[Editions] = None  # the pack's editions file: definitions that changed between editions
    shared: dict[str, Any] = field(default_factory=dict)  # one per case evaluation: what all its items share
    memo: dict[str, Any] = field(default_factory=dict)  # values derivations share for this item

    def table(self, table_id: str) -> Any:
        """The value of a rule-pack table (rules/tables/<id>.yaml), typed as its reader declared."""
        return self.tables[table_id]

    def definition(self, definition_id: str) -> Optional[DefinitionEdition]:
        """The edition of a definition (rules/editions.yaml) in force on the request date."""
        return self.editions.definition(definition_id, self.request_date) if self.editions else None

    @property
    def request_date(self) -> dt.date:
        return self.case.request_date

    def finding(self, name: str) -> Any:
        """A case finding as stated in `findings:`, else as a listed diagnosis names it
        (rules/vocabulary `diagnoses:`): "Dx: right plantar fasciitis" documents plantar fasciitis; else
        as examination signs document it (`signs:` with a finding): "positive McMurray" is a meniscal sign."""
        stated = self.case.findings.get(name)
        if stated is not None:
            return stated
        found = self.unstated_finding(name)
        return found[1] if found else None

    def unstated_finding(self, name: str) -> Optional[tuple[str, Any, Any]]:
        """A finding `findings:` does not state, as the listed diagnoses name it ("diagnosis", value, the
        diagnosis), else as the examination signs document it ("signs", value, the signs' words), else
        None. Read once per item: many facts, and where each fact is documented, read the same findings."""
        read = self.memo.setdefault("findings", {})
        if name not in read:
            named = self.vocab.diagnosis_finding(name, self.case.diagnoses)
            signed = None if named else self.sign_finding(name)
            read[name] = ("diagnosis", *named) if named else ("signs", *signed) if signed else None
        return read[name]

    def request_side(self) -> Optional[str]:
        """The side the item names (`side:`, else its request text), read once per item."""
        if "side" not in self.memo:
            self.memo["side"] = self.item.side or side_in_text(self.item.request)
        return self.memo["side"]

    def sign_finding(self, name: str) -> Optional[tuple[Any, list[str]]]:
        """A finding the examination signs document, on the requested side (a sign of the other side, when
        both state one, does not count): its value and the signs' words."""
        side = self.request_side()
        words = [sign.sign for sign in self.case.exam.signs if not other_side(side, sign.side)]
        return self.vocab.sign_finding(name, words)

    def study(self, study: Study) -> StudyResult:
        """What a study shows (its stated fields, else its findings text read with table
        study-findings): the one reading every fact of significant pathology or nerve roots uses."""
        readings = self.shared.setdefault("studies", {})
        if id(study) not in readings:
            readings[id(study)] = (study, study_shows(study, self.table(STUDY_FINDINGS)))
        return readings[id(study)][1]

    def study_text_read(self) -> list[str]:
        """What was read from the findings text of the case's studies (for explanations)."""
        return [read for read in (self.study(s).read for s in self.case.studies) if read]

    def documented(self, history: str) -> bool:
        """Whether the case states this history (`[]` = documented as none; left out = not documented)."""
        return history_documented(self.case, history)

    def all_drugs(self) -> list[tuple[Medication, tuple[str, ...], str]]:
        """Every medication in the history, current or past, with its classes and generic name."""
        if "all_drugs" not in self.memo:
            out = []
            for med in self.case.medications:
                term = self.vocab.lookup(med.drug)
                out.append((med, term.classes if term else (), term.name if term else med.drug))
            self.memo["all_drugs"] = out
        return self.memo["all_drugs"]

    def current_drugs(self) -> list[tuple[Medication, tuple[str, ...], str]]:
        """Current medications (not past, not stopped) with their classes and generic names."""
        if "current" not in self.memo:
            self.memo["current"] = [entry for entry in self.all_drugs() if entry[0].status != "past"
                                      and not (entry[0].stopped and entry[0].stopped <= self.request_date)]
        return self.memo["current"]

    def medication(self) -> Optional[Medication]:
        """The latest current history entry for the requested drug (same generic), if any."""
        if "medication" not in self.memo:
            found = None
            if self.resolved.kind == "drug":
                for med, _, name in self.all_drugs():
                    if med.status != "past" and name == self.resolved.name:
                        found = med
            self.memo["medication"] = found
        return self.memo["medication"]

    def prior_of(self, service: str) -> list[Procedure]:
        """Prior procedures or courses of a service in the requested region (when both state one), oldest first."""
        key = f"prior:{service}"
        if key not in self.memo:
            out = []
            for proc in self.case.procedures:
                term = self.vocab.lookup(proc.service)
                if term is None or term.name != service:
                    continue
                if self.resolved.region and proc.region and proc.region != self.resolved.region:
                    continue
                out.append(proc)
            out.sort(key=lambda p: p.date or dt.date.min)
            self.memo[key] = out
        return self.memo[key]

    def prior(self) -> list[Procedure]:
        """Prior procedures or therapy of the requested service in the same region, oldest first.

        Physical therapy and post-op PT are one therapy: each counts the courses of the other."""
        if "prior" not in self.memo:
            name = self.resolved.name
            found = None
            for group in self.table(SAME_THERAPY):
                if name in group:  # the requested service's own courses first (ties keep that order)
                    services = [name, *(other for other in group if other != name)]
                    both = [proc for service in services for proc in self.prior_of(service)]
                    found = sorted(both, key=lambda p: p.date or dt.date.min)
                    break
            self.memo["prior"] = self.prior_of(name) if found is None else found
        return self.memo["prior"]

    def at_site(self, procedures: list[Procedure]) -> list[Procedure]:
        """The procedures done where the request is aimed: a procedure the record places on the other
        side, or at spinal levels the request does not name, is not an earlier one of this (the response
        to a right L5-S1 block says nothing of a left L4-5 one; a left knee is not the right knee).
        What either side leaves unstated does not separate them."""
        side = self.request_side()
        if "segments" not in self.memo:
            self.memo["segments"] = set(level_segments(self.item.levels if self.item.levels is not None
                                                       else levels_in_text(self.item.request)))
        levels = self.memo["segments"]

        def here(proc: Procedure) -> bool:
            if other_side(side, proc.side):
                return False
            return not (levels and proc.levels and not levels & set(level_segments(proc.levels)))

        return [proc for proc in procedures if here(proc)]

    def prior_here(self) -> list[Procedure]:
        """Prior procedures or therapy of the requested service at the requested site (`prior()` on the
        same side and levels), oldest first: what a repeat of this procedure is judged on."""
        if "prior_here" not in self.memo:
            self.memo["prior_here"] = self.at_site(self.prior())
        return self.memo["prior_here"]

    def other_items(self) -> list[tuple[Item, Optional[Term]]]:
        """The other items of the same request, each with its term (None when unknown or kind: other).

        Terms are looked up once per case (in `shared`), not once per pair of items."""
        if "other_items" not in self.memo:
            terms = self.shared.get("terms")
            if terms is None:
                terms = self.shared["terms"] = [(item_id, item, self._term_of(item))
                                                for item_id, item in zip(item_ids(self.case), self.case.items)]
            self.memo["other_items"] = [(item, term) for item_id, item, term in terms if item_id != self.resolved.id]
        return self.memo["other_items"]

    def requested_with(self, names) -> bool:
        """Whether another item of the same request is one of these drugs or services (by name)."""
        return any(term is not None and term.name in names for _, term in self.other_items())

    def accompanied_term(self) -> Optional[Term]:
        """The term of the item this one accompanies (`accompanies:`), if it is known."""
        if "accompanied_term" not in self.memo:
            target = self.resolved.accompanies
            self.memo["accompanied_term"] = next((self._term_of(item) for item_id, item in
                                                  zip(item_ids(self.case), self.case.items) if item_id == target), None)
        return self.memo["accompanied_term"]

    def _term_of(self, item: Item) -> Optional[Term]:
        """An item's term as requests.resolve_item reads it: its explicit name, else its request text."""
        if item.kind == "other":
            return None
        return self.vocab.resolve(item.name) if item.name else self.vocab.find(item.request)

    def source_of(self, fact: Fact) -> Optional[str]:
        """Where the value of a fact is documented (report and date), when the case says."""
        section = fact.section
        if not section:  # a fact reading what studies show still says what it read from their text
            return "; ".join(self.study_text_read()) or None if STUDY_FINDINGS in fact.tables else None
        if section.startswith("drug_reasons."):  # a stated finding, else the drug entries saying why they failed
            name = section.split(".", 1)[1]
            stated = self.source_of(replace(fact, section=f"findings.{name}")) if name else None
            if stated or (name and self.finding(name) is not None):
                return stated
            docs = [med.documented_in for med in self.case.medications if med.documented_in and (
                med.stopped_for or med.adverse_effects or med.response.pain_reduced is False)]
            return "; ".join(docs) or None
        if section.startswith("findings."):
            name = section.split(".", 1)[1]
            found = None if name in self.case.findings else self.unstated_finding(name)
            if found and found[0] == "diagnosis":
                return f"listed diagnosis: {found[2]}"
            if found:
                exam = self.case.exam.documented_in
                return "examination: " + ", ".join(found[2]) + (f" ({exam})" if exam else "")
            return self.case.sources.get(name)
        if section == "item":
            return self.item.documented_in
        if section.startswith("definition:"):
            found = self.definition(section.split(":", 1)[1])
            return f"{found.text} ({found.cite}); read as {found.reading}" if found else None
        if section == "medication":
            med = self.medication()
            return med.documented_in if med else None
        if section == "benefit":  # benefit.<response field>: the drug's own entry, else the regimen's reports
            med = self.medication()
            if med is None:
                return None
            if getattr(med.response, fact.name.split(".", 1)[1], None) is not None:
                return med.documented_in
            where = [w for w in (self.case.regimen.documented_in, self.case.pain.documented_in) if w]
            return "medications as a whole: " + ("; ".join(where) if where else "regimen")
        if section == "record":
            return "; ".join(f"{r.name} ({r.role})" for r in self.case.reports) or None
        if section == "procedures":
            prior = self.prior_here()
            return prior[-1].documented_in if prior else None
        if section == "studies":  # and, for a fact reading what studies show, what was read from their text
            docs = [s.documented_in for s in self.case.studies if s.documented_in]
            if STUDY_FINDINGS in fact.tables:
                docs += self.study_text_read()
            return "; ".join(docs) or None
        if section == "screens":
            docs = [s.documented_in for s in self.case.monitoring.drug_screens if s.documented_in]
            return "; ".join(docs) or self.case.monitoring.documented_in
        value = getattr(self.case, section, None)
        return getattr(value, "documented_in", None)


def other_side(a: Optional[str], b: Optional[str]) -> bool:
    """Whether two stated sides differ (a side not stated, or both sides, differs from none)."""
    return bool(a and b and "both" not in (a, b) and a != b)


def value_problem(fact: Fact, value: Any) -> str:
    """Why a value cannot be a value of this fact ('' when it can): one check for rules and cases."""
    if fact.type == "bool" and not isinstance(value, bool):
        return f"value {value!r} is not true or false"
    if fact.type == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"value {value!r} is not a number"
    if fact.type == "text":
        if not isinstance(value, str):
            return f"value {value!r} is not text"
        if fact.values and value not in fact.values:
            from engine.intake.sources import suggest

            return f"value '{value}' is not one of {', '.join(fact.values)}{suggest(value, fact.values)}"
    return ""


def weeks_between(start: Optional[dt.date], end: dt.date) -> Optional[float]:
    """Whole days as weeks, to one decimal (a unit conversion, not a guideline choice)."""
    if start is None:
        return None
    return round((end - start).days / 7, 1)

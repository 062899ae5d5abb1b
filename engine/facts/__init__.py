"""The fact catalog: every name a rule condition may use, with its type and how it is found.

Facts are either read from the case (documented findings) or derived once, visibly, from
dates, history and the request (weeks on a drug, days' supply, morphine equivalents,
"radiculopathy corroborated by imaging or EMG"). Rules never recompute them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from engine.cases import Case, Item, Medication, Procedure
from engine.requests import ResolvedItem
from engine.vocabulary import Vocabulary

TYPES = ("bool", "number", "text")


@dataclass(frozen=True)
class Fact:
    """One named fact: its type, meaning, where it is documented and how to compute it."""

    name: str
    type: str
    description: str
    compute: Callable[["Context"], Any]
    unit: str = ""
    values: tuple[str, ...] = ()
    section: str = ""
    controllable: bool = False


FACTS: dict[str, Fact] = {}


def derived(name: str, type: str, description: str, *, unit: str = "", values: tuple[str, ...] = (),
            section: str = "", controllable: bool = False) -> Callable:
    """Register a fact computed from the case; the function returns None when undocumented."""
    if type not in TYPES:
        raise ValueError(f"fact {name}: type must be one of {TYPES}")

    def register(fn: Callable[["Context"], Any]) -> Callable:
        if name in FACTS:
            raise ValueError(f"fact {name} registered twice")
        FACTS[name] = Fact(name, type, description, fn, unit, values, section, controllable)
        return fn

    return register


def finding(name: str, type: str, description: str, *, scope: str = "case", values: tuple[str, ...] = ()) -> None:
    """Declare a documented finding: `findings:` on the case (finding.X) or `documentation:` on an item (doc.X)."""
    if scope == "case":
        full = f"finding.{name}"
        derived(full, type, description, values=values, section=f"findings.{name}")(
            lambda ctx, key=name: ctx.case.findings.get(key)
        )
    else:
        full = f"doc.{name}"
        derived(full, type, description, values=values, section="item")(
            lambda ctx, key=name: ctx.item.documentation.get(key)
        )


@dataclass
class Context:
    """What derivations see for one requested item."""

    case: Case
    item: Item
    resolved: ResolvedItem
    vocab: Vocabulary
    outcomes: dict[str, str] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def request_date(self) -> dt.date:
        return self.case.request_date

    def medication(self) -> Optional[Medication]:
        """The history entry for the requested drug (same generic), if any."""
        if "medication" not in self._cache:
            found = None
            if self.resolved.kind == "drug":
                for med in self.case.medications:
                    if med.status == "past":
                        continue
                    term = self.vocab.resolve(med.drug) or self.vocab.find(med.drug)
                    if term is not None and term.name == self.resolved.name:
                        found = med
            self._cache["medication"] = found
        return self._cache["medication"]

    def prior(self) -> list[Procedure]:
        """Prior procedures or therapy of the requested service in the same region, oldest first."""
        if "prior" not in self._cache:
            out = []
            for proc in self.case.procedures:
                term = self.vocab.resolve(proc.service) or self.vocab.find(proc.service)
                if term is None or term.name != self.resolved.name:
                    continue
                if self.resolved.region and proc.region and proc.region != self.resolved.region:
                    continue
                out.append(proc)
            out.sort(key=lambda p: p.date or dt.date.min)
            self._cache["prior"] = out
        return self._cache["prior"]

    def current_drugs(self) -> list[tuple[Medication, tuple[str, ...], str]]:
        """Current medications (not stopped) with their classes and generic names."""
        if "current" not in self._cache:
            out = []
            for med in self.case.medications:
                if med.status == "past" or (med.stopped and med.stopped <= self.request_date):
                    continue
                term = self.vocab.resolve(med.drug) or self.vocab.find(med.drug)
                classes = term.classes if term else ()
                out.append((med, classes, term.name if term else med.drug))
            self._cache["current"] = out
        return self._cache["current"]

    def source_of(self, fact: Fact) -> Optional[str]:
        """Where the value of a fact is documented (report and date), when the case says."""
        section = fact.section
        if not section:
            return None
        if section.startswith("findings."):
            return self.case.sources.get(section.split(".", 1)[1])
        if section == "item":
            return self.item.documented_in
        if section == "medication":
            med = self.medication()
            return med.documented_in if med else None
        if section == "procedures":
            prior = self.prior()
            return prior[-1].documented_in if prior else None
        if section == "studies":
            docs = [s.documented_in for s in self.case.studies if s.documented_in]
            return "; ".join(docs) or None
        if section == "screens":
            docs = [s.documented_in for s in self.case.monitoring.drug_screens if s.documented_in]
            return "; ".join(docs) or self.case.monitoring.documented_in
        value = getattr(self.case, section, None)
        return getattr(value, "documented_in", None)


def compute(ctx: Context, names: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Values of the named facts for one item; undocumented facts are left out."""
    out: dict[str, Any] = {}
    for name in names:
        value = FACTS[name].compute(ctx)
        if value is not None:
            out[name] = float(value) if isinstance(value, int) and not isinstance(value, bool) else value
    return out


def weeks_between(start: Optional[dt.date], end: dt.date) -> Optional[float]:
    if start is None:
        return None
    return round((end - start).days / 7, 1)


from engine.facts import core, drugs, procedures, findings, services, medications, surgery, equipment, postsurgical  # noqa: E402,F401  (registration)

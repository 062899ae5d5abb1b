"""The fact catalog: every name a rule condition may use, with its type and how it is found,
built from the fact modules listed here (each declares its facts, tables, levers and example
setters as data in a FactSet; importing a module registers nothing).

Adding a fact is one edit in one module: its derivation, description, the tables it reads, the
lever `ur check` uses (if a request field moves it) and the setter the benchmark uses.
"""

from __future__ import annotations

from typing import Any

from engine.intake import requests
from engine.knowledge.facts import (
    adjuncts, benefit, consultation, core, devices_tests, drug_changes, drug_indications, drugs, equipment, findings,
    injection_sedation, medications,
    dme, modalities, opioid_selection, orthopedic_surgery, postop_devices, postsurgical, procedure_indications,
    procedures, programs, services, shoulder_operations, surgery, surgical_history,
)
from engine.knowledge.facts.base import (BASE_TABLES, TYPES, Context, Fact, FactSet, Linear, value_problem,
                                         weeks_between)

__all__ = ["FACTS", "TABLE_TYPES", "TYPES", "Context", "Fact", "FactSet", "Linear", "compute", "value_problem",
           "weeks_between"]

MODULES = (core, drugs, procedures, findings, services, medications, surgery, equipment, postsurgical, adjuncts,
           drug_indications, procedure_indications, orthopedic_surgery, modalities, shoulder_operations,
           devices_tests, injection_sedation, opioid_selection, postop_devices, programs, dme, benefit, surgical_history,
           consultation, drug_changes)


def build_catalog(sets: list[FactSet], reader_tables: list[dict[str, Any]]) -> tuple[dict[str, Fact], dict[str, Any]]:
    """(fact name -> Fact with its lever and setter, table id -> declared value type) from the modules'
    sets and the tables other readers declare; a name declared twice is an error."""
    facts: dict[str, Fact] = {}
    tables: dict[str, Any] = {}
    for declared in [*reader_tables, *(s.tables for s in sets)]:
        for table_id, value_type in declared.items():
            if tables.get(table_id, value_type) != value_type:
                raise ValueError(f"table {table_id} is read as two different types")
            tables[table_id] = value_type
    for fact_set in sets:
        for name, fact in fact_set.facts.items():
            if name in facts:
                raise ValueError(f"fact {name} declared twice")
            undeclared = [t for t in fact.tables if t not in tables]
            if undeclared:
                raise ValueError(f"fact {name} reads undeclared tables {undeclared}")
            facts[name] = fact
    for fact_set in sets:
        for kind, extras in (("lever", fact_set.levers), ("setter", fact_set.setters)):
            for name, fn in extras.items():
                if name not in facts:
                    raise ValueError(f"{kind} for unknown fact {name}")
                if getattr(facts[name], kind) is not None:
                    raise ValueError(f"fact {name} has two {kind}s")
                facts[name] = _with(facts[name], **{kind: fn})
    return facts, tables


def _with(fact: Fact, **changes: Any) -> Fact:
    from dataclasses import replace

    return replace(fact, **changes)


FACTS, TABLE_TYPES = build_catalog([m.DECLARED for m in MODULES], [BASE_TABLES, requests.TABLE_TYPES])


def compute(ctx: Context, names: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Values of the named facts for one item; undocumented facts are left out."""
    out: dict[str, Any] = {}
    for name in names:
        value = FACTS[name].compute(ctx)
        if value is not None:
            out[name] = float(value) if isinstance(value, int) and not isinstance(value, bool) else value
    return out

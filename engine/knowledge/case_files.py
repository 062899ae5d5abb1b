"""Case files checked against the knowledge: the documented findings a case names must be declared
facts with values of their type. Every command reads cases through here."""

from __future__ import annotations

from pathlib import Path

from engine.errors import EngineError, Location
from engine.intake.cases import Case, LoadedCase, check_case, read_cases
from engine.intake.sources import Document, dotted, suggest, validate
from engine.knowledge.facts import FACTS, value_problem


def load_cases(path: str | Path) -> list[LoadedCase]:
    """Load a case file (one case or a `cases:` list); raise EngineError on any bad input."""
    loaded = read_cases(path)
    for one in loaded:
        check_documented_facts(one.case, one.doc, one.prefix)
    return loaded


def case_from_data(data: dict, name: str = "<input>") -> Case:
    """Validate an in-memory case (quick entry, JSONL batch lines)."""
    doc = Document(name, data, {(): 1})
    case = validate(Case, doc)
    check_case(case, doc)
    check_documented_facts(case, doc)
    return case


def check_documented_facts(case: Case, doc: Document, prefix: tuple = ()) -> None:
    """`findings:` and item `documentation:` may only name declared findings, with values of their type."""

    def check(namespace: str, values: dict, loc: tuple) -> None:
        for key, value in values.items():
            fact = FACTS.get(f"{namespace}.{key}")
            if fact is None:
                known = [n.split(".", 1)[1] for n in FACTS if n.startswith(namespace + ".")]
                problem = f"unknown finding '{key}'{suggest(key, known)}"
            else:
                problem = value_problem(fact, value)
                if not problem and fact.type == "number" and not (0 <= value <= 100_000):
                    problem = f"value {value!r} is out of range"
            if problem:  # the location is looked up only for the error (batch speed)
                raise EngineError(problem, Location(doc.path, doc.line_of(loc + (key,)), dotted(prefix + loc + (key,))))

    check("finding", case.findings, ("findings",))
    for i, item in enumerate(case.items):
        check("doc", item.documentation, ("items", i, "documentation"))

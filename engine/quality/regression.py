"""Run regression cases against their expected IMR outcomes (PASS / FAIL / ERROR per item)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal, Optional

from pydantic import BaseModel

from engine.decide.batch import ordered
from engine.errors import EngineError, EngineFault
from engine.intake.cases import case_files
from engine.knowledge.case_files import load_cases
from engine.knowledge.pack import RulePack

Status = Literal["pass", "fail", "error"]


class ItemResult(BaseModel):
    """One item of one case compared with its expected outcome."""

    case: str
    name: str
    item: str
    expected: Optional[str] = None
    actual: Optional[str] = None
    status: Status
    missing_unmet: list[str] = []
    message: str = ""


def run(paths: Iterable[str | Path], pack: RulePack,
        on_decision: Optional[Callable[[object, object], None]] = None) -> Iterator[ItemResult]:
    """Evaluate every case with expected outcomes; yield one result per item (streamed).

    `on_decision(loaded_case, decision)` sees each CaseDecision (coverage reads them)."""
    from engine.decide.evaluate import evaluate

    for path in case_files(paths):
        try:
            loaded_cases = load_cases(path)
        except EngineError as exc:
            yield ItemResult(case=str(path), name="-", item="-", status="error", message=str(exc))
            continue
        for loaded in loaded_cases:
            expected = {i: item for i, item in enumerate(loaded.case.items) if item.expected}
            if not expected:
                yield ItemResult(case=str(path), name=loaded.name, item="-", status="error",
                                 message=f"{loaded.doc.location(('items',))}: no item states an expected outcome")
                continue
            try:
                decision = evaluate(loaded.case, pack, loaded.doc, loaded.name)
            except (EngineError, EngineFault) as exc:
                yield ItemResult(case=str(path), name=loaded.name, item="-", status="error", message=str(exc))
                continue
            if on_decision is not None:
                on_decision(loaded, decision)
            for i, item in expected.items():
                actual = decision.items[i]
                missing = [c for c in item.expected_unmet if c not in actual.unmet]
                ok = actual.outcome == item.expected and not missing
                message = "" if ok else _why(item.expected, actual.outcome, missing, actual.unmet)
                yield ItemResult(case=str(path), name=loaded.name, item=actual.id, expected=item.expected,
                                 actual=actual.outcome, status="pass" if ok else "fail", missing_unmet=missing,
                                 message=message)


def _why(expected: str, actual: str, missing: list[str], unmet: list[str]) -> str:
    parts = []
    if expected != actual:
        parts.append(f"expected {expected}, got {actual}")
        if unmet:
            parts.append("unmet: " + ", ".join(unmet))
    if missing:
        parts.append("expected unmet but not found: " + ", ".join(missing))
    return "; ".join(parts)


def summary(results: list[ItemResult]) -> dict[str, int]:
    return {
        "passed": sum(r.status == "pass" for r in results),
        "failed": sum(r.status == "fail" for r in results),
        "errors": sum(r.status == "error" for r in results),
        "total": len(results),
    }


# --- regression cases (`ur test --workers N`): one task per case file ---------------------------

_REGRESSION: dict = {}


def _init_regression(rules: Optional[str]) -> None:
    from engine.knowledge.pack import load_pack

    _REGRESSION["pack"] = load_pack(rules)


def _regress_file(path: str) -> tuple[list, list]:
    """The item results of one case file, and its decisions (for coverage), in file order."""
    decisions: list = []
    results = list(run([path], _REGRESSION["pack"], lambda _loaded, decision: decisions.append(decision)))
    return results, decisions


def regression(paths: list, rules: Optional[str], workers: int,
               on_decision: Optional[Callable[[object, object], None]] = None) -> Iterator:
    """run over worker processes: the same results in the same order."""
    files = (str(path) for path in case_files(paths))
    for results, decisions in ordered(_regress_file, files, workers, _init_regression, (rules,)):
        if on_decision is not None:
            for decision in decisions:
                on_decision(None, decision)
        yield from results

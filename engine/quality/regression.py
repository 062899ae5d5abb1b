"""Run regression cases against their expected IMR outcomes (PASS / FAIL / ERROR per item).

An item marked `known_gap: <reason>` in its case file is expected to miss: its miss is reported
as KNOWN GAP (apart from failures), and an unexpected pass as FIXED? (remove the marker)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal, Optional

from pydantic import BaseModel

from engine.decide.batch import ordered
from engine.errors import EngineError, EngineFault
from engine.intake.cases import case_files
from engine.knowledge.case_files import load_cases
from engine.knowledge.pack import RulePack

Status = Literal["pass", "fail", "error", "known_gap", "fixed"]


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
    known_gap: Optional[str] = None
    insufficient: bool = False
    edition_not_encoded: bool = False  # decided (or left undecided) without the edition that governed

    @property
    def matches(self) -> bool:
        """The engine gave the expected outcome (and every expected unmet criterion)."""
        return self.status in ("pass", "fixed")


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
            thin = record_insufficient(loaded.case)
            for i, item in expected.items():
                actual = decision.items[i]
                missing = [c for c in item.expected_unmet if c not in actual.unmet]
                edition_ok = item.expected_edition_notice in (None, bool(actual.editions))
                ok = actual.outcome == item.expected and not missing and edition_ok
                message = "" if ok else _why(item.expected, actual.outcome, missing, actual.unmet)
                if not edition_ok:
                    said = "an edition notice" if actual.editions else "no edition notice"
                    wanted = str(item.expected_edition_notice).lower()
                    message = "; ".join(filter(None, [message, f"expected_edition_notice {wanted}, got {said}"]))
                if item.known_gap is None:
                    status: Status = "pass" if ok else "fail"
                else:
                    status = "fixed" if ok else "known_gap"
                    message = item.known_gap if not ok else "passes now: remove `known_gap` from the case"
                    message += "" if ok else f" ({_why(item.expected, actual.outcome, missing, actual.unmet)})"
                yield ItemResult(case=str(path), name=loaded.name, item=actual.id, expected=item.expected,
                                 actual=actual.outcome, status=status, missing_unmet=missing,
                                 message=message, known_gap=item.known_gap, insufficient=thin,
                                 edition_not_encoded=bool(actual.editions))


def record_insufficient(case: object) -> bool:
    """Whether the case's record is marked too thin to decide (counted apart in the scores).

    Hook for the case format's "insufficient record" marker (issue 13): until the case model has
    that field this is always False; then read it here, and only here."""
    return getattr(case, "record", None) == "insufficient"


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
        "known_gaps": sum(r.status == "known_gap" for r in results),
        "fixed": sum(r.status == "fixed" for r in results),
        "errors": sum(r.status == "error" for r in results),
        "total": len(results),
        "edition_not_encoded": sum(r.edition_not_encoded for r in results),
    }


LABELS = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "known_gap": "KNOWN GAP", "fixed": "FIXED?"}


def result_line(result: ItemResult) -> str:
    """`STATUS file::case::item  (why)`, as `ur test` prints it."""
    detail = f"  ({result.message})" if result.message else ""
    return f"{LABELS[result.status]:5} {result.case}::{result.name}::{result.item}{detail}"


def edition_line(counts: dict[str, int]) -> str:
    """How many items were judged without the edition that governed them ('' when none)."""
    n = counts["edition_not_encoded"]
    return (f"{n} item{'s' if n != 1 else ''} judged without the edition that governed (edition not encoded: "
            "see the notice in ur explain)") if n else ""


def summary_line(counts: dict[str, int]) -> str:
    """'12 passed, 1 failed, 2 known gaps, 1 fixed?' (zero counts after `failed` left out)."""
    parts = [f"{counts['passed']} passed", f"{counts['failed']} failed"]
    if counts["known_gaps"]:
        parts.append(f"{counts['known_gaps']} known gap{'s' if counts['known_gaps'] != 1 else ''}")
    if counts["fixed"]:
        parts.append(f"{counts['fixed']} fixed? (known gaps that pass now)")
    if counts["errors"]:
        parts.append(f"{counts['errors']} errors")
    return ", ".join(parts)


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

"""How a set of cases is decided, as a reviewer's outcomes would score it (issue 13): recall of
each outcome, balanced accuracy, how many items reached a rule, and what a program that denies
everything would score on the same items, so anyone can see whether the engine can still approve.

Scored items: those whose expected outcome is upheld or overturned, that were decided (no error),
and whose record is not marked insufficient (those are counted apart). An item the engine could
not match to any rule (`no_applicable_rule`) counts as a miss for its expected outcome.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from pydantic import BaseModel

from engine.quality.regression import ItemResult

OUTCOMES = ("upheld", "overturned")


class Recall(BaseModel):
    """Of the items a reviewer decided this way, how many the engine decided the same way."""

    expected: int
    decided_so: int
    value: Optional[float]


class Scores(BaseModel):
    """The figures for one set of cases (a top folder, or everything run)."""

    label: str
    scored: int
    recall: dict[str, Recall]
    balanced_accuracy: Optional[float]
    baseline_balanced_accuracy: Optional[float]
    reached_rule: int
    decided: int
    coverage: Optional[float]
    insufficient: int
    errors: int
    other_expected: int


def score(results: Iterable[ItemResult], label: str) -> Scores:
    results = list(results)
    decided = [r for r in results if r.status != "error" and not r.insufficient and r.actual is not None]
    scored = [r for r in decided if r.expected in OUTCOMES]
    recall = {o: _recall(sum(r.expected == o for r in scored), sum(r.expected == o and r.actual == o for r in scored))
              for o in OUTCOMES}
    present = [o for o in OUTCOMES if recall[o].expected]
    balanced = sum(recall[o].decided_so / recall[o].expected for o in present) / len(present) if present else None
    # always denied: every upheld item right, every overturned item wrong
    baseline = sum(1.0 if o == "upheld" else 0.0 for o in present) / len(present) if present else None
    reached = sum(r.actual != "no_applicable_rule" for r in decided)
    return Scores(
        label=label, scored=len(scored), recall=recall, balanced_accuracy=_round(balanced),
        baseline_balanced_accuracy=_round(baseline), reached_rule=reached, decided=len(decided),
        coverage=_round(reached / len(decided)) if decided else None,
        insufficient=sum(r.insufficient and r.status != "error" for r in results),
        errors=sum(r.status == "error" for r in results),
        other_expected=sum(r.expected not in OUTCOMES for r in decided),
    )


def by_folder(results: list[ItemResult], roots: list[Path]) -> list[Scores]:
    """One Scores per given path (a folder or file), in the order given; then all together when
    several were given. A case file is scored under the first given path that holds it."""
    groups: dict[str, list[ItemResult]] = {str(root): [] for root in roots}
    resolved = [(str(root), root.resolve()) for root in roots]
    for result in results:
        where = Path(result.case).resolve()
        for label, root in resolved:
            if where == root or root in where.parents:
                groups[label].append(result)
                break
    out = [score(group, label) for label, group in groups.items()] if len(roots) > 1 else []
    return out + [score(results, "all" if len(roots) > 1 else str(roots[0]))]


def _recall(expected: int, decided_so: int) -> Recall:
    return Recall(expected=expected, decided_so=decided_so, value=_round(decided_so / expected) if expected else None)


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 3)


def _figure(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def render(scores: Scores) -> list[str]:
    """Three lines: what was scored, recall per outcome, balanced accuracy with baseline and coverage."""
    up, over = scores.recall["upheld"], scores.recall["overturned"]
    apart = [f"{scores.insufficient} insufficient records apart"]
    if scores.errors:
        apart.append(f"{scores.errors} errors")
    if scores.other_expected:
        apart.append(f"{scores.other_expected} expected no rule, not scored")
    coverage = "n/a" if scores.coverage is None else f"{100 * scores.coverage:.0f}%"
    return [
        f"decided {scores.label}: {scores.scored} items scored (upheld {up.expected}, overturned {over.expected}; "
        + "; ".join(apart) + ")",
        f"  recall: upheld {_figure(up.value)} ({up.decided_so}/{up.expected}), "
        f"overturned {_figure(over.value)} ({over.decided_so}/{over.expected})",
        f"  balanced accuracy {_figure(scores.balanced_accuracy)} (always-denied baseline "
        f"{_figure(scores.baseline_balanced_accuracy)}); coverage {coverage} "
        f"({scores.reached_rule}/{scores.decided} items reached a rule)",
    ]

"""Rule coverage of a case corpus: which criterion statuses the regression cases actually drive.

Counted per criterion-status pair (met / not_met / not_documented), over the criteria of rules
that decided an item (applicable and not superseded) under the edition that governed it; a rule
standing in for a later edition the pack does not encode is counted apart (`stand_in`). A pair
no documented value can reach (e.g. a `documented` test is never "not documented") is left out
of the denominator.
"""

from __future__ import annotations

from pydantic import BaseModel

from engine.decide.decision import CaseDecision
from engine.knowledge.pack import RulePack

STATUSES = ("met", "not_met", "not_documented")


class CriterionCoverage(BaseModel):
    rule: str
    criterion: str
    seen: dict[str, int]
    reachable: list[str]

    @property
    def missing(self) -> list[str]:
        return [s for s in self.reachable if not self.seen.get(s)]


class CoverageReport(BaseModel):
    criteria: list[CriterionCoverage]
    rules_without_cases: list[str]
    covered: int
    total: int
    percent: float
    stand_in: int = 0


class Coverage:
    """Collects decisions (pass `add` as regression.run's on_decision) into a CoverageReport."""

    def __init__(self, pack: RulePack):
        from engine.quality.lint import reachable

        self.pack = pack
        self.items: dict[str, int] = {r.rule.id: 0 for r in pack.rules}
        self.seen: dict[tuple[str, str], dict[str, int]] = {}
        self.reachable: dict[tuple[str, str], list[str]] = {}
        for loaded in pack.rules:
            for crit in loaded.rule.criteria:
                key = (loaded.rule.id, crit.id)
                self.seen[key] = {s: 0 for s in STATUSES}
                states = reachable(crit.condition)
                self.reachable[key] = [s for s in STATUSES if s in states]
        self.stand_in = 0

    def add(self, _loaded: object, decision: CaseDecision) -> None:
        for item in decision.items:
            for rule in item.rules:
                if not rule.applicable or rule.superseded_by is not None or rule.id not in self.items:
                    continue
                if rule.stands_in_for:
                    self.stand_in += 1
                    continue
                self.items[rule.id] += 1
                for crit in rule.criteria:
                    self.seen[(rule.id, crit.id)][crit.status] += 1

    def report(self) -> CoverageReport:
        rows = [CriterionCoverage(rule=r, criterion=c, seen=seen, reachable=self.reachable[(r, c)])
                for (r, c), seen in self.seen.items()]
        total = sum(len(row.reachable) for row in rows)
        covered = total - sum(len(row.missing) for row in rows)
        return CoverageReport(
            criteria=rows, rules_without_cases=[r for r, n in self.items.items() if n == 0],
            covered=covered, total=total, percent=round(100.0 * covered / total, 1) if total else 100.0,
            stand_in=self.stand_in,
        )


def render(report: CoverageReport) -> str:
    """Per rule and criterion: how often each status was driven ('-' never, 'n/a' unreachable)."""
    lines = ["", "coverage (criterion statuses driven by the cases: met / not_met / not_documented)"]
    current = None
    for row in report.criteria:
        if row.rule != current:
            current = row.rule
            note = "  NO CASES" if row.rule in report.rules_without_cases else ""
            lines.append(f"{row.rule}{note}")
        cells = [(str(row.seen[s]) if row.seen[s] else "-") if s in row.reachable else "n/a" for s in STATUSES]
        flag = "  missing: " + ", ".join(row.missing) if row.missing else ""
        lines.append(f"  {row.criterion:<32} {cells[0]:>4} {cells[1]:>4} {cells[2]:>4}{flag}")
    lines.append(f"coverage: {report.covered}/{report.total} criterion-status pairs ({report.percent}%); "
                 f"{len(report.rules_without_cases)} rules with no cases"
                 + (": " + ", ".join(report.rules_without_cases) if report.rules_without_cases else ""))
    if report.stand_in:
        lines.append(f"not counted: {report.stand_in} rule evaluations standing in for an edition the pack does not encode")
    return "\n".join(lines)

"""Rule-pack lint: defects that load but make rules wrong or silent (for `ur validate`).

The pack is read by the one validation path (engine/knowledge/pack_check.py), which reports every
problem in every file; lint adds what loading does not refuse: criteria that can never be met or
never fail, unstated MTUS precedence, citations without a page. Each check is a small function
returning Issues with a fixed severity; `reachable` is shared with coverage.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any, Iterator, Optional


from engine.knowledge.conditions import evaluate, facts_of
from engine.knowledge.pack_check import Issue, condition_issues, conditions, issue, read_pack
from engine.knowledge.rules import Condition, Leaf, LoadedRule, Rule
from engine.intake.vocabulary import Vocabulary

_MISSING = object()
_MAX_ASSIGNMENTS = 4096


# --- what a condition can evaluate to -------------------------------------------------------

def fact_range(name: str) -> tuple[float, Optional[float]]:
    """Values a number fact can take: percentages 0-100, scores 0-10, everything else >= 0."""
    from engine.knowledge.facts import FACTS

    unit = FACTS[name].unit if name in FACTS else ""
    return {"%": (0.0, 100.0), "/10": (0.0, 10.0)}.get(unit, (0.0, None))


def _candidates(name: str, leaves: list[Leaf]) -> list[Any]:
    """Missing plus the values around every threshold the condition uses for this fact."""
    from engine.knowledge.facts import FACTS

    fact = FACTS[name]
    values: list[Any] = [_MISSING]
    mentioned = [v for leaf in leaves if leaf.fact == name and leaf.op != "documented"
                 for v in (leaf.value if isinstance(leaf.value, list) else [leaf.value])]
    if fact.type == "bool":
        return values + [True, False]
    if fact.type == "text":
        return values + sorted(set(fact.values) | {v for v in mentioned if isinstance(v, str)} | {"other~"})
    lo, hi = fact_range(name)
    points = {lo, hi if hi is not None else 1e6}
    for v in mentioned:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            points.update((v - 1, v - 0.5, v, v + 0.5, v + 1))
    return values + sorted(p for p in points if p >= lo and (hi is None or p <= hi))


def reachable(cond: Condition) -> set[str]:
    """Statuses a criterion can reach over fact values in range: met / not_met / not_documented."""
    from engine.knowledge.conditions import leaves
    from engine.knowledge.facts import FACTS

    names = [n for n in facts_of(cond) if n in FACTS]
    if len(names) != len(facts_of(cond)):
        return {"met", "not_met", "not_documented"}
    all_leaves = leaves(cond)
    choices = [_candidates(n, all_leaves) for n in names]
    total = 1
    for c in choices:
        total *= len(c)
    if total <= _MAX_ASSIGNMENTS:
        combos: Any = itertools.product(*choices)
    else:
        rng = random.Random(0)
        combos = [tuple(rng.choice(c) for c in choices) for _ in range(_MAX_ASSIGNMENTS)]
    seen: set[str] = set()
    for combo in combos:
        facts = {n: v for n, v in zip(names, combo) if v is not _MISSING}
        result = evaluate(cond, facts)
        seen.add("met" if result is True else "not_met" if result is False else "not_documented")
        if len(seen) == 3:
            break
    return seen


# --- checks ----------------------------------------------------------------------------------

def check_reachable(lr: LoadedRule) -> Iterator[Issue]:
    """Criteria no documented value can meet (contradictions, out-of-range thresholds) or fail (tautologies)."""
    for base, cond in conditions(lr.rule):
        if any(True for _ in condition_issues(lr.doc, base, cond)):
            continue  # already reported; its reachability would only repeat that
        states = reachable(cond)
        what = "`when`" if base == ("when",) else f"criterion '{lr.rule.criteria[base[1]].id}'"
        if "met" not in states:
            yield issue(lr.doc, base, "never-met", "error",
                         f"{what} can never be met by any documented value (contradiction or threshold out of range)")
        elif "not_met" not in states and base != ("when",):
            yield issue(lr.doc, base, "never-fails", "warning",
                         f"{what} can never fail once documented (tautology or threshold out of range)")


def targets(rule: Rule, vocab: Vocabulary) -> set[str]:
    """Every drug and service name the rule applies to (classes and categories expanded)."""
    t = rule.applies_to
    out = {f"drug:{d}" for d in t.drugs} | {f"service:{s}" for s in t.services}
    out |= {f"drug:{d.name}" for d in dict.values(vocab.drugs) if set(d.classes) & set(t.classes)}
    out |= {f"service:{s.name}" for s in dict.values(vocab.services) if s.category in t.categories}
    return out


def _overlap(a: Rule, b: Rule) -> bool:
    a_end, b_end = a.effective.until, b.effective.until
    return (a_end is None or b.effective.from_ <= a_end) and (b_end is None or a.effective.from_ <= b_end)


def check_precedence(rules: list[LoadedRule], vocab: Vocabulary) -> Iterator[Issue]:
    """An MTUS rule and a lower-tier rule on the same item, in force together, with no `supersedes`.

    MTUS is presumed correct (Labor Code 4604.5); whether an ACOEM/ODG rule yields to it or adds
    to it must be stated. ACOEM and ODG rules on one item are taken to add up (both apply).
    """
    from engine.knowledge.rules import TIER_ORDER

    for x, y in itertools.combinations(rules, 2):
        a, b = x.rule, y.rule
        if a.tier == b.tier or "mtus" not in (a.tier, b.tier):
            continue
        if b.id in a.supersedes or a.id in b.supersedes or not _overlap(a, b):
            continue
        shared = targets(a, vocab) & targets(b, vocab)
        if not shared:
            continue
        high, low = (x, y) if TIER_ORDER[a.tier] < TIER_ORDER[b.tier] else (y, x)
        example = sorted(shared)[0].split(":", 1)[1]
        yield issue(low.doc, ("id",), "precedence", "warning",
                     f"{low.rule.id} ({low.rule.tier}) and {high.rule.id} ({high.rule.tier}) both apply to "
                     f"{example}{f' and {len(shared) - 1} more' if len(shared) > 1 else ''} and can disagree; state "
                     f"the precedence ({high.rule.tier.upper()} first: `supersedes: [{low.rule.id}]` on {high.rule.id})")


def check_citation(lr: LoadedRule) -> Iterator[Issue]:
    """A page for every paginated guideline (ODG is an online guideline cited by section only)."""
    if not lr.rule.citation.pages and not lr.rule.citation.guideline.upper().startswith("ODG"):
        yield issue(lr.doc, ("citation",), "citation-page", "warning",
                     "citation has no page; auditors must be able to find the text (add `pages:`)")


def lint_pack(root: str | Path | None = None) -> list[Issue]:
    """Every problem and finding in the rule pack at `root` (default: the bundled rules/), in file
    order: what loading refuses (code `schema` for a file that cannot be read or does not fit its
    model: bad input), then lint's own findings on the rules that could be read."""
    from engine.knowledge.pack import DEFAULT_RULES

    from engine.quality.edition_lint import check_editions

    reading = read_pack(root or DEFAULT_RULES)
    issues = list(reading.issues)
    if reading.vocab is not None:
        issues += check_precedence(reading.rules, reading.vocab)
    issues += check_editions(reading.rules, reading.editions)
    for lr in reading.rules:
        issues += [*check_reachable(lr), *check_citation(lr)]
    return sorted(issues, key=lambda i: (i.file, i.line, i.code))

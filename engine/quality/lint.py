"""Rule-pack lint: defects that load but make rules wrong or silent (for `ur validate`).

Rules are read leniently here (schema errors are still bad input), so that every finding in
a pack is reported at once instead of stopping at the first. Each check is a small function
returning Issues with a fixed severity; `reachable` is shared with coverage.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any, Iterator, Literal, Optional

from pydantic import BaseModel

from engine.knowledge.conditions import evaluate, facts_of
from engine.errors import EngineError
from engine.knowledge.rules import All, Condition, Leaf, Not, PackInfo, Rule
from engine.intake.sources import Document, read_document, suggest, validate
from engine.intake.vocabulary import Vocabulary, load_vocabulary

Severity = Literal["error", "warning"]
_MISSING = object()
_MAX_ASSIGNMENTS = 4096


class Issue(BaseModel):
    """One lint finding, printed as `file:line: field: severity code: message`."""

    file: str
    line: int
    field: str
    code: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.severity} {self.code}: {self.message}"


class LintedRule(BaseModel):
    model_config = {"arbitrary_types_allowed": True}
    rule: Rule
    doc: Document


def _issue(doc: Document, loc: tuple, code: str, severity: Severity, message: str) -> Issue:
    where = doc.location(loc)
    return Issue(file=where.file, line=where.line, field=where.field or "-", code=code, severity=severity,
                 message=message)


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

def check_ids(rules: list[LintedRule]) -> Iterator[Issue]:
    first: dict[str, str] = {}
    for lr in rules:
        if lr.rule.id in first:
            yield _issue(lr.doc, ("id",), "duplicate-id", "error",
                         f"rule id '{lr.rule.id}' is also used by {first[lr.rule.id]}")
        first.setdefault(lr.rule.id, lr.doc.path)
        seen: set[str] = set()
        for i, crit in enumerate(lr.rule.criteria):
            if crit.id in seen:
                yield _issue(lr.doc, ("criteria", i, "id"), "duplicate-id", "error",
                             f"criterion id '{crit.id}' is used twice in {lr.rule.id}")
            seen.add(crit.id)


def _conditions(rule: Rule) -> Iterator[tuple[tuple, Condition]]:
    if rule.when is not None:
        yield ("when",), rule.when
    for i, crit in enumerate(rule.criteria):
        yield ("criteria", i, "condition"), crit.condition


def _walk(cond: Condition, path: tuple) -> Iterator[tuple[tuple, Leaf]]:
    if isinstance(cond, Leaf):
        yield path, cond
    elif isinstance(cond, Not):
        yield from _walk(cond.not_, path + ("not",))
    else:
        name = "all" if isinstance(cond, All) else "any"
        for j, child in enumerate(getattr(cond, name)):
            yield from _walk(child, path + (name, j))


def _fact_issues(lr: LintedRule, base: tuple, cond: Condition) -> Iterator[Issue]:
    from engine.knowledge.facts import FACTS, value_problem

    for path, leaf in _walk(cond, base):
        fact = FACTS.get(leaf.fact)
        if fact is None:
            yield _issue(lr.doc, path + ("fact",), "unknown-fact", "error",
                         f"no case has a fact '{leaf.fact}'{suggest(leaf.fact, FACTS)}")
            continue
        if leaf.op == "documented":
            continue
        for value in leaf.value if isinstance(leaf.value, list) else [leaf.value]:
            problem = value_problem(fact, value)
            if problem:
                yield _issue(lr.doc, path + ("value",), "type-mismatch", "error", f"{leaf.fact} is {fact.type}: {problem}")
                break
        else:
            if fact.type == "bool" and leaf.op not in ("eq", "ne"):
                yield _issue(lr.doc, path + ("op",), "type-mismatch", "error",
                             f"{leaf.fact} is yes/no; '{leaf.op}' compares numbers (use eq or ne)")


def check_facts(lr: LintedRule) -> Iterator[Issue]:
    """Unknown fact names (with a suggestion) and values or operators of the wrong type."""
    for base, cond in _conditions(lr.rule):
        yield from _fact_issues(lr, base, cond)


def check_reachable(lr: LintedRule) -> Iterator[Issue]:
    """Criteria no documented value can meet (contradictions, out-of-range thresholds) or fail (tautologies)."""
    for base, cond in _conditions(lr.rule):
        if any(True for _ in _fact_issues(lr, base, cond)):
            continue  # already reported; its reachability would only repeat that
        states = reachable(cond)
        what = "`when`" if base == ("when",) else f"criterion '{lr.rule.criteria[base[1]].id}'"
        if "met" not in states:
            yield _issue(lr.doc, base, "never-met", "error",
                         f"{what} can never be met by any documented value (contradiction or threshold out of range)")
        elif "not_met" not in states and base != ("when",):
            yield _issue(lr.doc, base, "never-fails", "warning",
                         f"{what} can never fail once documented (tautology or threshold out of range)")


def check_names(rules: list[LintedRule], vocab: Vocabulary) -> Iterator[Issue]:
    """applies_to names the vocabulary does not know; supersedes naming no rule."""
    classes = {c for d in vocab.drugs.values() for c in d.classes}
    categories = {s.category for s in vocab.services.values()}
    ids = {lr.rule.id for lr in rules}
    for lr in rules:
        t = lr.rule.applies_to
        for field, names, known in (("drugs", t.drugs, vocab.drugs), ("classes", t.classes, classes),
                                    ("services", t.services, vocab.services), ("categories", t.categories, categories)):
            for j, name in enumerate(names):
                if name not in known:
                    yield _issue(lr.doc, ("applies_to", field, j), "unknown-name", "error",
                                 f"no {field} entry '{name}' in the vocabulary{suggest(name, known)}")
        for j, other in enumerate(lr.rule.supersedes):
            if other not in ids:
                yield _issue(lr.doc, ("supersedes", j), "unknown-name", "error",
                             f"supersedes unknown rule '{other}'{suggest(other, ids)}")


def targets(rule: Rule, vocab: Vocabulary) -> set[str]:
    """Every drug and service name the rule applies to (classes and categories expanded)."""
    t = rule.applies_to
    out = {f"drug:{d}" for d in t.drugs} | {f"service:{s}" for s in t.services}
    out |= {f"drug:{d.name}" for d in vocab.drugs.values() if set(d.classes) & set(t.classes)}
    out |= {f"service:{s.name}" for s in vocab.services.values() if s.category in t.categories}
    return out


def _overlap(a: Rule, b: Rule) -> bool:
    a_end, b_end = a.effective.until, b.effective.until
    return (a_end is None or b.effective.from_ <= a_end) and (b_end is None or a.effective.from_ <= b_end)


def check_precedence(rules: list[LintedRule], vocab: Vocabulary) -> Iterator[Issue]:
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
        yield _issue(low.doc, ("id",), "precedence", "warning",
                     f"{low.rule.id} ({low.rule.tier}) and {high.rule.id} ({high.rule.tier}) both apply to "
                     f"{example}{f' and {len(shared) - 1} more' if len(shared) > 1 else ''} and can disagree; state "
                     f"the precedence ({high.rule.tier.upper()} first: `supersedes: [{low.rule.id}]` on {high.rule.id})")


def check_citation(lr: LintedRule) -> Iterator[Issue]:
    """A page for every paginated guideline (ODG is an online guideline cited by section only)."""
    if not lr.rule.citation.pages and not lr.rule.citation.guideline.upper().startswith("ODG"):
        yield _issue(lr.doc, ("citation",), "citation-page", "warning",
                     "citation has no page; auditors must be able to find the text (add `pages:`)")


def load_lenient(root: str | Path) -> tuple[list[LintedRule], Vocabulary]:
    """Schema-valid rules without the cross-checks that load_pack stops at (bad schema -> EngineError)."""
    from engine.knowledge.pack import rule_files

    root = Path(root)
    if not root.is_dir():
        raise EngineError(f"rules folder not found: {root}")
    if (root / "pack.yaml").is_file():
        validate(PackInfo, read_document(root / "pack.yaml"))
    vocab = load_vocabulary(root / "vocabulary")
    out = []
    for path in rule_files(root):
        doc = read_document(path)
        out.append(LintedRule(rule=validate(Rule, doc), doc=doc))
    return out, vocab


def lint_pack(root: str | Path | None = None) -> list[Issue]:
    """Every finding in the rule pack at `root` (default: the bundled rules/), in file order."""
    from engine.knowledge.pack import DEFAULT_RULES

    rules, vocab = load_lenient(root or DEFAULT_RULES)
    issues = list(check_ids(rules)) + list(check_names(rules, vocab)) + list(check_precedence(rules, vocab))
    for lr in rules:
        issues += [*check_facts(lr), *check_reachable(lr), *check_citation(lr)]
    return sorted(issues, key=lambda i: (i.file, i.line, i.code))

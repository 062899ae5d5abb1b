"""Evaluate one case: resolve each item, derive the facts its rules read, run them through
durable_rules, and turn the firings into per-criterion results and an IMR outcome.

Speed (see docs/performance.md): everything that depends only on the rule pack (engine keys,
citations, plain-English conditions, fact descriptions, candidate rules per item type) is
computed once per process; result records are built without re-validation (`_record`, the
same thing pydantic's `model_construct` does, minus its per-field bookkeeping), since every
value comes from the validated case and pack and already has the record's type.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

from engine.knowledge import compiler, conditions
from engine.intake.cases import Case, as_of_request
from engine.decide.decision import CaseDecision, CriterionResult, FactUse, ItemDecision, PackRef, RuleResult
from engine.knowledge.facts import FACTS, Context, Fact
from engine.decide.host import get_host
from engine.decide.edition_notes import notices, stand_in_label
from engine.decide.items import infer_primary, order_items, resolve_items, rules_with_ingredients
from engine.errors import Location
from engine.knowledge.editions import Dates
from engine.knowledge.pack import GOVERNS, RulePack, Standing
from engine.knowledge.rules import Criterion, Rule
from engine.intake.requests import ResolvedItem, resolve_item, treated_region
from engine.intake.sources import Document

__all__ = ["compiled", "evaluate", "evaluate_item", "item_context", "prepare", "resolve_items"]


@dataclass(frozen=True)
class CompiledCriterion:
    """A criterion with everything its result record needs that does not depend on the case."""

    crit: Criterion
    met: str
    unmet: str
    citation: str
    condition: str
    facts: tuple[Fact, ...]
    own_text: bool = True  # cites its rule's guideline (not a statute or another guideline)


@dataclass(frozen=True)
class Compiled:
    rule: Rule
    ruleset: str
    facts: tuple[str, ...]
    keys: tuple[tuple[str, str, Fact], ...] = ()
    citation: str = ""
    criteria: tuple[CompiledCriterion, ...] = ()


_COMPILED: dict[str, dict[str, Compiled]] = {}
_FIELDS: dict[type, tuple[int, set[str]]] = {}
_set = object.__setattr__


def _record(cls, **values):
    """An instance of a decision model from values that already have its types (all fields given).

    Every instance of a class shares one set of its field names as "fields set": all of them are
    set, so assigning a field later (which adds its name) leaves the set as it was. If the model
    has gained fields we don't pass, pydantic's model_construct fills their defaults."""
    known = _FIELDS.get(cls)
    if known is None:
        known = _FIELDS[cls] = (len(cls.model_fields), set(cls.model_fields))
    if len(values) != known[0]:
        return cls.model_construct(**values)
    obj = cls.__new__(cls)
    _set(obj, "__dict__", values)  # callers pass fields in sorted order (decision.py)
    _set(obj, "__pydantic_fields_set__", known[1])
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def _compile_one(rule: Rule) -> Compiled:
    facts = compiler.referenced_facts(rule)
    crits = tuple(
        CompiledCriterion(c, f"{c.id}.met", f"{c.id}.unmet", str(rule.citation_for(c)),
                          conditions.describe(c.condition), tuple(FACTS[n] for n in conditions.facts_of(c.condition)),
                          rule.citation_for(c).guideline == rule.citation.guideline)
        for c in rule.criteria)
    return Compiled(rule, compiler.ruleset_name(rule), facts, tuple((n, conditions.key(n), FACTS[n]) for n in facts),
                    str(rule.citation), crits)


class _Table(dict):
    """Rule id -> Compiled, compiled and registered with the engine host on first use: a one-case
    command registers the few rulesets the case needs, not the whole pack (cold start)."""

    def __init__(self, pack: RulePack) -> None:
        super().__init__()
        self._rules = pack.by_id

    def __missing__(self, rule_id: str) -> Compiled:
        comp = _compile_one(self._rules[rule_id].rule)
        get_host().ensure({comp.ruleset: compiler.compile_rule(comp.rule)})
        self[rule_id] = comp
        return comp

    def complete(self) -> "_Table":
        """Compile and register every rule now (batch workers, tools that list them all)."""
        missing = [r for r in self._rules.values() if r.rule.id not in self]
        comps = {r.rule.id: _compile_one(r.rule) for r in missing}
        get_host().ensure({c.ruleset: compiler.compile_rule(c.rule) for c in comps.values()})
        self.update(comps)
        return self


def compiled(pack: RulePack, complete: bool = False) -> dict[str, Compiled]:
    """The pack's compiled rules for this process, keyed by rule id (lazily, unless `complete`)."""
    table = _COMPILED.get(pack.digest)
    if table is None:
        table = _COMPILED[pack.digest] = _Table(pack)
    return table.complete() if complete else table


def evaluate(case: Case, pack: RulePack, doc: Optional[Document] = None, name: str = "<case>",
             overrides: Optional[dict[str, dict]] = None) -> CaseDecision:
    """Decide every requested item of a case with the rules in force on its request date (or its
    date of service, for editions keyed to it: rules/editions.yaml).

    `overrides` (item id -> {fact: value}) replaces derived fact values for one item; `ur check`
    uses it to re-evaluate "what if this were documented" through the real engine."""
    return prepare(case, pack, doc, name, overrides)[0]


@dataclass(frozen=True)
class Prepared:
    """A case as evaluate read and decided it, kept for what-ifs on one item at a time (`ur check`):
    its resolved items, every item's outcome, and what its items' derivations share."""

    case: Case  # as of the request date (as_of_request)
    resolved: tuple[ResolvedItem, ...]
    index: dict[str, int]
    outcomes: dict[str, str]
    shared: dict
    unused: tuple[str, ...]  # the notes on evidence set aside, shown with every item


def prepare(case: Case, pack: RulePack, doc: Optional[Document] = None, name: str = "<case>",
            overrides: Optional[dict[str, dict]] = None) -> tuple[CaseDecision, Prepared]:
    """evaluate(), also returning the Prepared case for evaluate_item."""
    table = compiled(pack)
    resolved = resolve_items(case, pack, doc, name)
    case, later = as_of_request(case)
    unused = (f"not used: dated after the request ({case.request_date}): {'; '.join(later)}",) if later else ()
    other = [m.drug for m in case.medications if m.kind == "other"] + [p.service for p in case.procedures
                                                                        if p.kind == "other"]
    if other:
        unused += (f"kept unclassified (kind: other), read by no rule: {'; '.join(other)}",)
    by_id = {r.id: (item, r) for item, r in zip(case.items, resolved)}
    outcomes: dict[str, str] = {}
    decisions: dict[str, ItemDecision] = {}
    trace: list[str] = []
    shared: dict = {}
    for item_id in order_items(resolved, doc, name):
        item, res = by_id[item_id]
        ctx = Context(case, item, res, pack.vocab, pack.table_values, outcomes, pack.editions, shared)
        decision = _decide(ctx, pack, table, trace, (overrides or {}).get(item_id), unused)
        outcomes[item_id] = decision.outcome
        decisions[item_id] = decision
    decided = _record(CaseDecision,
        case=case.id or name,
        date_of_service=case.date_of_service.isoformat() if case.date_of_service else None,
        items=[decisions[r.id] for r in resolved],
        pack=_record(PackRef, digest=pack.digest, name=pack.info.name, version=pack.info.version),
        request_date=case.request_date.isoformat(),
        trace=trace,
    )
    index = {r.id: i for i, r in enumerate(resolved)}
    return decided, Prepared(case, tuple(resolved), index, outcomes, shared, unused)


def item_context(prep: Prepared, pack: RulePack, item_id: str, case: Optional[Case] = None) -> Context:
    """The derivation context of one item of `case`, a what-if of the prepared case that changes
    only this item's request fields (quantity, directions, visits, ...): only this item is read
    again; the other items, and the outcome of the item it accompanies, are as prepared. The rest
    of the record is the prepared one (as of the request date): a what-if changes items only."""
    case = prep.case if case is None else prep.case.model_copy(update={"items": case.items})
    i = prep.index[item_id]
    item = case.items[i]
    res = prep.resolved[i]
    if item is not prep.case.items[i]:
        others = list(prep.resolved)
        others[i] = resolve_item(item, item_id, pack.vocab, Location(case.id or "<case>", 0, f"items[{i}]"),
                                 pack.table_values)
        res = infer_primary(others[i], others)
    return Context(case, item, res, pack.vocab, pack.table_values, prep.outcomes, pack.editions, prep.shared)


def evaluate_item(prep: Prepared, pack: RulePack, item_id: str, case: Optional[Case] = None,
                  overrides: Optional[dict] = None) -> ItemDecision:
    """One item's decision in a what-if (see item_context; `overrides`: {fact: value} for this
    item): the same decision evaluate() gives that item in the changed case, at the cost of one
    item rather than the whole case (tests/test_check_linear.py)."""
    ctx = item_context(prep, pack, item_id, case)
    return _decide(ctx, pack, compiled(pack), [], overrides, prep.unused)


def _decide(ctx: Context, pack: RulePack, table: dict[str, Compiled], trace: list[str],
            extra: Optional[dict] = None, unused: tuple[str, ...] = ()) -> ItemDecision:
    res = ctx.resolved
    dates = Dates(ctx.request_date, ctx.case.date_of_service)
    region = treated_region(res, ctx.case.regions)
    everything = rules_with_ingredients(pack, res, dates, region)
    pairs = [(rule, view, ingredient) for rule, standing, view, ingredient in everything if standing.applies]
    standing_of = {rule.id: standing for rule, standing, _, _ in everything}
    views = {id(view): ctx if view is res else dataclasses.replace(ctx, resolved=view, memo={}) for _, view, _ in pairs}
    derived = {key: _Derived(view, extra) for key, view in views.items()}
    results = [_run_rule(derived[id(view)], table[rule.id], trace, standing_of[rule.id]) for rule, view, _ in pairs]
    for result in results:
        rule = table[result.id].rule
        for other in rule.supersedes:
            for target in results:
                if target.id == other and result.applicable and target.applicable:
                    target.superseded_by = rule.id
                    trace.append(f"{res.id}: {other} superseded by {rule.id}")
    deciding = [r for r in results if r.applicable and r.superseded_by is None]
    # Only rules that decide the item get an edition notice: a rule whose `when` does not hold
    # (e.g. the cervical MRI rule for a shoulder MRI) or that is superseded was not applied.
    notes = list(res.assumptions) + list(unused) + _ingredient_notes(res, pairs)
    editions = notices(pack, dates, [(table[r.id].rule, standing_of[r.id]) for r in deciding],
                       [(rule, standing) for rule, standing, _, _ in everything if not standing.applies], region)
    for notice in editions:
        trace.append(f"{res.id}: edition not encoded: {notice.governing or 'no later edition'}")
    if not deciding:
        outcome = "no_applicable_rule"
        why = "no rule in force covers this request" + (f" ({res.name})" if res.kind != "other" else f": '{res.name}'")
        if res.kind == "drug" and pack.vocab.drugs[res.name].history_only:
            why += "; the vocabulary lists it for medication history (e.g. GI-risk checks), not as a pain treatment"
        if res.kind == "service" and pack.vocab.services[res.name].no_rule:
            why += f"; {pack.vocab.services[res.name].no_rule}"
        if res.ambiguous:
            why = f"not read as one treatment: {res.ambiguous}"
        unmet: list[str] = []
    else:
        unmet = [f"{r.id}.{c.id}" for r in deciding for c in r.criteria if c.counts_against]
        outcome = "upheld" if unmet else "overturned"
        why = _summary(outcome, deciding)
    trace.append(f"{res.id}: outcome {outcome}")
    return _record(ItemDecision,
        accompanies=res.accompanies, assumptions=notes, classes=list(res.classes),
        editions=editions, id=res.id, kind=res.kind,
        name=res.name, outcome=outcome, request=res.request, rules=results, summary=why, unmet=unmet,
    )


def _ingredient_notes(res: ResolvedItem, pairs: list) -> list[str]:
    """Say which rules judged an ingredient of a combination product rather than the product."""
    notes = []
    for rule, _, ingredient in pairs:
        if ingredient is not None:
            amount = f" ({ingredient.strength_mg:g} mg a unit)" if ingredient.strength_mg is not None else " (strength not read)"
            notes.append(f"{res.name} is one product ({', '.join(i.name for i in res.ingredients)}); "
                         f"{rule.id} judged its {ingredient.name}{amount}")
    return notes


class _Derived:
    """One item's facts as its rules read them (overrides applied), each derived, shown in the
    trace and recorded for the explanation once per item, however many of its rules read it."""

    def __init__(self, ctx: Context, extra: Optional[dict]) -> None:
        self.ctx = ctx
        self.item_id = ctx.resolved.id
        self.extra = extra or {}
        self.values: dict[str, object] = {}  # documented facts only
        self.lines: dict[str, str] = {}  # fact -> its trace line
        self.uses: dict[str, FactUse] = {}

    def read(self, comp: Compiled) -> dict:
        """Derive the facts `comp` reads not derived yet; return the engine fact (flat keys)."""
        values, lines, extra = self.values, self.lines, self.extra
        fact: dict = {"kind": "eval", "item": self.item_id}
        for name, engine_key, spec in comp.keys:
            if name not in lines:
                value = spec.compute(self.ctx)  # also when overridden: the vocabulary it reads is recorded
                if isinstance(value, int) and not isinstance(value, bool):
                    value = float(value)
                if name in extra:
                    value = values[name] = extra[name]
                elif value is not None:
                    values[name] = value
                lines[name] = f"{self.item_id}: derived {name} = {_show(value)}"
            if name in values:
                fact[engine_key] = values[name]
        return fact

    def use(self, spec: Fact) -> FactUse:
        """How a criterion's explanation shows one fact it reads (shared by the criteria reading it)."""
        found = self.uses.get(spec.name)
        if found is None:
            name = spec.name
            if name in self.values:
                found = _record(FactUse, description=spec.description, documented=True, name=name,
                                source=self.ctx.source_of(spec), value=self.values[name])
            else:  # the same for every item of every case: one object per fact
                found = _UNDOCUMENTED.get(name)
                if found is None:
                    found = _UNDOCUMENTED[name] = _record(FactUse, description=spec.description, documented=False,
                                                          name=name, source=None, value=None)
            self.uses[name] = found
        return found


_UNDOCUMENTED: dict[str, FactUse] = {}  # fact name -> how an undocumented fact is shown (facts are process-wide)


def _run_rule(derived: _Derived, comp: Compiled, trace: list[str], standing: Standing = GOVERNS) -> RuleResult:
    rule = comp.rule
    label = stand_in_label(standing) if standing.stand_in else None
    fact = derived.read(comp)
    item_id = derived.item_id
    lines = derived.lines
    trace.extend([lines[name] for name in comp.facts])
    fired = get_host().run(comp.ruleset, fact)
    for action in fired:
        if action != compiler.SEEN:
            trace.append(f"{item_id}: {rule.id} fired {action}")
    applicable = rule.when is None or compiler.APPLIES in fired
    criteria = [_criterion(derived, cc, fired, label) for cc in comp.criteria] if applicable else []
    return _record(RuleResult,
        alternatives=list(rule.alternatives), applicable=applicable,
        citation=f"{comp.citation} [{label}]" if label else comp.citation, criteria=criteria,
        edition=rule.citation.edition, id=rule.id,
        satisfied=(not any(c.counts_against for c in criteria)) if applicable else None,
        stands_in_for=(standing.governing.title if standing.governing else "a later edition (none known)") if label else None,
        superseded_by=None, tier=rule.tier, title=rule.title,
    )


def _criterion(derived: _Derived, cc: CompiledCriterion, fired: list[str], label: Optional[str] = None) -> CriterionResult:
    if cc.met in fired:
        status = "met"
    elif cc.unmet in fired:
        status = "not_met"
    else:
        status = "not_documented"
    crit = cc.crit
    return _record(CriterionResult,
        citation=f"{cc.citation} [{label}]" if label and cc.own_text else cc.citation, condition=cc.condition, counts_against=status != "met", document=crit.document,
        facts=[derived.use(f) for f in cc.facts], id=crit.id, statement=crit.statement, status=status, verified=crit.verified,
    )


def _summary(outcome: str, rules: list[RuleResult]) -> str:
    if outcome == "overturned":
        return "medically necessary: every criterion of " + ", ".join(r.id for r in rules) + " is met"
    parts = [f"{r.id}.{c.id} {c.status.replace('_', ' ')}" for r in rules for c in r.criteria if c.counts_against]
    return "not medically necessary: " + "; ".join(parts)


def _show(value) -> str:
    if value is None:
        return "not documented"
    return conditions.show_value(value)

"""Property tests over generated cases: determinism, isolation, monotonicity, round trips, and the
durable_rules engine agreeing with the plain-Python three-valued evaluator on every criterion."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.knowledge import compiler, conditions
from engine.knowledge.case_files import case_from_data, load_cases
from engine.decide.decision import CaseDecision
from engine.decide.evaluate import compiled, evaluate
from engine.knowledge.facts import FACTS
from engine.decide.host import get_host
from engine.quality.lint import _MISSING, _candidates
from engine.knowledge.pack import load_pack

PACK = load_pack()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BOOL_FINDINGS = sorted(n.split(".", 1)[1] for n, f in FACTS.items() if n.startswith("finding.") and f.type == "bool")
DRUGS = ["Soma 350mg", "Norco 10/325mg", "Flexeril 10mg", "Valium 5mg", "tramadol 50mg", "Medrol dose pack"]


@st.composite
def cases(draw):
    request = draw(st.dates(dt.date(2010, 1, 1), dt.date(2017, 6, 1)))
    data: dict = {"request_date": request.isoformat()}
    if draw(st.booleans()):
        data["injury_date"] = (request - dt.timedelta(weeks=draw(st.integers(0, 400)))).isoformat()
    data["findings"] = draw(st.dictionaries(st.sampled_from(BOOL_FINDINGS), st.booleans(), max_size=5))
    if draw(st.booleans()):
        data["exam"] = {"spasm": draw(st.booleans())}
    drugs = draw(st.lists(st.sampled_from(DRUGS), min_size=1, max_size=2, unique=True))
    data["items"] = [{"id": f"i{k}", "request": f"{d} #{draw(st.integers(1, 240))}",
                      **({"sig": draw(st.sampled_from(["1 tid", "1 bid", "1 qd"]))} if draw(st.booleans()) else {})}
                     for k, d in enumerate(drugs)]
    if draw(st.booleans()):
        since = request - dt.timedelta(weeks=draw(st.integers(0, 200)))
        data["medications"] = [{"drug": drugs[0].split()[0], "since": since.isoformat(),
                                "pattern": draw(st.sampled_from(["regular", "intermittent", "as_needed"]))}]
    return data


def decide(data: dict) -> CaseDecision:
    return evaluate(case_from_data(data), PACK)


@SETTINGS
@given(cases())
def test_deterministic(data):
    assert decide(data).model_dump() == decide(data).model_dump()


@SETTINGS
@given(st.lists(cases(), min_size=2, max_size=5), st.randoms(use_true_random=False))
def test_isolation_any_order_matches_each_alone(batch, rnd):
    alone = [decide(d).model_dump() for d in batch]
    order = list(range(len(batch)))
    rnd.shuffle(order)
    together = {i: decide(batch[i]).model_dump() for i in order}
    assert [together[i] for i in range(len(batch))] == alone


@SETTINGS
@given(cases(), st.integers(2, 6))
def test_more_quantity_never_turns_a_denial_into_an_approval(data, factor):
    before = decide(data)
    bigger = json.loads(json.dumps(data))
    for item in bigger["items"]:
        name, qty = item["request"].rsplit("#", 1)
        item["request"] = f"{name}#{int(qty) * factor}"
    after = decide(bigger)
    for b, a in zip(before.items, after.items):
        if b.outcome == "upheld":
            assert a.outcome != "overturned", (b.unmet, a.unmet)


def _meeting_findings(crit_condition) -> dict | None:
    """Finding values that meet a condition reading only case findings, if there are any."""
    names = conditions.facts_of(crit_condition)
    if not all(n.startswith("finding.") and FACTS[n].type == "bool" for n in names):
        return None
    for combo in itertools.product([True, False], repeat=len(names)):
        facts = dict(zip(names, combo))
        if conditions.evaluate(crit_condition, facts) is True:
            return {n.split(".", 1)[1]: v for n, v in facts.items()}
    return None


@SETTINGS
@given(cases())
def test_documenting_an_unmet_criterion_never_adds_a_denial_reason(data):
    decision = decide(data)
    for idx, item in enumerate(decision.items):
        for rule in item.rules:
            for crit in rule.criteria:
                if crit.status != "not_documented":
                    continue
                condition = next(c for c in PACK.by_id[rule.id].rule.criteria if c.id == crit.id).condition
                extra = _meeting_findings(condition)
                if extra is None or any(k in data["findings"] for k in extra):
                    continue
                after = decide({**data, "findings": {**data["findings"], **extra}}).items[idx]
                assert f"{rule.id}.{crit.id}" not in after.unmet
                assert set(after.unmet) <= set(item.unmet), (extra, item.unmet, after.unmet)
                if item.unmet == [f"{rule.id}.{crit.id}"]:
                    assert after.outcome == "overturned"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=cases())
def test_case_and_decision_round_trip(tmp_path_factory, data):
    case = case_from_data(data)
    folder = tmp_path_factory.mktemp("rt")
    dumped = case.model_dump(mode="json", exclude_defaults=True)
    (folder / "c.yaml").write_text(yaml.safe_dump(dumped, sort_keys=False))
    (folder / "c.json").write_text(json.dumps(dumped))
    for name in ("c.yaml", "c.json"):
        [loaded] = load_cases(folder / name)
        assert loaded.case == case
    decision = evaluate(case, PACK)
    assert CaseDecision.model_validate_json(decision.model_dump_json()) == decision
    assert CaseDecision.model_validate(yaml.safe_load(yaml.safe_dump(decision.model_dump(mode="json")))) == decision


@st.composite
def rule_and_facts(draw):
    loaded = draw(st.sampled_from(PACK.rules))
    rule = loaded.rule
    names = compiler.referenced_facts(rule)
    leaves = [leaf for c in [rule.when, *[k.condition for k in rule.criteria]] if c is not None
              for leaf in conditions.leaves(c)]
    facts = {}
    for name in names:
        value = draw(st.sampled_from(_candidates(name, leaves)))
        if value is not _MISSING:
            facts[name] = value
    return rule, facts


@settings(max_examples=300, deadline=None)
@given(rule_and_facts())
def test_engine_agrees_with_plain_python_on_every_criterion(case):
    rule, facts = case
    ruleset = compiled(PACK)[rule.id].ruleset
    fired = get_host().run(ruleset, {**{conditions.key(k): v for k, v in facts.items()}, "kind": "eval", "item": "x"})
    if rule.when is not None:
        assert (compiler.APPLIES in fired) == (conditions.evaluate(rule.when, facts) is True)
    for crit in rule.criteria:
        expected = conditions.evaluate(crit.condition, facts)
        got = True if f"{crit.id}.met" in fired else False if f"{crit.id}.unmet" in fired else None
        assert got == expected, (rule.id, crit.id, facts)

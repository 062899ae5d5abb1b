"""Rules compile to plain durable_rules definitions: two engine rules per criterion, data only."""

from __future__ import annotations

import json

from engine.knowledge import compiler, conditions
from engine.knowledge.rules import Leaf, Rule


def test_carisoprodol_compiles_to_met_and_unmet_rules(pack):
    rule = pack.by_id["mtus-cpmtg.carisoprodol"].rule
    compiled = compiler.compile_rule(rule)
    assert set(compiled) == {"_seen", "acute_exacerbation.met", "acute_exacerbation.unmet", "short_supply.met",
                             "short_supply.unmet", "not_long_term.met", "not_long_term.unmet"}
    assert compiled["short_supply.met"] == {
        "all": [{"m": {"$and": [{"kind": "eval"}, {"$lte": {"request__days_supply": 21}}]}}], "run": "short_supply.met"}
    assert compiled["short_supply.unmet"] == {
        "all": [{"m": {"$and": [{"kind": "eval"}, {"$gt": {"request__days_supply": 21}}]}}], "run": "short_supply.unmet"}
    # an `any` becomes $or when it holds and, negated, an $and of the negated leaves
    unmet = compiled["not_long_term.unmet"]["all"][0]["m"]["$and"][1]
    assert unmet == {"$and": [{"$gt": {"drug__course_weeks": 3}}, {"$neq": {"drug__use_pattern": "intermittent"}}]}
    json.dumps(compiled)  # plain data, nothing callable


def test_when_condition_compiles_to_applies(pack):
    compiled = compiler.compile_rule(pack.by_id["mtus-cpmtg.esi-repeat"].rule)
    assert compiled["_applies"]["all"][0]["m"]["$and"][1] == {"$gte": {"history__prior_count": 1}}


def test_ruleset_name_changes_with_content(pack):
    rule = pack.by_id["mtus-cpmtg.carisoprodol"].rule
    changed = Rule.model_validate({**rule.model_dump(by_alias=True), "title": "Carisoprodol, edited"})
    assert compiler.ruleset_name(rule).startswith("mtus-cpmtg.carisoprodol@")
    assert compiler.ruleset_name(rule) != compiler.ruleset_name(changed)


def test_documented_operator_never_leaves_a_criterion_undocumented():
    leaf = Leaf(fact="x.y", op="documented", value=False)
    assert conditions.holds(leaf) == {"$nex": {"x__y": 1}}
    assert conditions.fails(leaf) == {"$ex": {"x__y": 1}}
    assert conditions.evaluate(leaf, {}) is True and conditions.evaluate(leaf, {"x.y": 1}) is False

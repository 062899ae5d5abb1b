"""Every name in the vocabulary is matched to a rule, except drugs listed for history only;
those, and `kind: other` items, get `no applicable rule` with their name."""

from __future__ import annotations

import datetime as dt

DAY = dt.date(2015, 6, 1)


def test_every_requestable_vocabulary_entry_has_a_rule(pack):
    missing = [d.name for d in pack.vocab.drugs.values()
               if not d.history_only and not pack.candidates("drug", d.name, tuple(d.classes), None, DAY)]
    missing += [s.name for s in pack.vocab.services.values()
                if not s.no_rule and not pack.candidates("service", s.name, (), s.category, DAY)]
    assert missing == []


def test_an_entry_that_says_why_it_has_no_rule_really_has_none(pack):
    """`no_rule:` explains a deliberate gap; once a rule covers the entry, the explanation is stale."""
    stale = [s.name for s in pack.vocab.services.values()
             if s.no_rule and pack.candidates("service", s.name, (), s.category, DAY)]
    assert stale == []


def test_history_only_drug_request_names_itself(decide):
    decision = decide({"request_date": "2015-06-01", "items": [{"id": "w", "request": "Carafate 1g #60"}]})
    item = decision.items[0]
    assert item.outcome == "no_applicable_rule"
    assert "sucralfate" in item.summary and "medication history" in item.summary


def test_item_outside_the_vocabulary_is_reported_by_name(decide):
    decision = decide({"request_date": "2015-06-01",
                       "items": [{"id": "x", "request": "Hot tub for home use", "kind": "other"}]})
    assert decision.items[0].outcome == "no_applicable_rule"
    assert "Hot tub for home use" in decision.items[0].summary


def test_brand_names_resolve_to_generics(pack):
    for brand, generic in [("Norco", "hydrocodone/acetaminophen"), ("Flexeril", "cyclobenzaprine"),
                           ("Robaxin", "methocarbamol"), ("Restoril", "temazepam"), ("Soma", "carisoprodol")]:
        assert pack.vocab.resolve(brand).name == generic

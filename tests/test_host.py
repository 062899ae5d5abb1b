"""The thin durable_rules driver against the Host API path: same firings, same faults."""

from __future__ import annotations

import pytest

from bench.generate import generate
from engine.knowledge import compiler
from engine.knowledge.case_files import case_from_data
from engine.errors import EngineFault
from engine.decide.evaluate import compiled, evaluate
from engine.decide.host import EngineHost, _rule_name


def test_thin_and_host_drivers_fire_the_same_rules(pack, monkeypatch):
    import engine.decide.host

    cases = [case_from_data(c) for c in generate(pack, 60, seed=2)]
    table = compiled(pack, complete=True)
    results = {}
    for driver in ("thin", "host"):
        host = EngineHost(driver)
        host.ensure({c.ruleset: compiler.compile_rule(c.rule) for c in table.values()})
        monkeypatch.setattr(engine.decide.host, "_HOST", host)
        results[driver] = [evaluate(case, pack).model_dump() for case in cases]
    for thin, full in zip(results["thin"], results["host"]):
        for item_a, item_b in zip(thin["items"], full["items"]):
            assert item_a == item_b
        assert sorted(thin["trace"]) == sorted(full["trace"])


def test_unobserved_fact_is_a_fault_and_leaves_no_session():
    host = EngineHost("thin")
    host.ensure({"t@1": {"_seen": {"all": [{"m": {"kind": "eval"}}], "run": "_seen"}}})
    with pytest.raises(EngineFault, match="did not observe"):
        host.run("t@1", {"kind": "other"})
    for _ in range(1100):  # more than the 1,024 live sessions durable_rules allows: each is deleted
        assert host.run("t@1", {"kind": "eval"}) == ["_seen"]


def test_each_fact_meets_a_session_holding_no_earlier_fact():
    """The thin driver keeps one session per ruleset and retracts each fact after its firings: a
    rule joining two facts never sees the fact of an earlier run, however many runs before."""
    host = EngineHost("thin")
    host.ensure({"j@1": {
        "_seen": {"all": [{"m": {"kind": "eval"}}], "run": "_seen"},
        "join": {"all": [{"a": {"$and": [{"kind": "eval"}, {"x": 1}]}},
                         {"b": {"$and": [{"kind": "eval"}, {"y": 2}]}}], "run": "join"},
    }})
    for _ in range(3):
        assert host.run("j@1", {"kind": "eval", "x": 1}) == ["_seen"]
        assert host.run("j@1", {"kind": "eval", "y": 2}) == ["_seen"]
    with pytest.raises(EngineFault, match="did not observe"):  # a fault deletes the session ...
        host.run("j@1", {"kind": "other"})
    assert host.run("j@1", {"kind": "eval", "x": 1}) == ["_seen"]  # ... and the next fact starts a new one
    assert host.run("j@1", {"kind": "eval", "y": 2}) == ["_seen"]


def test_unknown_ruleset_and_odd_messages_raise():
    with pytest.raises(EngineFault):
        EngineHost("thin").run("missing@0", {"kind": "eval"})
    assert _rule_name('{"a.met":{"m":{}}}') == "a.met"
    with pytest.raises(EngineFault):
        _rule_name("[1]")


def test_numbers_written_with_an_exponent_reach_the_engine_in_full():
    """Python writes 1e16 and 1e-05 with an exponent, which the C engine refuses; a text that
    merely looks like one ("re-injury") is passed as written."""
    host = EngineHost("thin")
    host.ensure({"n@1": {
        "_seen": {"all": [{"m": {"kind": "eval"}}], "run": "_seen"},
        "big": {"all": [{"m": {"$and": [{"kind": "eval"}, {"$gt": {"x": 1000000000000000}}]}}], "run": "big"},
        "small": {"all": [{"m": {"$and": [{"kind": "eval"}, {"$lt": {"y": 0.001}}]}}], "run": "small"},
        "word": {"all": [{"m": {"$and": [{"kind": "eval"}, {"w": "re-injury"}]}}], "run": "word"},
    }})
    assert sorted(host.run("n@1", {"kind": "eval", "x": 1e16, "y": 1e-05, "w": "re-injury"})) == ["_seen", "big", "small", "word"]
    assert host.run("n@1", {"kind": "eval", "x": 1e14, "y": 0.5, "w": "injury"}) == ["_seen"]
    with pytest.raises(EngineFault, match="finite"):
        host.run("n@1", {"kind": "eval", "x": float("nan")})

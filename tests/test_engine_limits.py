"""Engine limits and faults: thousands of cases in one process, flat memory, failing actions,
facts no rule observes. Faults must surface as errors, never as a quiet result."""

from __future__ import annotations

import pytest

import engine.decide.evaluate as ev
from engine.knowledge.case_files import case_from_data
from engine.errors import EngineFault
from engine.decide.host import EngineHost
from engine.quality.regression import run

SOMA = {"request_date": "2015-06-01", "medications": [], "injury_date": "2012-03-01", "findings": {"acute_exacerbation": True}}


def _rss_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _soma(qty: int):
    return case_from_data({**SOMA, "items": [{"id": "soma", "request": f"Soma 350mg #{qty}", "sig": "1 tid"}]})


@pytest.mark.slow
def test_five_thousand_cases_in_one_process_with_flat_memory(pack):
    cases = [_soma(q) for q in range(1, 91)]
    expected = {q: ("overturned" if q <= 63 else "upheld") for q in range(1, 91)}  # 21 days at 3 a day
    for i in range(500):  # warm-up: compile, register, allocator settles
        ev.evaluate(cases[i % 90], pack)
    before = _rss_kb()
    for i in range(5000):
        qty = i % 90 + 1
        decision = ev.evaluate(cases[i % 90], pack)
        assert decision.items[0].outcome == expected[qty], qty
    grown = _rss_kb() - before
    print(f"RSS grew {grown} kB over 5,000 evaluations")
    assert grown < 20_000, f"RSS grew {grown} kB over 5,000 evaluations"


@pytest.fixture()
def host_driver(monkeypatch):
    """Fresh hosts use durable's Host API, the path where Python actions run."""
    monkeypatch.setenv("UR_ENGINE_DRIVER", "host")


def _failing_host(fail_on: str) -> EngineHost:
    host = EngineHost()
    real = host.action

    def action(name):
        if name != fail_on:
            return real(name)

        def act(c):
            raise RuntimeError(f"injected failure in {name}")
        return act

    host.action = action  # type: ignore[method-assign]
    return host


def test_failing_action_is_an_engine_fault(pack, host_driver):
    rule = pack.by_id["mtus-cpmtg.carisoprodol"].rule
    from engine.knowledge import compiler

    host = _failing_host("short_supply.met")
    name = compiler.ruleset_name(rule)
    host.ensure({name: compiler.compile_rule(rule)})
    with pytest.raises(EngineFault, match="injected failure"):
        host.run(name, {"kind": "eval", "request__days_supply": 7.0})


def test_failing_action_makes_the_case_an_error_not_a_result(pack, host_driver, monkeypatch, tmp_path):
    host = _failing_host("_seen")
    monkeypatch.setattr(ev, "get_host", lambda: host)
    monkeypatch.setattr(ev, "_COMPILED", {})
    path = tmp_path / "soma.yaml"
    path.write_text("request_date: 2015-06-01\nfindings: {acute_exacerbation: true}\n"
                    "items:\n  - {id: soma, request: 'Soma 350mg #21', sig: 1 tid, expected: overturned}\n")
    [result] = list(run([path], pack))
    assert result.status == "error" and "injected failure" in result.message


def test_broken_recorder_is_an_engine_fault(pack, host_driver):
    from engine.knowledge import compiler

    class Broken(list):
        def append(self, item):
            raise MemoryError("recorder is full")

    rule = pack.by_id["mtus-cpmtg.carisoprodol"].rule
    host = EngineHost()
    host._fired = Broken()  # the recorder every action closes over
    name = compiler.ruleset_name(rule)
    host.ensure({name: compiler.compile_rule(rule)})
    with pytest.raises(EngineFault):
        host.run(name, {"kind": "eval"})


@pytest.mark.parametrize("driver", ["host", "thin"])
def test_fact_no_rule_observes_is_reported(pack, monkeypatch, driver):
    from engine.knowledge import compiler

    monkeypatch.setenv("UR_ENGINE_DRIVER", driver)
    rule = pack.by_id["mtus-cpmtg.carisoprodol"].rule
    host = EngineHost()
    name = compiler.ruleset_name(rule)
    host.ensure({name: compiler.compile_rule(rule)})
    with pytest.raises(EngineFault, match="did not observe"):
        host.run(name, {"kind": "not-an-evaluation"})
    assert host.run(name, {"kind": "eval"})[0] == "_seen"  # the same host still works afterwards

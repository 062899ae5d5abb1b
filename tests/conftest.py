"""Shared fixtures: the bundled rule pack (loaded once) and helpers to build and decide cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.knowledge.case_files import case_from_data
from engine.knowledge.pack import load_pack

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def pack():
    return load_pack()


@pytest.fixture(scope="session")
def decide(pack):
    """decide(case_dict) -> CaseDecision, through the real engine."""
    from engine.decide.evaluate import evaluate

    def run(data: dict):
        return evaluate(case_from_data(data), pack)

    return run


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """One real `ur serve` on a free loopback port, shared by the server tests."""
    from tests.live_server import running

    with running(tmp_path_factory.mktemp("serve")) as server:
        yield server

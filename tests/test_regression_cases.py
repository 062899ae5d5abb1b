"""Every regression case under cases/ (samples and per-rule cases) passes through the real engine."""

from __future__ import annotations

import pytest

from engine.intake.cases import case_files
from engine.quality.regression import run
from tests.conftest import ROOT

FILES = case_files([ROOT / "cases"])


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT / "cases")) for p in FILES])
def test_case_file(path, pack):
    results = list(run([path], pack))
    assert results, f"{path} produced no results"
    bad = [f"{r.name}::{r.item}: {r.status} {r.message}" for r in results if r.status != "pass"]
    assert not bad, "\n".join(bad)


def test_all_seventeen_sample_decisions_are_reproduced(pack):
    results = list(run([ROOT / "cases" / "determinations"], pack))
    assert len(results) == 17
    assert [r.status for r in results] == ["pass"] * 17
    assert sum(r.actual == "overturned" for r in results) == 4

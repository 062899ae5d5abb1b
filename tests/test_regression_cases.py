"""Every regression case item under cases/ is its own test, decided by the real engine.

Ids are `<case file>::<case name>::<item id>` (the case file relative to cases/, without its
suffix), so `pytest -k soma` runs the soma items only. An item marked `known_gap` in its case
file is a strict xfail: it must still miss, and passing makes the test fail (remove the marker).
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from engine.errors import EngineError
from engine.intake.cases import case_files, item_ids
from engine.knowledge.case_files import load_cases
from engine.quality.regression import run
from tests.conftest import ROOT

CASES = ROOT / "cases"


def case_item_params(root=CASES) -> list:
    """One pytest.param per expected item of every case file under `root`."""
    out = []
    for path in case_files([root]):
        stem = path.relative_to(root).with_suffix("").as_posix()
        try:
            loaded = load_cases(path)
        except EngineError:  # a broken case file is one failing test (with the error), not a collection error
            out.append(pytest.param(path, "-", "-", id=f"{stem}::-::-"))
            continue
        for one in loaded:
            expected = [(i, item) for i, item in zip(item_ids(one.case), one.case.items) if item.expected]
            if not expected:
                out.append(pytest.param(path, one.name, "-", id=f"{stem}::{one.name}::-"))
            for item_id, item in expected:
                marks = [pytest.mark.xfail(strict=True, reason=item.known_gap)] if item.known_gap else []
                out.append(pytest.param(path, one.name, item_id, id=f"{stem}::{one.name}::{item_id}", marks=marks))
    return out


@lru_cache(maxsize=None)
def _results(path) -> dict:
    """Every item result of one case file, by (case name, item id): each file is decided once."""
    from engine.knowledge.pack import load_pack

    return {(r.name, r.item): r for r in run([path], load_pack())}


@pytest.mark.parametrize("path, name, item", case_item_params())
def test_case_item(path, name, item):
    results = _results(path)
    result = results.get((name, item)) or results.get((name, "-")) or results.get(("-", "-"))
    assert result is not None, f"{path}::{name}::{item} produced no result"
    assert result.status != "error", result.message
    assert result.matches, result.message


def test_all_seventeen_sample_decisions_are_reproduced(pack):
    results = list(run([CASES / "real" / "letters"], pack))
    assert len(results) == 17
    assert [r.status for r in results] == ["pass"] * 17
    assert sum(r.actual == "overturned" for r in results) == 4

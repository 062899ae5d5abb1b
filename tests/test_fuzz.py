"""Fuzzing bad input: malformed case and rule files always give one `file:line: ...` error
(exit 2 from the CLI) quickly, never a traceback, a hang or a silent acceptance of nonsense."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.knowledge.case_files import load_cases
from engine.errors import EngineError
from engine.knowledge.pack_check import load_rule
from tests.conftest import ROOT

TRIED = {"n": 0}
GOOD_CASE = ROOT / "cases" / "real" / "letters" / "000_29257c263c25c5e1.yaml"
GOOD_RULE = ROOT / "rules" / "mtus-cpmtg-2009" / "carisoprodol.yaml"

NASTY: dict[str, bytes] = {
    "alias_bomb": b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n".encode()
        for p, c in zip("abcdefgh", "bcdefghi")),
    "deep_flow": b"[" * 50_000 + b"]" * 50_000,
    "deep_block": "".join("  " * i + f"k{i}:\n" for i in range(300)).encode() + b"  " * 300 + b"v\n",
    "not_utf8": b"request_date: 2015-01-01\nitems:\n  - request: \"Soma \xff\xfe #60\"\n",
    "ten_mb": b"request_date: 2015-01-01\nnotes: " + b"x" * (10 * 1024 * 1024) + b"\n",
    "huge_number": b"request_date: 2015-01-01\nitems:\n  - {request: Soma, quantity: 1e400}\n",
    "negative": b"request_date: 2015-01-01\nitems:\n  - {request: Soma, quantity: -90}\n",
    "nan": b"request_date: 2015-01-01\nitems:\n  - {request: Soma, quantity: .nan}\n",
    "wrong_type_list": b"- just\n- a list\n",
    "wrong_type_items": b"request_date: 2015-01-01\nitems: {request: Soma}\n",
    "bad_date": b"request_date: 2015-02-30\nitems:\n  - request: Soma\n",
    "python_tag": b"!!python/object/apply:os.system ['echo hi']\n",
    "binary_tag": b"request_date: !!binary aGVsbG8=\nitems: [{request: Soma}]\n",
    "empty": b"",
    "only_comment": b"# nothing here\n",
    "tabs": b"request_date:\t2015-01-01\n\titems: []\n",
    "dup_key": b"request_date: 2015-01-01\nrequest_date: 2015-01-02\nitems: [{request: Soma}]\n",
    "null_bytes": b"request_date: 2015-01-01\x00\nitems: [{request: Soma}]\n",
    "bom_and_crlf": b"\xef\xbb\xbfrequest_date: 2015-01-01\r\nitems:\r\n  - {request: 7}\r\n",
    "huge_int_key": b"request_date: 2015-01-01\n" + b"9" * 5000 + b": 1\nitems: [{request: Soma}]\n",
}


def _check(path, loader) -> None:
    """The loader either accepts the file or raises one EngineError naming the file, and does not hang
    (an alias bomb or endless input is refused, not expanded: the bound is a hang guard, not a speed target)."""
    TRIED["n"] += 1
    start = time.perf_counter()
    try:
        loader(path)
    except EngineError as exc:
        text = str(exc)
        assert "\n" not in text, text
        assert text.startswith(str(path)), text
    elapsed = time.perf_counter() - start
    assert elapsed < 60, f"{path.name} took {elapsed:.1f}s"


@pytest.mark.parametrize("name", sorted(NASTY))
@pytest.mark.parametrize("loader", [load_cases, load_rule], ids=["case", "rule"])
def test_nasty_file(tmp_path, name, loader):
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(NASTY[name])
    if name in ("alias_bomb", "deep_flow", "not_utf8", "ten_mb", "huge_number", "negative", "nan", "python_tag",
                "empty", "dup_key", "wrong_type_list", "null_bytes"):
        with pytest.raises(EngineError):
            loader(path)
        TRIED["n"] += 1
    _check(path, loader)


def _mutations():
    """Random edits of real files: delete, duplicate or replace a span with junk."""
    junk = st.sampled_from([b"", b":", b"- ", b"{", b"]", b"&a", b"*a", b"!!str", b"\t", b"'", b'"', b"#", b"\xff",
                            b"-1e999", b"999999999999999999999", b"null", b"[]", b"{}", b"\n  ", b"true", b"1.5"])
    return st.tuples(st.sampled_from([GOOD_CASE, GOOD_RULE]), st.integers(0, 4000), st.integers(0, 40), junk)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_mutations())
def test_mutated_real_files(tmp_path, mutation):
    source, at, length, junk = mutation
    data = source.read_bytes()
    at = at % (len(data) + 1)
    path = tmp_path / "mutated.yaml"
    path.write_bytes(data[:at] + junk + data[at + length:])
    _check(path, load_cases if source == GOOD_CASE else load_rule)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.recursive(st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats() | st.text(max_size=20),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids, max_size=4),
                    max_leaves=30))
def test_random_structures(tmp_path, value):
    import json

    path = tmp_path / "random.json"
    path.write_text(json.dumps(value))
    _check(path, load_cases)
    _check(path, load_rule)


def _ur(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-c", "from engine.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=60)


@pytest.mark.parametrize("name", ["deep_flow", "not_utf8", "ten_mb"])
def test_cli_sample_exits_2_with_one_line(tmp_path, name):
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(NASTY[name])
    proc = _ur("validate", str(path))  # a hang shows as the subprocess timeout, not a timed assertion
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and str(path) in proc.stderr and "Traceback" not in proc.stderr
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "tests" / "fixtures" / "bad_rules" / "vocabulary", rules / "vocabulary")
    shutil.copy(ROOT / "tests" / "fixtures" / "bad_rules" / "pack.yaml", rules / "pack.yaml")
    shutil.copy(path, rules / "broken.yaml")
    proc = _ur("validate", "--rules", str(rules), str(GOOD_CASE))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    TRIED["n"] += 2


def test_report_inputs_tried(capsys):
    with capsys.disabled():  # shown in the CI log, not captured
        print(f"\nfuzz: {TRIED['n']} inputs tried")
    assert TRIED["n"] > 250

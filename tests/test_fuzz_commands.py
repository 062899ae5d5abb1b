"""Fuzz every command, not only the loader: hypothesis-generated cases, request strings, sigs, dates,
JSON lines, decision records and rule edits through check, explain, test, batch, verify and
validate, run in this process through the real entry point (engine.cli.run). Every run must end
with exit 0, 1 or 2 (never 3, an internal error), print no traceback and no raw control
character; `ur batch` must write exactly one output line per non-blank input line.

UR_FUZZ_SCALE multiplies the number of examples (default 1: a few thousand in all, the count is
printed by the last test)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from tests.ur_run import assert_clean, bundled_pack_once, ur

SCALE = float(os.environ.get("UR_FUZZ_SCALE", "1"))
TRIED = {"n": 0}


@pytest.fixture(autouse=True, scope="module")
def _one_pack():
    with pytest.MonkeyPatch.context() as patch:
        bundled_pack_once(patch)
        yield


def _settings(examples: int):
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


# --- generated inputs --------------------------------------------------------------------------

NAMES = ["Norco", "Soma", "Ultram", "Lidoderm", "Gabapentin", "Omeprazole", "Naproxen", "Tramadol ER", "Medrol",
         "Flexeril", "Voltaren gel", "PT", "Chiropractic", "Acupuncture", "LESI", "MRI lumbar", "Fluoroscopy",
         "TENS unit", "Compounded cream", "Xanax", "OxyContin", "Capsaicin", "Terocin", "FRP", "xyzzy"]
NUMBERS = st.one_of(st.sampled_from(["0", "-1", "-21", "1e400", "1E5", "99999999999999999", "0.0001", "1.5", "10/325",
                                     "007", "1,000", "١٢", "NaN", "inf", ""]),
                    st.integers(-10, 10**20).map(str), st.floats(allow_nan=False, width=32).map(repr))
UNITS = st.sampled_from(["mg", "mcg", "g", "%", "ml", " mg", "", "MG", "units"])
NASTY_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=25)
CONTROL = st.sampled_from(["\x1b]0;title\x07", "\x1b[2J", "\x07", "\r", "\x9b31m", "\u202e", "\x00", ""])


@st.composite
def requests(draw):
    parts = [draw(st.sampled_from(NAMES))]
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 6))
        if kind == 0:
            parts.append(draw(NUMBERS) + draw(UNITS))
        elif kind == 1:
            parts.append("#" + draw(NUMBERS))
        elif kind == 2:
            parts.append(draw(st.sampled_from(["x", "qty ", "2x", "L4-5", "L5-S1", "C9-T40", "q", "every "]))
                         + draw(NUMBERS) + draw(st.sampled_from(["", "h", " hours", " weeks", " days", " visits"])))
        elif kind == 3:
            parts.append(draw(CONTROL))
        elif kind == 4:
            parts.append(draw(st.sampled_from(["retro", "prn", "tid", "bid", "under fluoro", "lumbar", "#"])))
        else:
            parts.append(draw(NASTY_TEXT))
    return " ".join(p for p in parts if p) or "Soma"


@st.composite
def sigs(draw):
    if draw(st.booleans()):
        return draw(NASTY_TEXT)
    dose = draw(NUMBERS)
    freq = draw(st.sampled_from(["q{}h", "every {} hours", "q {}-{}h", "{} times a day", "{}x/day", "tid", "bid prn",
                                 "daily", "{} tid"]))
    return f"{dose} " + freq.replace("{}", draw(NUMBERS))


DATES = st.one_of(st.dates().map(str), st.sampled_from(["2015-02-30", "0000-00-00", "9999-12-31", "0001-01-01",
                                                        "2015-6-1", "yesterday", "", "2015-06-01T00:00:00"]),
                  st.integers(-10**6, 10**6))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**18, 10**18), st.floats(allow_nan=False),
                    NASTY_TEXT, NUMBERS)


PLAUSIBLE_DATES = st.dates(min_value=__import__("datetime").date(1995, 1, 1),
                           max_value=__import__("datetime").date(2015, 12, 31)).map(str)
PLAUSIBLE_SIGS = st.sampled_from(["1 tid", "1-2 q6h prn", "1 bid", "1 daily", "2 q4h prn", "1 every 8 hours", "1 qhs"])


@st.composite
def plausible_requests(draw):
    name = draw(st.sampled_from(NAMES[:-1]))
    strength = draw(st.sampled_from(["", " 350mg", " 10/325", " 5%", " 600 mg", " 50 mcg", " 240g"]))
    count = draw(st.sampled_from(["", " #" + str(draw(st.integers(1, 400))), " x " + str(draw(st.integers(1, 24))),
                                  " 2x6", " L4-5", " L5-S1 under fluoro"]))
    return f"{name}{strength}{count}{draw(CONTROL)}"


@st.composite
def cases(draw, expected: bool = False):
    """A case: plausible (valid dates, usual sigs, so that most are decided), or, one time in
    three, with odd values anywhere (numbers, dates, sigs, types)."""
    odd = draw(st.integers(0, 2)) == 0
    dates = DATES if odd else PLAUSIBLE_DATES
    items = []
    for i in range(draw(st.integers(1, 4))):
        item = {"id": f"i{i}", "request": draw(requests() if odd else plausible_requests())}
        if draw(st.booleans()):
            item["sig"] = draw(sigs() if odd else PLAUSIBLE_SIGS)
        for field in ("quantity", "units_per_day", "visits", "weeks", "strength", "levels", "accompanies", "region"):
            if odd and draw(st.integers(0, 7)) == 0:
                item[field] = draw(SCALARS if field != "accompanies" else st.sampled_from(["i0", "i1", "nope", f"i{i}"]))
        if not odd and i and draw(st.integers(0, 3)) == 0:
            item["accompanies"] = "i0"
        if expected:
            item["expected"] = draw(st.sampled_from(["upheld", "overturned", "no_applicable_rule", "maybe"]))
        items.append(item)
    case = {"request_date": draw(dates) if odd else "2015-06-01", "items": items}
    if draw(st.booleans()):
        case["injury_date"] = draw(dates)
    if draw(st.booleans()):
        case["medications"] = [{"drug": draw(st.sampled_from(["Norco", "Soma", "Gabapentin", "Naproxen"])),
                                "sig": draw(sigs() if odd else PLAUSIBLE_SIGS),
                                "strength": (draw(NUMBERS) + draw(UNITS)) if odd else "10 mg", "since": draw(dates)}]
    if draw(st.booleans()):
        case["findings"] = {draw(st.sampled_from(["acute_exacerbation", "first_line_tried", "bogus", "non_opioid_failed"])):
                            draw(SCALARS) if odd else draw(st.booleans())}
    if odd and draw(st.integers(0, 3)) == 0:
        case[draw(st.sampled_from(["title", "diagnoses", "pain", "exam", "patient", "extra"]))] = draw(SCALARS)
    elif draw(st.booleans()):
        case["title"] = draw(NASTY_TEXT) + draw(CONTROL)
    return case


def _write(tmp_path, name: str, data) -> str:
    """As JSON, characters written out or escaped (\\ud83d\\ude00 pairs for those beyond U+FFFF)."""
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=len(str(data)) % 2 == 0), encoding="utf-8")
    return str(path)


def _run(*args, codes=(0, 1, 2), stdin=None):
    TRIED["n"] += 1
    result = ur(*args, stdin=stdin)
    assert_clean(result, codes)
    return result


# --- the commands --------------------------------------------------------------------------------

@_settings(300)
@given(case=cases(), fmt=st.sampled_from(["text", "json", "markdown"]))
def test_check_case_files(tmp_path, case, fmt):
    result = _run("check", _write(tmp_path, "case.json", case), "--format", fmt)
    if result.code == 2:
        assert result.err.count("\n") == 1


@_settings(400)
@given(item=requests(), sig=st.none() | sigs(), date=st.none() | DATES.map(str),
       facts=st.lists(st.tuples(st.sampled_from(["weeks_on_drug", "pain_reduced", "injury_date", "opioid_agreement",
                                                 "acute_exacerbation", "levels", "region", "bogus", "work_status"]),
                                st.one_of(NUMBERS, NASTY_TEXT, st.sampled_from(["true", "false", "L4-5,L5-S1"]))),
                      max_size=3))
def test_check_quick_entry(item, sig, date, facts):
    args = ["check", "--item", item]
    if sig is not None:
        args += ["--sig", sig]
    if date is not None:
        args += ["--request-date", date]
    for name, value in facts:
        args += ["--fact", f"{name}={value}"]
    _run(*args)


@_settings(200)
@given(case=cases(), fmt=st.sampled_from(["text", "json", "markdown", "html"]), only=st.booleans())
def test_explain(tmp_path, case, fmt, only):
    args = ["explain", _write(tmp_path, "case.json", case), "--format", fmt] + (["--only", "unmet"] if only else [])
    result = _run(*args, codes=(0, 2))
    if fmt == "html" and result.code == 0:
        assert "<script" not in result.out.lower()


@_settings(150)
@given(group=st.lists(cases(expected=True), min_size=1, max_size=3))
def test_regression_test(tmp_path, group):
    files = [_write(tmp_path, f"case{i}.json", case) for i, case in enumerate(group)]
    _run("test", *files)


@st.composite
def jsonl(draw):
    """Lines of a JSONL input: good cases, odd cases, broken JSON, deep nesting, duplicate keys, bad bytes."""
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 7))
        if kind <= 2:
            lines.append(json.dumps(draw(cases())).encode())
        elif kind == 3:
            lines.append(draw(st.sampled_from([b"{not json", b"[]", b"null", b"{}", b"\xff\xfe", b'{"a":1,"a":2}',
                                               b"[" * 1000 + b"]" * 1000, b'{"request_date":"2015-06-01"}',
                                               b"1e400", b'{"x": NaN}', b"\x00" * 10])))
        elif kind == 4:
            good = json.dumps(draw(cases()))
            lines.append(good.replace('"items"', '"items": [], "items"', 1).encode())
        elif kind == 5:
            lines.append(b"   ")  # blank: skipped, no output line
        else:
            text = json.dumps(draw(cases()))
            cut = draw(st.integers(0, len(text)))
            lines.append(text[:cut].encode())
    return lines


@_settings(250)
@given(lines=jsonl(), workers=st.sampled_from([1] * 7 + [2]))
def test_batch_one_output_line_per_input_line(tmp_path, lines, workers):
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    result = _run("batch", str(source), "--workers", str(workers), codes=(0, 2))
    expected = sum(1 for line in lines if line.strip())
    TRIED["n"] += expected  # each line is one input
    out = result.out.split("\n")[:-1]  # not splitlines(): a record may hold U+2028
    assert len(out) == expected, (lines, result.out, result.err)
    for line in out:
        record = json.loads(line)
        assert record["format"].split("/")[0] in ("ur-decision-record", "ur-batch-error")


_RECORD: dict = {}


def _record() -> dict:
    if not _RECORD:
        result = ur("explain", str(ROOT / "cases" / "real" / "letters" / "001_e3e102f313bbacd1.yaml"), "--format", "json")
        _RECORD.update(json.loads(result.out))
    return json.loads(json.dumps(_RECORD))


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value[:3]):
            yield from _paths(child, prefix + (i,))


@_settings(250)
@given(data=st.data())
def test_verify_edited_records(tmp_path, data):
    record = _record()
    paths = [p for p in _paths(record) if p]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        parent = record
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = data.draw(st.integers(0, 2))
            if action == 0 and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = data.draw(SCALARS | st.just({"x": [[[]]]}))
        except (KeyError, IndexError, TypeError):
            continue
    text = json.dumps(record, indent=data.draw(st.sampled_from([None, 2])), allow_nan=True)
    if data.draw(st.booleans()):
        text = text.replace('"created"', '"created": "x", "created"', 1)  # a duplicate key
    path = tmp_path / "record.json"
    path.write_text(text, encoding="utf-8")
    _run("verify", str(path))


RULE = ROOT / "rules" / "mtus-cpmtg-2009" / "carisoprodol.yaml"
RULE_VALUES = st.one_of(st.sampled_from(["1.0e-7", "0.00001", "1.0e+17", "99999999999999999", ".inf", ".nan", "-0",
                                         "21", "true", "'21'", "[21]", "null", "{a: 1}", "1e400", "0x10"]),
                        st.floats(allow_nan=False).map(repr), st.integers(-10**20, 10**20).map(str))


@pytest.fixture(scope="module")
def small_pack(tmp_path_factory):
    """A pack of one rule (the vocabulary, pack.yaml and carisoprodol.yaml): quick to load per example."""
    root = tmp_path_factory.mktemp("pack")
    shutil.copytree(ROOT / "rules" / "vocabulary", root / "vocabulary")
    shutil.copy(ROOT / "rules" / "pack.yaml", root / "pack.yaml")
    return root


@_settings(150)
@given(edits=st.lists(st.tuples(st.sampled_from(["value: 21", "value: 3", "value: true", "op: lte", "op: eq",
                                                 "fact: request.days_supply", "fact: drug.course_weeks"]),
                                st.one_of(RULE_VALUES.map(lambda v: f"value: {v}"),
                                          st.sampled_from(["op: gt", "op: in", "op: documented", "op: nope",
                                                           "fact: request.quantity", "fact: finding.nope"]))),
                      min_size=1, max_size=3))
def test_validate_rule_edits(small_pack, edits, monkeypatch):
    monkeypatch.setenv("UR_CACHE_DIR", "")  # no cache entry per edited pack
    text = RULE.read_text(encoding="utf-8")
    for old, new in edits:
        text = text.replace(old, new, 1)
    (small_pack / "carisoprodol.yaml").write_text(text, encoding="utf-8")
    case = ROOT / "cases" / "mtus-cpmtg-2009" / "carisoprodol.yaml"
    _run("validate", "--rules", str(small_pack), str(case))
    _run("check", "--rules", str(small_pack), "--item", "Soma 350mg #90", "--sig", "1 tid")


SEEDS = next((p for p in (ROOT.parent / "shared" / "seeds", Path("/work/shared/seeds")) if p.is_dir()), None)


@pytest.mark.skipif(SEEDS is None, reason="the seed letters are not available")
@_settings(100)
@given(data=st.data())
def test_import_edited_letters(tmp_path, data):
    letters = sorted(SEEDS.glob("*.txt"))
    text = data.draw(st.sampled_from(letters)).read_bytes()
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 400))
        junk = data.draw(st.sampled_from([b"", b"\x1b[2J", b"\xff", b"#0", b"1e400 mg", b"Soma 350mg #-21", b"\n\n",
                                          b"UPHELD", b"OVERTURNED", b"q0h"]))
        text = text[:at] + junk + text[at + cut:]
    letter = tmp_path / "letter.txt"
    letter.write_bytes(text)
    _run("import", str(letter))
    _run("import", str(letter), "-o", str(letter))  # never over the letter


def test_report_inputs_tried(capsys):
    with capsys.disabled():  # shown in the CI log, not captured
        print(f"\nfuzz (commands): {TRIED['n']} inputs tried (command runs, and each batch line)")
    assert TRIED["n"] >= 2000 * min(SCALE, 1)

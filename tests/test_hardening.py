"""Issue 15, item by item, run as a user would: bad and hostile input gives a one-line error or a
correct result, the documented exit code, no traceback, and no lost or overwritten file.
(Item 8, a linear `ur check`, is tests/test_check_linear.py; fuzzing every command is
tests/test_fuzz_commands.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT
from tests.ur_run import assert_clean, ur

CASE = """\
request_date: 2015-06-01
injury_date: 2014-01-01
findings: {acute_exacerbation: true}
items:
  - id: soma
    request: "Soma 350mg #21"
    sig: 1 tid
    expected: overturned
"""
SAMPLE = ROOT / "cases" / "real" / "letters" / "001_e3e102f313bbacd1.yaml"


def _case(tmp_path, text: str = CASE, name: str = "case.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _one_line(result, code: int = 2, *fragments: str) -> str:
    assert_clean(result, (code,))
    err = result.err.strip()
    assert "\n" not in err, err
    for fragment in fragments:
        assert fragment in err, err
    return err


def _ur_process(*args, **kwargs):
    return subprocess.run([sys.executable, "-c", "from engine.cli import main; main()", *map(str, args)],
                          cwd=ROOT, timeout=120, **kwargs)


# 1. a zero interval never divides by zero, in any command; batch goes on --------------------------

@pytest.mark.parametrize("sig", ["1 q0h", "1 every 0 hours", "0 tid", "2 q 0 h prn"])
def test_zero_interval_sig_is_one_line_error_everywhere(tmp_path, sig):
    path = _case(tmp_path, CASE.replace("sig: 1 tid", f"sig: {sig}"))
    for command in (["check"], ["explain"], ["validate"]):
        _one_line(ur(*command, path), 2, f"{path}:7: items[0].sig:")
    result = ur("test", path)
    assert_clean(result, (2,))
    assert f"{path}:7: items[0].sig" in result.out
    _one_line(ur("check", "--item", "Soma 350mg #21", "--sig", sig), 2, "--sig" if False else "sig")


def test_zero_interval_in_medication_history_and_in_the_request_text(tmp_path):
    path = _case(tmp_path, CASE + "medications:\n  - {drug: Norco, strength: 10/325 mg, sig: 1 q0h}\n")
    _one_line(ur("check", path), 2, f"{path}:10: medications[0].sig:", "interval of 0 hours")
    _one_line(ur("check", "--item", "Norco 10/325 1 q0h #90"), 2, "request", "interval of 0 hours")


def test_zero_interval_in_verify_and_batch_keeps_the_other_records(tmp_path):
    record = json.loads(ur("explain", SAMPLE, "--format", "json").out)
    record["input"]["case"]["items"][0]["sig"] = "1 q0h"
    edited = tmp_path / "record.json"
    edited.write_text(json.dumps(record), encoding="utf-8")
    _one_line(ur("verify", edited), 2, "interval of 0 hours")
    good = json.loads(json.dumps(record["input"]["case"]))
    good["items"][0].pop("sig")
    lines = tmp_path / "in.jsonl"
    lines.write_text("\n".join(json.dumps(c) for c in (good, record["input"]["case"], good)) + "\n")
    result = ur("batch", lines)
    assert_clean(result, (2,))
    out = [json.loads(line) for line in result.out.splitlines()]
    assert [o["format"].split("/")[0] for o in out] == ["ur-decision-record", "ur-batch-error", "ur-decision-record"]
    assert "interval of 0 hours" in out[1]["error"]["message"] and out[1]["input"]["line"] == 2


# 2. ur diff REV never lets the revision be read as a git option ---------------------------------

@pytest.mark.parametrize("rev", ["--output=OUT", "-oOUT", "--list", "--remote=x", "--", "a..b", "HEAD;ls"])
def test_diff_refuses_what_is_not_a_revision(tmp_path, rev, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a written OUT would land here
    result = ur("diff", "--rules", ROOT / "rules", "--cases", SAMPLE, "--", rev)
    _one_line(result, 2, "is not a git revision")
    assert not (tmp_path / "OUT").exists() and list(tmp_path.iterdir()) == []


def test_diff_unknown_revision_and_a_real_one():
    _one_line(ur("diff", "--rules", ROOT / "rules", "--cases", SAMPLE, "no-such-branch-xyz"), 2, "no commit")
    result = ur("diff", "HEAD", "--rules", ROOT / "rules", "--cases", SAMPLE)
    assert_clean(result, (0, 1))
    assert "outcome flips" in result.out


# 3. batch --output: never over an input, never emptied before the run completes; workers capped ---

def _jsonl(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"request_date": "2015-06-01", "items": [{"request": "Soma 350mg #21"}]}) + "\n")
    return path


def test_batch_output_that_is_the_input_is_refused_by_any_spelling(tmp_path):
    source = _jsonl(tmp_path)
    before = source.read_bytes()
    (tmp_path / "link.jsonl").symlink_to(source)
    os.link(source, tmp_path / "hard.jsonl")
    (tmp_path / "sub").mkdir()
    for spelling in (source, tmp_path / "link.jsonl", tmp_path / "hard.jsonl", tmp_path / "sub" / ".." / "in.jsonl"):
        _one_line(ur("batch", source, "--output", spelling), 2, "is also an input")
    assert source.read_bytes() == before
    folder = tmp_path / "cases"
    folder.mkdir()
    case = _case(folder)
    _one_line(ur("batch", folder, "--output", case), 2, "is also an input")
    _one_line(ur("explain", case, "--log", case), 2, "is also an input")
    assert case.read_text() == textwrap.dedent(CASE)


def test_batch_keeps_the_previous_results_when_the_rules_fail(tmp_path):
    source, out = _jsonl(tmp_path), tmp_path / "out.jsonl"
    assert ur("batch", source, "--output", out).code == 0
    previous = out.read_bytes()
    _one_line(ur("batch", source, "--output", out, "--rules", tmp_path / "no-rules"), 2, "rules folder not found")
    assert out.read_bytes() == previous
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []  # no temporary file left


def test_workers_are_capped_with_a_note(tmp_path):
    result = ur("batch", _jsonl(tmp_path), "--workers", "1000", "--output", tmp_path / "o.jsonl")
    assert result.code == 0
    assert f"--workers 1000 capped at {4 * (os.cpu_count() or 1)}" in result.err
    result = ur("test", ROOT / "cases" / "real" / "letters", "--workers", "1000")
    assert result.code == 0 and "capped at" in result.err


# 5. a threshold the rule engine cannot compare is caught when the rules load / validate ------------

@pytest.mark.parametrize("value, message", [("1.0e-7", "too small for the rule engine"),
                                            ("1.0e+17", "out of range"), (".inf", "out of range")])
def test_threshold_the_engine_refuses_is_a_load_error(tmp_path, value, message):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    target = rules / "mtus-cpmtg-2009" / "carisoprodol.yaml"
    target.write_text(target.read_text().replace("value: 21", f"value: {value}", 1))
    for args in (["validate", "--rules", rules, SAMPLE], ["check", "--rules", rules, "--item", "Soma 350mg #21"]):
        _one_line(ur(*args), 2, f"{target}:", message)


def test_validate_runs_every_rule_through_the_engine(pack, monkeypatch):
    """The engine check can fail: a rule built past the model's checks (a 1e-07 threshold) is refused."""
    from engine.knowledge import rules as rules_module
    from engine.quality.engine_check import check_engine

    assert list(check_engine(pack)) == []
    loaded = pack.by_id["mtus-cpmtg.carisoprodol"]
    crit = loaded.rule.criteria[1]
    leaf = crit.condition.model_construct(**{**dict(crit.condition), "value": 1e-07})
    bad_rule = loaded.rule.model_copy(update={"criteria": [crit.model_copy(update={"condition": leaf})]})
    bad = loaded.model_copy(update={"rule": bad_rule})
    fake = type(pack).__new__(type(pack))
    fake.__dict__.update(pack.__dict__)
    fake.rules = [bad]
    fake.__dict__.pop("by_id", None)
    monkeypatch.setattr(type(pack), "digest", property(lambda self: "probe-" + str(id(self))), raising=False)
    issues = list(check_engine(fake))
    assert [i.code for i in issues] == ["engine"] and "refuses" in issues[0].message
    assert rules_module.MIN_MAGNITUDE > 1e-07


# 6 and 10. deep nesting, duplicate keys, invalid UTF-8, odd numbers: one error line each ----------

BAD_LINES = {
    b"[" * 1000 + b"]" * 1000: "nesting deeper than",
    b'{"request_date":"2015-06-01","request_date":"2015-06-02","items":[{"request":"Soma"}]}': "duplicate key",
    b'{"request_date":"2015-06-01","items":[{"request":"Soma \xff"}]}': "not valid UTF-8",
    b'{"request_date":"2015-06-01","items":[{"request":"Soma","quantity":1e400}]}': "out of range",
    b'{"request_date":"2015-06-01","items":[{"request":"Soma","quantity":99999999999999999}]}': "out of range",
    b'{"request_date":"2015-06-01","items":[{"request":"Soma","quantity":NaN}]}': "NaN",
}


def test_batch_bad_lines_each_give_one_error_line_and_the_good_ones_around_them_survive(tmp_path):
    good = json.dumps({"request_date": "2015-06-01", "items": [{"request": "Soma 350mg #21"}]}).encode()
    lines = [good]
    for bad in BAD_LINES:
        lines += [bad, good]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    result = ur("batch", source)
    assert_clean(result, (2,))
    out = [json.loads(line) for line in result.out.splitlines()]
    assert len(out) == len(lines)
    for record, (bad, message) in zip(out[1::2], BAD_LINES.items()):
        assert record["format"] == "ur-batch-error/1" and message in record["error"]["message"], record
    assert all(r["format"].startswith("ur-decision-record/") for r in out[0::2])
    assert result.err.count("\n") == len(BAD_LINES) + 1  # one line each, then the summary


def test_verify_refuses_duplicate_keys_deep_nesting_and_bad_bytes(tmp_path):
    text = ur("explain", SAMPLE, "--format", "json").out
    path = tmp_path / "record.json"
    for edited, message in ((text.replace('"created":', '"created": "x",\n  "created":', 1), "duplicate key 'created'"),
                            ("[" * 1000 + "]" * 1000, "nesting deeper"),
                            (text.replace('"Retro', '"Retro \udcff', 1), "not valid UTF-8")):
        path.write_bytes(edited.encode("utf-8", "surrogateescape"))
        _one_line(ur("verify", path), 2, str(path), message)


# 7 and 13. full disk and endless input ---------------------------------------------------------

@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["check", SAMPLE], ["explain", SAMPLE], ["test", SAMPLE], ["rules"],
                                  ["batch", ROOT / "cases" / "real" / "letters"]])
def test_full_disk_is_one_line_exit_2(args):
    with open("/dev/full", "w") as full:
        proc = _ur_process(*args, stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "error: output: No space left on device"
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_disk_for_an_output_file_and_a_log(tmp_path):
    result = ur("batch", ROOT / "cases" / "real" / "letters", "--output", "/dev/full")
    _one_line(result, 2, "/dev/full", "No space left on device")
    _one_line(ur("explain", SAMPLE, "--log", "/dev/full"), 2, "/dev/full", "No space left on device")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("command", ["check", "explain", "verify", "validate", "test"])
def test_endless_input_stops_at_the_limit(command):
    result = ur(command, "/dev/zero")
    if command == "test":  # ur test reports a bad case file as an ERROR line and goes on
        assert_clean(result, (2,))
        assert "ERROR /dev/zero" in result.out and "larger than the limit" in result.out
    else:
        _one_line(result, 2, "/dev/zero", "larger than the limit")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_endless_batch_input_gives_one_error_line():
    result = ur("batch", "/dev/zero")
    assert_clean(result, (2,))
    assert len(result.out.splitlines()) == 1 and "stopped reading" in result.out


# 9. control characters are escaped in every text output --------------------------------------

EVIL = "\x1b]0;title\x07 \x1b[2J \x9b31m \u202e"


@pytest.mark.parametrize("args", [["check"], ["check", "--format", "markdown"], ["explain"],
                                  ["explain", "--format", "markdown"], ["explain", "--format", "html"],
                                  ["explain", "--format", "json"], ["check", "--format", "json"]])
def test_control_characters_never_reach_the_terminal(tmp_path, args):
    text = CASE.replace('"Soma 350mg #21"', json.dumps("Soma 350mg #21 " + EVIL)) + f"title: {json.dumps(EVIL)}\n"
    path = _case(tmp_path, text)
    result = ur(*args, path)
    assert_clean(result, (0, 1))
    assert "\\x1b" in result.out or "\\u001b" in result.out
    if "html" in args:
        assert "&lt;" not in EVIL and "<script" not in result.out


def test_control_characters_in_error_lines_and_file_names(tmp_path):
    path = _case(tmp_path, CASE.replace("sig: 1 tid", "sig: 1 q0h"), name="evil\x1b[2J.yaml")
    err = _one_line(ur("check", path), 2, "evil\\x1b[2J.yaml")
    assert "\x1b" not in err
    err = _one_line(ur("check", "--item", "Somma\x1b[2J 350mg"), 2, "\\x1b[2J")
    result = ur("test", path)
    assert_clean(result, (2,))
    assert "evil\\x1b[2J.yaml" in result.out


def test_a_line_break_in_a_key_or_a_file_name_stays_on_the_error_line(tmp_path):
    """A JSON key holding a line break, in a file whose name holds one, is named with the break
    written out: the error is still one line (found by tests/test_fuzz.py)."""
    path = tmp_path / "two\nlines.json"
    path.write_text(json.dumps({"\n": 1000000000000001}), encoding="utf-8")
    err = _one_line(ur("check", path), 2, "two\\nlines.json:1: \\n: number 1000000000000001 is out of range")
    assert err.count("\n") == 0


def test_html_is_escaped(tmp_path):
    path = _case(tmp_path, CASE + 'title: "<script>alert(1)</script>"\n')
    result = ur("explain", path, "--format", "html")
    assert result.code == 0 and "<script>alert" not in result.out and "&lt;script&gt;alert" in result.out


# 12. exit codes, --version, internal errors ------------------------------------------------------

def test_version_names_engine_and_rule_pack(pack):
    result = ur("--version")
    assert result.code == 0
    assert result.out.startswith("ur-engine ") and f"{pack.info.name} {pack.info.version}" in result.out
    assert pack.digest in result.out


def test_internal_error_is_one_line_exit_3_and_the_traceback_only_with_debug(monkeypatch):
    from engine.advise import checklist

    def broken(*args, **kwargs):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(checklist, "advise", broken)
    err = _one_line_internal(ur("check", SAMPLE))
    assert "ZeroDivisionError" in err and "please report it" in err and "--debug" in err
    debug = ur("--debug", "check", SAMPLE)
    assert debug.code == 3 and "Traceback" in debug.err


def _one_line_internal(result) -> str:
    assert result.code == 3
    err = result.err.strip()
    assert "\n" not in err and "Traceback" not in err and err.startswith("internal error:")
    return err


def test_exit_codes_are_documented():
    readme = (ROOT / "README.md").read_text()
    assert "`3`" in readme and "--debug" in readme
    help_text = ur("--help").out
    assert "3 an internal error" in " ".join(help_text.split())


def test_usage_errors_are_one_line_exit_2():
    _one_line(ur("check", "--nope"), 2, "No such option")
    _one_line(ur("test", "--workers", "0"), 2)


def test_batch_into_a_closed_pipe_exits_quietly():
    proc = subprocess.Popen([sys.executable, "-c", "from engine.cli import main; main()", "batch",
                             str(ROOT / "cases")], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(100)
    proc.stdout.close()  # like `| head -c 100`
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "Broken pipe" not in err and "Exception ignored" not in err


# 14. numbers in the request text: the same bounds as the explicit fields -------------------------

@pytest.mark.parametrize("request_text, message", [
    ("Soma 350mg #0", "quantity 0"), ("Soma 350mg #-21", "negative quantity"),
    ("Soma 99999999999999999mg #21", "at most 1,000,000 mg"), ("Soma 1e400 mg #21", "without an exponent"),
    ("Soma 350mg #1e5", "without an exponent"), ("Soma 350mg #200000", "at most 100,000"),
    ("Soma 0mg #21", "more than 0")])
def test_request_numbers_out_of_bounds_are_one_line_errors(tmp_path, request_text, message):
    _one_line(ur("check", "--item", request_text, "--sig", "1 tid"), 2, message)
    path = _case(tmp_path, CASE.replace('"Soma 350mg #21"', json.dumps(request_text)))
    _one_line(ur("check", path), 2, f"{path}:6: items[0].request", message)


@pytest.mark.parametrize("field, value, message", [("strength", '"1e400 mg"', "exponent"),
                                                   ("strength", '"99999999999999999 mg"', "at most"),
                                                   ("quantity", "0", "greater than 0"),
                                                   ("units_per_day", "99999999999999999", "out of range")])
def test_explicit_fields_have_the_same_bounds(tmp_path, field, value, message):
    path = _case(tmp_path, CASE.replace("    sig: 1 tid", f"    {field}: {value}"))
    _one_line(ur("check", path), 2, f"{path}:", message)


def test_sig_beyond_the_units_per_day_bound(tmp_path):
    _one_line(ur("check", "--item", "Norco 10/325 #120", "--sig", "99999999999999999 q6h"), 2, "at most 48")


# also: the injury_date error names its own line ---------------------------------------------------

def test_injury_after_request_points_at_the_injury_date_line(tmp_path):
    path = _case(tmp_path, CASE.replace("injury_date: 2014-01-01", "injury_date: 2016-01-01"))
    _one_line(ur("check", path), 2, f"{path}:2: injury_date:", "injury_date is after request_date")


def test_quick_entry_dates_stay_in_range():
    """Found by the fuzz: a request date of year 1 less some weeks on the drug overflowed."""
    _one_line(ur("check", "--item", "Norco", "--request-date", "0001-01-01", "--fact", "weeks_on_drug=1.5"), 2,
              "outside 1900-2100")
    _one_line(ur("check", "--item", "Norco", "--request-date", "2015-01-01", "--fact", "weeks_on_drug=99999"), 2,
              "before 1900")

"""Smoke tests for the bench generator and `ur batch` (small N; the bench itself is not a test)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import SETTERS, coverage, generate
from engine.knowledge import conditions
from engine.decide.batch import Decider, Input, parse_line
from engine.decide.decision import CaseDecision
from tests.conftest import ROOT


def _decide_all(decider, cases):
    out = []
    for number, case in enumerate(cases, 1):
        outcome = decider.decide(Input("gen.jsonl", number, json.dumps(case)))
        assert outcome.error is None, outcome.error
        out.append(json.loads(outcome.records[0])["decision"])
    return [CaseDecision.model_validate(d) for d in out]


def test_generator_is_seeded_valid_and_covers_criteria_both_ways(pack):
    first = list(generate(pack, 3 * len(pack.rules), seed=3))
    assert first == list(generate(pack, 3 * len(pack.rules), seed=3))
    assert first != list(generate(pack, 3 * len(pack.rules), seed=4))
    decisions = _decide_all(Decider(None, "1970-01-01T00:00:00Z"), first)
    seen = coverage(decisions)
    settable = [(r.rule.id, c.id) for r in pack.rules for c in r.rule.criteria
                if all(f.split(".")[0] in ("finding", "doc") or f in SETTERS for f in conditions.facts_of(c.condition))]
    both = [k for k in settable if {"met", "not_met"} <= seen.get(k, set())]
    criteria = sum(len(r.rule.criteria) for r in pack.rules)
    assert len(settable) >= 0.8 * criteria, f"the generator can set the facts of only {len(settable)} of {criteria} criteria"
    assert len(both) >= 0.75 * len(settable), f"only {len(both)} of {len(settable)} settable criteria seen both ways"
    assert {i.outcome for d in decisions for i in d.items} >= {"upheld", "overturned"}


def test_two_items_needing_a_surgeon_consultation_get_one_item_id_each():
    """Two imaging items of one generated case may each set plan.surgical_consultation_requested:
    each adds its own consultation item, and item ids stay unique (a case with a repeated id is refused)."""
    case = {"id": "c", "request_date": "2020-01-02", "items": [{"id": "i1", "region": "knee"}, {"id": "i2", "region": "shoulder"}]}
    for item in case["items"][:2]:
        SETTERS["plan.surgical_consultation_requested"](case, item, True, {"fact": "plan.surgical_consultation_requested"})
    ids = [item["id"] for item in case["items"]]
    assert len(ids) == 4 and len(set(ids)) == 4, ids


def test_fast_records_equal_validated_records(pack):
    decisions = _decide_all(Decider(None, "1970-01-01T00:00:00Z"), generate(pack, 30, seed=5))
    for decision in decisions:
        again = CaseDecision.model_validate(decision.model_dump())
        assert again == decision


def _batch(path, out, workers):
    env = {"SOURCE_DATE_EPOCH": "0", "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-c", "from engine.cli import main; main()", "batch", str(path),
           "--workers", str(workers), "--output", str(out)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


def test_batch_workers_give_identical_output_and_report_bad_lines(tmp_path, pack):
    src = tmp_path / "cases.jsonl"
    lines = [json.dumps(c) for c in generate(pack, 50, seed=9)]
    lines.insert(10, "{not json")
    src.write_text("\n".join(lines) + "\n")
    one, two = tmp_path / "w1.jsonl", tmp_path / "w2.jsonl"
    r1, r2 = _batch(src, one, 1), _batch(src, two, 2)
    assert r1.returncode == r2.returncode == 2
    assert f"{src}:11: invalid JSON" in r1.stderr
    assert r1.stderr == r2.stderr
    assert one.read_bytes() == two.read_bytes()
    records = [json.loads(x) for x in one.read_text().splitlines()]
    assert len(records) == 51  # one line per input line: the bad line's error sits in its place
    assert records[10]["format"] == "ur-batch-error/1" and records[10]["input"] == {"line": 11, "source": str(src)}
    assert records[10]["error"]["message"].startswith("invalid JSON")
    del records[10]
    assert [r["decision"]["case"] for r in records] == [f"synthetic-9-{i}" for i in range(50)]


def test_batch_record_line_is_the_canonical_record_and_lists_only_used_rule_files(pack):
    from engine.decide.record import build_record, record_json

    decider = Decider(None, "1970-01-01T00:00:00Z")
    for number, data in enumerate(generate(pack, 40, seed=12), 1):
        case, name = parse_line(Input("gen.jsonl", number, json.dumps(data)))
        line, _ = decider.record(case, name)
        decision = json.loads(line)["decision"]
        entries = json.loads(line)["pack"]["entries"]
        expected = record_json(build_record(case, name, pack, CaseDecision.model_validate(decision),
                                            "1970-01-01T00:00:00Z", entries), indent=None)
        assert line == expected
        files = json.loads(line)["pack"]["files"]
        used = {r["id"] for i in decision["items"] for r in i["rules"]}
        root = Path(pack.root).resolve()
        assert set(files) - set(pack.shared_files) == \
               {str(Path(pack.by_id[rid].path).resolve().relative_to(root)) for rid in used}
        assert {"pack.yaml", "vocabulary/drugs.yaml"} <= set(files) and len(files) < len(pack.files())
        assert entries and all(entries[k] == pack.vocab.entry_hash(k) for k in entries)


def test_a_request_line_read_again_keeps_its_vocabulary_entries_in_the_record(pack):
    """Request readings are memoised across cases (a batch repeats its lines): the second case with
    the same line gives the same record, its vocabulary entries included, as the first."""
    decider = Decider(None, "1970-01-01T00:00:00Z")
    data = {"request_date": "2015-06-01", "injury_date": "2014-01-01",
            "items": [{"id": "soma", "request": "Soma 350mg #90 (Rx'd Norco)", "sig": "1 tid"}]}
    lines = []
    for number in (1, 2):
        case, name = parse_line(Input("same.jsonl", number, json.dumps({**data, "id": "same"})))
        lines.append(decider.record(case, name)[0])
    first, second = (json.loads(line) for line in lines)
    assert first["pack"]["entries"] and first["pack"]["entries"] == second["pack"]["entries"]
    assert any(key.startswith("drug:") for key in second["pack"]["entries"])
    assert first["decision"] == second["decision"]


def _ur_test(*args):
    cmd = [sys.executable, "-c", "from engine.cli import main; main()", "test", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_ur_test_workers_give_the_serial_output_in_the_same_order():
    paths = ["cases/real/letters", "cases/mtus-cpmtg-2009/carisoprodol.yaml"]
    serial, parallel = _ur_test(*paths, "--coverage"), _ur_test(*paths, "--coverage", "--workers", "2")
    assert serial.returncode == parallel.returncode == 0, serial.stderr + parallel.stderr
    assert serial.stdout == parallel.stdout
    assert " passed, 0 failed" in serial.stdout and "coverage:" in serial.stdout
    missing = _ur_test("cases/nowhere", "--workers", "2")
    assert missing.returncode == 2 and missing.stderr.strip() == "error: no such file or folder: cases/nowhere"


def test_bench_one_size_runs_and_engine_matches_the_floor():
    """The bench's per-size step on a few cases (its figures are not checked: it is not a timed test)."""
    run = subprocess.run([sys.executable, "bench/run.py", "--one", "40", "--seed", "3"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["same_output"] is True
    assert result["engine"]["items"] == result["floor"]["items"] >= 40
    assert 0 < result["engine"]["p50_ms"] <= result["engine"]["p99_ms"]


def test_bench_against_a_revision_alternates_runs_and_prints_the_ratio():
    """`bench/run.py --against REV` runs REV's own bench from a git archive of it (the repository
    gains no worktree); its figures are not checked, only that it runs and reports."""
    if subprocess.run(["git", "rev-parse", "--verify", "HEAD"], capture_output=True, cwd=ROOT).returncode != 0:
        pytest.skip("not a git checkout")
    run = subprocess.run([sys.executable, "bench/run.py", "--against", "HEAD", "--sizes", "20", "--rounds", "1"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert re.search(r"^ +20 \| median this/reference: \d+\.\d\d", run.stdout, re.M), run.stdout
    assert re.search(r"^cold ur check .*: reference \d+ ms, this \d+ ms", run.stdout, re.M), run.stdout
    worktrees = subprocess.run(["git", "worktree", "list"], capture_output=True, text=True, cwd=ROOT).stdout
    assert "reference" not in worktrees
    for rev, message in (("-x", "not a revision"), ("no-such-revision", "no such revision")):
        bad = subprocess.run([sys.executable, "bench/run.py", f"--against={rev}"], capture_output=True, text=True,
                             cwd=ROOT, timeout=60)
        assert bad.returncode != 0 and message in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("feed", [[], ["--generated"]])
def test_bench_against_interleaved_takes_turns_and_reports_both_sides(feed):
    """`--against REV --interleaved`: two worker processes, one per tree, take turns chunk by chunk.
    Against HEAD both sides run the same code on the same generated cases, so they decide the same
    items; the figures themselves are not checked."""
    if subprocess.run(["git", "rev-parse", "--verify", "HEAD"], capture_output=True, cwd=ROOT).returncode != 0:
        pytest.skip("not a git checkout")
    run = subprocess.run([sys.executable, "bench/run.py", "--against", "HEAD", "--interleaved", *feed, "--sizes", "30",
                          "--chunk", "10", "--rounds", "2"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    sides = dict(re.findall(r"^ *(reference|this) \| +(\d+) \|", run.stdout, re.M))
    assert sides.keys() == {"reference", "this"} and sides["reference"] == sides["this"] and int(sides["this"]) >= 60
    assert re.search(r"^this/reference: \d\.\d{3} overall; per chunk median \d\.\d{3}, middle half "
                     r"\d\.\d{3}-\d\.\d{3} \(6 chunks\)$", run.stdout, re.M), run.stdout
    bad = subprocess.run([sys.executable, "bench/run.py", "--against", "HEAD", "--interleaved", "--chunk", "0"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode != 0 and "at least 1" in bad.stderr and "Traceback" not in bad.stderr


def test_bench_count_decides_in_one_loop_and_reports_a_callgrind_file(tmp_path):
    """bench/count.py: the loop callgrind counts runs (valgrind itself is not run here) and its report
    reads a callgrind file's self costs per native object, leaving out the cost lines of calls."""
    run = subprocess.run([sys.executable, "bench/count.py", "5"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert re.fullmatch(r"items [1-9]\d*\n", run.stdout)
    out = tmp_path / "cg.out"
    out.write_text("events: Ir\nob=(1) /lib/libpython3.11.so\nfn=(1) f\n1 900\ncob=(2) /lib/libcrypto.so.3\n"
                   "calls=1 0\n2 5000\nob=(2)\nfn=(2) sha\n3 100\n", encoding="utf-8")
    report = subprocess.run([sys.executable, "bench/count.py", "--report", str(out), "1"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert report.returncode == 0, report.stderr
    assert report.stdout.splitlines()[0] == "1K instructions per case, 1K without SHA-256 (libcrypto)"
    assert "90.0%  libpython3.11.so" in report.stdout and "10.0%  libcrypto.so.3" in report.stdout


def test_bench_latency_histogram_percentiles():
    from bench.run import Latencies

    latencies = Latencies()
    for micros in [5] * 50 + [7] * 49 + [900]:
        latencies.add(micros / 1e6 + 1e-9)
    assert latencies.n == 100 and abs(latencies.total - (250 + 343 + 900) / 1e6) < 1e-6
    assert latencies.percentile_ms(0.5) == 0.005
    assert latencies.percentile_ms(0.99) == 0.007
    assert latencies.percentile_ms(1.0) == 0.9


def test_generate_command_writes_the_generated_cases_as_jsonl(pack):
    run = subprocess.run([sys.executable, "-m", "bench.generate", "5", "--seed", "3"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    assert [json.loads(line) for line in run.stdout.splitlines()] == list(generate(pack, 5, 3))


def test_batch_reads_standard_input_like_a_file(tmp_path, pack):
    src = tmp_path / "cases.jsonl"
    src.write_text("".join(json.dumps(case) + "\n" for case in generate(pack, 5, seed=4)))
    from_file = _batch(src, tmp_path / "file.jsonl", 1)
    cmd = [sys.executable, "-c", "from engine.cli import main; main()", "batch", "-", "--output", str(tmp_path / "stdin.jsonl")]
    from_stdin = subprocess.run(cmd, input=src.read_text(), capture_output=True, text=True,
                                env={"SOURCE_DATE_EPOCH": "0", "PATH": "/usr/bin:/bin"})
    assert from_file.returncode == from_stdin.returncode == 0, from_stdin.stderr
    assert (tmp_path / "stdin.jsonl").read_bytes() == (tmp_path / "file.jsonl").read_bytes()
    bad = subprocess.run(cmd, input='{"items": []}\n', capture_output=True, text=True)
    assert bad.returncode == 2 and "<stdin>:1:" in bad.stderr

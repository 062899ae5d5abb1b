"""Benchmark: throughput, latency and memory of the engine path against a plain-Python floor,
plus cold-start timings. Prints a table; not a test.

    python bench/run.py [--sizes 1000,10000,100000] [--seed N]
    python bench/run.py --batch 10000,100000 [--seed N]     # `ur batch`, 1 vs 2 workers
    python bench/run.py --check 1,10,100,300                # `ur check` on one case of N items
    python bench/run.py --against REV [--sizes 5000] [--rounds 3]   # this code / git revision REV
    python bench/run.py --against REV --interleaved [--generated] [--sizes 5000] [--chunk 250] [--rounds 3]

Each size runs in a fresh process (so peak RSS belongs to that size alone) on synthetic cases
from bench/generate.py. Per case it times exactly what `ur batch` does with one JSONL line:
JSON parse, case validation, derived facts, the engine, and the canonical decision record.
The floor runs the same cases through the same pipeline with the durable_rules call replaced by
engine.knowledge.conditions.evaluate over the same derived facts; the two outputs are compared record
by record (the trace as a set of lines: see _comparable).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "cases" / "real" / "letters" / "000_29257c263c25c5e1.yaml"


class PythonHost:
    """Stands in for engine.decide.host.EngineHost: the same firings, decided by conditions.evaluate."""

    def __init__(self, table) -> None:
        self._rules = {c.ruleset: c for c in table.values()}

    def run(self, ruleset: str, fact: dict) -> list[str]:
        from engine.knowledge import compiler, conditions

        comp = self._rules[ruleset]
        facts = {name: fact[key] for name, key, _ in comp.keys if key in fact}
        fired = [compiler.SEEN]
        rule = comp.rule
        if rule.when is not None and conditions.evaluate(rule.when, facts) is True:
            fired.append(compiler.APPLIES)
        for crit in rule.criteria:
            result = conditions.evaluate(crit.condition, facts)
            if result is not None:
                fired.append(f"{crit.id}.met" if result else f"{crit.id}.unmet")
        return fired


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Latencies:
    """Per-case latencies as a histogram of whole microseconds: constant memory whatever N is
    (a list of N floats, sorted for the percentiles, would itself grow with N)."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.total = 0.0
        self.n = 0

    def add(self, seconds: float) -> None:
        self.total += seconds
        self.n += 1
        key = int(seconds * 1e6)
        self.counts[key] = self.counts.get(key, 0) + 1

    def percentile_ms(self, p: float) -> float:
        rank, seen = p * self.n, 0
        for micros in sorted(self.counts):
            seen += self.counts[micros]
            if seen >= rank:
                return micros / 1000
        return max(self.counts) / 1000


def timed_pass(decider, lines, on_record=None) -> tuple[Latencies, int]:
    """Decide each JSONL line, timing only the decision; records go to `on_record` (streamed, so
    memory holds one case at a time whatever N is)."""
    from engine.decide.batch import Input

    latencies, items = Latencies(), 0
    for number, text in enumerate(lines, 1):
        t0 = time.perf_counter()
        outcome = decider.decide(Input("bench.jsonl", number, text))
        latencies.add(time.perf_counter() - t0)
        if outcome.error:
            raise SystemExit(f"generator produced a bad case: {outcome.error}")
        items += outcome.items
        if on_record is not None:
            on_record(outcome.records[0])
    return latencies, items


def one_size(n: int, seed: int) -> dict:
    """Run in a fresh process: the engine path, then the floor, on the same N cases."""
    import hashlib

    import engine.decide.host
    from bench.generate import generate
    from engine.decide.batch import Decider
    from engine.decide.evaluate import compiled

    decider = Decider(None, "1970-01-01T00:00:00Z")
    timed_pass(decider, (json.dumps(c) for c in generate(decider.pack, min(n, 500), seed + 1)))
    rss_warm = rss_mb()
    result: dict = {"n": n}
    digests = {}
    for label in ("engine", "floor"):
        if label == "floor":
            engine.decide.host._HOST = PythonHost(compiled(decider.pack, complete=True))
        h = hashlib.sha256()
        lines = (json.dumps(c) for c in generate(decider.pack, n, seed))  # generated lazily, not timed
        latencies, items = timed_pass(
            decider, lines, lambda line: h.update(json.dumps(_comparable(json.loads(line)), sort_keys=True).encode()))
        total = latencies.total
        result[label] = {"items": items, "items_per_s": items / total, "cases_per_s": n / total,
                         "p50_ms": latencies.percentile_ms(0.5), "p99_ms": latencies.percentile_ms(0.99),
                         "rss_peak_mb": rss_mb()}
        digests[label] = h.hexdigest()
    result["rss_after_warmup_mb"] = rss_warm
    result["same_output"] = digests["engine"] == digests["floor"]
    return result


def _comparable(record: dict) -> dict:
    """The record with its trace reduced to the set of lines: the engine fires in its own order,
    and durable_rules fires a criterion's `met` once per matching branch of an `any` (so the
    engine's trace can say "fired X.met" twice where the floor says it once). Everything else,
    every item, rule and criterion result, is compared exactly."""
    record["decision"]["trace"] = sorted(set(record["decision"]["trace"]))
    record.pop("seal")  # a hash of the fields compared here (its decision part covers the trace's order)
    return record


def cold(cmd: list[str], runs: int = 7) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def batch_runs(sizes: list[int], seed: int) -> None:
    """`ur batch` end to end (reading and writing files) on N generated cases with 1 and 2 workers:
    wall time, peak RSS of the largest process, and whether the outputs are byte-identical."""
    import hashlib
    import re
    import tempfile

    ur = str(Path(sys.executable).with_name("ur"))
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0"}
    print(f"{'N':>7} | workers | {'wall s':>6} | {'items/s':>7} | {'peak RSS':>8} | {'output MB':>9} | sha256 of output")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            cases = Path(tmp) / f"cases-{n}.jsonl"
            with cases.open("w", encoding="utf-8") as out:  # generated in another process: this one stays
                subprocess.run([sys.executable, "-m", "bench.generate", str(n), "--seed", str(seed)],
                               stdout=out, check=True, cwd=ROOT)  # small, and a child's peak RSS starts at ours
            digests = set()
            for workers in (1, 2):
                records = Path(tmp) / f"out-{n}-{workers}.jsonl"
                t0 = time.perf_counter()
                proc = subprocess.Popen([ur, "batch", str(cases), "--workers", str(workers), "--output", str(records)],
                                        stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
                _, status, usage = os.wait4(proc.pid, 0)  # ru_maxrss: the largest of ur and its workers
                wall = time.perf_counter() - t0
                summary = proc.stderr.read()
                proc.stderr.close()
                if os.waitstatus_to_exitcode(status) != 0:
                    raise SystemExit(f"ur batch failed: {summary}")
                items = int(re.search(r"\((\d+) items\)", summary).group(1))
                digest = hashlib.sha256()
                with records.open("rb") as produced:
                    for block in iter(lambda: produced.read(1 << 20), b""):
                        digest.update(block)
                digests.add(digest.hexdigest())
                print(f"{n:>7} | {workers:>7} | {wall:>6.1f} | {items / wall:>7,.0f} | {usage.ru_maxrss / 1024:>6.1f}MB | "
                      f"{records.stat().st_size / 1e6:>9.0f} | {digest.hexdigest()[:16]}")
                records.unlink()
            print(f"{n:>7} | identical output for 1 and 2 workers: {len(digests) == 1}")


def check_runs(sizes: list[int], runs: int = 3) -> None:
    """`ur check` end to end on one case of N items (bench/check_cases.py): wall time and CPU time
    of the process (user + system, from wait4: what one core spends, whatever else the machine
    runs), best of `runs`, and the time per item."""
    import tempfile

    from bench.check_cases import case_with

    ur = str(Path(sys.executable).with_name("ur"))
    print(f"{'items':>5} | {'wall s':>6} | {'CPU s':>6} | {'CPU ms/item':>11} | outcomes")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            case = Path(tmp) / f"check-{n}.json"
            case.write_text(json.dumps(case_with(n)), encoding="utf-8")
            best_wall = best_cpu = float("inf")
            for _ in range(runs):
                t0 = time.perf_counter()
                proc = subprocess.Popen([ur, "check", str(case), "--format", "json"], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=ROOT)
                out, err = proc.communicate()
                wall = time.perf_counter() - t0
                usage = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = usage.ru_utime + usage.ru_stime - getattr(check_runs, "_spent", 0.0)
                check_runs._spent = usage.ru_utime + usage.ru_stime  # type: ignore[attr-defined]
                if proc.returncode not in (0, 1):
                    raise SystemExit(f"ur check failed: {err.decode()}")
                best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
            outcomes = sorted({item["outcome"] for item in json.loads(out)["items"]})
            print(f"{n:>5} | {best_wall:>6.2f} | {best_cpu:>6.2f} | {1000 * best_cpu / n:>11.1f} | {', '.join(outcomes)}")


def reference_tree(rev: str, into: Path) -> str:
    """Extract git revision `rev` of this repository into folder `into` (git archive: the
    repository gains no worktree or branch); return its commit id."""
    import io
    import tarfile

    if rev.startswith("-"):
        raise SystemExit(f"--against: not a revision: {rev}")
    found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
                           capture_output=True, text=True, cwd=ROOT)
    if found.returncode != 0:
        raise SystemExit(f"--against: no such revision in {ROOT}: {rev}")
    sha = found.stdout.strip()
    data = subprocess.run(["git", "archive", "--format=tar", sha], capture_output=True, check=True, cwd=ROOT).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        try:
            archive.extractall(into, filter="data")  # Python 3.11.4+: refuses links and paths out of `into`
        except TypeError:  # older 3.11: the archive is git's own output for this repository
            archive.extractall(into)
    return sha


def against(rev: str, sizes: list[int], seed: int, rounds: int) -> None:
    """This code against revision `rev` on the same machine, alternating runs (each in a fresh
    process, the revision's own bench and rules): what survives machine load is the ratio."""
    import tempfile

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, seed {seed}; engine items/s, alternating runs")
    with tempfile.TemporaryDirectory() as tmp:
        ref = Path(tmp) / "reference"
        sha = reference_tree(rev, ref)
        trees = (("reference", ref), ("this", ROOT))
        print(f"reference: {rev} ({sha[:12]}); this: {ROOT}")
        print(f"{'N':>7} | round | {'reference':>9} | {'this':>9} | this/reference")
        for n in sizes:
            ratios = []
            for number in range(1, rounds + 1):
                speed = {}
                for label, tree in trees:
                    raw = subprocess.run([sys.executable, str(tree / "bench" / "run.py"), "--one", str(n), "--seed", str(seed)],
                                         capture_output=True, text=True, check=True, cwd=tree,
                                         env={**os.environ, "PYTHONPATH": str(tree)}).stdout
                    speed[label] = json.loads(raw)["engine"]["items_per_s"]
                ratios.append(speed["this"] / speed["reference"])
                print(f"{n:>7} | {number:>5} | {speed['reference']:>9,.0f} | {speed['this']:>9,.0f} | {ratios[-1]:.2f}")
            print(f"{n:>7} | median this/reference: {statistics.median(ratios):.2f} (range {min(ratios):.2f}-{max(ratios):.2f})")
        times: dict[str, list[float]] = {"reference": [], "this": []}
        for _ in range(max(rounds, 5)):
            for label, tree in trees:
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-c", "import sys; from engine.cli import main; sys.argv[0] = 'ur'; main()",
                                "check", str(tree / SAMPLE.relative_to(ROOT))], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)})
                times[label].append(time.perf_counter() - t0)
        ref_s, this_s = statistics.median(times["reference"]), statistics.median(times["this"])
        print(f"cold ur check (one sample case), median of {len(times['this'])} alternating runs: reference "
              f"{1000 * ref_s:.0f} ms, this {1000 * this_s:.0f} ms ({this_s / ref_s:.2f}x)")


def interleaved(rev: str, n: int, seed: int, chunk: int, passes: int, generated: bool = False) -> None:
    """This code and revision `rev` in two long-lived processes that take turns chunk by chunk
    (bench/pair_worker.py; the order of the two switches every chunk), each over N cases of its
    own generator (held in memory, or with `generated` each made just before it is decided): load
    that drifts over seconds falls on both alike, so their ratio holds where separate runs scatter.
    Prints the ratio of the totals and of each chunk."""
    import math
    import tempfile

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, seed {seed}; interleaved: {n} cases a side, "
          f"chunks of {chunk}, {passes} passes, cases {'generated one by one' if generated else 'held in memory'}; "
          "CPU time of the decisions")
    with tempfile.TemporaryDirectory() as tmp:
        ref = Path(tmp) / "reference"
        sha = reference_tree(rev, ref)
        print(f"reference: {rev} ({sha[:12]}); this: {ROOT}")
        sides: dict[str, subprocess.Popen] = {}
        try:
            for label, tree in (("reference", ref), ("this", ROOT)):
                sides[label] = subprocess.Popen(
                    [sys.executable, str(ROOT / "bench" / "pair_worker.py"), str(n), str(seed), str(chunk)]
                    + (["generated"] if generated else []),
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=tree,
                    env={**os.environ, "PYTHONPATH": str(tree)})
                ready = _answer(sides[label], label)
                if not Path(ready["engine"]).resolve().is_relative_to(tree.resolve()):
                    raise SystemExit(f"the {label} side imported another tree's engine: {ready['engine']}")
            totals = {label: [0.0, 0] for label in sides}
            ratios = []
            for number in range(passes * math.ceil(n / chunk)):
                order = ("reference", "this") if number % 2 == 0 else ("this", "reference")
                rates = {}
                for label in order:
                    sides[label].stdin.write(f"{number % math.ceil(n / chunk)}\n")
                    sides[label].stdin.flush()
                    got = _answer(sides[label], label)
                    totals[label][0] += got["cpu_s"]
                    totals[label][1] += got["items"]
                    rates[label] = got["items"] / got["cpu_s"]
                ratios.append(rates["this"] / rates["reference"])
        finally:
            for proc in sides.values():
                proc.stdin.close()
                proc.wait()
    print(f"{'side':>9} | {'items':>7} | {'CPU s':>6} | items/CPU-s")
    for label, (cpu, items) in totals.items():
        print(f"{label:>9} | {items:>7} | {cpu:>6.2f} | {items / cpu:>9,.0f}")
    overall = (totals["this"][1] / totals["this"][0]) / (totals["reference"][1] / totals["reference"][0])
    q = statistics.quantiles(ratios, n=4)
    print(f"this/reference: {overall:.3f} overall; per chunk median {statistics.median(ratios):.3f}, "
          f"middle half {q[0]:.3f}-{q[2]:.3f} ({len(ratios)} chunks)")


def _answer(proc: subprocess.Popen, label: str) -> dict:
    line = proc.stdout.readline()
    if not line:
        raise SystemExit(f"the {label} side stopped (bench/pair_worker.py); run it alone to see why")
    return json.loads(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", metavar="SIZES",
                        help="instead: run `ur batch` with 1 and 2 workers on this many generated cases (e.g. 10000,100000)")
    parser.add_argument("--check", metavar="ITEMS",
                        help="instead: time `ur check` on one case of this many items (e.g. 1,10,100,300)")
    parser.add_argument("--against", metavar="REV",
                        help="instead: compare with git revision REV of this repository, alternating runs (--sizes, --rounds)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="with --against: runs of each, or passes over the cases with --interleaved (default 3)")
    parser.add_argument("--interleaved", action="store_true",
                        help="with --against: two long-lived processes taking turns chunk by chunk (the first of --sizes "
                             "cases each; steadier on a loaded machine)")
    parser.add_argument("--chunk", type=int, default=250, help="with --interleaved: cases a turn (default 250)")
    parser.add_argument("--generated", action="store_true",
                        help="with --interleaved: make each case just before deciding it, as the size runs do "
                             "(default: cases held in memory, as `ur batch` has its lines)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.seed)))
        return
    if args.against and args.interleaved:
        if args.chunk < 1 or args.rounds < 1:
            raise SystemExit("--chunk and --rounds must be at least 1")
        interleaved(args.against, int(args.sizes.split(",")[0]), args.seed, args.chunk, args.rounds, args.generated)
        return
    if args.against:
        against(args.against, [int(x) for x in args.sizes.split(",")], args.seed, args.rounds)
        return
    if args.check:
        check_runs([int(x) for x in args.check.split(",")])
        return
    if args.batch:
        batch_runs([int(x) for x in args.batch.split(",")], args.seed)
        return
    ur = str(Path(sys.executable).with_name("ur"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, seed {args.seed}, one core per run")
    print(f"{'N':>7} | {'items':>7} | {'engine it/s':>11} | {'p50 ms':>6} | {'p99 ms':>6} | {'floor it/s':>10} | "
          f"{'ratio':>5} | {'RSS warm':>8} | {'RSS peak':>8} | same")
    for n in (int(x) for x in args.sizes.split(",")):
        raw = subprocess.run([sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)],
                             capture_output=True, text=True, check=True).stdout
        r = json.loads(raw)
        e, f = r["engine"], r["floor"]
        print(f"{n:>7} | {e['items']:>7} | {e['items_per_s']:>11,.0f} | {e['p50_ms']:>6.3f} | {e['p99_ms']:>6.3f} | "
              f"{f['items_per_s']:>10,.0f} | {f['items_per_s'] / e['items_per_s']:>4.2f}x | "
              f"{r['rss_after_warmup_mb']:>6.1f}MB | {e['rss_peak_mb']:>6.1f}MB | {r['same_output']}")
    for label, cmd in (("import engine", [sys.executable, "-c", "import engine"]),
                       ("ur check (one sample case)", [ur, "check", str(SAMPLE)]),
                       ("python startup (reference)", [sys.executable, "-c", "pass"])):
        median, best = cold(cmd)
        print(f"cold {label}: {1000 * median:.0f} ms median, {1000 * best:.0f} ms best of 7")


if __name__ == "__main__":
    main()

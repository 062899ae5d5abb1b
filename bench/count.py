"""Instructions per decided case, counted by callgrind: a figure that does not move with machine load
(timings here swing 1.5x from one minute to the next), for comparing two versions of the code.

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=functools_reduce \\
        --callgrind-out-file=cg.out python bench/count.py 400
    python bench/count.py --report cg.out 400

The first command decides N generated cases (seed 7, after 200 of warm-up) inside functools.reduce,
a C function, so that callgrind counts the decision loop alone. The second prints the instructions per
case, in total and by native library. libcrypto is the decision record's SHA-256, which valgrind runs
without the CPU's SHA instructions: it counts it about ten times what it costs on the real CPU.
To count an earlier revision, run this file from a copy of it (`git archive REV | tar -x -C DIR`)
with PYTHONPATH=DIR.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def decide_loop(n: int) -> int:
    """Decide n generated cases inside functools.reduce; return the number of items."""
    sys.path.insert(0, str(Path.cwd()))
    from bench.generate import generate
    try:
        from engine.decide.batch import Decider, Input
    except ImportError:  # revisions before the stage packages (issue 12)
        from engine.batch import Decider, Input  # type: ignore[no-redef]

    decider = Decider(None, "1970-01-01T00:00:00Z")
    lines = [json.dumps(case) for case in generate(decider.pack, 5000, 7)][:200 + n]
    for number, text in enumerate(lines[:200]):
        decider.decide(Input("count.jsonl", number, text))
    work = [Input("count.jsonl", number, text) for number, text in enumerate(lines[200:])]
    return functools.reduce(lambda total, one: total + decider.decide(one).items, work, 0)


def by_object(path: Path) -> Counter:
    """Instructions (self cost) per native object file in a callgrind output file."""
    names: dict[str, str] = {}
    totals: Counter = Counter()
    current, skip_next = "?", False
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        named = re.match(r"c?ob=\((\d+)\)(?: (.*))?$", line)
        if named and named.group(2):
            names[named.group(1)] = named.group(2)
        if line.startswith("ob="):
            current = names.get(named.group(1), "?") if named else line[3:]
        elif line.startswith("calls="):
            skip_next = True  # the next cost line is the call's inclusive cost, not self cost
        elif line[:1].isdigit() or line[:1] in "+-*":
            parts = line.split()
            if skip_next:
                skip_next = False
            elif len(parts) >= 2:
                totals[current] += int(parts[1])
    return totals


def report(path: Path, n: int) -> None:
    totals = by_object(path)
    whole = sum(totals.values())
    crypto = sum(v for k, v in totals.items() if "libcrypto" in k)
    print(f"{whole / n / 1000:,.0f}K instructions per case, {(whole - crypto) / n / 1000:,.0f}K without SHA-256 (libcrypto)")
    for name, count in totals.most_common(6):
        print(f"  {count / n / 1000:>8,.0f}K  {100 * count / whole:4.1f}%  {Path(name).name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, help="cases decided in the counted loop")
    parser.add_argument("--report", metavar="CALLGRIND_OUT", help="instead: print the figures of a callgrind run")
    args = parser.parse_args()
    if args.report:
        report(Path(args.report), args.n)
    else:
        print(f"items {decide_loop(args.n)}")


if __name__ == "__main__":
    main()

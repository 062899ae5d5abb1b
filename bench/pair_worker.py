"""One side of `bench/run.py --against REV --interleaved`: decides chunks of generated cases when
told to, and reports the CPU time each chunk took. Not for direct use.

It is started with the tree it measures (this repository or an extracted revision) as its working
folder, which it puts first on the path, so `engine` and `bench.generate` are that tree's own. It
reads the layout of either era of the code (engine/decide/batch.py now, engine/batch.py before
the stage folders of issue 12).

    python bench/pair_worker.py N SEED CHUNK [generated]   # stdin: chunk numbers; stdout: a JSON line each

Two ways to feed the cases: held in memory (as `ur batch` has its input lines at hand), or
`generated`, each case made just before it is decided (as bench/run.py times a size: the generator's
work between cases leaves the caches cold for each).
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time


def main() -> None:
    n, seed, chunk = (int(arg) for arg in sys.argv[1:4])
    generated = sys.argv[4:] == ["generated"]
    sys.path.insert(0, os.getcwd())  # the tree measured, ahead of the installed package
    import engine

    # By the folders on disk, not by trying an import: the installed package's finder would supply
    # a module the older tree lacks from this repository, mixing the two codes.
    if os.path.isdir(os.path.join("engine", "decide")):
        from engine.decide.batch import Decider, Input
    else:  # the code before issue 12's stage folders
        from engine.batch import Decider, Input  # type: ignore[no-redef]
    from bench.generate import generate

    decider = Decider(None, "1970-01-01T00:00:00Z")
    for number, case in enumerate(generate(decider.pack, 300, seed + 1), 1):  # warm-up: memos, lazily compiled rules
        decider.decide(Input("bench.jsonl", number, json.dumps(case)))
    lines = [] if generated else [json.dumps(case) for case in generate(decider.pack, n, seed)]
    print(json.dumps({"ready": True, "engine": engine.__file__}), flush=True)
    stream = iter(())
    for command in sys.stdin:
        start = int(command) * chunk
        if generated:  # as bench/run.py times a size: each case made just before it is decided
            if start == 0:
                stream = enumerate(generate(decider.pack, n, seed), 1)
            items, spent = 0, 0.0
            for number, case in itertools.islice(stream, chunk):
                one = Input("bench.jsonl", number, json.dumps(case))
                began = time.process_time()
                items += decider.decide(one).items
                spent += time.process_time() - began
        else:  # as `ur batch` reads a file: the lines are at hand
            work = [Input("bench.jsonl", number, text) for number, text in enumerate(lines[start:start + chunk], start + 1)]
            items = 0
            began = time.process_time()
            for one in work:
                items += decider.decide(one).items
            spent = time.process_time() - began
        print(json.dumps({"cpu_s": spent, "items": items}), flush=True)


if __name__ == "__main__":
    main()

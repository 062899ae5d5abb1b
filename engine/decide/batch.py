"""Batch evaluation: many cases in (a JSONL file or a folder of case files), one decision record
per line out, in input order, whatever the number of worker processes.

Why it looks like this: a payer re-runs a whole archive when a rule changes, so memory must not
grow with the input (inputs are read lazily and at most a few chunks are in flight), a second
core should help (one process per core, each with its own durable_rules host, built in the pool
initializer), and the output must not depend on the worker count (results are written in input
order). A bad input (unreadable JSON, invalid case) does not stop the run: it is reported as one
`file:line: field: message` line and the run ends with exit status 2.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional, Union

from engine.errors import EngineError, EngineFault, Location

CHUNK = 64


@dataclass(frozen=True)
class Input:
    """One unit of work: a JSONL line (text) or a case file (path), with where it came from."""

    source: str
    line: int
    text: Optional[str] = None


@dataclass(frozen=True)
class Outcome:
    """The records (JSON lines) made from one input, or the one-line error it produced."""

    records: tuple[str, ...] = ()
    error: Optional[str] = None
    items: int = 0


def inputs(path: Union[str, Path]) -> Iterator[Input]:
    """Lazily read the work: each non-blank line of a JSONL file (or of standard input, `-`, or a
    pipe), or each case file under a folder."""
    if str(path) == "-":
        yield from _lines(sys.stdin, "<stdin>")
        return
    path = Path(path)
    if path.is_dir():
        from engine.intake.cases import case_files

        for file in case_files([path]):
            yield Input(str(file), 0)
        return
    if not path.exists():
        raise EngineError(f"no such file or folder: {path}")
    with path.open(encoding="utf-8", errors="replace") as lines:
        yield from _lines(lines, str(path))


def _lines(lines, source: str) -> Iterator[Input]:
    for number, text in enumerate(lines, 1):
        if text.strip():
            yield Input(source, number, text)


class Decider:
    """Per-process state: the rule pack, and what every record shares (pack, engine, timestamp)."""

    def __init__(self, rules: Optional[str], created: str, key: Optional[bytes] = None):
        from engine.decide.evaluate import compiled
        from engine.knowledge.pack import load_pack
        from engine.decide.record import engine_json

        self.pack = load_pack(rules)
        compiled(self.pack, complete=True)  # registers the rulesets with this process's host
        self.created = created
        self.engine = engine_json()
        self.key = key  # the operator key that signs each record, if any

    def record(self, case, name: str, doc=None) -> tuple[str, int]:
        """The decision record of one validated case as one canonical JSON line, and its item count."""
        from engine.decide.record import evaluate_reading, record_line

        decision, reads = evaluate_reading(case, self.pack, doc, name)
        line = record_line(case, name, self.pack, decision, self.created, self.engine, reads, self.key)
        return line, len(decision.items)

    def decide(self, work: Input) -> Outcome:
        try:
            if work.text is None:
                return self._file(work)
            case, name = parse_line(work)
            line, items = self.record(case, name)
            return Outcome((line,), items=items)
        except (EngineError, EngineFault) as exc:
            return Outcome(error=str(exc))

    def _file(self, work: Input) -> Outcome:
        from engine.knowledge.case_files import load_cases

        lines, items = [], 0
        for loaded in load_cases(work.source):
            line, count = self.record(loaded.case, loaded.name, loaded.doc)
            lines.append(line)
            items += count
        return Outcome(tuple(lines), items=items)


def parse_line(work: Input):
    """A JSONL line -> (validated Case, name); errors point at the line."""
    from engine.intake.cases import Case
    from engine.knowledge.case_files import check_documented_facts
    from engine.intake.sources import Document, validate

    try:
        data = json.loads(work.text)
    except json.JSONDecodeError as exc:
        raise EngineError(f"invalid JSON: {exc.msg} (column {exc.colno})", Location(work.source, work.line)) from None
    if not isinstance(data, dict):
        raise EngineError("each line must be a JSON object (one case)", Location(work.source, work.line))
    doc = Document(work.source, data, {(): work.line})
    case = validate(Case, doc)
    check_documented_facts(case, doc)
    return case, case.id or f"{Path(work.source).name}:{work.line}"


_DECIDER: Optional[Decider] = None


def _init(rules: Optional[str], created: str, key: Optional[bytes] = None) -> None:
    global _DECIDER
    _DECIDER = Decider(rules, created, key)


def _decide_chunk(chunk: list[Input]) -> list[Outcome]:
    assert _DECIDER is not None, "worker not initialised"
    return [_DECIDER.decide(work) for work in chunk]


def _chunks(work: Iterator[Input], size: int) -> Iterator[list[Input]]:
    chunk: list[Input] = []
    for item in work:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run(work: Iterator[Input], rules: Optional[str], created: str, workers: int = 1,
        key: Optional[bytes] = None) -> Iterator[Outcome]:
    """Decide every input; outcomes come back in input order. Workers > 1 use that many processes.
    With an operator `key` every record is signed."""
    for outcomes in ordered(_decide_chunk, _chunks(work, CHUNK), workers, _init, (rules, created, key)):
        yield from outcomes


def ordered(fn: Callable, tasks: Iterator, workers: int, init: Callable, initargs: tuple) -> Iterator:
    """fn(task) for each task, results in task order; in this process, or in `workers` processes
    (each set up once by init(*initargs)) with a bounded number of tasks in flight."""
    if workers <= 1:
        init(*initargs)
        for task in tasks:
            yield fn(task)
        return
    import multiprocessing

    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with context.Pool(workers, initializer=init, initargs=initargs) as pool:
        pending: deque = deque()
        for task in tasks:
            pending.append(pool.apply_async(fn, (task,)))
            if len(pending) >= workers * 4:  # bounded: memory stays flat however long the input
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def write(outcomes: Iterator[Outcome], out, on_error: Callable[[str], None],
          progress: Optional[Callable[[int], None]] = None) -> dict[str, int]:
    """Stream records to `out` and errors to `on_error`; return counts."""
    counts = {"inputs": 0, "records": 0, "items": 0, "errors": 0}
    for outcome in outcomes:
        counts["inputs"] += 1
        if outcome.error is not None:
            counts["errors"] += 1
            on_error(outcome.error)
        for line in outcome.records:
            out.write(line + "\n")
        counts["records"] += len(outcome.records)
        counts["items"] += outcome.items
        if progress is not None:
            progress(counts["inputs"])
    return counts

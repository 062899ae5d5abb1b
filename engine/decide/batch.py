"""Batch evaluation: many cases in (a JSONL file or a folder of case files), one decision record
per line out, in input order, whatever the number of worker processes.

Why it looks like this: a payer re-runs a whole archive when a rule changes, so memory must not
grow with the input (inputs are read lazily and at most a few chunks are in flight), a second
core should help (one process per core, each with its own durable_rules host, built in the pool
initializer), and the output must not depend on the worker count (results are written in input
order). A bad input (unreadable JSON, invalid case, a line too long or not UTF-8) does not stop the
run: it gives one error line in the output, in its place (so the output has one line per input
line, or per case of a folder), and one `file:line: field: message` line on stderr; the run then
ends with exit status 2.
"""

from __future__ import annotations

import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional, Union

from engine.decide.record import evaluate_reading, record_line
from engine.errors import EngineError, Location
from engine.intake.cases import Case
from engine.intake.sources import MAX_FILE_BYTES, Document, validate
from engine.intake.strict_json import parse_json
from engine.knowledge.case_files import check_documented_facts

CHUNK = 64
ERROR_FORMAT = "ur-batch-error/1"
# A line longer than a case file may be is refused; past this many more bytes without a line end
# the input is taken to be endless (/dev/zero) and reading stops.
LINE_LIMIT = MAX_FILE_BYTES
ENDLESS = 16 * MAX_FILE_BYTES


@dataclass(frozen=True)
class Input:
    """One unit of work: a JSONL line (text) or a case file (path), with where it came from;
    `problem` when the line itself could not be read (too long, not UTF-8)."""

    source: str
    line: int
    text: Optional[str] = None
    problem: Optional[str] = None


@dataclass(frozen=True)
class Outcome:
    """The lines made from one input: its decision records, or one error line (`error` then holds
    the one-line message; `fault` when the error is a bug rather than bad input)."""

    records: tuple[str, ...] = ()
    error: Optional[str] = None
    items: int = 0
    fault: bool = False


def inputs(path: Union[str, Path]) -> Iterator[Input]:
    """Lazily read the work: each non-blank line of a JSONL file (or of standard input, `-`, or a
    pipe), or each case file under a folder."""
    if str(path) == "-":
        yield from _lines(sys.stdin.buffer, "<stdin>")
        return
    path = Path(path)
    if path.is_dir():
        from engine.intake.cases import case_files

        for file in case_files([path]):
            yield Input(str(file), 0)
        return
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise EngineError(f"cannot read: {exc.strerror or exc}", Location(str(path))) from None
    with stream:
        yield from _lines(stream, str(path))


def input_files(path: Union[str, Path]) -> list[Path]:
    """The files a run reads (none for standard input): an output must not be one of them."""
    if str(path) == "-":
        return []
    path = Path(path)
    if path.is_dir():
        from engine.intake.cases import case_files

        return case_files([path])
    return [path]


def _lines(stream, source: str) -> Iterator[Input]:
    """Each non-blank line, bounded in length and decoded strictly; a bad line becomes an Input
    with a problem (one error line out), never the end of the run, unless it never ends."""
    number = 0
    while True:
        raw = stream.readline(LINE_LIMIT + 1)
        if not raw:
            return
        number += 1
        if len(raw) > LINE_LIMIT and not raw.endswith(b"\n"):
            if not _skip_line(stream):
                yield Input(source, number, problem=f"line longer than {LINE_LIMIT + ENDLESS:,} bytes without an "
                                                     "end; stopped reading (is the input endless?)")
                return
            yield Input(source, number, problem=f"line longer than the limit of {LINE_LIMIT:,} bytes")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Input(source, number, problem=f"not valid UTF-8 text (byte {exc.start + 1} of the line)")
            continue
        if text.strip():
            yield Input(source, number, text)


def _skip_line(stream) -> bool:
    """Read past the rest of an over-long line; False when no line end comes within ENDLESS bytes."""
    skipped = 0
    while skipped < ENDLESS:
        chunk = stream.readline(1 << 20)
        if not chunk or chunk.endswith(b"\n"):
            return True
        skipped += len(chunk)
    return False


def error_line(work: Input, exc: Exception) -> str:
    """The output line standing for an input that gave no record: where it came from and why."""
    from engine.decide.record import canonical_json

    where = getattr(exc, "location", None)
    error = {"message": " ".join(getattr(exc, "message", str(exc)).split()),
             "file": where.file if where else work.source, "line": where.line if where else work.line,
             "field": where.field if where else ""}
    return canonical_json({"error": error, "format": ERROR_FORMAT,
                           "input": {"line": work.line, "source": work.source}})


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
        decision, reads = evaluate_reading(case, self.pack, doc, name)
        line = record_line(case, name, self.pack, decision, self.created, self.engine, reads, self.key)
        return line, len(decision.items)

    def decide(self, work: Input) -> Outcome:
        """The records of one input, or its one error line: a bad input (or a bug met on one
        input) never ends the run."""
        try:
            if work.problem is not None:
                raise EngineError(work.problem, Location(work.source, work.line))
            if work.text is None:
                return self._file(work)
            case, name = parse_line(work)
            line, items = self.record(case, name)
            return Outcome((line,), items=items)
        except EngineError as exc:
            return Outcome((error_line(work, exc),), error=str(exc))
        except Exception as exc:  # noqa: BLE001 - an engine fault or a bug: reported, the run goes on
            message = f"internal error on this input: {type(exc).__name__}: {exc}"
            fault = EngineError(message, Location(work.source, work.line))
            return Outcome((error_line(work, fault),), error=str(fault), fault=True)

    def _file(self, work: Input) -> Outcome:
        from engine.knowledge.case_files import load_cases

        lines, items = [], 0
        for loaded in load_cases(work.source):
            line, count = self.record(loaded.case, loaded.name, loaded.doc)
            lines.append(line)
            items += count
        return Outcome(tuple(lines), items=items)


def parse_line(work: Input):
    """A JSONL line -> (validated Case, name); errors point at the line. (Its modules are imported
    once, at the top: an import statement run per line costs a batch about 1-2% of its time.)"""
    data = parse_json(work.text, work.source, work.line)
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
    counts = {"inputs": 0, "records": 0, "items": 0, "errors": 0, "faults": 0}
    for outcome in outcomes:
        counts["inputs"] += 1
        if outcome.error is not None:
            counts["errors"] += 1
            counts["faults"] += outcome.fault
            on_error(outcome.error)
        else:
            counts["records"] += len(outcome.records)
        for line in outcome.records:
            out.write(line + "\n")
        counts["items"] += outcome.items
        if progress is not None:
            progress(counts["inputs"])
    return counts

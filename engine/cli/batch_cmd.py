"""`ur batch`: decide a JSONL file or a folder of case files, one decision record per line."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Optional

import typer

from engine.cli.common import (EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, RulesOption, SignKeyOption, StdoutLines, app,
                               capped_workers, echo, fail, sign_key)
from engine.errors import EngineError


@app.command()
def batch(
    input: Annotated[Path, typer.Argument(help="A JSONL file (one case object per line; - for standard input) or a folder of case files.")],
    workers: Annotated[int, typer.Option("--workers", help="Worker processes (output order never changes; at most 4 per CPU).")] = 1,
    output: Annotated[Optional[Path], typer.Option("--output", help="Write records here (default: stdout); replaced only when the run completes.")] = None,
    rules: RulesOption = None,
    key_file: SignKeyOption = None,
) -> None:
    """For payers: re-run a case archive; streams one decision record (JSON) per line, in input order.

    A bad input gives an error line (format ur-batch-error/1) in its place in the output and one
    line `file:line: field: message` on stderr; the run goes on and ends with exit status 2 (3 if
    the engine failed on an input)."""
    from engine.decide import batch as lib
    from engine.decide.record import timestamp
    from engine.intake.outputs import atomic_output

    progress = _Progress() if sys.stderr.isatty() else None
    try:
        workers = capped_workers(workers)
        key = sign_key(key_file)
        target = atomic_output(output, lib.input_files(input), "--output") if output else nullcontext(StdoutLines())
        with target as out:  # a file output replaces the old one only when the run completes
            work = lib.inputs(input)
            first = next(work, None)
            if first is None:
                raise EngineError(f"{input}: no cases found")
            outcomes = lib.run(_chain(first, work), str(rules) if rules else None, timestamp(), workers, key)
            counts = lib.write(outcomes, out, lambda msg: echo(f"error: {msg}", err=True), progress)
    except EngineError as exc:
        fail(exc)
    finally:
        if progress:
            progress.done()
    echo(f"{counts['records']} records ({counts['items']} items), {counts['errors']} bad inputs", err=True)
    raise typer.Exit(EXIT_INTERNAL if counts["faults"] else EXIT_BAD_INPUT if counts["errors"] else EXIT_OK)


def _chain(first, rest):
    yield first
    yield from rest


class _Progress:
    """A one-line counter on a terminal's stderr (never written to a pipe or file)."""

    def __init__(self) -> None:
        import time

        self._clock = time.monotonic
        self._start = self._last = self._clock()

    def __call__(self, done: int) -> None:
        now = self._clock()
        if now - self._last >= 0.2:
            self._last = now
            rate = done / max(now - self._start, 1e-9)
            sys.stderr.write(f"\r{done:,} cases  {rate:,.0f}/s")
            sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()

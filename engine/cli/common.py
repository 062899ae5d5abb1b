"""Shared pieces of the CLI: the typer app, exit codes, option types, output and input helpers.

Every line the CLI prints goes through `echo`, which escapes control characters (a case or a file
name holding ESC or BEL must not drive the terminal)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from engine.errors import EngineError, EngineFault

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
REPORT_HINT = "this is a bug in ur-engine: please report it (run with --debug for the traceback)"

EXIT_CODES = ("Exit codes: 0 success; 1 a result: a likely denial (check), a failed regression case (test), a "
              "changed record (verify), a flipped outcome (diff) or a lint finding (validate); 2 bad input or "
              "usage, one line 'file:line: field: message' on stderr; 3 an internal error, one line (the "
              "traceback with --debug).")

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Utilization-review decision engine for California workers' compensation.\n\n" + EXIT_CODES)

RulesOption = Annotated[Optional[Path], typer.Option("--rules", help="Rule pack folder (default: the bundled rules/).")]
FormatOption = Annotated[str, typer.Option("--format", help="Output format.")]
SignKeyOption = Annotated[Optional[Path], typer.Option(
    "--sign-key", envvar="UR_SIGN_KEY_FILE", show_envvar=True,
    help="Sign each decision record with this operator key file (HMAC-SHA256); `ur verify --key` checks it.")]


def sign_key(path: Optional[Path]) -> Optional[bytes]:
    """The operator key in `path`, or None when no key file is given."""
    from engine.decide.record import read_key

    return read_key(path) if path is not None else None

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that reorder text
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text with control characters written out (ESC -> \\x1b), safe to show on a terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                        text)


def printable_json(text: str) -> str:
    """JSON text with the control characters a JSON encoder may leave raw (DEL, C1, bidi) as \\u
    escapes: the same JSON value, safe on a terminal."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class OutputFailed(Exception):
    """Writing to stdout or stderr failed (closed pipe, full disk). Not an OSError, so that the
    command-line library does not turn a closed pipe into exit 1: `run` decides."""

    def __init__(self, error: OSError):
        super().__init__(error.strerror or str(error))
        self.errno = error.errno


def echo(text: str = "", err: bool = False, nl: bool = True, json: bool = False) -> None:
    """Print one piece of output (stderr with err=True), control characters escaped."""
    try:
        typer.echo(printable_json(text) if json else printable(text), err=err, nl=nl)
    except OSError as exc:
        raise OutputFailed(exc) from None


class StdoutLines:
    """Standard output for streamed JSON lines (ur batch): control characters a JSON encoder leaves
    raw are written as \\u escapes (the same JSON; ASCII lines, nearly all, pass untouched), and
    the same failure handling as echo."""

    def write(self, text: str) -> None:
        if not text.isascii() or "\x7f" in text:
            text = printable_json(text)
        try:
            sys.stdout.write(text)
        except OSError as exc:
            raise OutputFailed(exc) from None


def fail(exc: Exception) -> NoReturn:
    """Bad input: one line on stderr, exit 2; an engine fault: one line with the hint, exit 3."""
    if isinstance(exc, EngineFault):
        echo(f"internal error: {' '.join(str(exc).split())}; {REPORT_HINT}", err=True)
        raise typer.Exit(EXIT_INTERNAL)
    echo(f"error: {exc}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def load_rules(rules: Optional[Path]):
    from engine.knowledge.pack import load_pack

    return load_pack(rules)


def one_case(path: Path):
    """The single case in a case file (check and explain take one case)."""
    from engine.knowledge.case_files import load_cases

    loaded = load_cases(path)
    if len(loaded) != 1:
        raise EngineError(f"{path}: holds {len(loaded)} cases; pass a file with one case")
    return loaded[0]


def check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise EngineError(f"--format must be one of {', '.join(allowed)} (got '{fmt}')")


def worker_limit() -> int:
    """At most 4 worker processes per CPU: more only adds memory and start-up time."""
    return 4 * (os.cpu_count() or 1)


def capped_workers(workers: int) -> int:
    """--workers as asked, or the limit with a note on stderr when more were asked for."""
    if workers < 1:
        raise EngineError(f"--workers must be at least 1 (got {workers})")
    limit = worker_limit()
    if workers > limit:
        echo(f"note: --workers {workers} capped at {limit} (4 per CPU)", err=True)
        return limit
    return workers

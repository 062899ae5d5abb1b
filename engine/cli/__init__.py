"""The `ur` command: a thin typer layer over the library, one module per command group.

`run` is the one place where any failure becomes an exit code and at most one line on stderr:
0 success; 1 a result (denied, failed, changed, flipped, lint finding); 2 bad input or usage;
3 an internal error (the traceback only with --debug or UR_DEBUG=1). A closed output pipe
(`ur batch ... | head`) ends the run quietly.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from typing import Annotated, Optional

import typer

from engine.cli.common import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, REPORT_HINT, OutputFailed, app, echo, printable
from engine.errors import EngineError, EngineFault
from engine.cli import commands  # noqa: F401,E402  (registers commands)
from engine.cli import batch_cmd  # noqa: F401,E402
from engine.cli import check_cmd  # noqa: F401,E402
from engine.cli import explain_cmd  # noqa: F401,E402
from engine.cli import facts_cmd  # noqa: F401,E402
from engine.cli import quality_cmd  # noqa: F401,E402
from engine.cli import rules_cmd  # noqa: F401,E402
from engine.cli import import_cmd  # noqa: F401,E402
from engine.cli import serve_cmd  # noqa: F401,E402

_DEBUG = {"on": False}


def version_text() -> str:
    """The engine, its libraries and the bundled rule pack (name, version, digest)."""
    from engine.decide.record import engine_info
    from engine.knowledge.pack import DEFAULT_RULES, load_pack

    info = engine_info()
    text = f"ur-engine {info.version} (durable-rules {info.durable_rules}, Python {info.python})"
    try:
        pack = load_pack(None)
    except EngineError as exc:
        return f"{text}\nrules: cannot load {DEFAULT_RULES}: {exc}"
    return f"{text}\nrules: {pack.info.name} {pack.info.version}, digest {pack.digest} ({len(pack.rules)} rules)"


def _show_version(value: bool) -> None:
    if value:
        echo(version_text())
        raise typer.Exit(EXIT_OK)


@app.callback()
def _options(
    version: Annotated[Optional[bool], typer.Option("--version", is_eager=True, callback=_show_version,
                                                    help="Print the engine and rule-pack versions and exit.")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an internal error.")] = False,
) -> None:
    """Utilization-review decision engine for California workers' compensation."""
    _DEBUG["on"] = debug


def run(args: Optional[list[str]] = None) -> int:
    """Run one `ur` command line; return its exit code (never raises, never prints a traceback
    unless debugging)."""
    _DEBUG["on"] = os.environ.get("UR_DEBUG", "") not in ("", "0")
    try:
        code = _command()(args=args, prog_name="ur", standalone_mode=False)
        sys.stdout.flush()
        return code if isinstance(code, int) else EXIT_OK
    except typer.TyperException as exc:  # usage: unknown option, missing argument, bad value
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `ur`: the help, as usage
            exc.show()  # type: ignore[attr-defined]
            return EXIT_BAD_INPUT
        ctx = getattr(exc, "ctx", None)
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        _last_words(f"error: {' '.join(exc.format_message().split())}{where}")  # type: ignore[attr-defined]
        return getattr(exc, "exit_code", EXIT_BAD_INPUT)
    except (typer.Abort, KeyboardInterrupt):
        _last_words("interrupted")
        return 130
    except EngineError as exc:
        _last_words(f"error: {exc}")
        return EXIT_BAD_INPUT
    except (OSError, OutputFailed) as exc:
        _silence_stdout()
        if exc.errno == errno.EPIPE:  # the reader of our output went away: nothing more to say
            return EXIT_OK
        if _DEBUG["on"]:
            traceback.print_exc()
        where = getattr(exc, "filename", None) or "output"
        _last_words(f"error: {where}: {getattr(exc, 'strerror', None) or exc}")
        return EXIT_BAD_INPUT
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - the one place that turns a bug into exit 3
        if _DEBUG["on"]:
            traceback.print_exc()
        name = "engine fault" if isinstance(exc, EngineFault) else type(exc).__name__
        _last_words(f"internal error: {name}: {printable(' '.join(str(exc).split()))[:300]}; {REPORT_HINT}")
        return EXIT_INTERNAL


_COMMAND: list = []


def _command():
    """The click command typer builds from the app (built once per process, not per run)."""
    if not _COMMAND:
        _COMMAND.append(typer.main.get_command(app))
    return _COMMAND[0]


def _last_words(line: str) -> None:
    """One line on stderr when stdout has failed (stderr may have failed too: then say nothing)."""
    try:
        sys.stderr.write(printable(line) + "\n")
        sys.stderr.flush()
    except OSError:
        pass


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail (and print) again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def main() -> None:
    """Console entry point."""
    sys.exit(run())

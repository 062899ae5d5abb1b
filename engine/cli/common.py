"""Shared pieces of the CLI: the typer app, exit codes, option types and input helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from engine.errors import EngineError

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Utilization-review decision engine for California workers' compensation.")

RulesOption = Annotated[Optional[Path], typer.Option("--rules", help="Rule pack folder (default: the bundled rules/).")]
FormatOption = Annotated[str, typer.Option("--format", help="Output format.")]
SignKeyOption = Annotated[Optional[Path], typer.Option(
    "--sign-key", envvar="UR_SIGN_KEY_FILE", show_envvar=True,
    help="Sign each decision record with this operator key file (HMAC-SHA256); `ur verify --key` checks it.")]


def sign_key(path: Optional[Path]) -> Optional[bytes]:
    """The operator key in `path`, or None when no key file is given."""
    from engine.decide.record import read_key

    return read_key(path) if path is not None else None


def fail(exc: Exception) -> NoReturn:
    """Bad input: one line on stderr, exit 2."""
    typer.echo(f"error: {exc}", err=True)
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

"""Rule quality commands: `ur diff [REV]` (impact of a rule change on every case)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from engine.cli.common import EXIT_FAIL, EXIT_OK, FormatOption, RulesOption, app, check_format, fail
from engine.errors import EngineError


@app.command("diff")
def diff_cmd(
    rev: Annotated[str, typer.Argument(help="Git revision holding the old rules (default: HEAD).")] = "HEAD",
    cases: Annotated[Optional[list[Path]], typer.Option("--cases", help="Case files or folders (default: cases/).")] = None,
    rules: RulesOption = None,
    fmt: FormatOption = "text",
) -> None:
    """For rule maintainers: what a rule change flips. Exit 1 when any item outcome changes."""
    from engine.quality.impact import impact, render

    try:
        check_format(fmt, ("text", "json"))
        report = impact(rev, rules, cases or [Path("cases")])
    except EngineError as exc:
        fail(exc)
    if fmt == "json":
        typer.echo(report.model_dump_json(indent=2))
    else:
        typer.echo(render(report))
    raise typer.Exit(EXIT_FAIL if report.flips else EXIT_OK)

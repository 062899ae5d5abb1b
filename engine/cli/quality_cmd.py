"""Rule quality commands: `ur diff [REV]` (impact of a rule change on every case) and `ur schema`
(the JSON Schemas editors validate rule, case and vocabulary files with)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from engine.cli.common import EXIT_FAIL, EXIT_OK, FormatOption, RulesOption, app, check_format, echo, fail
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
        echo(report.model_dump_json(indent=2), json=True)
    else:
        echo(render(report))
    raise typer.Exit(EXIT_FAIL if report.flips else EXIT_OK)


@app.command("schema")
def schema_cmd(
    check: Annotated[bool, typer.Option("--check", help="Only say whether the schemas and links are up to date (exit 1 if not).")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="Schema folder (default: schema/ beside rules/).")] = None,
    rules: RulesOption = None,
    cases: Annotated[Optional[list[Path]], typer.Option("--cases", help="Case folders to link (default: cases/ beside rules/).")] = None,
) -> None:
    """For rule maintainers: write the JSON Schemas generated from the models to schema/ and start
    every rule, vocabulary and case YAML file with the `# yaml-language-server: $schema=...` line
    that points an editor at its schema."""
    from engine.knowledge.pack import DEFAULT_RULES
    from engine.quality import schema

    rules_dir = Path(rules) if rules else DEFAULT_RULES
    folder = Path(out) if out else rules_dir.parent / "schema"
    case_dirs = list(cases) if cases else [rules_dir.parent / "cases"]
    try:
        folders = [rules_dir, *(c for c in case_dirs if c.is_dir())]
        if check:
            problems = [f"{folder / name}: out of date with the models" for name in schema.stale(folder)]
            problems += [f"{path}: first line does not link its schema" for path in schema.unlinked(folders, folder, rules_dir)]
            for line in problems:
                echo(line)
            echo(f"{len(problems)} out of date; run `ur schema` to regenerate" if problems else "schemas up to date")
            raise typer.Exit(EXIT_FAIL if problems else EXIT_OK)
        written = schema.write(folder)
        linked = schema.link(folders, folder, rules_dir)
    except OSError as exc:
        fail(EngineError(f"cannot write: {exc.strerror or exc}"))
    except EngineError as exc:
        fail(exc)
    echo(f"{len(written)} schema files written to {folder}; {len(linked)} YAML files linked")

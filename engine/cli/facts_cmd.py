"""`ur facts`: the fact catalog rule authors write conditions against."""

from __future__ import annotations

import json

import typer

from engine.cli.common import echo, FormatOption, app, check_format, fail
from engine.errors import EngineError


@app.command()
def facts(fmt: FormatOption = "text") -> None:
    """List every fact a rule condition may use, with its type and meaning."""
    from engine.report.fact_catalog import catalog_rows, render_markdown, render_text

    try:
        check_format(fmt, ("text", "json", "markdown"))
    except EngineError as exc:
        fail(exc)
    if fmt == "json":
        echo(json.dumps(catalog_rows(), indent=2), json=True)
    else:
        echo(render_markdown() if fmt == "markdown" else render_text(), nl=False)

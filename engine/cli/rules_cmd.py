"""`ur rules`: list the rule pack (id, topic, tier, edition, dates, citation, verification)."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from engine.cli.common import FormatOption, RulesOption, app, check_format, fail, load_rules
from engine.errors import EngineError


@app.command("rules")
def rules_list(
    rules: RulesOption = None,
    fmt: FormatOption = "text",
    topic: Annotated[Optional[str], typer.Option("--topic", help="Only rules of this topic (e.g. opioids).")] = None,
    tier: Annotated[Optional[str], typer.Option("--tier", help="Only rules of this tier (mtus, acoem, odg, other).")] = None,
    tables: Annotated[bool, typer.Option("--tables", help="List the tables (rules/tables) instead: value, citation, readers.")] = False,
) -> None:
    """For rule maintainers and auditors: every rule, its edition and dates, how much is verified and
    the tables its facts read; with --tables, every table."""
    from engine.report.rule_catalog import catalog, render_tables, render_text, table_catalog

    try:
        check_format(fmt, ("text", "json"))
        if tier is not None and tier not in ("mtus", "acoem", "odg", "other"):
            raise EngineError(f"--tier must be one of mtus, acoem, odg, other (got '{tier}')")
        if tables and (tier or topic):
            raise EngineError("--tables lists every table; it does not take --tier or --topic")
        pack = load_rules(rules)
        rows = table_catalog(pack) if tables else catalog(pack, topic=topic, tier=tier)
    except EngineError as exc:
        fail(exc)
    if fmt == "json":
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
    else:
        typer.echo(render_tables(rows) if tables else render_text(rows), nl=False)

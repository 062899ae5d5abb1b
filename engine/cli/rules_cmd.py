"""`ur rules`: list the rule pack (id, topic, tier, edition, dates, citation, verification)."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from engine.cli.common import echo, FormatOption, RulesOption, app, check_format, fail, load_rules
from engine.errors import EngineError


@app.command("rules")
def rules_list(
    rules: RulesOption = None,
    fmt: FormatOption = "text",
    topic: Annotated[Optional[str], typer.Option("--topic", help="Only rules of this topic (e.g. opioids).")] = None,
    tier: Annotated[Optional[str], typer.Option("--tier", help="Only rules of this tier (mtus, acoem, odg, other).")] = None,
    tables: Annotated[bool, typer.Option("--tables", help="List the tables (rules/tables) instead: value, citation, readers.")] = False,
    editions: Annotated[bool, typer.Option("--editions", help="Only the guideline editions timeline (dates, "
                                                              "what each is keyed to, encoded or not, gaps).")] = False,
) -> None:
    """For rule maintainers and auditors: every rule, its edition and dates, how much is verified and
    the tables its facts read, then each guideline's editions as a timeline; with --tables, every
    table; with --editions, only the timeline."""
    from engine.report.edition_timeline import render_timeline, timeline
    from engine.report.rule_catalog import catalog, render_tables, render_text, table_catalog

    try:
        check_format(fmt, ("text", "json"))
        if tier is not None and tier not in ("mtus", "acoem", "odg", "other"):
            raise EngineError(f"--tier must be one of mtus, acoem, odg, other (got '{tier}')")
        if tables and (tier or topic or editions):
            raise EngineError("--tables lists every table; it does not take --tier, --topic or --editions")
        pack = load_rules(rules)
        if tables:
            rows = table_catalog(pack)
        else:
            rows = [] if editions else catalog(pack, topic=topic, tier=tier)
        lines = timeline(pack)
    except EngineError as exc:
        fail(exc)
    if fmt == "json":
        data = [g.model_dump() for g in lines] if editions else [r.model_dump(mode="json") for r in rows]
        echo(json.dumps(data, indent=2), json=True)
    elif tables:
        echo(render_tables(rows), nl=False)
    elif editions:
        echo(render_timeline(lines), nl=False)
    else:
        echo(render_text(rows) + "\n" + render_timeline(lines), nl=False)

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
    editions: Annotated[bool, typer.Option("--editions", help="Only the guideline editions timeline (dates, "
                                                              "what each is keyed to, encoded or not, gaps).")] = False,
) -> None:
    """For rule maintainers and auditors: every rule, its edition and dates, and how much is verified,
    then each guideline's editions as a timeline."""
    from engine.report.edition_timeline import render_timeline, timeline
    from engine.report.rule_catalog import catalog, render_text

    try:
        check_format(fmt, ("text", "json"))
        if tier is not None and tier not in ("mtus", "acoem", "odg", "other"):
            raise EngineError(f"--tier must be one of mtus, acoem, odg, other (got '{tier}')")
        pack = load_rules(rules)
        rows = [] if editions else catalog(pack, topic=topic, tier=tier)
        lines = timeline(pack)
    except EngineError as exc:
        fail(exc)
    if fmt == "json":
        data = [g.model_dump() for g in lines] if editions else [r.model_dump() for r in rows]
        typer.echo(json.dumps(data, indent=2))
    elif editions:
        typer.echo(render_timeline(lines), nl=False)
    else:
        typer.echo(render_text(rows) + "\n" + render_timeline(lines), nl=False)

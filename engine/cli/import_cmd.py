"""`ur import`: an IMR determination letter -> a draft case for a person to confirm."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from engine.cli.common import EXIT_OK, RulesOption, app, echo, fail, load_rules
from engine.errors import EngineError


@app.command("import")
def import_cmd(
    letter: Annotated[Path, typer.Argument(help="An IMR final determination letter (plain text).")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the draft here (default: stdout).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output file (never the letter).")] = False,
    rules: RulesOption = None,
) -> None:
    """For rule maintainers: read a determination letter into a draft regression case.

    Items as written with their outcomes, dates and the facts read reliably; everything else is
    listed under `review:` for a person to confirm (docs/importing.md)."""
    from engine.intake.letter_draft import draft_text, import_letter, write_draft

    try:
        pack = load_rules(rules)
        case, reads = import_letter(letter, pack.vocab)
        text = draft_text(case, reads)
        if output is None:
            echo(text, nl=False)
        else:
            write_draft(text, output, letter, force)
    except (EngineError, OSError) as exc:
        fail(exc)
    items = len(case["items"])
    echo(f"{items} items, {len(reads.review)} entries to confirm" + (f": {output}" if output else ""), err=True)
    raise typer.Exit(EXIT_OK)

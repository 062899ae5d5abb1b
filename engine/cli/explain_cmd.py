"""Auditor commands: `ur explain` (text, markdown, html or a JSON decision record) and `ur verify`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from engine.cli.common import (EXIT_FAIL, EXIT_OK, FormatOption, RulesOption, SignKeyOption, app, check_format, echo,
                               fail, load_rules, one_case, sign_key)
from engine.errors import EngineError, EngineFault

FORMATS = ("text", "markdown", "html", "json")


@app.command()
def explain(
    file: Annotated[Path, typer.Argument(help="Case file (YAML or JSON).")],
    rules: RulesOption = None,
    fmt: FormatOption = "text",
    only: Annotated[Optional[str], typer.Option("--only", help="'unmet' shows only what decided the outcome.")] = None,
    log: Annotated[Optional[Path], typer.Option("--log", help="Append the decision record to this JSONL file.")] = None,
    key_file: SignKeyOption = None,
) -> None:
    """For auditors: every criterion per item with status, facts, sources, citation and evaluation order.

    --format text|markdown|html|json; json is the full decision record that `ur verify` re-runs.
    """
    try:
        check_format(fmt, FORMATS)
        if only not in (None, "unmet"):
            raise EngineError(f"--only takes 'unmet' (got '{only}')")
        from engine.decide.record import append_log, decide

        key = sign_key(key_file)
        if key is not None and fmt != "json" and log is None:
            raise EngineError("--sign-key signs the decision record: use it with --format json or --log")
        loaded = one_case(file)
        pack = load_rules(rules)
        record = decide(loaded.case, loaded.name, pack, doc=loaded.doc, key=key)
        if log is not None:
            append_log(record, str(log), (file,))
    except (EngineError, EngineFault) as exc:
        fail(exc)
    echo(_render(record, fmt, only == "unmet", pack), nl=False, json=fmt == "json")


def _render(record, fmt: str, only_unmet: bool, pack) -> str:
    from engine.decide.record import record_json

    if fmt == "json":
        return record_json(record) + "\n"
    if fmt == "text":
        from engine.report.explain import fact_tables, render_explanation
        from engine.report.decision_report import header_fields

        return render_explanation(record.decision, only_unmet=only_unmet, header=header_fields(record)[1:],
                                  tables=fact_tables(pack)) + "\n"
    from engine.report.decision_report import render_html, render_markdown

    from engine.report.explain import fact_tables

    return (render_html if fmt == "html" else render_markdown)(record, only_unmet=only_unmet, tables=fact_tables(pack))


@app.command()
def verify(
    record_file: Annotated[Path, typer.Argument(metavar="RECORD", help="Decision record (ur explain --format json) or a JSONL log.")],
    rules: RulesOption = None,
    fmt: FormatOption = "text",
    key_file: Annotated[Optional[Path], typer.Option(
        "--key", envvar="UR_SIGN_KEY_FILE", show_envvar=True,
        help="Operator key file the records were signed with: an unsigned or edited record is ALTERED.")] = None,
) -> None:
    """Check recorded decisions and re-run them with today's engine and rules.

    REPRODUCED (exit 0): intact, same inputs, same result. NOT REPRODUCED (exit 1): names what
    changed (engine code, rule and criterion, table, vocabulary entry) and how the result moved.
    ALTERED (exit 1): the record was edited after it was written (names the field)."""
    try:
        check_format(fmt, ("text", "json"))
        from engine.decide.record import read_records
        from engine.decide.verification import verify as verify_record
        from engine.report.verification_text import render_verification

        key = sign_key(key_file)
        records = read_records(record_file)
        pack = load_rules(rules)
        results = [verify_record(r, pack, key) for r in records]
    except (EngineError, EngineFault) as exc:
        fail(exc)
    if fmt == "json":
        out = [r.model_dump(mode="json") for r in results]
        echo(json.dumps(out[0] if len(out) == 1 else out, indent=2, sort_keys=True), json=True)
    else:
        echo("\n\n".join(render_verification(r) for r in results))
    raise typer.Exit(EXIT_OK if all(r.reproduced for r in results) else EXIT_FAIL)

"""Core commands: check, test, validate (explain and verify live in explain_cmd)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from engine.cli.common import (EXIT_BAD_INPUT, EXIT_FAIL, EXIT_OK, FormatOption, RulesOption, app, capped_workers,
                               check_format, echo, fail, load_rules)
from engine.errors import EngineError


@app.command("test")
def test_cmd(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Case files or folders (default: cases/).")] = None,
    rules: RulesOption = None,
    fmt: FormatOption = "text",
    coverage: Annotated[bool, typer.Option("--coverage", help="Report which criterion statuses the cases drive.")] = False,
    min_coverage: Annotated[Optional[float], typer.Option("--min-coverage", help="Exit 1 below this coverage %.")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes (same output in the same order).")] = 1,
) -> None:
    """For rule maintainers: run regression cases and compare each item with its expected outcome.

    Items marked `known_gap` are reported as KNOWN GAP (or FIXED? once they pass), apart from
    failures. The last lines score how the cases were decided: recall of upheld and overturned,
    balanced accuracy against the always-denied baseline, and how many items reached a rule."""
    from engine.quality.coverage import Coverage, render
    from engine.quality.regression import edition_line, result_line, run, summary, summary_line
    from engine.quality.scores import by_folder
    from engine.quality.scores import render as render_scores

    roots = paths or [Path("cases")]
    try:
        check_format(fmt, ("text", "json"))
        workers = capped_workers(workers)
        pack = load_rules(rules)
        results = []
        cov = Coverage(pack) if coverage or min_coverage is not None else None
        if workers > 1:
            from engine.quality.regression import regression

            results_in = regression(roots, rules, workers, cov.add if cov else None)
        else:
            results_in = run(roots, pack, cov.add if cov else None)
        for result in results_in:
            results.append(result)
            if fmt == "text":
                echo(result_line(result))
    except EngineError as exc:
        fail(exc)
    counts = summary(results)
    report = cov.report() if cov else None
    scores = by_folder(results, roots)
    if fmt == "json":
        extra_json = {"coverage": report.model_dump()} if report else {}
        echo(json.dumps({"summary": counts, "scores": [s.model_dump() for s in scores],
                               "results": [r.model_dump() for r in results], **extra_json}, indent=2),
             json=True)
    else:
        if report:
            echo(render(report))
        for part in scores[:-1]:
            echo("\n".join(render_scores(part)))
        if edition_line(counts):
            echo(edition_line(counts))
        echo(summary_line(counts))
        echo("\n".join(render_scores(scores[-1])))  # the last lines: `ur test DIR | tail -4`
    if counts["total"] == 0:
        echo("error: no regression cases found", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    if counts["errors"]:
        raise typer.Exit(EXIT_BAD_INPUT)
    below = report is not None and min_coverage is not None and report.percent < min_coverage
    if below:
        echo(f"coverage {report.percent}% is below --min-coverage {min_coverage:g}%", err=True)
    raise typer.Exit(EXIT_FAIL if counts["failed"] or counts["fixed"] or below else EXIT_OK)


@app.command()
def validate(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Case files or folders (default: cases/).")] = None,
    rules: RulesOption = None,
) -> None:
    """Validate and lint the rule pack, then the case files, without evaluating them.

    Every problem in every rule-pack file is reported, one line each: a file that cannot be read
    or does not fit its model is bad input (stderr, exit 2); lint findings go to stdout (exit 1)."""
    from engine.knowledge.case_files import load_cases
    from engine.knowledge.pack_check import UNREADABLE
    from engine.decide.evaluate import resolve_items
    from engine.quality.engine_check import check_engine
    from engine.quality.lint import lint_pack
    from engine.intake.cases import case_files

    try:
        issues = lint_pack(rules)
    except EngineError as exc:
        fail(exc)
    unreadable = [i for i in issues if i.code == UNREADABLE]
    findings = [i for i in issues if i.code != UNREADABLE]
    for issue in unreadable:
        echo(f"error: {issue.error()}", err=True)
    for issue in findings:
        echo(str(issue))
    if unreadable:
        raise typer.Exit(EXIT_BAD_INPUT)
    if any(i.severity == "error" for i in findings):
        echo(f"{len(findings)} lint findings; cases not checked until the rule errors are fixed")
        raise typer.Exit(EXIT_FAIL)
    try:
        pack = load_rules(rules)
        refused = list(check_engine(pack))  # every rule through the engine (quality/engine_check.py)
        for issue in refused:
            echo(str(issue))
        if refused:
            echo(f"{len(findings) + len(refused)} lint findings; cases not checked until the rule errors are fixed")
            raise typer.Exit(EXIT_FAIL)
        count = 0
        for path in case_files(paths or [Path("cases")]):
            for loaded in load_cases(path):
                resolve_items(loaded.case, pack, loaded.doc, loaded.name)
                count += 1
    except EngineError as exc:
        fail(exc)
    if findings:
        echo(f"{len(findings)} lint findings; {len(pack.rules)} rules, {count} cases")
        raise typer.Exit(EXIT_FAIL)
    echo(f"ok: {len(pack.rules)} rules, {count} cases")

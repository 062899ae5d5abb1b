"""`ur check`: the pre-submission check for a provider's office, from a case file or quick entry.

Quick entry (`--item`, `--sig`, `--fact NAME=VALUE`, `--request-date`) builds a one-item case;
see docs/checking.md for what each fact name sets.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from engine.cli.common import echo, EXIT_FAIL, EXIT_OK, FormatOption, RulesOption, app, check_format, fail, load_rules, one_case
from engine.errors import EngineError, EngineFault, Location

# Convenience facts for quick entry: name -> (type, allowed values, where it goes)
QUICK = {
    "weeks_on_drug": ("number", (), "medication"),
    "use_pattern": ("text", ("regular", "intermittent", "as_needed"), "medication"),
    "pain_reduced": ("bool", (), "response"),
    "function_improved": ("bool", (), "response"),
    "side_effects_reviewed": ("bool", (), "response"),
    "aberrant_behavior": ("bool", (), "response"),
    "also_taking": ("text", (), "medications"),
    "injury_date": ("date", (), "case"),
    "pain_score": ("number", (), "pain"),
    "work_status": ("text", ("full_duty", "modified_duty", "not_working", "retired"), "function"),
    "opioid_agreement": ("bool", (), "monitoring"),
    "region": ("text", (), "item"),
    "levels": ("text", (), "item"),
}


@app.command()
def check(
    file: Annotated[Optional[Path], typer.Argument(help="A proposed request (case file), or use --item.")] = None,
    rules: RulesOption = None,
    fmt: FormatOption = "text",
    item: Annotated[Optional[str], typer.Option("--item", help="Quick entry: the request as written, e.g. 'Soma 350mg #90'.")] = None,
    sig: Annotated[Optional[str], typer.Option("--sig", help="Quick entry: directions, e.g. '1 tid'.")] = None,
    fact: Annotated[Optional[list[str]], typer.Option("--fact", help="Quick entry: NAME=VALUE (repeatable).")] = None,
    request_date: Annotated[Optional[str], typer.Option("--request-date", help="Quick entry: YYYY-MM-DD (default today).")] = None,
    date_of_service: Annotated[Optional[str], typer.Option("--date-of-service", help="Quick entry: planned date of service, YYYY-MM-DD.")] = None,
) -> None:
    """For a provider's office: likely outcome per item, what to document or change, each fix verified."""
    from engine.advise.checklist import advise
    from engine.report.check_text import render_checklist, render_json, render_markdown

    try:
        check_format(fmt, ("text", "json", "markdown"))
        pack = load_rules(rules)
        if (file is None) == (item is None):
            raise EngineError("give a case file or --item (not both)")
        if file is not None:
            if sig or fact or request_date or date_of_service:
                raise EngineError("--sig, --fact, --request-date and --date-of-service go with --item, not a case file")
            loaded = one_case(file)
            report = advise(loaded.case, pack, loaded.doc, loaded.name)
        else:
            report = advise(quick_case(item, sig, fact or [], request_date, pack, date_of_service), pack, name="--item")
    except (EngineError, EngineFault) as exc:
        fail(exc)
    render = {"json": render_json, "markdown": render_markdown}.get(fmt, render_checklist)
    echo(render(report), nl=fmt == "json", json=fmt == "json")
    raise typer.Exit(EXIT_OK if report.approvable else EXIT_FAIL)


def quick_case(item: str, sig: Optional[str], facts: list[str], request_date: Optional[str], pack,
               date_of_service: Optional[str] = None):
    """A one-item case from the command line, validated like a case file."""
    from engine.knowledge.case_files import case_from_data

    day = _date(request_date, "--request-date") if request_date else dt.date.today()
    entry: dict[str, Any] = {"id": "item", "request": item}
    if sig:
        entry["sig"] = sig
    data: dict[str, Any] = {"id": "quick-entry", "request_date": day.isoformat(), "items": [entry]}
    if date_of_service:
        data["date_of_service"] = _date(date_of_service, "--date-of-service").isoformat()
    med: dict[str, Any] = {}
    for raw in facts:
        name, value = parse_fact(raw)
        _place(data, entry, med, name, value, day)
    if med == {"since": day.isoformat()}:  # weeks_on_drug=0 alone means a new start: not among the drugs taken
        data.setdefault("medications", [])
    elif med:
        term = pack.vocab.find(item)
        data.setdefault("medications", []).insert(0, {"drug": term.name if term else item, **med})
    return case_from_data(data, name="--item")


def parse_fact(raw: str) -> tuple[str, Any]:
    """'acute_exacerbation=true' -> ('finding.acute_exacerbation', True), typed by the catalog."""
    from engine.knowledge.facts import FACTS
    from engine.intake.sources import suggest

    where = Location("--fact", 0, raw)
    if "=" not in raw:
        raise EngineError("expects NAME=VALUE", where)
    name, text = (part.strip() for part in raw.split("=", 1))
    short = name.split(".", 1)[1] if name.split(".", 1)[0] in ("finding", "doc", "drug") and "." in name else name
    if short in QUICK:
        kind, values, _ = QUICK[short]
        return short, _typed(kind, values, text, where)
    for full in (f"finding.{short}", f"doc.{short}"):
        if full in FACTS and name in (short, full):
            return full, _typed(FACTS[full].type, FACTS[full].values, text, where)
    known = list(QUICK) + [n.split(".", 1)[1] for n in FACTS if n.startswith(("finding.", "doc."))]
    raise EngineError(f"unknown fact '{name}'{suggest(short, known)}", Location("--fact", 0, name))


def _typed(kind: str, values: tuple[str, ...], text: str, where: Location) -> Any:
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise EngineError(f"expects true or false (got '{text}')", where)
        return text.lower() == "true"
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            raise EngineError(f"expects a number (got '{text}')", where) from None
        if not 0 <= number <= 100_000:
            raise EngineError(f"value {text} is out of range", where)
        return number
    if kind == "date":
        return _date(text, where.field)
    if values and text not in values:
        raise EngineError(f"expects one of {', '.join(values)} (got '{text}')", where)
    return text


def _date(text: str, what: str) -> dt.date:
    from engine.intake.cases import EARLIEST, LATEST

    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise EngineError(f"expects a date YYYY-MM-DD (got '{text}')", Location(what)) from None
    if not EARLIEST <= day <= LATEST:  # the bounds of a date in a case file
        raise EngineError(f"date {day} is outside {EARLIEST.year}-{LATEST.year}", Location(what))
    return day


def _place(data: dict, entry: dict, med: dict, name: str, value: Any, day: dt.date) -> None:
    """Put one quick-entry fact where a case file would state it."""
    if name.startswith("finding."):
        data.setdefault("findings", {})[name[8:]] = value
    elif name.startswith("doc."):
        entry.setdefault("documentation", {})[name[4:]] = value
    elif name == "weeks_on_drug":
        from engine.intake.cases import EARLIEST

        if value * 7 > (day - EARLIEST).days:
            raise EngineError(f"{value:g} weeks before {day} is before {EARLIEST.year}", Location("--fact", 0, "weeks_on_drug"))
        med["since"] = (day - dt.timedelta(weeks=value)).isoformat()
    elif name == "use_pattern":
        med["pattern"] = value
    elif QUICK[name][2] == "response":
        med.setdefault("response", {})[name] = value
    elif name == "also_taking":
        data.setdefault("medications", []).append({"drug": value})
    elif name == "injury_date":
        data["injury_date"] = value.isoformat()
    elif name == "pain_score":
        data["pain"] = {"score": value}
    elif name == "work_status":
        data["function"] = {"work_status": value}
    elif name == "opioid_agreement":
        data["monitoring"] = {"opioid_agreement": value}
    elif name == "levels":
        entry["levels"] = [part.strip() for part in value.split(",") if part.strip()]
    else:
        entry[name] = value

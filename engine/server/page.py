"""The check page: an office types the request as written and what the record documents, and sees
per item the likely outcome, every criterion with its status and citation, the documentation
checklist and the smallest verified change, which one button applies and re-checks.

Plain HTML forms (no script needed); every value shown goes through Jinja's autoescaping."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Optional

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from engine.errors import EngineError, EngineFault
from engine.intake.sources import Document
from engine.knowledge.case_files import case_from_data
from engine.knowledge.facts import FACTS
from engine.report.check_text import STATUS, VERDICT, plan_obstacles, plan_verdict, resolution
from engine.report.explain import MARK, rule_state
from engine.server import fields, form
from engine.server.service import Checker

TEMPLATES = Path(__file__).parent / "templates"
MAX_FIELDS = 5000
HEADERS = {"Cache-Control": "no-store"}


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.do"])
    env.filters["format_item"] = lambda key, n: f"items[{n}].{key}"
    env.tests["startingwith"] = lambda text, prefix: str(text).startswith(prefix)
    env.globals.update(VERDICT=VERDICT, STATUS=STATUS, MARK=MARK, rule_state=rule_state, resolution=resolution,
                       plan_verdict=plan_verdict, plan_obstacles=plan_obstacles, to_json=json.dumps)
    return env


def datalists(checker: Checker) -> Markup:
    """Suggestions for drug, service, finding and documentation names, rendered once per server."""
    vocab = checker.pack.vocab
    drugs = sorted({w for d in vocab.drugs.values() for w in (d.name, *d.synonyms)}, key=str.lower)
    services = {w for s in vocab.services.values() for w in (s.name.replace("_", " "), *s.synonyms)}
    treatments = sorted(set(drugs) | services, key=str.lower)

    def options(list_id: str, values: list[tuple[str, str]]) -> str:
        body = "".join(f'<option value="{escape(v)}">{escape(label)}</option>' if label else f'<option value="{escape(v)}">'
                       for v, label in values)
        return f'<datalist id="{list_id}">{body}</datalist>'

    facts = {ns: [(n.split(".", 1)[1], f.description) for n, f in FACTS.items() if n.startswith(ns + ".")]
             for ns in ("finding", "doc")}
    return Markup("\n".join([options("treatments", [(w, "") for w in treatments]),
                             options("drugs", [(w, "") for w in drugs]),
                             options("findings", facts["finding"]),
                             options("documentation", facts["doc"])]))


def router(checker: Checker) -> APIRouter:
    page = APIRouter(include_in_schema=False)
    env = environment()
    lists = datalists(checker)
    pack = checker.pack

    def render(entry: form.Entry, status: int = 200, extra_rows: int = 0, **context: Any) -> HTMLResponse:
        template = env.get_template("print.html" if context.get("printable") else "page.html")
        html = template.render(entry=entry, fields=fields, extra=extra_rows, datalists=lists, pack=pack,
                               problem=form.bad_form(entry), **context)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    @page.get("/", response_class=HTMLResponse)
    def blank() -> HTMLResponse:
        return render(form.read_form({}, dt.date.today()))

    @page.post("/", response_class=HTMLResponse)
    async def submit(request: Request) -> HTMLResponse:
        raw = await request.form(max_fields=MAX_FIELDS)
        typed_in = {key: value for key, value in raw.items() if isinstance(value, str)}
        action = typed_in.pop("action", "check")
        notice: Optional[str] = None
        applied = typed_in.pop("apply", None)
        if applied is not None:
            typed_in, notice = _apply(typed_in, applied)
        entry = form.read_form(typed_in, dt.date.today())
        if action == "more":
            return render(entry, extra_rows=2)
        if entry.errors or not entry.rows.get("items"):
            if not entry.errors:
                entry.errors["items[0].request"] = "write at least one request"
            return render(entry, status=422, notice=notice)
        doc = Document("form", entry.data, {(): 0})
        try:
            case = case_from_data(entry.data, name="form")
            report, decision = await run_in_threadpool(checker.check_with_decision, case, doc, "form")
        except EngineError as exc:
            entry.error_at(exc)
            return render(entry, status=422, notice=notice)
        except EngineFault:
            entry.errors["form"] = "the engine failed on this request; nothing was decided (please report it)"
            return render(entry, status=500, notice=notice)
        results = [(advice, decision.item(advice.id)) for advice in report.items]
        return render(entry, report=report, results=results, notice=notice, printable=action == "print")

    return page


def _apply(typed_in: dict[str, str], applied: str) -> tuple[dict[str, str], str]:
    """The form with a suggested change (as the Apply button carries it) written in."""
    try:
        change = json.loads(applied)
        changed = form.apply_change(typed_in, str(change["item"]), str(change["field"]), change["value"])
        return changed, f"Applied to {change['item']}: {change.get('text') or change['field']}. Checked again below."
    except (ValueError, KeyError, TypeError, EngineError):
        return typed_in, "That change could not be applied; the request was checked as it stands."

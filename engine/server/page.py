"""The check page: an office types the request as written and what the record documents, and sees
per item the likely outcome, every criterion with its status and citation, the documentation
checklist and the smallest verified change, which one button applies and re-checks.

Plain HTML forms (no script needed); every value shown goes through Jinja's autoescaping."""

from __future__ import annotations

import datetime as dt
import json
import re
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
CONTROL = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]")  # C0, C1, bidi


def visible(value: Any) -> Any:
    """Control characters in shown text become visible escapes (then autoescaping does the HTML)."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", value)


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.do"], finalize=visible)
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


class Page:
    """The page's logic, without the web framework: form text in, (HTML, status) out."""

    def __init__(self, checker: Checker):
        self.checker = checker
        self.env = environment()
        self.lists = datalists(checker)

    def render(self, entry: form.Entry, status: int = 200, extra_rows: int = 0, **context: Any) -> tuple[str, int]:
        template = self.env.get_template("print.html" if context.get("printable") else "page.html")
        html = template.render(entry=entry, fields=fields, extra=extra_rows, datalists=self.lists,
                               pack=self.checker.pack, problem=form.bad_form(entry), **context)
        return html, status

    def blank(self, today: dt.date) -> tuple[str, int]:
        return self.render(form.read_form({}, today))

    def submit(self, typed_in: dict[str, str], today: dt.date) -> tuple[str, int]:
        """Check what was typed (after applying a suggested change, if one was chosen)."""
        typed_in = dict(typed_in)
        action = typed_in.pop("action", "check")
        notice: Optional[str] = None
        applied = typed_in.pop("apply", None)
        if applied is not None:
            typed_in, notice = _apply(typed_in, applied)
        entry = form.read_form(typed_in, today)
        if action == "more":
            return self.render(entry, extra_rows=2)
        if not entry.errors and not entry.rows.get("items"):
            entry.errors["items[0].request"] = "write at least one request"
        if entry.errors:
            return self.render(entry, status=422, notice=notice)
        try:
            case = case_from_data(entry.data, name="form")
            report, decision = self.checker.check_with_decision(case, Document("form", entry.data, {(): 0}), "form")
        except EngineError as exc:
            entry.error_at(exc)
            return self.render(entry, status=422, notice=notice)
        except EngineFault:
            entry.errors["form"] = "the engine failed on this request; nothing was decided (please report it)"
            return self.render(entry, status=500, notice=notice)
        results = [(advice, decision.item(advice.id)) for advice in report.items]
        return self.render(entry, report=report, results=results, notice=notice, printable=action == "print")


def router(checker: Checker) -> APIRouter:
    routes = APIRouter(include_in_schema=False)
    page = Page(checker)

    @routes.get("/", response_class=HTMLResponse)
    def blank() -> HTMLResponse:
        html, status = page.blank(dt.date.today())
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    @routes.post("/", response_class=HTMLResponse)
    async def submit(request: Request) -> HTMLResponse:
        raw = await request.form(max_fields=MAX_FIELDS)
        typed_in = {key: value for key, value in raw.items() if isinstance(value, str)}
        html, status = await run_in_threadpool(page.submit, typed_in, dt.date.today())
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    return routes


def _apply(typed_in: dict[str, str], applied: str) -> tuple[dict[str, str], str]:
    """The form with a suggested change (as the Apply button carries it) written in."""
    try:
        change = json.loads(applied)
        changed = form.apply_change(typed_in, str(change["item"]), str(change["field"]), change["value"])
        return changed, f"Applied to {change['item']}: {change.get('text') or change['field']}. Checked again below."
    except (ValueError, KeyError, TypeError, EngineError):
        return typed_in, "That change could not be applied; the request was checked as it stands."

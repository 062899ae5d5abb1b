"""The HTTP API: check and decide a case sent as JSON, and a health probe.

The body is the case format of docs/case-format.md as JSON, read by the same models as case files;
the answers are byte for byte what `ur check --format json` prints and the line `ur batch` writes.
Errors are RFC 9457 problem details (`application/problem+json`) that name the line and field."""

from __future__ import annotations

from typing import Any, Optional

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from engine.errors import EngineError
from engine.report.check_text import render_json
from engine.server.service import Checker, case_from_json

PROBLEM = "application/problem+json"
SCHEMA = "#/components/schemas/"


class Problem(BaseModel):
    """RFC 9457 problem details, with where the problem is (as `file:line: field: message`)."""

    type: str
    title: str
    status: int
    detail: str
    file: Optional[str] = None
    line: Optional[int] = None
    field: Optional[str] = None


def problem(status: int, title: str, detail: str, kind: str, exc: Optional[EngineError] = None) -> JSONResponse:
    body: dict[str, Any] = {"type": f"/problems/{kind}", "title": title, "status": status, "detail": detail}
    if exc is not None and exc.location is not None:
        loc = exc.location
        body.update(file=loc.file, line=loc.line or None, field=loc.field or None)
    return JSONResponse({k: v for k, v in body.items() if v is not None}, status_code=status, media_type=PROBLEM,
                        headers={"Cache-Control": "no-store"})


def bad_input(exc: EngineError) -> JSONResponse:
    """An EngineError as a problem naming its place: 400 when the body is not JSON, else 422."""
    malformed = exc.message.startswith(("invalid JSON", "the body is not valid UTF-8", "the body must be one JSON"))
    if malformed:
        return problem(400, "Malformed request body", str(exc), "malformed-body", exc)
    return problem(422, "Invalid case", str(exc), "invalid-case", exc)


def _errors(*codes: int) -> dict:
    return {code: {"description": {400: "The body is not one JSON object", 413: "The body is over the size limit",
                                   415: "The body is not JSON", 422: "The case is invalid (the field is named)"}[code],
                   "content": {PROBLEM: {"schema": {"$ref": SCHEMA + "Problem"}}}} for code in codes}


def _body(schema: str) -> dict:
    return {"requestBody": {"required": True, "description": "One case, in the case format (docs/case-format.md), as JSON",
                            "content": {"application/json": {"schema": {"$ref": SCHEMA + schema}}}}}


def _ok(schema: str, description: str) -> dict:
    return {200: {"description": description, "content": {"application/json": {"schema": {"$ref": SCHEMA + schema}}}}}


def router(checker: Checker) -> APIRouter:
    api = APIRouter(prefix="/api", tags=["api"])

    async def read_case(request: Request):
        kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if kind and kind != "application/json" and not kind.endswith("+json"):
            return None, problem(415, "Unsupported media type", f"send the case as application/json (got {kind})",
                                 "unsupported-media-type")
        try:
            case, doc = case_from_json(await request.body())
        except EngineError as exc:
            return None, bad_input(exc)
        return (case, doc), None

    @api.post("/check", summary="Pre-submission check (as `ur check --format json`)",
              response_class=Response, openapi_extra=_body("Case"),
              responses={**_ok("CheckResult", "Likely outcome, blocking criteria and verified changes per item"),
                         **_errors(400, 413, 415, 422)})
    async def check(request: Request) -> Response:
        """Likely outcome per item, the criteria that block it with citations, the documentation to
        add and the smallest verified change. `approvable` is true when every item is likely approvable."""
        read, error = await read_case(request)
        if error:
            return error
        case, doc = read
        try:
            report = await run_in_threadpool(checker.check, case, doc, case.id or "request")
        except EngineError as exc:
            return bad_input(exc)
        return Response(render_json(report) + "\n", media_type="application/json", headers={"Cache-Control": "no-store"})

    @api.post("/decide", summary="Decision record (as one line of `ur batch`)",
              response_class=Response, openapi_extra=_body("Case"),
              responses={**_ok("DecisionRecord", "The decision record: input, rule files, versions and result"),
                         **_errors(400, 413, 415, 422)})
    async def decide(request: Request) -> Response:
        """The reproducible decision record of the case (`ur verify` re-checks it)."""
        read, error = await read_case(request)
        if error:
            return error
        case, doc = read
        try:
            line = await run_in_threadpool(checker.decide, case, doc, case.id or "request")
        except EngineError as exc:
            return bad_input(exc)
        return Response(line + "\n", media_type="application/json", headers={"Cache-Control": "no-store"})

    @api.get("/health", summary="Health probe: the server answers and which rules it uses")
    def health() -> dict:
        pack = checker.pack
        return {"status": "ok", "rules": {"name": pack.info.name, "version": pack.info.version,
                                          "digest": pack.digest, "count": len(pack.rules)}}

    return api


def openapi_components() -> dict[str, Any]:
    """JSON schemas of the case, the check result, the decision record and a problem, from the
    very pydantic models the engine validates and writes with."""
    from pydantic.json_schema import models_json_schema

    from engine.advise.checklist import CheckReport
    from engine.decide.record import DecisionRecord
    from engine.intake.cases import Case

    _, schema = models_json_schema([(Case, "validation"), (CheckReport, "serialization"),
                                    (DecisionRecord, "serialization"), (Problem, "serialization")],
                                   ref_template=SCHEMA + "{model}")
    defs = schema["$defs"]
    defs["CheckResult"] = {"title": "CheckResult", "allOf": [
        {"type": "object", "required": ["approvable"],
         "properties": {"approvable": {"type": "boolean", "description": "Every item is likely approvable"}}},
        {"$ref": SCHEMA + "CheckReport"}]}
    return defs

"""The web application behind `ur serve`: the check page, the HTTP API and the OpenAPI schema.

Privacy by construction: nothing a request carries is stored or logged (no access log unless the
operator turns it on, and then only method and path; internal errors are logged by type and code
line, never with their message or the body); the decision log is written only when the operator
names a file. Every body is read up to a size limit before anything parses it."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from engine.server import api, page
from engine.server.service import Checker, Settings

LOG = logging.getLogger("engine.server")
STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                                  b"frame-ancestors 'none'; base-uri 'none'"),
]
DESCRIPTION = """Pre-submission checks and decision records for California workers' compensation
utilization review. The body of `/api/check` and `/api/decide` is one case in the case format
(docs/case-format.md) as JSON. Errors are `application/problem+json` naming the line and field.
Nothing sent is stored or logged unless the operator started the server with `--decision-log`."""


def create_app(settings: Settings = Settings(), allowed_hosts: tuple[str, ...] = ()) -> FastAPI:
    """The application for one rule pack (loaded and compiled here, before the first request)."""
    checker = Checker(settings)
    app = FastAPI(title="UR decision engine", version=checker.pack.info.version, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.include_router(api.router(checker))
    app.include_router(page.router(checker))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(HTTPException)
    async def http_problem(request, exc: HTTPException):
        return api.problem(exc.status_code, _title(exc.status_code), str(exc.detail), "http")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(api.openapi_components())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_middleware(Guard, limit=settings.max_body)
    app.state.checker = checker
    return app


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class Guard:
    """Outermost ASGI layer: refuses bodies over the limit (413) before anything parses them,
    adds the security headers, and turns an unexpected failure into a bare 500 problem whose log
    line names only the exception type and the code line."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def send_secure(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        body, refusal = await self._read(scope, receive)
        if refusal is not None:
            return await refusal(scope, receive, send_secure)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        try:
            await self.app(scope, replay, send_secure)
        except Exception as exc:  # noqa: BLE001 - last resort: no traceback text, no data
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            LOG.error("internal error %s at %s:%s", type(exc).__name__, Path(frame.filename).name, frame.lineno)
            if not started:
                await api.problem(500, "Internal error", "the server failed on this request; nothing was stored",
                                  "internal")(scope, replay, send_secure)

    async def _read(self, scope, receive):
        """The whole body, or a 413/400 response when it is too large or its length is unreadable."""
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                return b"", api.problem(400, "Bad request", "Content-Length is not a number", "bad-length")
            if int(declared) > self.limit:
                return b"", self._too_large(int(declared))
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                return b"", self._too_large(None)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks), None

    def _too_large(self, size):
        said = f"{size:,} bytes" if size is not None else "more than that"
        return api.problem(413, "Request body too large", f"the body is {said}; this server accepts at most "
                           f"{self.limit:,} bytes", "too-large")

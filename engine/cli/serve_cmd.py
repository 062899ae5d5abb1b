"""`ur serve`: the check page and the HTTP API on one local web server (docs/server.md)."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Annotated, Optional

import typer

from engine.cli.common import RulesOption, SignKeyOption, app, echo, fail, sign_key
from engine.errors import EngineError

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (default: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: any free port).")] = 8000,
    rules: RulesOption = None,
    decision_log: Annotated[Optional[Path], typer.Option(
        "--decision-log", help="Append every decision record (JSONL, case data included) to this file.")] = None,
    max_body: Annotated[int, typer.Option("--max-body", min=1024, help="Largest request body accepted, in bytes.")] = 256 * 1024,
    access_log: Annotated[bool, typer.Option("--access-log", help="Log each request's method and path.")] = False,
    key_file: SignKeyOption = None,
) -> None:
    """For offices and systems: the check page and the HTTP API (POST /api/check, /api/decide)."""
    try:
        import uvicorn

        from engine.server.app import create_app
        from engine.server.service import Settings
    except ImportError as exc:  # pragma: no cover - depends on the installation
        fail(EngineError(f"the server needs its packages ({exc.name} is missing): pip install -e ."))
    try:
        if decision_log is not None and decision_log.is_dir():
            raise EngineError(f"--decision-log {decision_log}: is a folder; name a file")
        local = _is_loopback(host)
        sock = _bind(host, port)
        settings = Settings(rules=rules, decision_log=decision_log, sign_key=sign_key(key_file), max_body=max_body)
        application = create_app(settings,
                                 allowed_hosts=_local_hosts() if local else ())
    except (EngineError, OSError) as exc:
        fail(exc if isinstance(exc, EngineError) else EngineError(f"cannot listen on {host}:{port}: {exc.strerror or exc}"))
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    echo(f"Serving the check page at http://{shown}:{bound_port}/  (API: /api/check, /api/decide, /api/health; "
               f"schema: /openapi.json). Ctrl+C stops it.")
    if not local:
        echo("warning: listening beyond this machine; case data is medical: put TLS and access control in front",
                   err=True)
    if decision_log is not None:
        echo(f"Decision log on: every decision record (with its case data) is appended to {decision_log}", err=True)
    config = uvicorn.Config(application, access_log=access_log, log_level="info" if access_log else "warning",
                            server_header=False, proxy_headers=False)
    uvicorn.Server(config).run(sockets=[sock])


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _local_hosts() -> tuple[str, ...]:
    """Host headers accepted on a loopback server (refuses DNS-rebinding pages from elsewhere)."""
    return ("127.0.0.1", "localhost", "[::1]", "::1")


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound before the address is printed (so port 0 prints the real port)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP proto: asyncio then sets TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock

"""A real `ur serve` process on a free loopback port, for the API, load and browser tests.

Started as a user starts it (the console entry point with `serve --port 0`); its address is read
from the line it prints. Requests use the standard library only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

START_TIMEOUT = 120
ENTRY = "import sys; from engine.cli import main; sys.argv[0] = 'ur'; main()"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0]

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class Server:
    base: str
    workdir: Path
    stderr: Path

    def request(self, method: str, path: str, body: Optional[bytes] = None, content_type: Optional[str] = None,
                headers: Optional[dict[str, str]] = None, timeout: float = 60) -> Reply:
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=dict(headers or {}))
        if content_type:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return Reply(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())

    def get(self, path: str, **kw) -> Reply:
        return self.request("GET", path, **kw)

    def post_json(self, path: str, data: Any) -> Reply:
        return self.request("POST", path, json.dumps(data).encode(), "application/json")

    def post_form(self, path: str, fields: dict[str, str]) -> Reply:
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")


@contextmanager
def running(workdir: Path, *options: str) -> Iterator[Server]:
    """`ur serve --port 0 OPTIONS` in `workdir`; stopped (by its own pid) when the block ends."""
    stderr = workdir / "server-stderr.txt"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with stderr.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-c", ENTRY, "serve", "--port", "0", *options], cwd=workdir,
                                stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if "http://" not in line:
            proc.wait(timeout=START_TIMEOUT)
            raise RuntimeError(f"ur serve did not start: {line!r} {stderr.read_text()[-2000:]}")
        base = line.split("http://", 1)[1].split("/", 1)[0]
        yield Server(f"http://{base}", workdir, stderr)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()

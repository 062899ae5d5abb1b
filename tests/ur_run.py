"""Run `ur` command lines in this process through engine.cli.run (the real entry point: exit codes,
one-line errors, escaping), capturing what it prints. Much faster than a subprocess per call,
so the fuzz tests can try thousands of inputs."""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from typing import Optional

from engine.cli import run


@dataclass
class Result:
    code: int
    out: str
    err: str


def ur(*args: str, stdin: Optional[bytes] = None) -> Result:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = run([str(a) for a in args])
    finally:
        sys.stdin = saved
    return Result(code, out.getvalue(), err.getvalue())


def assert_clean(result: Result, codes=(0, 1, 2)) -> None:
    """No traceback, an allowed exit code, no raw control character; an exit 2 says `error:`."""
    text = result.out + result.err
    assert result.code in codes, f"exit {result.code}: {result.err[-500:]}"
    assert "Traceback" not in text, result.err
    assert not any(c in text for c in "\x1b\x07\x9b\r"), repr(text[:300])
    if result.code == 2 and result.err:
        assert "error:" in result.err or "ERROR" in result.out, result.err


def bundled_pack_once(monkeypatch) -> None:
    """Load the bundled rule pack once for many in-process runs (a fresh `ur` process loads it
    from its cache each time; rule packs given with --rules are still loaded per run)."""
    import engine.knowledge.pack as pack_module

    real = pack_module.load_pack
    memo: dict = {}

    def load_pack(root=None):
        if root is not None and str(root) != str(pack_module.DEFAULT_RULES):
            return real(root)
        if "pack" not in memo:
            memo["pack"] = real(None)
        return memo["pack"]

    monkeypatch.setattr(pack_module, "load_pack", load_pack)

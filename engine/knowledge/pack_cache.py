"""A cache of validated rule packs, so a one-case command (`ur check`) does not parse and
validate every rule file again in each new process.

An entry is keyed by the sha256 of every file the pack is made of (path and bytes), of every
source file of the engine itself (models, fact catalog, validators) and by the Python, pydantic
and PyYAML versions: any change to the rules or to the code that validates them
gives a new key, so a cached pack is always one that full validation accepted from the same
bytes. Entries live under $UR_CACHE_DIR (empty: no cache) or ~/.cache/ur-engine. The cache is
skipped silently when the folder cannot be written, and an entry is only read if it is owned
by the current user and not writable by others (it is a pickle).
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import platform
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

KEEP = 8  # entries kept; older ones are removed on write
ENGINE_DIR = Path(__file__).resolve().parents[1]
_ENGINE_SOURCES: Optional[str] = None


def folder() -> Optional[Path]:
    configured = os.environ.get("UR_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured.strip() else None
    return Path.home() / ".cache" / "ur-engine"


def engine_code_digest() -> str:
    """One sha256 of the engine's own code: every .py file under engine/, by relative path and bytes.
    It keys this cache (the code that validated a pack) and is written in every decision record
    (the code that decided it)."""
    global _ENGINE_SOURCES
    if _ENGINE_SOURCES is None:
        h = hashlib.sha256()
        for path in sorted(ENGINE_DIR.rglob("*.py")):
            h.update(f"{path.relative_to(ENGINE_DIR)}\0".encode() + path.read_bytes())
        _ENGINE_SOURCES = h.hexdigest()
    return _ENGINE_SOURCES


def _versions() -> str:
    """The interpreter and the libraries that build the pack's objects (already imported by now)."""
    import pydantic
    import pydantic_core
    import yaml

    return "\n".join([platform.python_implementation(), sys.version, f"pydantic={pydantic.VERSION}",
                      f"pydantic-core={pydantic_core.__version__}", f"PyYAML={yaml.__version__}"])


def key(root: Path, files: list[Path]) -> Optional[str]:
    """The cache key of a pack made of `files` under `root`, or None when caching is off."""
    if folder() is None:
        return None
    h = hashlib.sha256(f"{Path(root).resolve()}\n{_versions()}\n{engine_code_digest()}\n".encode())
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            return None  # let the normal loader report it
        h.update(f"{path}\0{hashlib.sha256(data).hexdigest()}\n".encode())
    return h.hexdigest()


def read(cache_key: Optional[str]) -> Any:
    """The cached pack, or None (no entry, not ours, unreadable or from another layout)."""
    base = folder()
    if cache_key is None or base is None:
        return None
    path = base / f"pack-{cache_key}.pickle"
    try:
        info = path.stat()
        if (hasattr(os, "getuid") and info.st_uid != os.getuid()) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    enabled = gc.isenabled()
    gc.disable()  # tens of thousands of small objects: the cyclic collector would run many times (2x slower)
    try:
        return pickle.loads(data)
    except Exception:  # a truncated or stale entry means: load the pack normally
        return None
    finally:
        if enabled:
            gc.enable()


def write(cache_key: Optional[str], pack: Any) -> None:
    """Store the pack (atomically); any failure leaves the cache as it was."""
    base = folder()
    if cache_key is None or base is None:
        return
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=base, prefix=".pack-", suffix=".tmp")
        with os.fdopen(fd, "wb") as stream:
            pickle.dump(pack, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, base / f"pack-{cache_key}.pickle")
        entries = sorted(base.glob("pack-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except Exception:
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except Exception:
            pass

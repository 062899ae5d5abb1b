"""The durable_rules adapter: one quiet Host per process, one session per evaluation, deleted after.

Pitfalls handled here (see docs/engine-notes.md): ruleset names can't be registered twice
(names carry a content hash); set_rulesets mutates its input (we pass fresh dicts); the
background timer threads are disabled; action exceptions are captured and raised; every
session is deleted in `finally` (1,024 live sessions is a hard limit).
"""

from __future__ import annotations

import ctypes
import sys
from typing import Callable

from engine.errors import EngineError, EngineFault

try:
    from durable.engine import Host, MessageNotHandledException
except ImportError as exc:  # pragma: no cover - depends on the machine
    raise EngineError(
        f"durable_rules does not import ({exc}); it builds from source: install gcc and the Python "
        "headers, use Python 3.11 or 3.12, then `pip install durable-rules==2.0.28`"
    ) from None


def _tune_malloc() -> None:
    """Keep per-session state allocations off mmap/trim churn (6-7x slower otherwise)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 64 * 1024 * 1024)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1024 * 1024 * 1024)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


class _QuietHost(Host):
    """A Host without the timer threads (no async actions are used)."""

    def __init__(self, recorder: "EngineHost"):
        self._recorder = recorder
        super().__init__()

    def _run(self) -> None:  # noqa: D401 - disables the background dispatcher
        return None

    def get_action(self, action_name: str) -> Callable:
        return self._recorder.action(action_name)


class EngineHost:
    """Registers compiled rulesets once and runs one fact through one of them at a time."""

    def __init__(self) -> None:
        _tune_malloc()
        self._fired: list[str] = []
        self._errors: list[str] = []
        self._registered: set[str] = set()
        self._next_sid = 0
        self._host = _QuietHost(self)

    def action(self, name: str) -> Callable:
        fired, errors = self._fired, self._errors

        def act(c) -> None:  # one parameter: durable_rules treats two as async
            try:
                fired.append(name)
            except Exception as exc:  # pragma: no cover - defensive
                errors.append(f"{name}: {exc}")

        return act

    def ensure(self, rulesets: dict[str, dict]) -> None:
        """Register the rulesets not yet known to this process."""
        new = {name: definition for name, definition in rulesets.items() if name not in self._registered}
        if new:
            self._host.set_rulesets(new)
            self._registered.update(new)

    def is_registered(self, name: str) -> bool:
        return name in self._registered

    def run(self, ruleset: str, fact: dict) -> list[str]:
        """Assert one fact in a fresh session; return the engine actions fired, in order."""
        self._next_sid += 1
        sid = str(self._next_sid)
        self._fired.clear()
        self._errors.clear()
        try:
            self._host.assert_fact(ruleset, {**fact, "sid": sid})
        except MessageNotHandledException:
            raise EngineFault(f"ruleset {ruleset} did not observe the fact: {sorted(fact)}") from None
        finally:
            self._host.delete_state(ruleset, sid)
        if self._errors:
            raise EngineFault("; ".join(self._errors))
        return list(self._fired)


_HOST: EngineHost | None = None


def get_host() -> EngineHost:
    """The process's engine host (each worker process builds its own)."""
    global _HOST
    if _HOST is None:
        _HOST = EngineHost()
    return _HOST

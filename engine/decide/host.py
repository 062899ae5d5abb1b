"""The durable_rules adapter: one quiet Host per process; each fact meets a session holding no other fact.

Pitfalls handled here (see docs/performance.md, "What was changed for speed"): ruleset names can't be registered twice
(names carry a content hash); set_rulesets mutates its input (we pass fresh dicts); the
background timer threads are disabled; action exceptions are captured and raised; the "host"
driver deletes every session in `finally` (1,024 live sessions is a hard limit); the "thin"
driver keeps one session per ruleset and retracts each fact after its firings.

Two drivers fire the same rules. "thin" (the default) talks to the C engine directly:
assert_fact -> start_action_for_state -> complete_and_start_action, reading only the fired
rule's name; it skips the Host's per-action Closure, JSON state round-trips and timestamps
(3-6x less Python per firing). "host" runs every firing through durable's Host API and our
Python action. Both register through the Host, so they run the very same compiled rulesets;
tests/test_host.py checks they agree. The thin driver relies on two undocumented details of
durable_rules_engine 2.0.28 (the result tuple of assert_fact, and the action message being
a JSON object keyed by rule name); `run` checks both and raises EngineFault if they change.
Pick the driver with UR_ENGINE_DRIVER=thin|host.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import sys
from decimal import Decimal
from typing import Callable

from engine.errors import EngineError, EngineFault

try:
    import durable_rules_engine as _dre
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


DRIVERS = ("thin", "host")


class EngineHost:
    """Registers compiled rulesets once and runs one fact through one of them at a time."""

    def __init__(self, driver: str | None = None) -> None:
        driver = driver or os.environ.get("UR_ENGINE_DRIVER", "thin")
        if driver not in DRIVERS:
            raise EngineError(f"UR_ENGINE_DRIVER must be one of {', '.join(DRIVERS)} (got '{driver}')")
        _tune_malloc()
        self.driver = driver
        self._fired: list[str] = []
        self._errors: list[str] = []
        self._registered: set[str] = set()
        self._handles: dict[str, int] = {}
        self._next_sid = 0
        self._sessions: set[str] = set()  # rulesets with a live session (thin driver)
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
            try:
                self._host.set_rulesets(new)
            except Exception as exc:  # the C engine raises plain Exceptions (e.g. error 204 for a threshold)
                raise EngineFault(f"the rule engine refused {', '.join(sorted(new))}: {exc}") from None
            self._registered.update(new)
            for name in new:
                self._handles[name] = self._host.get_ruleset(name)._handle

    def is_registered(self, name: str) -> bool:
        return name in self._registered

    def run(self, ruleset: str, fact: dict) -> list[str]:
        """Assert one fact in a session holding no other fact; return the engine actions fired, in order."""
        if self.driver == "thin":
            return self._run_thin(ruleset, fact)
        self._next_sid += 1
        sid = str(self._next_sid)
        self._fired.clear()
        self._errors.clear()
        try:
            state = self._host.assert_fact(ruleset, {**fact, "sid": sid})
        except MessageNotHandledException:  # no session was created; deleting one crashes the C engine
            raise EngineFault(f"ruleset {ruleset} did not observe the fact: {sorted(fact)}") from None
        except BaseException:
            self._host.delete_state(ruleset, sid)
            raise
        self._host.delete_state(ruleset, sid)
        if isinstance(state, dict) and state.get("exception"):  # durable swallows action exceptions
            self._errors.append(f"ruleset {ruleset}: an action raised: {str(state['exception']).split(', traceback')[0]}")
        if self._errors:
            raise EngineFault("; ".join(self._errors))
        return list(self._fired)

    def _run_thin(self, ruleset: str, fact: dict) -> list[str]:
        """The same firings without the Host: only rule names cross back into Python.

        Each ruleset keeps one session, and the fact is retracted after its firings, so the next
        fact meets an empty session. (A new session per fact, deleted after, zeroes about 40 KB of
        engine state each time: 7% of a case's instructions and a quarter of its first-level cache
        write misses; docs/performance.md.) On any engine error the session is deleted, so the
        next fact starts a new one."""
        handle = self._handles.get(ruleset)
        if handle is None:
            raise EngineFault(f"ruleset {ruleset} is not registered")
        text = _dumps({**fact, "sid": _SESSION})
        kept = False
        try:
            result = _dre.assert_fact(handle, text)
            if result[0] == 1:  # nothing matched
                raise EngineFault(f"ruleset {ruleset} did not observe the fact: {sorted(fact)}")
            if result[0] != 0:
                raise EngineFault(f"ruleset {ruleset}: unexpected engine result {result!r}")
            self._sessions.add(ruleset)
            fired: list[str] = []
            started = _dre.start_action_for_state(handle, result[1])
            message = started[1] if started else None
            while message:
                fired.append(_rule_name(message))
                message = _dre.complete_and_start_action(handle, result[1])
            _dre.retract_fact(handle, text)
            kept = True
            return fired
        except EngineFault:
            raise
        except Exception as exc:  # the C engine raises plain Exceptions carrying an error code
            raise EngineFault(f"ruleset {ruleset}: engine error {exc}") from None
        finally:
            if not kept:
                self._drop_session(ruleset, handle)

    def _drop_session(self, ruleset: str, handle: int) -> None:
        """Delete the ruleset's session if it has one (deleting a session that does not exist
        crashes the C engine)."""
        if ruleset in self._sessions:
            self._sessions.discard(ruleset)
            _dre.delete_state(handle, _SESSION)


_SESSION = "0"  # the one session id of each ruleset (thin driver)


_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode  # facts are flat dicts
# The C engine's JSON reader refuses exponents ("1e+16", "1e-05": error 204) and NaN/Infinity.
# Python writes a float's exponent as "e+" or "e-" (never "E"); a text merely containing one of
# these (a word like "re-injury") takes the slow path, which writes the same JSON.


def _dumps(fact: dict) -> str:
    """The fact as JSON the C engine reads: numbers written out in full, never with an exponent
    (the fast path when no number needs it, which is nearly always)."""
    text = _encode(fact)
    if "e+" not in text and "e-" not in text and "NaN" not in text and "Infinity" not in text:
        return text
    return "{" + ",".join(f"{_encode(key)}:{_plain(value)}" for key, value in fact.items()) + "}"


def _plain(value) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EngineFault(f"a fact value is not a finite number ({value})")
        shown = repr(value)
        return format(Decimal(shown), "f") if "e" in shown or "E" in shown else shown
    if isinstance(value, list):
        return "[" + ",".join(_plain(item) for item in value) + "]"
    return _encode(value)


def _rule_name(message: str) -> str:
    """The rule name keying an action message: '{"<name>":{"m":...}}' (names never hold quotes)."""
    if not message.startswith('{"'):
        raise EngineFault(f"unexpected engine action message: {message[:80]!r}")
    return message[2:message.index('"', 2)]


_HOST: EngineHost | None = None


def get_host() -> EngineHost:
    """The process's engine host (each worker process builds its own)."""
    global _HOST
    if _HOST is None:
        _HOST = EngineHost()
    return _HOST

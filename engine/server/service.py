"""What the server does with a case: check it (as `ur check`), decide it (as `ur batch`), and,
only when the operator asked for it, append the decision record to a log.

One durable_rules host serves the whole process and is not thread-safe, so evaluations run one at
a time under a lock (the work is CPU-bound under the GIL anyway); the web framework's threads
still answer health checks and static files meanwhile."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from engine.advise.checklist import CheckReport, advise
from engine.decide.decision import CaseDecision
from engine.decide.evaluate import compiled
from engine.decide.record import engine_json, evaluate_reading, record_line, timestamp
from engine.errors import EngineError, Location
from engine.intake.cases import Case
from engine.intake.sources import Document, parse_text, validate
from engine.knowledge.case_files import check_documented_facts
from engine.knowledge.pack import load_pack

MAX_ITEMS = 50


@dataclass(frozen=True)
class Settings:
    """The operator's choices for one server (all from `ur serve` options)."""

    rules: Optional[Path] = None
    decision_log: Optional[Path] = None
    sign_key: Optional[bytes] = None
    max_body: int = 256 * 1024
    max_items: int = MAX_ITEMS


class Checker:
    """The loaded rule pack and everything evaluated through it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.pack = load_pack(settings.rules)
        compiled(self.pack, complete=True)  # registers every ruleset now, not on the first request
        self.engine = engine_json()
        self._lock = threading.Lock()
        self._log_lock = threading.Lock()
        if settings.decision_log is not None:
            _open_log(settings.decision_log).close()  # fail at start-up, not on the first request

    def check(self, case: Case, doc: Optional[Document] = None, name: str = "request") -> CheckReport:
        """The pre-submission check, exactly as `ur check` computes it."""
        self._limit(case, doc)
        with self._lock:
            report = advise(case, self.pack, doc, name)
            line = self._record(case, doc, name) if self.settings.decision_log else None
        if line is not None:
            self._append(line)
        return report

    def check_with_decision(self, case: Case, doc: Optional[Document] = None,
                            name: str = "request") -> tuple[CheckReport, CaseDecision]:
        """The check plus the full decision (every criterion of every rule), for the page."""
        self._limit(case, doc)
        with self._lock:
            decision, reads = evaluate_reading(case, self.pack, doc, name)
            report = advise(case, self.pack, doc, name)
        if self.settings.decision_log:
            self._append(self._line(case, name, decision, reads))
        return report, decision

    def decide(self, case: Case, doc: Optional[Document] = None, name: str = "request") -> str:
        """The decision record as one canonical JSON line, byte for byte what `ur batch` writes."""
        self._limit(case, doc)
        with self._lock:
            line = self._record(case, doc, name)
        if self.settings.decision_log:
            self._append(line)
        return line

    def _record(self, case: Case, doc: Optional[Document], name: str) -> str:
        decision, reads = evaluate_reading(case, self.pack, doc, name)
        return self._line(case, name, decision, reads)

    def _line(self, case: Case, name: str, decision: CaseDecision, reads) -> str:
        return record_line(case, name, self.pack, decision, timestamp(), self.engine, reads, self.settings.sign_key)

    def _limit(self, case: Case, doc: Optional[Document]) -> None:
        if len(case.items) > self.settings.max_items:
            where = doc.location(("items",)) if doc else Location("request", 0, "items")
            raise EngineError(f"{len(case.items)} items; this server checks at most {self.settings.max_items} "
                              "per request", where)

    def _append(self, line: str) -> None:
        """One whole line per record, appended (never truncating), readable by the operator only."""
        assert self.settings.decision_log is not None
        with self._log_lock, _open_log(self.settings.decision_log) as out:
            out.write(line + "\n")


def _open_log(path: Path):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    return os.fdopen(fd, "a", encoding="utf-8")


class _LinedDocument(Document):
    """A request body whose line numbers are worked out only when an error needs one."""

    def __init__(self, path: str, data, text: str):
        self.path, self.data, self._text, self._positions = path, data, text, None

    @property
    def positions(self):  # type: ignore[override]
        if self._positions is None:
            try:
                self._positions = parse_text(self._text, self.path).positions
            except EngineError:
                self._positions = {(): 1}
        return self._positions


def case_from_json(body: bytes, name: str = "body") -> tuple[Case, Document]:
    """A case from a JSON request body, validated like a case file; errors name line and field."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EngineError("the body is not valid UTF-8 text", Location(name, body[: exc.start].count(b"\n") + 1)) from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise EngineError(f"invalid JSON: {exc.msg} (column {exc.colno})", Location(name, exc.lineno)) from None
    except ValueError as exc:
        raise EngineError(str(exc), Location(name, 1)) from None
    if not isinstance(data, dict):
        raise EngineError("the body must be one JSON object (a case)", Location(name, 1))
    doc = _LinedDocument(name, data, text)
    case = validate(Case, doc)
    check_documented_facts(case, doc)
    return case, doc


def _no_constant(word: str):
    raise ValueError(f"invalid JSON: {word} is not a number JSON allows")

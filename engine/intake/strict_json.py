"""Strict JSON for every JSON input read line by line or as a record (ur batch lines, ur verify):
duplicate keys, NaN/Infinity, numbers beyond the bounds and nesting deeper than MAX_DEPTH are
one-line errors with the line, as for YAML files (sources.py)."""

from __future__ import annotations

import json
import re
from typing import Any

from engine.errors import EngineError, Location
from engine.intake.sources import MAX_DEPTH, MAX_MAGNITUDE, number_problem


class _Refused(ValueError):
    """Raised inside the JSON parser's hooks; `token` is searched for to name the line."""

    def __init__(self, message: str, token: str):
        super().__init__(message)
        self.token = token


def _json_object(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"duplicate key '{key}'", json.dumps(key) + ":")
            seen.add(key)
    return out


# An integer literal of at most this many characters cannot exceed MAX_MAGNITUDE (1e15 has 16 digits).
_SHORT = len(str(int(MAX_MAGNITUDE))) - 1


def _json_int(text: str) -> Any:
    if len(text) <= _SHORT:  # at most 15 digits: within MAX_MAGNITUDE, nothing to check
        return int(text)
    return _json_number(text, int)


def _json_float(text: str) -> Any:
    return _json_number(text, float)


def _json_number(text: str, kind: type) -> Any:
    if len(text.lstrip("-")) > 40:  # long digit strings cost time to convert; none is a sane value
        raise _Refused(f"number {text[:20]}... is out of range", text)
    value = kind(text)
    problem = number_problem(value, text)
    if problem:
        raise _Refused(problem, text)
    return value


def _json_constant(text: str) -> Any:
    raise _Refused(f"{text} is not a number that can be used", text)


# Built once: json.loads with hooks would build a decoder (and its scanner) on every call.
_DECODER = json.JSONDecoder(object_pairs_hook=_json_object, parse_int=_json_int, parse_float=_json_float,
                            parse_constant=_json_constant)


def parse_json(text: str, name: str, first_line: int = 1) -> Any:
    """Strict JSON: duplicate keys, NaN/Infinity, numbers beyond the bounds and nesting deeper than
    MAX_DEPTH are one-line errors (`first_line` is the line of `text` in its file)."""
    _refuse_deep_json(text, name, first_line)
    try:
        if text.startswith("\ufeff"):  # what json.loads says of a byte order mark
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise EngineError(f"invalid JSON: {exc.msg} (column {exc.colno})",
                          Location(name, first_line + exc.lineno - 1)) from None
    except _Refused as exc:
        at = text.rfind(exc.token) if exc.token.endswith(":") else text.find(exc.token)
        line = first_line + (text.count("\n", 0, at) if at >= 0 else 0)
        raise EngineError(str(exc), Location(name, line)) from None
    except RecursionError:  # pragma: no cover - _refuse_deep_json stops this first
        raise EngineError(f"nesting deeper than {MAX_DEPTH} levels", Location(name, first_line)) from None


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def _refuse_deep_json(text: str, name: str, first_line: int) -> None:
    """Nesting deeper than MAX_DEPTH is refused before parsing (the parser recurses per level)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    bare = _JSON_STRING.sub('""', text)
    for match in _BRACKETS.finditer(bare):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise EngineError(f"nesting deeper than {MAX_DEPTH} levels", Location(name, first_line))
        else:
            depth -= 1

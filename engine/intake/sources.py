"""Strict YAML/JSON reading with source positions, so every error can name its line; bounded
(bytes actually read, nesting, numbers) and strict (UTF-8, duplicate keys) for every input.

Safe loader only; duplicate keys are refused; only `true`/`false` are booleans (YAML 1.1's
`yes`/`no`/`on`/`off` stay strings and then fail validation loudly).
"""

from __future__ import annotations

import difflib
import json
import math
import re
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import ValidationError

from engine.errors import EngineError, Location

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_NODES = 50_000
MAX_DEPTH = 64
# No case or rule needs a number this large; the rule engine cannot compare larger ones exactly.
MAX_MAGNITUDE = 1e15

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader with YAML 1.2 booleans."""


StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in _BaseLoader.yaml_implicit_resolvers.copy().items()
}
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

Positions = dict[tuple, int]


class Document:
    """Parsed data plus the line of every mapping key / sequence item, keyed by path."""

    def __init__(self, path: str, data: Any, positions: Positions):
        self.path = path
        self.data = data
        self.positions = positions

    def line_of(self, loc: Iterable[Any]) -> int:
        """Line of the deepest known prefix of `loc` (pydantic error locations fit here)."""
        loc = tuple(loc)
        while loc:
            if loc in self.positions:
                return self.positions[loc]
            loc = loc[:-1]
        return self.positions.get((), 1)

    def location(self, loc: Iterable[Any]) -> Location:
        loc = tuple(loc)
        return Location(self.path, self.line_of(loc), dotted(loc))

    def sub(self, prefix: tuple) -> "Document":
        """A view of one sub-tree (e.g. one case in a file of cases) with the same lines."""
        n = len(prefix)
        positions = {k[n:]: v for k, v in self.positions.items() if k[:n] == prefix}
        data = self.data
        for key in prefix:
            data = data[key]
        return Document(self.path, data, positions)


def dotted(loc: Iterable[Any]) -> str:
    """('items', 0, 'quantity') -> 'items[0].quantity'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def read_bytes(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a file, refusing more than `limit`: counted as read, not trusted from the file's
    reported size, so endless or growing input (/dev/zero, a pipe) stops at the limit."""
    name = str(path)
    try:
        with open(path, "rb") as stream:
            raw = stream.read(limit + 1)
    except OSError as exc:
        raise EngineError(f"cannot read file: {exc.strerror or exc}", Location(name)) from None
    if len(raw) > limit:
        raise EngineError(f"file is larger than the limit of {limit:,} bytes", Location(name, 1))
    return raw


def decode(raw: bytes, name: str, first_line: int = 1) -> str:
    """UTF-8 text, or an error naming the line of the first invalid byte (never a silent replacement)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + raw[: exc.start].count(b"\n")
        raise EngineError("not valid UTF-8 text", Location(name, line)) from None


def read_text(path: str | Path, limit: int = MAX_FILE_BYTES) -> str:
    """A whole text file, bounded and strictly UTF-8 (see read_bytes and decode)."""
    return decode(read_bytes(path, limit), str(path))


def read_document(path: str | Path) -> Document:
    """Read one YAML or JSON file; raise EngineError with a line for any syntax problem."""
    return parse_text(read_text(path), str(path))


# JSON writes a character beyond U+FFFF as two escapes (a surrogate pair, "\ud83d\ude00"), which
# the YAML reader refuses; joined into the one character first (an even run of backslashes before
# it means the escape is itself escaped).
_SURROGATE_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")


def _join_surrogate_pairs(text: str) -> str:
    if "\\u" not in text or not text.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
        return text
    return _SURROGATE_PAIR.sub(
        lambda m: m.group(1) + chr(0x10000 + ((int(m.group(2), 16) - 0xD800) << 10) + int(m.group(3), 16) - 0xDC00),
        text)


def parse_text(text: str, name: str) -> Document:
    """Parse YAML (JSON is a subset) text into a Document."""
    text = _join_surrogate_pairs(text)
    try:
        _refuse_deep_nesting(text, name)
        node = yaml.compose(text, Loader=StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        if "mapping values are not allowed" in problem:
            problem += ' (a value containing ": " must be quoted, e.g. title: "Topicals: Lidoderm")'
        raise EngineError(f"YAML syntax error: {problem}", Location(name, line)) from None
    except yaml.reader.ReaderError as exc:  # a raw control character (ESC, DEL, C1) in the file
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise EngineError(f"control character U+{code:04X} is not allowed in a case or rule file"
                          f" (write it escaped, \\u{code:04x}, in a double-quoted string)", Location(name, line)) from None
    except yaml.YAMLError as exc:
        raise EngineError(f"YAML error: {exc}", Location(name, 1)) from None
    except RecursionError:
        raise EngineError("YAML nesting is too deep", Location(name, 1)) from None
    if node is None:
        raise EngineError("file is empty", Location(name, 1))
    builder = _Builder(name, text.splitlines())
    data = builder.build(node, (), 0)
    return Document(name, data, builder.positions)


def number_problem(value: Any, written: str = "") -> str:
    """Why a number read from input cannot be used ('' when it can): not finite, or beyond the bounds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    if (isinstance(value, float) and not math.isfinite(value)) or abs(value) > MAX_MAGNITUDE:
        return f"number {written or value} is out of range (at most {MAX_MAGNITUDE:g} in size)"
    return ""


def _refuse_deep_nesting(text: str, name: str) -> None:
    """libyaml's C composer recurses once per level and crashes the process (segfault) on deep
    nesting such as `[[[[...` or `- - - ...`; the event stream is flat, so check depth there first."""
    depth = 0
    for event in yaml.parse(text, Loader=StrictLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise EngineError(f"nesting deeper than {MAX_DEPTH} levels", Location(name, event.start_mark.line + 1))
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


class _Builder:
    """Turn a composed node tree into plain data, recording positions and refusing traps."""

    def __init__(self, name: str, lines: list[str]):
        self.name = name
        self.lines = lines
        self.positions: Positions = {}
        self.count = 0
        self.scalar_loader = StrictLoader("")

    def build(self, node: yaml.Node, path: tuple, depth: int) -> Any:
        self.count += 1
        line = node.start_mark.line + 1
        if self.count > MAX_NODES:
            raise EngineError(
                f"document expands to more than {MAX_NODES:,} values (alias bomb?)",
                Location(self.name, line),
            )
        if depth > MAX_DEPTH:
            raise EngineError(f"nesting deeper than {MAX_DEPTH} levels", Location(self.name, line))
        self.positions.setdefault(path, line)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
        self._refuse_hidden_quantity(node, path)
        try:
            value = self.scalar_loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise EngineError(f"bad value: {exc}", Location(self.name, line, dotted(path))) from None
        except ValueError as exc:
            raise EngineError(f"bad value: {exc}", Location(self.name, line, dotted(path))) from None
        problem = number_problem(value, str(node.value))
        if problem:
            raise EngineError(problem, Location(self.name, line, dotted(path)))
        return value

    def _refuse_hidden_quantity(self, node: yaml.Node, path: tuple) -> None:
        """`request: Soma #60` silently drops '#60' as a YAML comment; make that an error."""
        if not isinstance(node, yaml.ScalarNode) or node.style not in (None, ""):
            return
        end = node.end_mark
        if end.line >= len(self.lines):
            return
        rest = self.lines[end.line][end.column:]
        if re.match(r"\s+#\s*\d", rest):
            raise EngineError(
                f"'{rest.strip()}' after the value is read as a YAML comment; put the whole value in quotes",
                Location(self.name, end.line + 1, dotted(path)),
            )

    def _mapping(self, node: yaml.MappingNode, path: tuple, depth: int) -> dict:
        out: dict = {}
        merged: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                for source in _merge_sources(value_node):
                    base = self.build(source, path, depth + 1)
                    if not isinstance(base, dict):
                        raise EngineError(
                            "merge key '<<' needs a mapping",
                            Location(self.name, key_node.start_mark.line + 1, dotted(path)),
                        )
                    merged.update({k: v for k, v in base.items() if k not in merged})
                continue
            key = self.build(key_node, path, depth + 1)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise EngineError(
                    f"mapping keys must be text, not {type(key).__name__}",
                    Location(self.name, key_node.start_mark.line + 1, dotted(path)),
                )
            if key in out:
                raise EngineError(
                    f"duplicate key '{key}'",
                    Location(self.name, key_node.start_mark.line + 1, dotted(path + (key,))),
                )
            self.positions[path + (key,)] = key_node.start_mark.line + 1
            out[key] = self.build(value_node, path + (key,), depth + 1)
        for key, value in merged.items():
            out.setdefault(key, value)
        return out


def _merge_sources(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return [node]


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' or '' — used for every unknown name."""
    matches = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def pydantic_error(doc: Document, exc: Exception, prefix: tuple = ()) -> EngineError:
    """First pydantic validation error as one EngineError with file, line and field."""
    errors = exc.errors()  # type: ignore[attr-defined]
    first = errors[0]
    loc = tuple(p for p in first["loc"] if not _is_union_tag(p))
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        parent = loc[:-1]
        allowed = _allowed_fields(exc, first)
        message = f"unknown field '{loc[-1]}'{suggest(str(loc[-1]), allowed)}"
        if " " in str(loc[-1]) and first.get("input") is None:
            # `{findings: tear, no arthritis}`: a comma inside an unquoted value in {...} starts a new key
            message += "; a comma inside an unquoted value in {...} starts a new field: quote the whole value"
        loc = parent + (loc[-1],)
    elif "input" in first and first["type"] not in ("missing",):
        shown = repr(first["input"])
        if len(shown) < 60:
            message += f" (got {shown})"
    if len(errors) > 1:
        message += f" [+{len(errors) - 1} more]"
    return EngineError(message, Location(doc.path, doc.line_of(loc), dotted(prefix + loc)))


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and (part.startswith("function-") or part in {"str", "int", "float", "bool", "list[str]", "date"})


def _allowed_fields(exc: Any, error: dict) -> list[str]:
    """Field names allowed next to an unknown one, for the 'did you mean' hint."""
    model = getattr(exc, "_ur_model", None)
    if model is None:
        return []
    target = model
    for part in error["loc"][:-1]:
        if isinstance(part, int):
            continue
        field = getattr(target, "model_fields", {}).get(part)
        if field is None:
            return []
        target = _model_of(field.annotation)
        if target is None:
            return []
    return list(getattr(target, "model_fields", {}))


def _model_of(annotation: Any) -> Any:
    from typing import get_args

    if hasattr(annotation, "model_fields"):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def validate(model: Any, doc: Document, prefix: tuple = (), context: dict | None = None) -> Any:
    """model.model_validate(doc.data) with errors turned into EngineError."""
    try:
        return model.model_validate(doc.data, context=context)
    except ValidationError as exc:
        exc._ur_model = model  # type: ignore[attr-defined]
        raise pydantic_error(doc, exc, prefix) from None


def to_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


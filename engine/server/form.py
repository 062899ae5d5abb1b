"""The check page's form: how the text typed into its inputs (engine/server/fields.py) becomes a case
(validated by the same case model and request reader as `ur check`), and which input each error
belongs to.

Input names are the case's own paths (`items[0].quantity`, `medications[1].response.pain_reduced`),
so the field an EngineError names is the input it is shown next to. Repeating groups are compacted
on every submission (blank rows dropped, the rest renumbered) so row n of the page is entry n of
the case."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from engine.errors import EngineError
from engine.intake.sources import suggest
from engine.knowledge.conditions import show_value
from engine.knowledge.facts import FACTS
from engine.server.fields import (CASE_FIELDS, DOCUMENTATION, FINDING_FIELDS, FINDINGS, GROUPS, ITEM_FIELDS, ITEMS,
                                  MAX_ROWS, Field, Group)


@dataclass
class Entry:
    """What one submission of the form holds: its text (compacted), the case it makes, and errors."""

    values: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    doc_rows: dict[int, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    def shown_rows(self, group: Group, extra: int = 0) -> range:
        return range(min(MAX_ROWS, max(group.minimum, self.rows.get(group.name, 0) + group.spare + extra)))

    def shown_doc_rows(self, item: int, extra: int = 0) -> range:
        return range(min(MAX_ROWS, max(1, self.doc_rows.get(item, 0) + 1 + extra)))

    def filled(self, keys) -> bool:
        """Whether any of these inputs holds text or an error (their section is then shown open)."""
        return any(self.values.get(key) or key in self.errors for key in keys)

    def error_at(self, exc: EngineError) -> None:
        """Put an engine error next to the input its field names (else at the top of the form)."""
        self.errors[self.input_for(exc.location.field if exc.location else "")] = exc.message

    def input_for(self, path: str) -> str:
        """The input a case path belongs to: itself, a finding's row, or the nearest enclosing input."""
        named = re.match(r"^(findings|items\[(\d+)\]\.documentation)\.(\w+)", path)
        if named:
            prefix = named.group(1)
            for key, text in self.values.items():
                if key.startswith(prefix + "[") and key.endswith(".name") and _bare(text) == named.group(3):
                    return key[: -len("name")] + "value"
        while path:
            if path in self.values:
                return path
            first = next((k for k in self.values if k.startswith(path + ".")), None)
            if first:
                return first
            path = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", path)
        return "form"


def read_form(form: Mapping[str, str], today: dt.date) -> Entry:
    """Type the form's text into case data; collect every input error (none raised)."""
    entry = Entry()
    for spec in CASE_FIELDS + FINDING_FIELDS:
        _take(entry, entry.data, spec, spec.key, form.get(spec.key, ""))
    if "request_date" not in entry.data and "request_date" not in entry.errors:
        entry.data["request_date"] = today.isoformat()
        entry.values["request_date"] = today.isoformat()
    for group in GROUPS:
        rows = _rows(form, group.name)
        out: list[dict[str, Any]] = []
        for old in rows:
            n = len(out)
            row: dict[str, Any] = {}
            docs = _rows(form, f"{group.name}[{old}].documentation") if group is ITEMS else []
            texts = {spec.key: form.get(f"{group.name}[{old}].{spec.key}", "").strip() for spec in group.fields}
            doc_texts = [{s.key: form.get(f"{group.name}[{old}].documentation[{d}].{s.key}", "").strip()
                          for s in DOCUMENTATION.fields} for d in docs]
            doc_texts = [d for d in doc_texts if any(d.values())]
            if not any(texts.values()) and not doc_texts:
                continue
            for spec in group.fields:
                _take(entry, row, spec, f"{group.name}[{n}].{spec.key}", texts[spec.key])
            if group is ITEMS:
                row["id"] = f"item-{n + 1}"
                _named(entry, row.setdefault("documentation", {}), "doc", f"items[{n}].documentation", doc_texts)
                entry.doc_rows[n] = len(doc_texts)
                if not texts["request"]:
                    entry.errors[f"items[{n}].request"] = "write the request as it will be submitted"
            out.append(row)
        entry.rows[group.name] = len(out)
        if group is FINDINGS:
            _named(entry, entry.data.setdefault("findings", {}), "finding", "findings", out)
        elif out:
            _set(entry.data, group.name, out)
    return entry


def apply_change(form: Mapping[str, str], item_id: str, field_name: str, proposed: Any) -> dict[str, str]:
    """The form with one suggested change written into the item's input (the check then re-runs)."""
    match = re.fullmatch(r"item-(\d{1,3})", item_id)
    if not match or field_name not in ITEM_FIELDS:
        raise EngineError(f"cannot apply a change to '{item_id}' '{field_name}'")
    out = dict(form)
    text = ", ".join(map(str, proposed)) if isinstance(proposed, list) else show_value(proposed)
    out[f"items[{int(match.group(1)) - 1}].{field_name}"] = text
    return out


def _rows(form: Mapping[str, str], group: str) -> list[int]:
    """Row numbers present in the form for a group (`items`, `items[0].documentation`), in order."""
    found = set()
    for key in form:
        if key.startswith(group + "["):
            number = key[len(group) + 1:].split("]", 1)[0]
            if number.isdigit() and len(number) <= 3:
                found.add(int(number))
    return sorted(found)[:MAX_ROWS]


def _take(entry: Entry, target: dict, spec: Field, key: str, raw: str) -> None:
    """Record the text of one input and put its typed value into `target` (errors kept by key)."""
    text = raw.strip()
    entry.values[key] = text
    if not text:
        return
    try:
        value = typed(spec, text)
    except ValueError as exc:
        entry.errors[key] = str(exc)
        return
    _set(target, spec.key, value)


def typed(spec: Field, text: str) -> Any:
    """The case value of one input's text; ValueError with a message for the person typing."""
    kind = spec.kind
    if kind in ("number", "int"):
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"expects a number (got '{text}')") from None
        if not math.isfinite(number):
            raise ValueError(f"expects a number (got '{text}')")
        if kind == "int":
            if not number.is_integer():
                raise ValueError(f"expects a whole number (got '{text}')")
            return int(number)
        return number
    if kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(f"expects a date YYYY-MM-DD (got '{text}')") from None
    if kind == "bool":
        return _yes_no(text)
    if kind == "choice" and text not in spec.choices:
        raise ValueError(f"expects one of {', '.join(spec.choices)} (got '{text}')")
    if kind == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    if kind == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if kind == "levels":
        return [{"level": part.strip().upper()} for part in re.split(r"[,\s]+", text) if part.strip()]
    return text


def _named(entry: Entry, target: dict, namespace: str, prefix: str, rows: list[dict]) -> None:
    """Name/value rows -> `findings:` or an item's `documentation:`, typed by the fact catalog."""
    what = "finding" if namespace == "finding" else "documentation"
    known = [name.split(".", 1)[1] for name in FACTS if name.startswith(namespace + ".")]
    for n, row in enumerate(rows):
        name_key, value_key = f"{prefix}[{n}].name", f"{prefix}[{n}].value"
        name, text = str(row.get("name", "")), str(row.get("value", ""))
        entry.values[name_key], entry.values[value_key] = name, text
        short = _bare(name)
        fact = FACTS.get(f"{namespace}.{short}")
        if not name:
            entry.errors[name_key] = f"name the {what}"
        elif fact is None:
            entry.errors[name_key] = f"unknown {what} '{name}'{suggest(short, known)}"
        elif short in target:
            entry.errors[name_key] = f"'{short}' is given twice"
        elif not text:
            entry.errors[value_key] = "give a value"
        else:
            try:
                target[short] = _fact_value(fact.type, fact.values, text)
            except ValueError as exc:
                entry.errors[value_key] = str(exc)


def _fact_value(kind: str, values: tuple[str, ...], text: str) -> Any:
    if kind == "bool":
        return _yes_no(text)
    if kind == "number":
        return typed(Field("", "", "number"), text)
    if values and text not in values:
        raise ValueError(f"expects one of {', '.join(values)} (got '{text}')")
    return text


def _bare(name: str) -> str:
    """'finding.red_flags' or 'red_flags' (or a datalist label 'red_flags - ...') -> 'red_flags'."""
    name = name.strip().split(" ", 1)[0]
    return name.split(".", 1)[1] if name.startswith(("finding.", "doc.")) else name


def _yes_no(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("yes", "true", "y"):
        return True
    if lowered in ("no", "false", "n"):
        return False
    raise ValueError(f"expects yes or no (got '{text}')")


def _set(target: dict, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def bad_form(entry: Entry) -> Optional[str]:
    """A one-line summary when the form has errors (None when it has none)."""
    if not entry.errors:
        return None
    count = len(entry.errors)
    return f"{count} input{'s' if count > 1 else ''} to correct (marked below)"

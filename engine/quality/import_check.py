"""How an imported draft (ur import) compares with a hand-written case of the same letter: items
and outcomes, dates, and the facts each holds; and the draft after a person's confirmations,
taken from the hand-written case for exactly the fields the draft listed under `review:`."""

from __future__ import annotations

import copy
from typing import Any, Optional

from engine.intake.vocabulary import Vocabulary

_SECTIONS = ("patient", "diagnoses", "regions", "exam", "studies", "pain", "function", "medications",
             "procedures", "monitoring", "findings")
_NOT_FACTS = {"documented_in", "date"}


def facts(case: dict, vocab: Vocabulary) -> dict[str, Any]:
    """Every documented fact of a case as path -> value (drugs and services keyed by their generic name)."""
    out: dict[str, Any] = {}
    for section in _SECTIONS:
        value = case.get(section)
        if value is None:
            continue
        if section in ("diagnoses", "regions"):
            out.update({f"{section}:{_norm(v)}": True for v in value})
        elif section == "studies":
            out.update({f"studies:{s.get('kind')}:{s.get('region')}": True for s in value})
        elif section in ("medications", "procedures"):
            for entry in value:
                name = entry.get("drug") or entry.get("service")
                term = vocab.lookup(name)
                key = f"{section}:{term.name if term else _norm(name)}"
                out[key] = True
                for field, v in _leaves(entry):
                    if field not in ("drug", "service"):
                        out[f"{key}.{field}"] = _norm(v)
        else:
            for field, v in _leaves(value):
                out[f"{section}.{field}"] = _norm(v)
    return out


def _leaves(node: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _NOT_FACTS and prefix == "":
                continue
            out += _leaves(value, f"{prefix}{key}.") if isinstance(value, dict) else [(f"{prefix}{key}", value)]
    return out


def _norm(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return tuple(sorted(repr(_norm(v)) for v in value))
    if isinstance(value, dict):
        return tuple(sorted((k, repr(_norm(v))) for k, v in value.items() if k not in _NOT_FACTS))
    return " ".join(str(value).lower().replace(" mg", "mg").split())


def compare(draft: dict, case: dict, vocab: Vocabulary) -> dict[str, Any]:
    """Items (request as written and outcome), dates, and fact counts: draft, case, agreeing."""
    mine, theirs = facts(draft, vocab), facts(case, vocab)
    pairs = lambda c: [(i["request"], i.get("expected")) for i in c.get("items", [])]  # noqa: E731
    mine_items, their_items = draft.get("items", []), case.get("items", [])
    return {
        "items": len(mine_items) == len(their_items) and all(map(same_item, mine_items, their_items)),
        "items_verbatim": sum(1 for a, b in zip(pairs(draft), pairs(case)) if a == b),
        "item_pairs": (pairs(draft), pairs(case)),
        "dates": {k: (str(draft.get(k)), str(case.get(k))) for k in ("request_date", "injury_date")},
        "draft_facts": len(mine),
        "case_facts": len(theirs),
        "agreeing": sum(1 for k, v in mine.items() if k in theirs and theirs[k] == v),
        "draft_only": sorted(k for k in mine if k not in theirs),
        "differing": sorted(k for k, v in mine.items() if k in theirs and theirs[k] != v),
    }


def same_item(mine: dict, theirs: dict) -> bool:
    """Same outcome and the same request: word for word, or for a bundled request (a list in
    parentheses read into `components`) the same name and the same parts."""
    if mine.get("expected") != theirs.get("expected"):
        return False
    if mine["request"] == theirs["request"]:
        return True
    head = lambda item: item["request"].split("(")[0].strip().lower()  # noqa: E731
    parts = lambda item: {_norm(p) for p in item.get("components", [])}  # noqa: E731
    return bool(mine.get("components")) and head(mine) == head(theirs) and parts(mine) == parts(theirs)


def confirm_from(draft: dict, case: dict, vocab: Vocabulary) -> tuple[dict, list[str]]:
    """The draft as a person would leave it, taking each value from `case` for exactly the fields the
    draft lists under review: (a field the case leaves out is left out). Returns it and the fields set."""
    out = copy.deepcopy(draft)
    applied = []
    for entry in out.pop("review", []):
        path = entry["field"].split(".")
        applied.append(entry["field"])
        if path[0] in ("medications", "procedures") and len(path) > 1:
            _confirm_entry(out, case, path, vocab)
        elif path[0] == "items" and len(path) > 2:
            index = [i["id"] for i in out["items"]].index(path[1])
            _copy(out["items"][index], case["items"][index], path[2:])
        elif path[0] == "monitoring" and path[1:2] == ["drug_screens"] and len(path) > 3:
            screens = case.get("monitoring", {}).get("drug_screens", [])
            theirs = screens[int(path[2])] if int(path[2]) < len(screens) else {}
            _copy(out["monitoring"]["drug_screens"][int(path[2])], theirs, path[3:])
        else:
            _copy(out, case, path)
    return out, applied


def _confirm_entry(out: dict, case: dict, path: list[str], vocab: Vocabulary) -> None:
    section, generic, rest = path[0], path[1], path[2:]
    key = "drug" if section == "medications" else "service"
    find = lambda entries: next((e for e in entries if _generic(e[key], vocab) == generic), None)  # noqa: E731
    theirs = find(case.get(section, []))
    mine = find(out.get(section, []))
    if not rest:
        entries = [e for e in out.get(section, []) if e is not mine] + ([theirs] if theirs else [])
        if entries:
            out[section] = entries
        else:
            out.pop(section, None)
    elif mine is not None:
        _copy(mine, theirs or {}, rest)


def _generic(name: str, vocab: Vocabulary) -> Optional[str]:
    term = vocab.lookup(name)
    return term.name if term else name


def _copy(target: dict, source: dict, path: list[str]) -> None:
    """target[path] = source[path], or remove it from target when source lacks it."""
    for key in path[:-1]:
        source = source.get(key, {}) if isinstance(source, dict) else {}
        target = target.setdefault(key, {})
    last = path[-1]
    if isinstance(source, dict) and last in source:
        target[last] = copy.deepcopy(source[last])
    else:
        target.pop(last, None)

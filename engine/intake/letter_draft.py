"""`ur import`: a determination letter -> a draft case (YAML) for a person to confirm.

The draft holds the items as written with their outcomes as `expected`, the dates, and the facts
read reliably; everything read with doubt or not read is listed under `review:` (and the case
loader refuses a case whose review list is not empty, so an unconfirmed draft is never decided).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional

import yaml

from engine.errors import EngineError
from engine.intake.outputs import same_file
from engine.intake.letter_dates import Reads, read_dates, read_diagnoses, read_patient
from engine.intake.letter_facts import (read_cues, read_exam, read_function, read_medications, read_monitoring,
                                        read_pain, read_procedures)
from engine.intake.letters import Letter, LetterItem, Reading, load_reading, read_letter
from engine.intake.vocabulary import Vocabulary

_ORDER = ["id", "title", "source", "review", "request_date", "injury_date", "patient", "diagnoses", "regions",
          "exam", "studies", "pain", "function", "medications", "procedures", "monitoring", "findings", "items"]
_DOSE = re.compile(r"#\s*\d+|\b\d+(?:\.\d+)?(?:/\d+(?:\.\d+)?)?\s*(?:mg|mcg|g|ml|%)?\b|\bretro\b", re.I)
_SIDE = re.compile(r"\b(left|right|bilateral)\b", re.I)
_FILLER = {"for", "the", "of", "with", "possible", "to", "and", "a", "an", "treatment", "request"}
_LIST = re.compile(r"\(([^()]*,[^()]*)\)")


def import_letter(path: str | Path, vocab: Vocabulary, reading: Optional[Reading] = None) -> tuple[dict, Reads]:
    """The draft case (ordered keys, review list included) and what was read, for one letter."""
    reading = reading or load_reading()
    letter = read_letter(path, reading)
    out = Reads()
    items = [_item(item, vocab, out) for item in letter.items]
    _unique_ids(items)
    terms = [_term_name(item["request"], vocab) for item in items]
    read_dates(letter, reading, vocab, terms, out)
    read_patient(letter, reading, out)
    read_diagnoses(letter, reading, out)
    record = letter.record(reading)
    read_exam(record, reading, out)
    read_pain(record, reading, out)
    read_function(record, reading, out)
    read_medications(record, reading, vocab, out)
    read_procedures(record, reading, vocab, out)
    read_monitoring(record, reading, vocab, out)
    read_cues(record, reading, out)
    out.case["items"] = items
    counts = {o: sum(1 for i in letter.items if i.outcome == o) for o in ("upheld", "overturned")}
    case = {
        "id": Path(path).stem,
        "title": f"Imported IMR determination: {len(items)} items ({counts['upheld']} upheld, {counts['overturned']} overturned)",
        "source": str(path),
        "review": out.review,
        **out.case,
    }
    return {key: case[key] for key in _ORDER if key in case}, out


def _item(item: LetterItem, vocab: Vocabulary, out: Reads) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": _slug(item.request), "request": item.request}
    term = vocab.find(item.request)
    joined = vocab.joined_names(item.request) if term is not None else None
    if term is None:
        entry["kind"] = "other"
        out.confirm(f"items.{entry['id']}", item.request, f"no drug or service of the vocabulary in the item at letter line"
                    f" {item.line}: kept as kind: other (no applicable rule); name it or add it to the vocabulary")
    elif joined is not None:
        out.confirm(f"items.{entry['id']}", item.request, f"the item names two treatments ('{joined[0]}', '{joined[1]}'):"
                    " split it into one item per treatment with the same expected outcome")
    side = _SIDE.search(item.request)
    if side:
        entry["side"] = {"bilateral": "both"}.get(side.group(1).lower(), side.group(1).lower())
    listed = _LIST.search(item.request)
    if listed and term is not None and term.kind == "service":
        parts = [p.strip() for p in re.split(r",|\band\b", listed.group(1)) if p.strip()]
        entry["components"] = parts
        out.confirm(f"items.{entry['id']}.justified_components", None,
                    "which of the listed parts have a documented reason is not read")
    entry["expected"] = item.outcome
    return entry


def _term_name(request: str, vocab: Vocabulary) -> Optional[str]:
    term = vocab.find(request)
    return term.name if term else None


def _slug(request: str) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", _DOSE.sub(" ", request.lower())) if w not in _FILLER]
    return "-".join(words[:3]) or "item"


def _unique_ids(items: list[dict]) -> None:
    seen: dict[str, int] = {}
    for item in items:
        base = item["id"]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            item["id"] = f"{base}-{seen[base]}"


def draft_text(case: dict, reads: Reads) -> str:
    """The draft as YAML, with a header saying how to confirm it and a comment on each field read."""
    head = [
        f"# Draft case read by `ur import` from {case.get('source')}.",
        "# Facts are restated from the letter; what it could not read, or read with doubt, is listed under",
        "# review:. Confirm each entry (correct or complete the field it names, or leave it out when the",
        "# record does not document it), then delete the entry. The engine refuses a case whose review:",
        "# list is not empty. See docs/importing.md.",
    ]
    body = []
    for key, value in case.items():
        comment = reads.comments.get(key)
        if key == "review" and not value:
            continue
        flow = None if isinstance(value, (dict, list)) and key != "review" else False
        dumped = yaml.safe_dump({key: value}, sort_keys=False, width=110, allow_unicode=True, default_flow_style=flow)
        if comment and "\n" == dumped[-1] and dumped.count("\n") == 1:
            dumped = f"{dumped[:-1]}   # {comment}\n"
        elif comment:
            dumped = f"# {key}: {comment}\n{dumped}"
        body.append(dumped)
    extra = [f"# {key}: {text}" for key, text in reads.comments.items() if key not in case]
    return "\n".join(head + extra) + "\n" + "".join(body)


def write_draft(text: str, output: Path, letter: Path, force: bool = False) -> None:
    """Write through the one atomic writer; never over the letter, and over another file only when asked."""
    from engine.intake.outputs import atomic_output

    if output.exists() and not force and not same_file(output, letter):
        raise EngineError(f"{output}: exists; choose another output file or pass --force")
    folder = output.resolve().parent
    if not folder.is_dir():
        raise EngineError(f"{output}: folder {folder} does not exist")
    with atomic_output(output, [letter], "--output", private=False) as stream:
        stream.write(text)


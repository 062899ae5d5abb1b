"""Read an IMR final determination letter (the public MAXIMUS format) into its parts: the
clinical case summary as dated sentences, and each disputed item with its outcome and rationale.

The words and patterns are data (engine/intake/letter_reading.yaml, `Reading`); this module
is the mechanism: sections, sentences with their line numbers, written dates. Clinical facts are
read from the sentences by engine/intake/letter_facts.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, StrictStr

from engine.errors import EngineError, Location
from engine.intake.sources import read_document, read_text, validate

READING = Path(__file__).resolve().parent / "letter_reading.yaml"

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"])}
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
DATE = (rf"(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|(?<![\d/.-])\d{{1,2}}([/-])\d{{1,2}}\1(?:\d{{4}}|\d{{2}})(?![\d/-])"
        r"|\d{4}-\d{2}-\d{2})")
_DATE = re.compile(DATE.replace(r"\1", "(?P=sep)").replace("([/-])", "(?P<sep>[/-])"), re.I)
_PLACEHOLDERS = {
    "{date}": "(?P<date>" + DATE.replace(r"\1", "(?P=sep)").replace("([/-])", "(?P<sep>[/-])") + ")",
    "{level}": r"(?P<level>[CTLS][1-8])", "{side}": r"(?P<side>left|right|bilateral)",
    "{side2}": r"(?P<side2>left|right|bilateral)",
}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])|(?<=[.!?]\))\s+")
_ABBREVIATIONS = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|vs|e\.g|i\.e|approx|No)\.$", re.I)
# two-digit years: 00-30 are 2000s, later ones 1900s (IMR began in 2013; injuries go back decades)
_PIVOT = 30


class Reading(BaseModel):
    """The reading file: sections, patterns and domain word lists (validated, then compiled on use)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sections: dict[str, StrictStr]
    outcomes: dict[str, StrictStr]
    record_sentence: StrictStr
    dates: dict[str, Any]
    patient: StrictStr
    sex_words: dict[str, StrictStr]
    diagnoses: list[StrictStr]
    diagnosis_drop: StrictStr
    regions: list[dict[str, list[StrictStr]]]
    complaint: StrictStr
    exam: list[dict[str, Any]]
    sensory_loss: StrictStr
    motor_deficit: StrictStr
    muscle_roots: dict[str, StrictStr]
    both_limbs: StrictStr
    sides: dict[str, StrictStr]
    pain: dict[str, Any]
    work_status: list[dict[str, Any]]
    adl_improved: list[StrictStr]
    pain_reduced: list[StrictStr]
    opioid_agreement: list[StrictStr]
    medications: dict[str, Any]
    drug_screen: StrictStr
    drug_screen_inconsistent: list[StrictStr]
    procedures: dict[str, Any]
    treatment_list: StrictStr
    cues: dict[str, list[StrictStr]]


_COMPILED: dict[str, re.Pattern] = {}


def pattern(text: str) -> re.Pattern:
    """A reading-file pattern compiled once, with {date}, {level} and {side} filled in."""
    found = _COMPILED.get(text)
    if found is None:
        source = text
        for key, value in _PLACEHOLDERS.items():
            source = source.replace(key, value)
        found = _COMPILED[text] = re.compile(source, re.I)
    return found


def any_of(patterns: list[str], text: str) -> Optional[re.Match]:
    for one in patterns:
        match = pattern(one).search(text)
        if match:
            return match
    return None


def load_reading(path: Path = READING) -> Reading:
    reading = validate(Reading, read_document(path))
    for text in _all_patterns(reading.model_dump()):
        try:
            pattern(text)
        except re.error as exc:
            raise EngineError(f"{path}: pattern '{text}': {exc}") from None
    return reading


def _all_patterns(node: Any):
    if isinstance(node, str):
        if any(ch in node for ch in "\\([?"):
            yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _all_patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _all_patterns(value)


def parse_date(text: str) -> Optional[dt.date]:
    """A written date ("January 18, 2002", "9/10/01", "7-29-14", "2015-02-09"), else None."""
    text = text.strip().strip("()")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
        words = re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})", text)
        if words:
            month = next((n for name, n in _MONTHS.items() if name.startswith(words.group(1).lower()[:3])), None)
            return dt.date(int(words.group(3)), month, int(words.group(2))) if month else None
        parts = re.split(r"[/-]", text)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            month, day, year = (int(p) for p in parts)
            if year < 100:
                year += 2000 if year <= _PIVOT else 1900
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


def dates_in(text: str) -> list[tuple[dt.date, re.Match]]:
    out = []
    for match in _DATE.finditer(text):
        day = parse_date(match.group(0))
        if day is not None:
            out.append((day, match))
    return out


@dataclass(frozen=True)
class Sentence:
    text: str
    line: int
    dated: Optional[dt.date]      # the visit or report date the letter gives this sentence (or the ones before it)


@dataclass(frozen=True)
class LetterItem:
    request: str
    outcome: str
    line: int
    rationale: tuple[Sentence, ...]


@dataclass(frozen=True)
class Letter:
    path: str
    summary: tuple[Sentence, ...]
    items: tuple[LetterItem, ...]

    def record(self, reading: Reading) -> list[Sentence]:
        """Sentences about the patient's record: the whole summary, and rationale sentences that
        describe the record ("On exam, the claimant had ..."), not guideline text."""
        about = pattern(reading.record_sentence)
        return list(self.summary) + [s for item in self.items for s in item.rationale if about.search(s.text)]


def read_letter(path: str | Path, reading: Reading) -> Letter:
    """The letter's summary and items; a file that is not such a letter is one located error."""
    path = Path(path)
    text = read_text(path)  # bounded as read (not by the reported size), strictly UTF-8
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    summary_at = _heading(lines, reading.sections["summary"])
    decisions_at = _heading(lines, reading.sections["decisions"])
    if summary_at is None or decisions_at is None or decisions_at < summary_at:
        missing = reading.sections["decisions"] if decisions_at is None else reading.sections["summary"]
        raise EngineError(f"not an IMR determination letter: no '{missing}' section "
                          "(ur import reads the final determination letters of the public IMR format)",
                          Location(str(path), 1))
    summary = _sentences(lines[summary_at + 1:decisions_at], reading)
    items = _items(lines[decisions_at + 1:], reading, path)
    if not items:
        raise EngineError(f"no disputed item with an outcome (a line 'ITEM: Upheld' or 'ITEM: Overturned') after "
                          f"'{reading.sections['decisions']}'", Location(str(path), lines[decisions_at][0]))
    return Letter(str(path), tuple(summary), tuple(items))


def _heading(lines: list[tuple[int, str]], title: str) -> Optional[int]:
    return next((i for i, (_, line) in enumerate(lines) if line.upper() == title.upper()), None)


def _items(lines: list[tuple[int, str]], reading: Reading, path: Path) -> list[LetterItem]:
    outcome = re.compile(r"^(?P<request>.+?)\s*:\s*(?P<outcome>" + "|".join(map(re.escape, reading.outcomes))
                         + r")\s*\.?$", re.I)
    starts = [(i, m) for i, (_, line) in enumerate(lines) if (m := outcome.match(line))]
    out = []
    for k, (i, match) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        block = lines[i + 1:end]
        marker = reading.sections["rationale"].lower()
        at = next((j for j, (_, line) in enumerate(block) if line.lower().startswith(marker)), None)
        rationale: list[tuple[int, str]] = []
        if at is not None:
            first_line, first = block[at]
            rationale = [(first_line, first[len(marker):].strip())] + block[at + 1:]
        word = next(v for key, v in reading.outcomes.items() if key.lower() == match.group("outcome").lower())
        out.append(LetterItem(match.group("request").strip(), word, lines[i][0], tuple(_sentences(rationale, reading))))
    return out


def _sentences(lines: list[tuple[int, str]], reading: Reading) -> list[Sentence]:
    """Join the lines, split into sentences, and date each by the last visit or report date that
    opened a sentence ("On 2/9/2015, pain was 7/10." dates what follows until the next such date)."""
    text, starts = "", []
    for number, line in lines:
        if text and not text.endswith("-"):
            text += " "
        starts.append((len(text), number))
        text += re.sub(r"\s+", " ", line)
    out: list[Sentence] = []
    dated: Optional[dt.date] = None
    position = 0
    for piece in _split(text):
        offset = text.find(piece, position)
        position = offset + len(piece)
        line = max((n for start, n in starts if start <= offset), default=lines[0][0] if lines else 0)
        opened = any_of(reading.dates["leading"], piece)
        if opened and not any_of(reading.dates["utilization_review"], piece):  # a review date dates no visit
            dated = parse_date(opened.group("date")) or dated
        out.append(Sentence(piece, line, dated))
    return out


def _split(text: str) -> list[str]:
    pieces: list[str] = []
    for piece in _SENTENCE_END.split(text):
        if not piece or piece.isspace():
            continue
        if pieces and _ABBREVIATIONS.search(pieces[-1]):
            pieces[-1] += " " + piece
        else:
            pieces.append(piece.strip())
    return pieces

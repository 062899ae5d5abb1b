"""Request wording as letters and RFAs write it: visit and programme schedules, and the
ingredients of a combination product.

"2 times weekly for 3 weeks", "2x/wk x 3 wks", "twice a week for six weeks", "2x6",
"8 hours/day 5 days/week x 4 weeks", "x 10 sessions", "#20 sessions", "12 sessions".
Only the wording is read here (numbers, units, ranges); what a programme day is worth in
hours is clinical and lives with the rest of the request reader's programme fallback.
Whatever is read with doubt (a range, two counts that disagree, a schedule with no length)
is returned as a note, which every output shows as an assumption.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from engine.intake.vocabulary import Term, Vocabulary

_NUMBER_WORDS = {
    "once": "1 times", "twice": "2 times", "thrice": "3 times",
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "sixteen": "16",
    "eighteen": "18", "twenty": "20", "twenty-four": "24", "thirty": "30",
}
_WORD = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True)) + r")\b", re.I)
_N = r"(\d{1,3}(?:\.\d+)?)(?:\s*(?:-|to)\s*(\d{1,3}(?:\.\d+)?))?"   # "2", "2-3", "2 to 3"
_TIMES = r"\s*(?:x|times|visits?|sessions?|days?|treatments?)?\s*"
_WEEK = r"w(?:ee)?ks?\b\.?"
# "2x/wk", "2 times weekly", "2 times a week", "2 visits per week", "5 days/week", "2/week"
_PER_WEEK = re.compile(rf"(?<![\d./#]){_N}{_TIMES}(?:(?:/|a|an|per|each|every)\s*{_WEEK}|weekly\b)", re.I)
# the length after a weekly frequency: "x 3 wks", "for 6 weeks", "times 4 weeks", "over 3 weeks"
_FOR_WEEKS = re.compile(rf"\s*,?\s*(?:x|for|times|over|during)?\s*{_N}\s*{_WEEK}", re.I)
_WEEKS = re.compile(rf"(?<![\d./]){_N}\s*{_WEEK}", re.I)
_GRID = re.compile(r"(?<![\d./#])(\d{1,2})\s*[x×]\s*(\d{1,2})\b(?!\s*(?:/|per|a)\s*w)(?!\s*(?:days?|h(?:ou)?rs?|mg|ml|cm)\b)"
                   r"(?:\s*w(?:ee)?ks?\b\.?)?", re.I)  # "2x6", "2x4 weeks"
# a count of sessions: "x 10 sessions", "#20 sessions", "12 visits", "x 6" (not "x 2 weeks", "x 10 days")
_SESSIONS = re.compile(rf"(?:#\s*|\bqty\.?\s*)?(?<![\d./]){_N}\s*(?:sessions|visits|treatments)\b", re.I)
_TIMES_COUNT = re.compile(r"(?:\bx|#)\s*(\d{1,3})(?!\d|\.\d|\s*(?:/|w(?:ee)?ks?|days?|h(?:ou)?rs?|mg|ml)\b)", re.I)
_UNIT = re.compile(r"(mcg|mg|g)\b", re.I)
_STRENGTH_PARTS = re.compile(r"\d+(?:\.\d+)?")
# a combination's strengths, one per ingredient: "10/325", "50/325/40 mg", "7.5 mg/200 mg"
_COMBINED_STRENGTH = re.compile(r"(?<![\w#.])\d+(?:\.\d+)?\s*(?:mg|mcg)?(?:\s*/\s*\d+(?:\.\d+)?\s*(?:mg|mcg)?)+(?![\d-])", re.I)
_DIGIT = re.compile(r"\d")
_HOURS_PER_DAY = re.compile(rf"(?<![\d./]){_N}\s*(?:hours?|hrs?)\s*(?:/|a|per|each)\s*day\b", re.I)


@dataclass(frozen=True)
class Schedule:
    """What a service request says about how often and how long; None where it says nothing."""

    frequency_per_week: Optional[float] = None
    weeks: Optional[float] = None
    visits: Optional[float] = None
    hours_per_day: Optional[float] = None
    open_ended: bool = False        # a weekly rhythm with no length and no count: visits unknown
    notes: tuple[str, ...] = ()


def words_to_digits(text: str) -> str:
    """'twice a week for six weeks' -> '2 times a week for 6 weeks'."""
    return _WORD.sub(lambda m: _NUMBER_WORDS[m.group(1).lower()], text)


@lru_cache(maxsize=4096)  # pure, and the same request lines recur
def read_schedule(text: str) -> Schedule:
    """Frequency, length, total visits and programme hours written in a service request."""
    plain = words_to_digits(text)
    if not _DIGIT.search(plain):  # every pattern below reads a number
        return Schedule()
    notes: list[str] = []
    frequency = weeks = visits = hours = None
    hours_match = _HOURS_PER_DAY.search(plain)
    if hours_match:
        hours = _upper(hours_match, notes, "hours a day")
        plain = _blank(plain, hours_match.start(), hours_match.end())
    weekly = _PER_WEEK.search(plain)
    if weekly:
        frequency = _upper(weekly, notes, "visits a week")
        length = _FOR_WEEKS.match(plain, weekly.end())
        if length:
            weeks = _upper(length, notes, "weeks")
        plain = _blank(plain, weekly.start(), length.end() if length else weekly.end())
    else:
        grid = _GRID.search(plain)
        if grid:
            frequency, weeks = float(grid.group(1)), float(grid.group(2))
            plain = _blank(plain, grid.start(), grid.end())
    if weeks is None:
        alone = _WEEKS.search(plain)
        if alone:
            weeks = _upper(alone, notes, "weeks")
            plain = _blank(plain, alone.start(), alone.end())
    count = _session_count(plain, notes)
    if frequency and weeks:
        visits = frequency * weeks
        if count is not None and count != visits:
            notes.append(f"'{text}' gives {count:g} visits and a schedule of {visits:g}; read {count:g}, the count written")
            visits = count
    elif count is not None:
        visits = count
    open_ended = frequency is not None and visits is None and weeks is None
    if open_ended:
        notes.append(f"'{text}' gives {frequency:g} a week but no number of weeks or visits: the total is not documented")
    return Schedule(frequency, weeks, visits, hours, open_ended, tuple(notes))


def _blank(text: str, start: int, end: int) -> str:
    """The text with a part already read replaced by spaces (so no number is read twice)."""
    return text[:start] + " " * (end - start) + text[end:]


def _session_count(plain: str, notes: list[str]) -> Optional[float]:
    match = _SESSIONS.search(plain)
    if match:
        return _upper(match, notes, "visits")
    match = _TIMES_COUNT.search(plain)
    return float(match.group(1)) if match else None


def _upper(match: re.Match, notes: list[str], what: str) -> float:
    """The number read, or the upper end of a range (said in a note: UR reads the most requested)."""
    low, high = match.group(1), match.group(2)
    if high is None:
        return float(low)
    notes.append(f"'{match.group(0).strip()}' is a range: read the upper end, {float(high):g} {what}")
    return float(high)


@dataclass(frozen=True)
class Ingredient:
    """One active ingredient of a combination product ("Norco 10/325": acetaminophen, 325 mg a unit)."""

    name: str                      # as the vocabulary lists it under the product
    term: Optional[str]            # the vocabulary drug it names (whose rules judge it)
    classes: tuple[str, ...]
    strength_mg: Optional[float]


def combination_ingredients(term: Term, strength: Optional[str], text: str, vocab: Vocabulary,
                            notes: list[str]) -> tuple[Ingredient, ...]:
    """The ingredients of a combination product with each one's strength, read in the order the
    vocabulary lists them ("10/325mg" -> 10 mg, 325 mg); strengths that do not line up are left unread."""
    if strength is None:
        written_strength = _COMBINED_STRENGTH.search(text)
        strength = written_strength.group(0) if written_strength else None
    parts = vocab.ingredient_terms(term.name) if term.kind == "drug" else []
    if not parts:
        return ()
    written = _STRENGTH_PARTS.findall(strength or "")
    unit = _UNIT.search(strength or "")
    scale = {"mcg": 0.001, "g": 1000.0}.get(unit.group(1).lower(), 1.0) if unit else 1.0
    if written and len(written) != len(parts):
        notes.append(f"strength '{strength}' does not give one figure per ingredient of {term.name}"
                     f" ({', '.join(name for name, _ in parts)}): ingredient strengths not read")
        written = []
    return tuple(
        Ingredient(name, found.name if found else None, found.classes if found else (),
                   float(written[i]) * scale if written else None)
        for i, (name, found) in enumerate(parts))

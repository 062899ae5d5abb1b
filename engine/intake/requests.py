"""Read a request as a provider writes it ("Retro Norco 10/325mg #90", "PT 2x6 lumbar",
"LESI L4-5 under fluoro") into a resolved item: canonical term, quantity, dosing, levels."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Mapping, Optional, Sequence

from dataclasses import dataclass

from pydantic import ConfigDict, StrictFloat, with_config
from typing_extensions import TypedDict

from engine.intake.cases import MAX_QUANTITY, MAX_STRENGTH_MG, MAX_UNITS_PER_DAY, Item
from engine.errors import EngineError, Location
from engine.intake.request_wording import Ingredient, combination_ingredients, read_schedule
from engine.intake.vocabulary import Reading, Term, Vocabulary

_SPINE = [f"C{i}" for i in range(1, 9)] + [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)] + [f"S{i}" for i in range(1, 6)]
_LEVEL = re.compile(r"\b([CTLS])(\d{1,2})\s*[-/]\s*([CTLS])?(\d{1,2})\b", re.I)
_QTY = re.compile(r"(?:#|\bqty\.?\s*|\bquantity\s*)(\d+(?:\.\d+)?)", re.I)
_NEGATIVE_QTY = re.compile(r"(?:#|\bqty\.?|\bquantity)\s*-\s*\d", re.I)
_EXPONENT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?e[+-]?\d+\b", re.I)  # "1e400 mg", "#1e5"
_STRENGTH = re.compile(r"\b(\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)?)\s*(mg|mcg|g|%|ml)\b", re.I)
_BARE_STRENGTH = re.compile(r"(?<![A-Za-z#\d])(\d+(?:\.\d+)?/\d+(?:\.\d+)?)(?![\d-])")
_RETRO = re.compile(r"\s*retro", re.I)
_PROGRAM_DAYS = re.compile(r"(?<![\d.])(\d{1,3})\s*(?:full[- ]?)?days?\b", re.I)  # "FRP x 10 days", "additional 10 days"
_PROGRAM_HOURS = re.compile(r"(?<![\d.])(\d{1,3})\s*(?:hours|hrs?)\b", re.I)     # "HELP program 160 hours"
# The rule-pack tables read here (rules/tables/<id>.yaml), with the type their value must have.
PROGRAMME_DAY = "programme-day"


@with_config(ConfigDict(extra="forbid"))
class ProgrammeDay(TypedDict):
    """How a full-day programme written in hours or weeks is read as days (sessions)."""

    hours_per_day: StrictFloat
    days_per_week: StrictFloat


TABLE_TYPES: dict[str, Any] = {PROGRAMME_DAY: ProgrammeDay}
# Words for body regions: anatomy and how requests name it, not a guideline's choice.
_REGIONS = {
    "lumbar": "lumbar", "low back": "lumbar", "lumbosacral": "lumbar", "cervical": "cervical",
    "neck": "cervical", "thoracic": "thoracic", "shoulder": "shoulder", "knee": "knee",
    "hip": "hip", "wrist": "wrist", "hand": "hand", "elbow": "elbow", "ankle": "ankle", "foot": "foot",
    "subacromial": "shoulder", "glenohumeral": "shoulder", "trochanter": "hip",
    # spine regions as clinicians abbreviate them ("MRI C-spine", "MRI L/S")
    "c-spine": "cervical", "t-spine": "thoracic", "l-spine": "lumbar", "ls-spine": "lumbar", "ls spine": "lumbar",
    "l/s": "lumbar",
}
# Several-a-day words first: "twice daily" is 2 a day, not "daily" (prescription abbreviations: units).
_PER_DAY = {"bid": 2, "twice": 2, "tid": 3, "qid": 4,
            "qd": 1, "daily": 1, "qday": 1, "qhs": 1, "hs": 1, "qam": 1, "qpm": 1, "once": 1}
# Compiled once (module level): a request is read with a dozen patterns, a batch reads thousands.
_PER_DAY_WORDS = [(re.compile(rf"\b{word}\b"), per_day) for word, per_day in _PER_DAY.items()]
_LEADING_NUMBER = re.compile(r"\s*(\d+(?:\.\d+)?)")
_UNIT = re.compile(r"(mcg|mg|g)\b", re.I)
_DOSE = re.compile(r"\s*(?:take\s+)?(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?")
_EVERY_HOURS = re.compile(r"\bq\s*(\d+)(?:\s*-\s*(\d+))?\s*h")
_EVERY_HOURS_WORDS = re.compile(r"\bevery\s*(\d+)(?:\s*(?:-|to)\s*(\d+))?\s*h(?:ours?|rs?)?\b")
# directions written inside the request line ("Norco 10/325mg 1 po q4-6h prn #120", "Lyrica 75mg BID #60"):
# an optional count of 1-4 units (not a strength: no unit or slash around it), then a frequency
_SIG_IN_TEXT = re.compile(
    r"(?:(?<![\w/.#])[1-4](?:\s*-\s*[1-4])?\s+(?:(?:tabs?|tablets?|caps?|capsules?|po|by mouth|orally)\s+)*)?"
    r"(?:q\s*\d+(?:\s*-\s*\d+)?\s*h(?:rs?|ours?)?\b|every\s*\d+(?:\s*(?:-|to)\s*\d+)?\s*h(?:ours?|rs?)?\b"
    r"|\b(?:bid|tid|qid|qd|qhs|daily|twice a day)\b|\d+\s*(?:x|times)\s*(?:a|per|/)\s*day)"
    r"(?:\s*(?:prn|as needed)\b)?", re.I)
_TIMES_A_DAY = re.compile(r"(\d+|one|two|three|four|five|six)\s*(?:x|times)\s*(?:(?:a|per|/)\s*day|daily)")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
# doses days or weeks apart ("1 patch q7 days", "1 weekly", "once a week", "q2 weeks", "twice a week"):
# read before the per-day words, which would take "once a week" for once a day
_EVERY_DAYS = re.compile(r"\b(?:q|every)\s*(\d+)\s*(?:d|days?)\b")
_EVERY_WEEKS = re.compile(r"\b(?:q|every)\s*(\d+)?\s*(?:wk|wks|week|weeks)\b|\b(?:weekly|qwk)\b")
_TIMES_A_WEEK = re.compile(r"\b(\d+|once|twice|one|two|three)\s*(?:x|times)?\s*(?:a|per|/)\s*(?:wk|week)\b")
_WEEK_COUNTS = {"once": 1, "twice": 2, **_NUMBER_WORDS}
_AS_NEEDED = re.compile(r"\bprn\b|as needed", re.I)
_LESI, _CESI = re.compile(r"\blesi\b"), re.compile(r"\bcesi\b")
_TF, _ILESI = re.compile(r"\btf\b"), re.compile(r"\bilesi\b")


@dataclass(frozen=True)
class ResolvedItem:
    """A requested item after reading its text: every field rules may need, with assumptions.

    Internal (built from an already validated Item), so a plain frozen dataclass."""

    id: str
    request: str
    kind: str
    name: str
    classes: tuple[str, ...] = ()
    category: Optional[str] = None
    strength_mg: Optional[float] = None
    quantity: Optional[float] = None
    units_per_day: Optional[float] = None
    days_supply: Optional[float] = None
    as_needed: bool = False
    retrospective: bool = False
    region: Optional[str] = None
    levels_count: Optional[int] = None
    approach: Optional[str] = None
    visits: Optional[float] = None
    frequency_per_week: Optional[float] = None
    weeks: Optional[float] = None
    accompanies: Optional[str] = None
    ingredients: tuple[Ingredient, ...] = ()
    judged_ingredient: Optional[str] = None   # set when an ingredient's rules judge a combination product
    assumptions: tuple[str, ...] = ()
    ambiguous: Optional[str] = None   # why the request's wording was not read as one treatment


def resolve_item(item: Item, item_id: str, vocab: Vocabulary, where: Location,
                 tables: Mapping[str, Any]) -> ResolvedItem:
    """Combine explicit fields with what the request text says; explicit fields win.

    A request whose only name is an ambiguous word the phrase does not settle ("chair", "CPM x 10")
    is kept as an item of no known kind that names its candidates: no rule is applied to a guess.
    `tables`: the rule pack's table values (RulePack.table_values); TABLE_TYPES lists those read."""
    reading = _reading(item, vocab, where)
    if reading.term is None and reading.word is not None:
        why = (f"'{reading.word}' could mean {' or '.join(reading.candidates)}; the request does not say"
               " which: write the treatment in full, or set name:")
        return ResolvedItem(id=item_id, request=item.request, kind="other", name=item.request,
                            accompanies=item.accompanies, ambiguous=why)
    term = reading.term
    text = item.request
    notes: list[str] = [reading.note] if reading.note else []
    _refuse_unreadable_numbers(text, _at(where, "request"))
    quantity = item.quantity if item.quantity is not None else _quantity_in(text, _at(where, "request"))
    strength = item.strength or _first(_STRENGTH, text)
    if strength is None and term is not None and term.kind == "drug":
        strength = _first(_BARE_STRENGTH, text)  # "Norco 10/325": milligrams implied
    strength_mg = bounded_strength_mg(strength, _at(where, "strength" if item.strength else "request"))
    frequency, weeks, visits = _schedule(item, term, quantity, notes, tables[PROGRAMME_DAY])
    units, as_needed = _units_per_day(item, term, vocab, notes, where)
    days = item.days_supply
    if days is None and quantity is not None and units:
        days = round(quantity / units, 2)
    levels = item.levels if item.levels is not None else levels_in_text(text)
    return ResolvedItem(
        id=item_id,
        request=text,
        kind=term.kind if term else "other",
        name=term.name if term else (item.name or text),
        classes=term.classes if term else (),
        category=term.category if term else None,
        strength_mg=strength_mg,
        quantity=quantity,
        units_per_day=units,
        days_supply=days,
        as_needed=as_needed,
        retrospective=item.retrospective if item.retrospective is not None else bool(_RETRO.match(text)),
        region=item.region or _region(text, levels) or _service_region(term, vocab) or _applied_to(item, term, vocab, notes),
        levels_count=count_levels(levels) if levels else None,
        approach=item.approach or _approach(text),
        visits=visits,
        frequency_per_week=frequency,
        weeks=weeks,
        accompanies=item.accompanies,
        ingredients=combination_ingredients(term, item.strength, text, vocab, notes) if term is not None else (),
        assumptions=tuple(notes),
    )


def _reading(item: Item, vocab: Vocabulary, where: Location) -> Reading:
    if item.kind == "other":
        return Reading()
    if item.name:
        term = vocab.resolve(item.name)
        if term is None:
            amb = vocab.ambiguity_of(item.name)
            if amb is not None:
                options = ", ".join(m.name for m in amb.meanings)
                raise EngineError(f"'{item.name}' could mean several treatments: name one of {options}", _at(where, "name"))
            raise EngineError(f"unknown drug or service '{item.name}'{vocab.suggestion(item.name)}", _at(where, "name"))
        reading = Reading(term=term)
    else:
        reading = vocab.read(item.request)
        if reading.term is None and reading.word is not None:
            return reading
        term = reading.term
        joined = vocab.joined_names(item.request) if term is not None else None
        if joined is not None:
            raise EngineError(
                f"'{item.request}' names two treatments ('{joined[0]}' and '{joined[1]}'); only one would be"
                " decided: write one item per treatment (same expected outcome when the reviewer decided the"
                " line as a whole), or set name: to the one the request is about",
                _at(where, "request"),
            )
        if term is None:
            raise EngineError(
                f"no known drug or service in '{item.request}'{vocab.suggestion(item.request)};"
                " add it to rules/vocabulary or set kind: other",
                _at(where, "request"),
            )
    if item.kind and item.kind != term.kind:
        raise EngineError(f"'{term.name}' is a {term.kind}, not a {item.kind}", _at(where, "kind"))
    return reading


def _at(where: Location, field: str) -> Location:
    return Location(where.file, where.line, f"{where.field}.{field}" if where.field else field)


def _refuse_unreadable_numbers(text: str, where: Location) -> None:
    """Numbers the patterns below would misread: exponents ('1e400 mg' read as 1) and negative
    quantities ('#-21' silently dropped)."""
    exponent = _EXPONENT.search(text)
    if exponent:
        raise EngineError(f"'{exponent.group()}': write the number without an exponent", where)
    if _NEGATIVE_QTY.search(text):
        raise EngineError("a negative quantity cannot be requested", where)


def _quantity_in(text: str, where: Location) -> Optional[float]:
    """'#90' -> 90, within the bounds of the explicit `quantity` field (more than 0, at most MAX_QUANTITY)."""
    quantity = _number(_QTY, text)
    if quantity is not None and not 0 < quantity <= MAX_QUANTITY:
        raise EngineError(f"quantity {_shown(quantity)} in the request must be more than 0 and at most {MAX_QUANTITY:,}",
                          where)
    return quantity


def _shown(number: float) -> str:
    return f"{number:,.0f}" if number == int(number) else f"{number:g}"


def bounded_strength_mg(strength: Optional[str], where: Location) -> Optional[float]:
    """strength_mg_of, refusing exponents, a zero strength and more than MAX_STRENGTH_MG (from the
    request text or the explicit `strength` field alike)."""
    if strength and _EXPONENT.search(strength):
        raise EngineError(f"strength '{strength}': write the number without an exponent", where)
    mg = strength_mg_of(strength)
    if mg is not None and not 0 < mg <= MAX_STRENGTH_MG:
        raise EngineError(f"strength '{strength}' must be more than 0 and at most {MAX_STRENGTH_MG:,} mg", where)
    return mg


def _number(pattern: re.Pattern, text: str) -> Optional[float]:
    match = pattern.search(text)
    return float(match.group(1)) if match else None


def _first(pattern: re.Pattern, text: str) -> Optional[str]:
    match = pattern.search(text)
    return match.group(0) if match else None


@lru_cache(maxsize=4096)  # pure, and the same strengths recur in every history and request
def strength_mg_of(strength: Optional[str]) -> Optional[float]:
    """Milligrams of the first ingredient ("10/325mg" -> 10; "50 mcg" -> 0.05)."""
    if not strength:
        return None
    match = _LEADING_NUMBER.match(strength)
    if not match:
        return None
    value = float(match.group(1))
    unit = _UNIT.search(strength)
    if unit and unit.group(1).lower() == "mcg":
        value /= 1000
    elif unit and unit.group(1).lower() == "g":
        value *= 1000
    return value


class SigError(ValueError):
    """Directions that cannot give a daily count: a zero dose or interval, an exponent, or more
    units a day than the explicit `units_per_day` field allows."""


@lru_cache(maxsize=4096)  # pure, and the same directions recur in every history and request
def parse_sig(sig: str) -> tuple[Optional[float], bool]:
    """Units per day at the most the sig allows, and whether it is as needed ("1-2 q6h prn").

    Raises SigError for directions that cannot be right ("1 q0h", "0 tid", "1e3 tid")."""
    text = sig.lower()
    as_needed = "prn" in text or "as needed" in text
    if _EXPONENT.search(text):
        raise SigError(f"'{_EXPONENT.search(text).group()}': write the number without an exponent")
    dose = _DOSE.match(text)
    units = float(dose.group(2) or dose.group(1)) if dose else 1.0
    if units <= 0:
        raise SigError(f"directions '{sig}' give a dose of 0")
    per_day: Optional[float] = None
    every = _EVERY_HOURS.search(text) or _EVERY_HOURS_WORDS.search(text)
    spaced = None if every else _doses_days_apart(text)
    times = _TIMES_A_DAY.search(text)
    if every:
        if float(every.group(1)) <= 0:
            raise SigError(f"directions '{sig}' give an interval of 0 hours")
        per_day = units * 24 / float(every.group(1))
    elif spaced:
        per_day = units / spaced
    elif times:
        count = float(_NUMBER_WORDS.get(times.group(1), times.group(1)))
        if count <= 0:
            raise SigError(f"directions '{sig}' give 0 times a day")
        per_day = units * count
    else:
        per_day = next((units * count for pattern, count in _PER_DAY_WORDS if pattern.search(text)), None)
    if per_day is not None and per_day > MAX_UNITS_PER_DAY:
        raise SigError(f"directions '{sig}' give {_shown(per_day)} units a day; at most {MAX_UNITS_PER_DAY} can be read")
    return per_day, as_needed


def _doses_days_apart(text: str) -> Optional[float]:
    """Days between doses for a sig written in days or weeks, or None."""
    days = _EVERY_DAYS.search(text)
    if days and float(days.group(1)) > 0:
        return float(days.group(1))
    weeks = _EVERY_WEEKS.search(text)
    if weeks:
        return 7 * float(weeks.group(1) or 1) or None
    times = _TIMES_A_WEEK.search(text)
    if times:
        count = times.group(1)
        return 7 / float(_WEEK_COUNTS.get(count, count)) if count != "0" else None
    return None


def _sig(sig: str, where: Location) -> tuple[Optional[float], bool]:
    try:
        return parse_sig(sig)
    except SigError as exc:
        raise EngineError(str(exc), where) from None


def _units_per_day(item: Item, term: Optional[Term], vocab: Vocabulary, notes: list[str],
                   where: Location) -> tuple[Optional[float], bool]:
    """Units a day from explicit field, else the sig, else the drug's typical dosing (flagged)."""
    as_needed = bool(item.sig and _AS_NEEDED.search(item.sig))
    if item.units_per_day is not None:
        return item.units_per_day, as_needed
    if item.sig:
        units, as_needed = _sig(item.sig, _at(where, "sig"))
        if units:
            return units, as_needed
    elif term is not None and term.kind == "drug":
        written = _SIG_IN_TEXT.search(item.request)
        if written:
            units, as_needed = _sig(written.group(0), _at(where, "request"))
            if units:
                notes.append(f"directions read from the request text: '{written.group(0).strip()}'")
                return units, as_needed
    if term is None or term.kind != "drug":
        return None, as_needed
    typical = vocab.drugs[term.name].typical_units_per_day
    if typical is None or (item.quantity is None and not _QTY.search(item.request)):
        return None, as_needed
    why = f"sig '{item.sig}' gives no daily count" if item.sig else "no sig stated"
    notes.append(f"{why}: assumed typical dosing of {typical:g} a day for {term.name}")
    return typical, as_needed


def _schedule(item: Item, term: Optional[Term], quantity: Optional[float], notes: list[str],
              programme_day: ProgrammeDay) -> tuple[Optional[float], Optional[float], Optional[float]]:
    """Visits a week, weeks and total visits of a service: explicit fields win, else the wording
    (engine/intake/request_wording.py), else the programme fallback in days or hours."""
    if not term or term.kind != "service":
        return item.frequency_per_week, item.weeks, item.visits
    written = read_schedule(item.request)
    frequency = item.frequency_per_week or written.frequency_per_week
    weeks = item.weeks or written.weeks
    if item.visits is not None:
        return frequency, weeks, item.visits
    notes.extend(written.notes)
    if item.frequency_per_week or item.weeks:
        visits = frequency * weeks if frequency and weeks else written.visits
    elif written.visits is not None or written.open_ended:
        visits = written.visits
    else:
        visits = _visits(item.request, term, weeks, quantity, programme_day)
    return frequency, weeks, visits


def _visits(text: str, term: Term, weeks: Optional[float], quantity: Optional[float],
            programme_day: ProgrammeDay) -> Optional[float]:
    """Visits from a quantity, or for a full-day programme from days, weeks or hours."""
    if quantity is not None and term.category in ("therapy", "program"):
        return quantity
    if term.category == "program":  # full-day programmes are written in days, weeks or hours
        days, hours = _number(_PROGRAM_DAYS, text), _number(_PROGRAM_HOURS, text)
        if days is not None:
            return days
        if weeks:
            return weeks * programme_day["days_per_week"]
        if hours is not None:
            return round(hours / programme_day["hours_per_day"], 1)
    return None


def treated_region(res: ResolvedItem, case_regions: Sequence[str]) -> Optional[str]:
    """The region a request treats: its own (request text, fields, directions, the service), else the
    case's when the case names exactly one (a record about one knee asks for "Voltaren gel" for it)."""
    if res.region:
        return res.region
    return case_regions[0] if len(case_regions) == 1 else None


def region_in_text(text: str) -> Optional[str]:
    """The body region a request line names ("Ortho consult R knee" -> knee), if it names one."""
    return _region(text, levels_in_text(text))


def levels_in_text(text: str) -> list[str]:
    """Spinal levels written in a request ("L4-5", "L5-S1")."""
    return [m.group(0) for m in _LEVEL.finditer(text)]


_SIDE = re.compile(r"\b(right|left|bilateral|bilaterally|both sides|rt|lt)\b", re.I)
_SIDE_WORDS = {"right": "right", "rt": "right", "left": "left", "lt": "left", "bilateral": "both",
               "bilaterally": "both", "both sides": "both"}


@lru_cache(maxsize=4096)  # pure; facts read the side of the same request lines again and again
def side_in_text(text: str) -> Optional[str]:
    """The side a request names ("right L4-5 TFESI" -> right; "bilateral" -> both); None if none or two."""
    sides = {_SIDE_WORDS[m.group(1).lower()] for m in _SIDE.finditer(text)}
    return sides.pop() if len(sides) == 1 else ("both" if {"right", "left"} <= sides else None)


def level_segments(levels: list[str]) -> list[str]:
    """Single motion segments: 'L4-5' -> ['L4-L5'], 'L4-S1' -> ['L4-L5', 'L5-S1']; other text counts as one."""
    out: list[str] = []
    for level in levels:
        match = _LEVEL.search(level)
        if match:
            top = f"{match.group(1).upper()}{int(match.group(2))}"
            bottom = f"{(match.group(3) or match.group(1)).upper()}{int(match.group(4))}"
            if top in _SPINE and bottom in _SPINE and top != bottom:
                i, j = sorted((_SPINE.index(top), _SPINE.index(bottom)))
                out += [f"{_SPINE[k]}-{_SPINE[k + 1]}" for k in range(i, j)]
                continue
        out.append(level)
    return out


def count_levels(levels: list[str]) -> int:
    """Motion segments named: 'L4-5' is one, 'L4-S1' two; a bare 'L5' counts one."""
    return len(level_segments(levels))


def _region(text: str, levels: list[str]) -> Optional[str]:
    lowered = text.lower()
    for word, region in _REGIONS.items():
        if word in lowered:
            return region
    if levels:
        return {"C": "cervical", "T": "thoracic", "L": "lumbar", "S": "lumbar"}.get(levels[0].strip()[:1].upper())
    if _LESI.search(lowered):
        return "lumbar"
    if _CESI.search(lowered):
        return "cervical"
    return None


def _applied_to(item: Item, term: Optional[Term], vocab: Vocabulary, notes: list[str]) -> Optional[str]:
    """Where a topical drug is applied, when only its directions say ("apply to L knee qid")."""
    if not item.sig or term is None or term.kind != "drug" or vocab.drugs[term.name].route != "topical":
        return None
    region = _region(item.sig, [])
    if region:
        notes.append(f"applied to the {region}, read from the directions: '{item.sig}'")
    return region


def _service_region(term: Optional[Term], vocab: Vocabulary) -> Optional[str]:
    """The region a service always treats ("carpal tunnel release" -> wrist), when its vocabulary entry says."""
    service = vocab.services.get(term.name) if term is not None and term.kind == "service" else None
    return service.region if service is not None else None


def _approach(text: str) -> Optional[str]:
    lowered = text.lower()
    if "transforaminal" in lowered or "tfesi" in lowered or _TF.search(lowered):
        return "transforaminal"
    if "interlaminar" in lowered or _ILESI.search(lowered):
        return "interlaminar"
    if "caudal" in lowered:
        return "caudal"
    return None

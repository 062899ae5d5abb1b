"""From a determination letter: the dates (injury, request, utilization review), the patient,
the diagnoses and the regions, each with where it was read and whether a person must confirm it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from engine.intake.letters import Letter, Reading, Sentence, any_of, dates_in, parse_date, pattern
from engine.intake.vocabulary import Vocabulary


@dataclass
class Reads:
    """What the draft will say: case fields, the entries a person must confirm, a comment per field."""

    case: dict[str, Any] = field(default_factory=dict)
    review: list[dict[str, Any]] = field(default_factory=list)
    comments: dict[str, str] = field(default_factory=dict)

    def confirm(self, path: str, read: Any, note: str) -> None:
        self.review.append({"field": path, "read": read, "note": note})


def where(sentence: Sentence) -> str:
    """Where a fact was read, in the draft's words (never the letter's)."""
    return f"letter line {sentence.line}" + (f" (dated {sentence.dated})" if sentence.dated else "")


def read_dates(letter: Letter, reading: Reading, vocab: Vocabulary, item_terms: list[Optional[str]], out: Reads) -> None:
    """Injury date; the request date (the dated request or treatment plan naming the most disputed
    items, else the latest visit before utilization review), said with why; the UR date."""
    summary = list(letter.summary)
    injury = _first_date(summary, reading.dates["injury"])
    if injury:
        out.case["injury_date"] = injury[0]
        out.comments["injury_date"] = f"read at {where(injury[1])}"
    else:
        out.confirm("injury_date", None, "no date of injury found in the summary")
    reviews = [(s, d) for s in summary if (d := _ur_date(s, reading)) is not None]
    ur_date = max((d for _, d in reviews), default=None)
    ur_sentences = {id(s) for s, _ in reviews}
    wanted = {t for t in item_terms if t}
    best: Optional[tuple[int, bool, dt.date, Sentence]] = None
    candidates = 0
    for sentence in summary:
        if id(sentence) in ur_sentences:
            continue
        match = any_of(reading.dates["request"], sentence.text)
        if not match:
            continue
        explicit = "date" in match.groupdict() and match.group("date") is not None
        day = parse_date(match.group("date")) if explicit else sentence.dated
        if day is None:
            continue
        named = len(wanted & {term.name for _, term in vocab.terms_in(sentence.text)})
        if named == 0:
            continue
        candidates += 1
        key = (named, explicit, day, sentence)
        if best is None or key[:3] > best[:3]:
            best = key
    if best is not None:
        named, explicit, day, sentence = best
        out.case["request_date"] = day
        why = (f"the {'request for authorization' if explicit else 'dated treatment plan'} at {where(sentence)}"
               f" names {named} of the {len(wanted)} disputed items")
        out.comments["request_date"] = why
        if not (explicit and named == len(wanted)):
            out.confirm("request_date", day, f"taken from {why}; {candidates} dated requests or plans name disputed items")
    else:
        visits = [(d, s) for s in summary for d, _ in _visit_dates(s, reading) if not ur_date or d <= ur_date]
        if visits:
            day, sentence = max(visits, key=lambda v: v[0])
            out.case["request_date"] = day
            out.comments["request_date"] = f"no request date stated: the latest dated visit or report, {where(sentence)}"
            out.confirm("request_date", day, "the letter gives no request date; took the latest dated visit or report"
                        + (f" before the utilization review of {ur_date}" if ur_date else ""))
        else:
            out.confirm("request_date", None, "no request, visit or report date found; required")
    if ur_date:
        out.comments["utilization_review"] = f"utilization review decided on {ur_date} (not a case field)"
        request = out.case.get("request_date")
        if request and ur_date < request:
            out.confirm("request_date", request, f"the letter dates utilization review {ur_date}, before this request date")


def _first_date(sentences: list[Sentence], patterns: list[str]) -> Optional[tuple[dt.date, Sentence]]:
    for sentence in sentences:
        match = any_of(patterns, sentence.text)
        if match and match.groupdict().get("date"):
            day = parse_date(match.group("date"))
            if day:
                return day, sentence
    return None


def _ur_date(sentence: Sentence, reading: Reading) -> Optional[dt.date]:
    match = any_of(reading.dates["utilization_review"], sentence.text)
    if not match:
        return None
    if match.groupdict().get("date"):
        return parse_date(match.group("date"))
    found = dates_in(sentence.text)
    return found[0][0] if found else sentence.dated


def _visit_dates(sentence: Sentence, reading: Reading) -> list[tuple[dt.date, Sentence]]:
    out = []
    for one in reading.dates["visit"]:
        for match in pattern(one).finditer(sentence.text):
            day = parse_date(match.group("date"))
            if day:
                out.append((day, sentence))
    return out


def read_patient(letter: Letter, reading: Reading, out: Reads) -> None:
    for sentence in letter.summary:
        match = pattern(reading.patient).search(sentence.text)
        if match:
            out.case["patient"] = {"age": int(match.group(1)), "sex": reading.sex_words[match.group(2).lower()]}
            out.comments["patient"] = f"read at {where(sentence)}"
            return
    out.confirm("patient", None, "age and sex not found")


def read_diagnoses(letter: Letter, reading: Reading, out: Reads) -> None:
    """The diagnoses as listed, then the regions their words (or, without a diagnosis, the complaint) name."""
    found: list[str] = []
    source = None
    for sentence in letter.summary:
        match = any_of(reading.diagnoses, sentence.text)
        if match:
            found = _split_list(match.group("list"), reading)
            source = sentence
            break
    if found:
        out.case["diagnoses"] = found
        out.comments["diagnoses"] = f"as listed at {where(source)}"
        region_text = " ; ".join(found)
    else:
        out.confirm("diagnoses", None, "no list of diagnoses found; the complaint gave the regions")
        complaints = [m.group("text") for s in letter.summary if (m := pattern(reading.complaint).search(s.text))]
        region_text = " ; ".join(complaints)
    regions: list[str] = []
    for entry in reading.regions:
        if any(re.search(rf"\b{re.escape(word)}\b", region_text, re.I) for word in entry["words"]):
            regions += [r for r in entry["regions"] if r not in regions]
    if regions:
        out.case["regions"] = regions
        if not found:
            out.confirm("regions", regions, "read from the complaint, not from a diagnosis")
    else:
        out.confirm("regions", None, "no body region found")


def _split_list(text: str, reading: Reading) -> list[str]:
    """'A, B, and C' -> [A, B, C]; commas inside parentheses stay."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    out: list[str] = []
    for part in parts:
        for piece in re.split(r"\s+and\s+(?![^(]*\))", part.strip()) if len(parts) > 1 or " and " in part else [part]:
            piece = re.sub(r"^and\s+", "", piece.strip()).strip(" .;")
            piece = pattern(reading.diagnosis_drop).sub("", piece)
            if piece:
                out.append(piece)
    return out

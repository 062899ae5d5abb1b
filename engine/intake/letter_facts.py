"""From a determination letter's record sentences: exam findings, pain, work status, medications
(names from the vocabulary), prior procedures with their relief, drug screens, the opioid
agreement, and the cue words that point a person at findings the draft never sets itself.

Only the summary and rationale sentences about the record are read (Letter.record), never the
guideline text quoted in a rationale. What the patterns read with doubt goes to the review list.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from engine.intake.letter_dates import Reads, where
from engine.intake.letters import Reading, Sentence, any_of, parse_date, pattern
from engine.intake.vocabulary import Vocabulary

_STRENGTH_AFTER = re.compile(r"^\s*(\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)?\s*(?:mg|mcg))\b", re.I)
_CLAUSE_START = re.compile(r"[.;(]|\bthere is\b|\band\b(?= (?:treatment|therapy)\b)", re.I)


def read_exam(record: list[Sentence], reading: Reading, out: Reads) -> None:
    exam: dict[str, Any] = {}
    seen: dict[str, set] = {}
    lines: list[Sentence] = []
    for sentence in record:
        for entry in reading.exam:
            if entry.get("context") and not pattern(entry["context"]).search(sentence.text):
                continue
            if any_of(entry["patterns"], sentence.text):
                seen.setdefault(entry["field"], set()).add(entry["value"])
                exam.setdefault(entry["field"], entry["value"])
                lines.append(sentence)
        sensory = [_level_finding(m, reading) for m in pattern(reading.sensory_loss).finditer(sentence.text)]
        motor = [f for m in pattern(reading.motor_deficit).finditer(sentence.text) if (f := _motor(m, reading))]
        for name, found in (("sensory_loss", sensory), ("motor_deficit", motor)):
            if found:
                exam.setdefault(name, [])
                exam[name] += [f for f in found if f not in exam[name]]
                lines.append(sentence)
    for name, values in seen.items():
        if len(values) > 1:
            exam.pop(name)
            out.confirm(f"exam.{name}", None, f"the letter reads both ways ({', '.join(map(str, sorted(values, key=str)))})")
    if exam:
        dated = max((s.dated for s in lines if s.dated), default=None)
        if dated:
            exam = {"date": dated, **exam}
        exam["documented_in"] = ", ".join(sorted({where(s) for s in lines}))
        out.case["exam"] = exam


def _level_finding(match: re.Match, reading: Reading) -> dict:
    side = match.group("side") or match.group("side2") or ("bilateral" if match.group("bilateral") else None)
    found = {"level": match.group("level").upper()}
    if side:
        found["side"] = reading.sides[side.lower()]
    return found


def _motor(match: re.Match, reading: Reading) -> Optional[dict]:
    where_weak = match.group("where").strip().lower()
    side = "both" if match.group("bilateral") or pattern(reading.both_limbs).search(where_weak) else None
    root = next((root for muscle, root in reading.muscle_roots.items() if re.search(rf"\b{re.escape(muscle)}\b", where_weak)), None)
    if root is None and side is None:
        return None
    found: dict = {}
    if root:
        found["level"] = root
    if side:
        found["side"] = side
    return found


def read_pain(record: list[Sentence], reading: Reading, out: Reads) -> None:
    rules = reading.pain
    pain: dict[str, Any] = {}
    lines: list[Sentence] = []
    latest: Optional[tuple] = None
    ranges: list[tuple[str, re.Match, Sentence]] = []
    for sentence in record:
        text = sentence.text
        for match in pattern(rules["score_range"]).finditer(text):
            ranges.append((_with(match.group("tail"), rules), match, sentence))
        for match in pattern(rules["score"]).finditer(text):
            field = _with(match.group("tail"), rules)
            value = float(match.group("n"))
            if field == "score":
                key = (sentence.dated is not None, sentence.dated or 0)
                if latest is None or key >= latest:
                    latest = key
                    pain["score"] = value
            else:
                pain.setdefault(field, value)
            lines.append(sentence)
        relief = pattern(rules["relief_range"]).search(text)
        if relief:
            out.confirm("pain.reported_relief_percent", float(relief.group("high")),
                        f"relief given as a range {relief.group('low')}-{relief.group('high')}% at {where(sentence)}")
        elif (single := pattern(rules["relief"]).search(text)):
            pain["reported_relief_percent"] = float(single.group("n"))
            lines.append(sentence)
        if any_of(rules["radiating"], text):
            pain["radiating"] = True
            lines.append(sentence)
        for severity, patterns in rules["severity"].items():
            if "severity" not in pain and any_of(patterns, text):
                pain["severity"] = severity
                lines.append(sentence)
    for field, match, sentence in ranges:
        if field not in pain:
            out.confirm(f"pain.{field}", float(match.group("high")),
                        f"a range {match.group('low')}-{match.group('high')}/10 at {where(sentence)}; read the upper end")
    if pain:
        pain["documented_in"] = ", ".join(sorted({where(s) for s in lines}))
        out.case["pain"] = pain


def _with(tail: str, rules: dict) -> str:
    match = pattern(rules["with"]).search(tail or "")
    if not match:
        return "score"
    return "without_medication" if "without" in match.group(0).lower() else "with_medication"


def read_function(record: list[Sentence], reading: Reading, out: Reads) -> None:
    function: dict[str, Any] = {}
    for sentence in record:
        for entry in reading.work_status:
            if "work_status" not in function and any_of(entry["patterns"], sentence.text):
                function["work_status"] = entry["value"]
                function["documented_in"] = where(sentence)
                if not entry.get("sure", True):
                    out.confirm("function.work_status", entry["value"],
                                f"'{any_of(entry['patterns'], sentence.text).group(0)}' at {where(sentence)} does not say"
                                " whether the patient works")
        if "adl_improved" not in function and any_of(reading.adl_improved, sentence.text):
            function["adl_improved"] = True
            function.setdefault("documented_in", where(sentence))
    if function:
        out.case["function"] = function


def read_medications(record: list[Sentence], reading: Reading, vocab: Vocabulary, out: Reads) -> None:
    """Drugs the record says the patient takes or took, with strength, start and attributed benefit.

    A drug named only in a request or a review decision is listed for confirmation; one named only
    as a new start is not history; drug-screen sentences are read as screens."""
    rules = reading.medications
    found: dict[str, dict] = {}
    requested: dict[str, tuple[str, Sentence, bool]] = {}
    screen = pattern(reading.drug_screen)
    for sentence in record:
        if screen.search(sentence.text):
            continue
        text = sentence.text
        benefit = pattern(rules["regimen_benefit"]).search(text)
        for at, term in _drug_mentions(text, vocab):
            clause = _clause(text, at.start())
            after = text[at.end():]
            if any_of(rules["request_only"], clause):
                earlier = requested.get(term.name)
                new_start = bool(any_of(rules["new_start"], clause)) or (earlier is not None and earlier[2])
                requested[term.name] = (earlier or (at.group(0), sentence))[:2] + (new_start,)
                continue
            entry = found.setdefault(term.name, {"drug": at.group(0), "lines": []})
            entry["lines"].append(sentence)
            strength = _STRENGTH_AFTER.match(after)
            if strength and "strength" not in entry:
                entry["strength"] = strength.group(1)
            since = pattern(rules["since"]).search(_rest_of_clause(after))
            if since and "since" not in entry:
                entry["since"] = parse_date(since.group("date"))
                entry["since_at_least"] = bool(since.group("atleast"))
            if any_of(rules["past"], clause):
                entry["status"] = "past"
            if any_of(rules["intermittent"], text) and "pattern" not in entry:
                entry["pattern"] = "intermittent"
                out.confirm(f"medications.{term.name}.pattern", "intermittent",
                            f"use described as occasional at {where(sentence)}; confirm for this drug")
            if benefit and at.start() >= benefit.start("drugs") and at.end() <= benefit.end("drugs"):
                response = {}
                if any_of(reading.pain_reduced, benefit.group("what")):
                    response["pain_reduced"] = True
                if any_of(reading.adl_improved, benefit.group("what")):
                    response["function_improved"] = True
                entry.setdefault("response", {}).update(response)
    meds = []
    for name, entry in found.items():
        lines = entry.pop("lines")
        entry = {k: v for k, v in entry.items() if v not in (None, {})}
        entry["documented_in"] = ", ".join(sorted({where(s) for s in lines}))
        meds.append(entry)
    for name, (written, sentence, new_start) in requested.items():
        if name in found:
            continue
        if new_start:
            out.confirm(f"medications.{name}", None, f"{written} is named only as a requested new start (from"
                        f" {where(sentence)}): not listed as history")
            continue
        meds.append({"drug": written, "documented_in": f"{where(sentence)} (named in a request)"})
        out.confirm(f"medications.{name}", written, f"{written} is named only in a request or review decision at"
                    f" {where(sentence)}; keep it only if the record shows the patient takes it")
    if meds:
        out.case["medications"] = meds


def _drug_mentions(text: str, vocab: Vocabulary) -> list[tuple[re.Match, Any]]:
    """Every place a drug is named in the sentence, in order, with its vocabulary term."""
    out = []
    for word, term in dict(vocab.terms_in(text)).items():
        if term.kind == "drug":
            out += [(m, term) for m in re.finditer(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text, re.I)]
    return sorted(out, key=lambda mention: mention[0].start())


def _clause(text: str, position: int) -> str:
    """The words from the start of the clause holding `position` up to it."""
    starts = [m.end() for m in _CLAUSE_START.finditer(text, 0, position)]
    return text[max(starts, default=0):position]


def _rest_of_clause(after: str) -> str:
    end = re.search(r"[.;)]", after)
    return after[:end.start()] if end else after


def read_monitoring(record: list[Sentence], reading: Reading, vocab: Vocabulary, out: Reads) -> None:
    monitoring: dict[str, Any] = {}
    screens = []
    meds = {vocab.lookup(m["drug"]).name for m in out.case.get("medications", []) if vocab.lookup(m["drug"])}
    for sentence in record:
        if "opioid_agreement" not in monitoring and any_of(reading.opioid_agreement, sentence.text):
            monitoring["opioid_agreement"] = True
            monitoring["documented_in"] = where(sentence)
        match = pattern(reading.drug_screen).search(sentence.text)
        if not match:
            continue
        screen: dict[str, Any] = {}
        if match.group("date"):
            screen["date"] = parse_date(match.group("date"))
        odd = any_of(reading.drug_screen_inconsistent, sentence.text)
        missing = odd.groupdict().get("drug") if odd else None
        term = vocab.lookup(missing) if missing else None
        if odd and (missing is None or (term is not None and term.name in meds)):
            screen["consistent"] = False
        elif match.group("result").lower() == "consistent":
            screen["consistent"] = True
        else:
            out.confirm("monitoring.drug_screens", None, f"a drug screen at {where(sentence)}: result not read as consistent or not")
            continue
        screen["documented_in"] = where(sentence)
        screens.append(screen)
        out.confirm(f"monitoring.drug_screens.{len(screens) - 1}.addressed", None,
                    f"screen at {where(sentence)} read as {'consistent' if screen['consistent'] else 'inconsistent'};"
                    " whether the prescriber addressed it is not read")
    if screens:
        monitoring["drug_screens"] = screens
    if monitoring:
        out.case["monitoring"] = monitoring


def read_procedures(record: list[Sentence], reading: Reading, vocab: Vocabulary, out: Reads) -> None:
    rules = reading.procedures
    procedures = []
    for sentence in record:
        for match in pattern(rules["prior"]).finditer(sentence.text):
            term = vocab.find(match.group("what"))
            if term is None or term.kind != "service":
                out.confirm("procedures", None, f"a prior treatment at {where(sentence)} with {match.group('percent')}%"
                            " relief was not recognised")
                continue
            tail = match.group("tail")
            entry: dict[str, Any] = {"service": match.group("what").strip(), "relief_percent": float(match.group("percent"))}
            weeks = pattern(rules["relief_weeks"]).search(tail)
            if weeks:
                entry["relief_weeks"] = float(weeks.group("n")) * (4 if weeks.group("unit").startswith("month") else 1)
            if any_of(rules["medication_reduced"], tail):
                entry["medication_reduced"] = True
            if any_of(rules["function_improved"], tail):
                entry["function_improved"] = True
            entry["documented_in"] = where(sentence) + ("" if weeks else "; duration of relief not stated")
            procedures.append(entry)
    if procedures:
        out.case["procedures"] = procedures
    for sentence in record:
        listed = pattern(reading.treatment_list).search(sentence.text)
        if listed:
            named = [t for t in re.split(r",|\band\b", listed.group("list")) if t.strip()]
            known = sorted({term.name for _, term in vocab.terms_in(listed.group("list")) if term.kind == "service"})
            out.confirm("procedures", None, f"{len(named)} treatments named without dates or results at {where(sentence)}"
                        f"{' (services: ' + ', '.join(known) + ')' if known else ''}: add any whose course or result"
                        " the record gives")


def read_cues(record: list[Sentence], reading: Reading, out: Reads) -> None:
    """Point a person at findings the letter hints at; the draft leaves them unset."""
    for finding, patterns in reading.cues.items():
        hits = [(s, m.group(0)) for s in record if (m := any_of(patterns, s.text))]
        if hits:
            shown = "; ".join(f"'{word}' at {where(s)}" for s, word in hits[:3])
            out.confirm(f"findings.{finding}", None, f"the letter mentions {shown}: set it only if the record documents it")

"""What a study shows: its stated fields, else what its `findings:` text says.

Records give imaging and nerve-study results as the radiologist or electromyographer wrote them
("full-thickness supraspinatus tear", "moderate median neuropathy at the wrist", "protrusion
abutting the right S1 root"). `study_shows` is the one definition every fact uses: an explicit
`significant_pathology` / `nerve_root_levels` / `side` wins; otherwise the text is read with the
words of table study-findings (rules/tables/study-findings.yaml). The reading is deliberately
narrow: a lesion that is named, not negated and not hedged counts; a report in normal words only
counts as normal; everything else is left unread (not documented).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Optional

from pydantic import ConfigDict, StrictStr, with_config
from typing_extensions import NotRequired, TypedDict

from engine.intake.cases import Study
from engine.intake.requests import side_in_text

Text = StrictStr
_closed = with_config(ConfigDict(extra="forbid"))  # no unknown keys in a table entry

# One group of lesion words; `with` is a Python keyword, hence the functional form.
LesionWords = _closed(TypedDict("LesionWords", {
    "words": tuple[Text, ...],                  # words or phrases that name the lesion
    "at_least": NotRequired[tuple[Text, ...]],  # only when the statement's nearest grade word is one of these
    "with": NotRequired[tuple[Text, ...]],      # only when the statement also has one of these words
    "kinds": NotRequired[tuple[Text, ...]],     # only in studies of these kinds
}))


@_closed
class StudyFindings(TypedDict):
    lesions: tuple[LesionWords, ...]
    not_lesions: tuple[Text, ...]
    grades: tuple[Text, ...]
    normal: tuple[Text, ...]
    negation_before: tuple[Text, ...]
    negation_after: tuple[Text, ...]
    hedge_before: tuple[Text, ...]
    hedge_after: tuple[Text, ...]
    breaks: tuple[Text, ...]
    root_words: tuple[Text, ...]


@dataclass(frozen=True)
class StudyResult:
    """What one study shows. `read` says what came from the findings text ('' when nothing did)."""

    significant_pathology: Optional[bool]
    roots: tuple[tuple[str, Optional[str]], ...]  # (nerve root level, side)
    read: str = ""


@dataclass(frozen=True)
class Reading:
    """What the findings text alone says: a lesion (True), a normal report (False) or unread (None)."""

    pathology: Optional[bool]
    roots: tuple[tuple[str, Optional[str]], ...]
    words: tuple[str, ...]


def study_shows(study: Study, table: dict) -> StudyResult:
    """The study's significant pathology and nerve roots: the stated fields, else its findings text."""
    stated = study.model_fields_set
    roots_stated = "nerve_root_levels" in stated and study.nerve_root_levels is not None
    field_roots = tuple((lvl, study.side) for lvl in study.nerve_root_levels)
    pathology = study.significant_pathology
    if not study.findings or (pathology is not None and roots_stated) or pathology is False:
        return StudyResult(pathology, field_roots)
    reading = read_findings(study.findings, study.kind, table)
    parts = []
    if pathology is None and reading.pathology is not None:
        pathology = reading.pathology
        parts.append(("significant pathology" if reading.pathology else "no significant pathology")
                     + " (" + ", ".join(f'"{w}"' for w in reading.words) + ")")
    roots = field_roots
    if not roots_stated and reading.pathology and reading.roots:
        roots = tuple((lvl, study.side or side) for lvl, side in reading.roots)
        parts.append("nerve root " + ", ".join(lvl + (f" ({side})" if side else "") for lvl, side in roots))
    read = ""
    if parts:
        where = " ".join(str(p) for p in (study.kind, study.region, study.date) if p)
        read = f'{where}: findings "{study.findings}" read as ' + "; ".join(parts)
    return StudyResult(pathology, roots, read)


def read_findings(text: str, kind: str, table: dict) -> Reading:
    """Read a findings text (see the module docstring and table study-findings)."""
    words = _words_of(table)
    lesions: list[str] = []
    normal: list[str] = []
    roots: list[tuple[str, Optional[str]]] = []
    settled = True  # every statement is normal or negated, and nothing is hedged
    for sentence in _sentences(text, words):
        carry_negated = carry_hedged = False
        for statement in sentence:
            found = _statement(statement, kind, words, carry_negated, carry_hedged)
            lesions += found.lesions
            normal += found.normal
            roots += [(lvl, side_in_text(statement)) for lvl in found.roots]
            settled = settled and not found.hedged and bool(found.normal or found.negated)
            carry_negated, carry_hedged = found.open_negation, found.open_hedge
    if lesions:
        unique = tuple(dict.fromkeys(roots))
        return Reading(True, unique, tuple(dict.fromkeys(lesions)))
    if normal and settled:
        return Reading(False, (), tuple(dict.fromkeys(normal)))
    return Reading(None, (), ())


@dataclass(frozen=True)
class _Words:
    token: re.Pattern          # every phrase of the table, longest first
    roles: dict                # phrase -> its roles: a table key ("grades", "normal", ...) or ("lesion", group)
    groups: tuple              # the lesion groups (words, at_least, with pattern or None, kinds)
    breaks: re.Pattern
    root: re.Pattern


@dataclass
class _Found:
    lesions: list
    normal: list
    roots: list  # root levels named, not negated or hedged, in a statement naming a lesion
    negated: bool
    hedged: bool
    open_negation: bool  # a negation before its object is still open at the end of the statement
    open_hedge: bool


def _phrase_pattern(phrases) -> str:
    ordered = sorted({p.lower() for p in phrases}, key=lambda p: (-len(p), p))
    return "|".join(r"\b" + r"\s+".join(re.escape(w) for w in p.split()) + r"(?!\w)" for p in ordered)


_WORDS_OF: dict[int, tuple[dict, _Words]] = {}  # the table value last read (by identity) -> its compiled words


def _words_of(table: dict) -> _Words:
    """The compiled words of a table value, found by the value's identity (a process reads one
    pack's table again and again; writing the table out as JSON to look it up took longer than
    most readings)."""
    hit = _WORDS_OF.get(id(table))
    if hit is None or hit[0] is not table:
        _WORDS_OF.clear()  # one table at a time
        hit = _WORDS_OF[id(table)] = (table, _compiled(json.dumps(table, sort_keys=True, default=list)))
    return hit[1]


@functools.lru_cache(maxsize=8)
def _compiled(table_json: str) -> _Words:
    table = json.loads(table_json)
    roles: dict[str, set] = {}

    def add(phrases, role):
        for phrase in phrases:
            roles.setdefault(" ".join(phrase.lower().split()), set()).add(role)

    groups = []
    for i, group in enumerate(table["lesions"]):
        add(group["words"], ("lesion", i))
        with_words = group.get("with")
        groups.append((frozenset(w.lower() for w in group.get("at_least", ())),
                       re.compile(_phrase_pattern(with_words), re.I) if with_words else None,
                       frozenset(group.get("kinds", ()))))
    for role in ("not_lesions", "grades", "normal", "negation_before", "negation_after", "hedge_before", "hedge_after"):
        add(table[role], role)
    level = r"(?<![\w-])(?:C[1-8]|T1[0-2]|T[1-9]|L[1-5]|S[1-5])(?![\w-])"  # the case format's root levels
    root = re.compile(rf"({level}(?:\s*(?:,|and|&|/|or)\s*{level})*)\s+(?:{_phrase_pattern(table['root_words'])})",
                      re.I)
    return _Words(re.compile(_phrase_pattern(roles), re.I), roles, tuple(groups),
                  re.compile(_phrase_pattern(table["breaks"]), re.I), root)


def _sentences(text: str, words: _Words) -> list[list[str]]:
    """Sentences (split at . ; line ends and break words), each a list of comma-separated statements."""
    out = []
    for sentence in re.split(r"(?<!\d)\.|\.(?!\d)|[;\n]", text):
        for part in words.breaks.split(sentence):
            statements = [s.strip() for s in part.split(",") if s.strip()]
            if statements:
                out.append(statements)
    return out


def _statement(text: str, kind: str, words: _Words, negated_in: bool, hedged_in: bool) -> _Found:
    tokens = [(m.start(), " ".join(m.group(0).lower().split())) for m in words.token.finditer(text)]
    roles = [(pos, words.roles[phrase], phrase) for pos, phrase in tokens]
    has = {role for _, rs, _ in roles for role in rs if isinstance(role, str)}
    # A negation or hedge left open by the statement before carries over a bare list item only
    # ("no fracture, dislocation or tear"), not into one that grades, counts or calls normal.
    bare = not ({"grades", "normal"} & has) and not re.search(r"\d", text)
    negated_in, hedged_in = negated_in and bare, hedged_in and bare

    def governed(pos: int, before: str, after: str, carried: bool) -> bool:
        return carried or any((before in rs and p < pos) or (after in rs and p > pos) for p, rs, _ in roles)

    lesions, normal = [], []
    for pos, rs, phrase in roles:
        negated = governed(pos, "negation_before", "negation_after", negated_in)
        hedged = governed(pos, "hedge_before", "hedge_after", hedged_in)
        if "normal" in rs and not negated and not hedged:
            normal.append(phrase)
        for role in rs:
            if isinstance(role, tuple) and not negated and not hedged and _qualifies(
                    words.groups[role[1]], pos, roles, text, kind):
                lesions.append(phrase)
    free = [m for m in words.root.finditer(text) if lesions
            and not governed(m.start(), "negation_before", "negation_after", negated_in)
            and not governed(m.start(), "hedge_before", "hedge_after", hedged_in)]
    roots = [lvl.upper() for m in free for lvl in re.findall(r"[CTLS]\d+", m.group(1), re.I)]
    last_negation = max((p for p, rs, _ in roles if "negation_before" in rs), default=None)
    last_hedge = max((p for p, rs, _ in roles if "hedge_before" in rs), default=None)
    return _Found(lesions, normal, roots,
                  negated=negated_in or bool({"negation_before", "negation_after"} & has),
                  hedged=hedged_in or bool({"hedge_before", "hedge_after"} & has),
                  open_negation=negated_in or last_negation is not None,
                  open_hedge=hedged_in or last_hedge is not None)


def _qualifies(group, pos: int, roles, text: str, kind: str) -> bool:
    """Whether a lesion word at `pos` meets its group's conditions (grade, companion word, study kind)."""
    at_least, with_words, kinds = group
    if kinds and kind not in kinds:
        return False
    if with_words is not None and not with_words.search(text):
        return False
    if at_least:
        before = [phrase for p, rs, phrase in roles if "grades" in rs and p < pos]
        after = [phrase for p, rs, phrase in roles if "grades" in rs and p > pos]
        grade = before[-1] if before else (after[0] if after else None)
        return grade in at_least
    return True

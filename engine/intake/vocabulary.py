"""The vocabulary: drug and service names as providers write them, mapped to canonical terms.

Data lives in `rules/vocabulary/*.yaml`; this module validates it and answers lookups.
"""

from __future__ import annotations

import hashlib
import json
import re
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable, Literal, Optional, Sequence, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from engine.errors import EngineError, Location
from engine.intake.sources import read_document, suggest, validate

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_/+-]*$")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Drug(Model):
    """A drug by its generic name, with the brand names and classes rules refer to."""

    name: Name
    synonyms: list[StrictStr] = []
    classes: list[Name] = []
    typical_units_per_day: Optional[Annotated[float, Field(gt=0, le=24)]] = None
    mme_per_mg: Optional[Annotated[float, Field(gt=0, le=10000)]] = None
    route: Literal["oral", "topical", "transdermal", "injection", "other"] = "oral"
    history_only: bool = False
    ingredients: list[Name] = []  # a combination product's active ingredients, in the order strengths are written
    note: Optional[StrictStr] = None


class DmeProfile(Model):
    """How an item stands against the four parts of the durable medical equipment definition ODG
    applies (Medicare's): data for the general DME rule, with the source of the classification."""

    repeated_use: bool            # withstands repeated use (could be rented and used by successive patients)
    primarily_medical: bool       # primarily and customarily serves a medical purpose
    useful_without_injury: bool   # generally useful to a person without an illness or injury
    home_use: bool                # appropriate for use in the patient's home
    source: StrictStr


class Service(Model):
    """A procedure, test, visit, therapy, device or program."""

    name: Name
    synonyms: list[StrictStr] = []
    category: Literal[
        "procedure", "associated_service", "imaging", "diagnostic", "lab", "visit",
        "therapy", "device", "program", "supply", "other",
    ]
    region: Optional[StrictStr] = None
    note: Optional[StrictStr] = None
    dme: Optional[DmeProfile] = None
    no_rule: Optional[StrictStr] = None   # why no encoded guideline covers it (said with `no applicable rule`)


class Meaning(Model):
    """One thing an ambiguous word can mean, and the words of the request that select it."""

    name: Name                        # the drug or service entry meant
    says: StrictStr                   # how the meaning is named to the user
    context: list[StrictStr] = []     # words elsewhere in the same request that select this meaning


class Ambiguity(Model):
    """A word that means different treatments ("CPM", "chair", "program"): read by the whole request
    phrase, reported when the phrase does not settle it."""

    words: Annotated[list[StrictStr], Field(min_length=1)]
    meanings: Annotated[list[Meaning], Field(min_length=2)]
    default: Optional[Name] = None    # the usual meaning, assumed (and said) when no context word decides


class Qualified(Model):
    """A name read together with another word of the request means another entry
    ("epidural ... lysis of adhesions" is adhesiolysis, not an epidural steroid injection)."""

    name: Name                        # the entry the request's name resolves to on its own
    with_words: Annotated[list[StrictStr], Field(min_length=1, alias="with")]
    means: Name                       # the entry it means with one of those words
    says: StrictStr


SignKind = Literal["sensory_change", "motor_deficit", "reflex_change", "nerve_tension", "not_radicular", "orthopedic"]


class SignWords(Model):
    """Words clinicians use for one kind of examination sign ("hypoesthesia" is a sensory change).
    An orthopaedic sign may document a case finding ("positive McMurray" is finding.meniscal_exam_signs),
    as a listed diagnosis does; with `count`, the finding is a number: how many distinct tests of it
    (entries) are positive (three sacroiliac provocation tests)."""

    name: SignKind
    synonyms: list[StrictStr] = []
    finding: Optional[Name] = None
    value: StrictBool | StrictStr = True
    count: StrictBool = False
    note: Optional[StrictStr] = None


class DiagnosisWords(Model):
    """Words that name, in a listed diagnosis, a finding the rules read ("plantar fasciitis" is
    finding.plantar_fasciitis): a diagnosis the record states is that finding documented."""

    finding: Name
    value: StrictBool | StrictStr = True     # the finding's value when the words match (text findings name theirs)
    words: Annotated[list[StrictStr], Field(min_length=1)]   # one of these ...
    with_words: list[Annotated[list[StrictStr], Field(min_length=1)]] = Field(default=[], alias="with")
    #                                          ... and one word of each of these groups, in the same diagnosis
    suspected: StrictBool = False             # a suspected finding: "r/o labral tear" names it too
    note: Optional[StrictStr] = None


class DiagnosisHedges(Model):
    """Words that keep a listed diagnosis from stating a finding: a question ("r/o", "possible")
    names only findings that are suspicions themselves; a negation ("ruled out") names none."""

    questions: list[StrictStr] = []
    negations: list[StrictStr] = []


class LabTest(Model):
    """A laboratory test a lab request may name ("CBC", "chem 8"), with the drugs or drug classes
    whose ongoing use it monitors; a test that monitors none needs its own stated reason."""

    name: Name
    synonyms: list[StrictStr] = []
    monitors: list[Name] = []      # drug classes or generic drug names (rules/vocabulary drugs)
    note: Optional[StrictStr] = None


class VocabularyFile(Model):
    drugs: list[Drug] = []
    services: list[Service] = []
    ambiguous: list[Ambiguity] = []
    qualified: list[Qualified] = []
    signs: list[SignWords] = []
    diagnoses: list[DiagnosisWords] = []
    diagnosis_hedges: Optional[DiagnosisHedges] = None
    lab_tests: list[LabTest] = []


class Term(BaseModel):
    """What a name resolved to."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["drug", "service"]
    name: str
    classes: tuple[str, ...] = ()
    category: Optional[str] = None


@dataclass(frozen=True)
class Reading:
    """What a request text names: a term, or the candidates of an ambiguous word; with a note saying
    how the phrase was read when that was not a plain name."""

    term: Optional[Term] = None
    note: Optional[str] = None
    word: Optional[str] = None               # the ambiguous word, when the phrase did not settle it
    candidates: tuple[str, ...] = ()         # "says (name)" of each meaning left open


# Entries read while a decision is made ("drug:<name>", "service:<name>"), for its record; a context
# variable, so concurrent decisions (threads of a server) each see their own.
_READS: ContextVar[Optional[set[str]]] = ContextVar("vocabulary_reads", default=None)


def _note(kind: str, name: str) -> None:
    reads = _READS.get()
    if reads is not None:
        reads.add(f"{kind}:{name}")


def note_reads(keys: Iterable[str]) -> None:
    """Note entries read earlier (a memoised reading replays the entries its first reading noted)."""
    reads = _READS.get()
    if reads is not None:
        reads.update(keys)


class tracking_reads:  # noqa: N801 - used as a function: `with tracking_reads() as reads:`
    """Collect the keys of every vocabulary entry read (by name, or as what a text resolved to)
    inside the block: the entries that decided it. (A class, not a generator context manager:
    it is entered once per case and per request line read, and costs a third as much.)"""

    def __enter__(self) -> set[str]:
        self.reads: set[str] = set()
        self.token = _READS.set(self.reads)
        return self.reads

    def __exit__(self, *exc) -> None:
        _READS.reset(self.token)


class _Entries(dict):
    """Entries by name; reading one (`[name]` or `.get`) notes it while reads are tracked."""

    kind: str = ""

    def __getitem__(self, name: str):
        value = dict.__getitem__(self, name)
        _note(self.kind, name)
        return value

    def get(self, name: str, default=None):
        return self[name] if dict.__contains__(self, name) else default


def _entries(kind: str, entries: dict) -> _Entries:
    out = _Entries(entries)
    out.kind = kind
    return out


class Vocabulary:
    """All known names; `find`/`read` scan request text, `resolve` checks one name."""

    def __init__(self, drugs: list[Drug], services: list[Service],
                 ambiguous: Sequence[Ambiguity] = (), qualified: Sequence[Qualified] = (),
                 signs: Sequence[SignWords] = (), files: Optional[dict[str, str]] = None,
                 diagnoses: Sequence[DiagnosisWords] = (), hedges: DiagnosisHedges = DiagnosisHedges(),
                 lab_tests: Sequence[LabTest] = ()):
        self.drugs = _entries("drug", {d.name: d for d in drugs})
        self.services = _entries("service", {s.name: s for s in services})
        self.diagnoses: dict[str, list[DiagnosisWords]] = {}
        for entry in diagnoses:
            self.diagnoses.setdefault(entry.finding, []).append(entry)
        self.hedges = hedges
        self.diagnosis_locations: list[tuple[DiagnosisWords, Location]] = []
        self.lab_tests = {t.name: t for t in lab_tests}
        self._lab_index = {normalise(w): t.name for t in lab_tests for w in [t.name.replace("_", " "), *t.synonyms]}
        self._lab_pattern = re.compile(r"(?<![a-z0-9])(" + "|".join(
            re.escape(w) for w in sorted(self._lab_index, key=len, reverse=True)) + r")(?![a-z0-9])") \
            if self._lab_index else None
        self.signs = {normalise(word): entry.name for entry in signs for word in [entry.name, *entry.synonyms]}
        self._sign_entries = {normalise(word): (i, entry) for i, entry in enumerate(signs) for word in entry.synonyms}
        self.sign_locations: list[tuple[SignWords, Location]] = []
        self.entry_files = files or {}  # entry key ("drug:<name>") -> the file that defines it
        self._entry_hashes: dict[str, str] = {}
        self.index: dict[str, Term] = {}
        for d in drugs:
            term = Term(kind="drug", name=d.name, classes=tuple(d.classes))
            for word in [d.name, *d.synonyms]:
                self.index[normalise(word)] = term
        for s in services:
            term = Term(kind="service", name=s.name, category=s.category)
            for word in [s.name, s.name.replace("_", " "), *s.synonyms]:
                self.index[normalise(word)] = term
        self.ambiguous = {normalise(w): a for a in ambiguous for w in a.words}
        self.qualified: dict[str, list[Qualified]] = {}
        for q in qualified:
            self.qualified.setdefault(q.name, []).append(q)
        self._pattern = re.compile(
            r"(?<![a-z0-9])("
            + "|".join(re.escape(k) for k in sorted([*self.index, *self.ambiguous], key=len, reverse=True))
            + r")(?![a-z0-9])"
        )
        self.combinations = {frozenset(d.ingredients): d.name for d in drugs if d.ingredients}
        self._ingredient_words = {i for d in drugs for i in d.ingredients}

    def entry(self, key: str) -> Optional[Union[Drug, Service]]:
        """The entry for a key such as 'drug:carisoprodol' (not noted as read)."""
        kind, _, name = key.partition(":")
        entries = self.drugs if kind == "drug" else self.services if kind == "service" else {}
        return dict.get(entries, name)

    def entry_hash(self, key: str) -> Optional[str]:
        """sha256 of an entry's content (canonical JSON), so a record can name the entry that changed."""
        if key not in self._entry_hashes:
            entry = self.entry(key)
            if entry is None:
                return None
            text = json.dumps(entry.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            self._entry_hashes[key] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return self._entry_hashes[key]

    def sign_kind(self, word: str) -> Optional[str]:
        """The kind of an examination sign as a clinician names it, or None when the word is unknown."""
        return self.signs.get(normalise(word))

    def sign_finding(self, finding: str, signs: Sequence[str]) -> Optional[tuple[bool | str | float, list[str]]]:
        """The value of a finding that examination signs document, with the signs: "positive Neer" documents
        shoulder impingement; a counted finding is the number of distinct tests named."""
        matched = [(word, *self._sign_entries[normalise(word)]) for word in signs
                   if normalise(word) in self._sign_entries and self._sign_entries[normalise(word)][1].finding == finding]
        if not matched:
            return None
        words = [word for word, _, _ in matched]
        if matched[0][2].count:
            return float(len({index for _, index, _ in matched})), words
        return matched[0][2].value, words

    def diagnosis_finding(self, finding: str, diagnoses: Sequence[str]) -> Optional[tuple[bool | str, str]]:
        """The value of a finding that a listed diagnosis names, with that diagnosis. A negated
        diagnosis ("CRPS ruled out") names nothing; a question ("r/o CRPS", "possible meniscal tear")
        names only a finding that is itself a suspicion (`suspected: true`)."""
        for entry in self.diagnoses.get(finding, ()):
            for diagnosis in diagnoses:
                text, negated, questioned = self._hedged(diagnosis)
                if negated or (questioned and not entry.suspected):
                    continue
                if _first_word(entry.words, text) is not None and all(
                        _first_word(group, text) is not None for group in entry.with_words):
                    return entry.value, diagnosis
        return None

    def lab_test(self, text: str) -> str:
        """A test as written ("Chem 8", "liver function tests") by its entry name, else as normalised."""
        return self._lab_index.get(normalise(text), normalise(text))

    def lab_tests_in(self, text: str) -> list[str]:
        """The known tests a request names in its text ("CBC, CMP" -> [cbc, cmp])."""
        if self._lab_pattern is None:
            return []
        return [self._lab_index[m] for m in self._lab_pattern.findall(normalise(text))]

    def lab_test_monitors(self, test: str) -> frozenset[str]:
        """Drug classes and generic names whose ongoing use the test monitors (none for an unknown test)."""
        entry = self.lab_tests.get(test)
        return frozenset(entry.monitors) if entry else frozenset()

    def resolve(self, name: str) -> Optional[Term]:
        return _read(self.index.get(normalise(name)))

    def term_of(self, name: str) -> Term:
        """The term of an entry by its canonical name (a meaning or qualified reading)."""
        if name in self.drugs:
            return Term(kind="drug", name=name, classes=tuple(self.drugs[name].classes))
        return Term(kind="service", name=name, category=self.services[name].category)

    def find(self, text: str) -> Optional[Term]:
        """The term free text names ("Retro Norco 10/325mg #90" -> hydrocodone...), or None when
        it names nothing known or only a word whose meaning it leaves open (see `read`)."""
        return self.read(text).term

    def read(self, text: str) -> Reading:
        """Read a request by its whole phrase: the first known name, then

        - an ambiguous word ("CPM") takes the meaning whose context words the phrase contains
          ("CPM program" is a chronic pain management programme, "CPM rental, knee" the machine);
          with none or several, its default if it has one (said in the note), else the candidates;
        - a name read with a qualifying word means another entry ("epidural lysis of adhesions");
        - a drug named with an injection route elsewhere in the text ("Toradol 60mg IM") is read as
          its injectable entry ("Toradol IM") when the vocabulary has one, and one named with a patch
          ("buprenorphine 10mcg/hr patch") as its patch entry ("buprenorphine patch")."""
        reading = self._reading(text)
        _read(reading.term)
        return reading

    def _reading(self, text: str) -> Reading:
        """What `read` returns, memoised per text (the same request and history names recur in every
        case); `read` notes the entry on every call, hit or not."""
        return self._remembered("_readings", text, self._read_text)

    def _remembered(self, memo_name: str, key: str, compute: Callable[[str], Any]) -> Any:
        """compute(key), kept in this vocabulary's memo `memo_name` (bounded: a long-running server
        reads endless texts)."""
        memo = self.__dict__.setdefault(memo_name, {})
        if key not in memo:
            if len(memo) > 50_000:
                memo.clear()
            memo[key] = compute(key)
        return memo[key]

    def _read_text(self, text: str) -> Reading:
        lowered = normalise(text)
        match = self._pattern.search(lowered)
        if not match:
            return Reading()
        combination = self.combination_named(lowered)
        if combination is not None:
            return Reading(term=combination)
        key = match.group(1)
        note = None
        if key in self.ambiguous:
            rest = lowered[:match.start()] + " " + lowered[match.end():]
            reading = self._meaning(self.ambiguous[key], _as_written(key, text), rest)
            if reading.term is None:
                return reading
            term, note = reading.term, reading.note
        else:
            term = self.index[key]
        for q in self.qualified.get(term.name, ()):
            word = _first_word(q.with_words, lowered)
            if word is not None:
                return Reading(term=self.term_of(q.means),
                               note=f"'{_as_written(key, text)}' with '{word}' in the request read as {q.says}")
        return Reading(term=self._route(term, key, lowered), note=note)

    def _meaning(self, amb: Ambiguity, word: str, rest: str) -> Reading:
        hits = [m for m in amb.meanings if _first_word(m.context, rest) is not None]
        if len(hits) == 1:
            m = hits[0]
            return Reading(term=self.term_of(m.name),
                           note=f"'{word}' read as {m.says} ('{_first_word(m.context, rest)}' in the request)")
        options = tuple(f"{m.says} ({m.name})" for m in (hits or amb.meanings))
        if amb.default is not None and (not hits or amb.default in {m.name for m in hits}):
            says = next(m.says for m in amb.meanings if m.name == amb.default)
            others = " or ".join(o for o in options if not o.endswith(f"({amb.default})"))
            return Reading(term=self.term_of(amb.default),
                           note=f"'{word}' read as {says}, its usual meaning (it can also mean {others}); "
                                "name the treatment in full if another is meant")
        return Reading(word=word, candidates=options)

    def ambiguity_of(self, name: str) -> Optional[Ambiguity]:
        """The ambiguity entry when a name is exactly an ambiguous word."""
        return self.ambiguous.get(normalise(name))

    def _route(self, term: Term, key: str, lowered: str) -> Term:
        if term.kind == "drug" and _INJECTION.search(lowered):
            for route in ("injection", "im", "inj"):
                injectable = self.index.get(f"{key} {route}")
                if injectable is not None:
                    return injectable
        if term.kind == "drug" and _PATCH.search(lowered):
            patch = self.index.get(f"{key} patch")
            if patch is not None:
                return patch
        return term

    def _hedged(self, diagnosis: str) -> tuple[str, bool, bool]:
        """A listed diagnosis normalised, and whether it is negated or a question (diagnosis_hedges);
        memoised: every finding a diagnosis may name reads it again."""
        return self._remembered("_hedges_memo", diagnosis, self._read_hedges)

    def _read_hedges(self, diagnosis: str) -> tuple[str, bool, bool]:
        text = normalise(diagnosis)
        return (text, _first_word(self.hedges.negations, text) is not None,
                _first_word(self.hedges.questions, text) is not None)

    def joined_names(self, text: str) -> Optional[tuple[str, str]]:
        """Two different treatments joined in one request line ("Norco/Soma", "PT/chiro 2x4",
        "Norco 10/325mg and Soma 350mg"): the names as written, else None. Only pairs of the same
        kind are reported (two drugs, or two services of one category); compounded topicals
        ("flurbiprofen 20%/lidocaine 5% cream"), lab panels and associated services are one request."""
        lowered = normalise(text)
        if _COMPOUND.search(lowered) or self.combination_named(lowered) is not None:
            return None
        found = [(m, term) for m in self._pattern.finditer(lowered)
                 if (term := self._term_at(m, lowered)) is not None]
        for (first, a), (second, b) in zip(found, found[1:]):
            if a.name == b.name or a.kind != b.kind:
                continue
            if a.kind == "service" and (a.category != b.category or a.category in ("lab", "associated_service")):
                continue
            between = _DOSE_WORDS.sub(" ", lowered[first.end():second.start()])
            if _JOINER.fullmatch(between):
                return first.group(1), second.group(1)
        return None

    def _term_at(self, match: re.Match, lowered: str) -> Optional[Term]:
        """The term a name found in the text stands for; an ambiguous word as the rest of the text reads it."""
        key = match.group(1)
        if key in self.index:
            return self.index[key]
        rest = lowered[:match.start()] + " " + lowered[match.end():]
        return self._meaning(self.ambiguous[key], key, rest).term

    def terms_in(self, text: str) -> list[tuple[str, Term]]:
        """Every known name in free text, in order, with its term ("Norco, Soma and PT" -> three)."""
        lowered = normalise(text)
        return [(found.group(1), term) for found in self._pattern.finditer(lowered)
                if (term := self._term_at(found, lowered)) is not None]

    def combination_named(self, lowered: str) -> Optional[Term]:
        """A combination product written as its ingredients ("hydrocodone and acetaminophen 10/325",
        "oxycodone w/ APAP"): the product's term when the drugs named one after another, joined by
        "and", "/", "-", "+", "with" or a comma, are exactly one product's ingredients; else None."""
        if not self.combinations:
            return None
        run: list[str] = []
        previous = None
        for found in self._pattern.finditer(lowered):
            term = self.index.get(found.group(1))
            if term is None or term.kind != "drug":
                run, previous = [], None
                continue
            joined = previous is not None and _JOINER_WITH.fullmatch(_DOSE_WORDS.sub(" ", lowered[previous:found.start()]))
            run = [*run, found.group(1)] if joined else [found.group(1)]
            previous = found.end()
            if len(run) > 1:
                product = self.combinations.get(frozenset(self._ingredient(word) for word in run))
                if product is not None:
                    drug = self.drugs[product]
                    return Term(kind="drug", name=drug.name, classes=tuple(drug.classes))
        return None

    def _ingredient(self, word: str) -> str:
        """An ingredient as written: its own name when a product lists it ("hydrocodone"), else the
        generic it stands for ("APAP" -> acetaminophen)."""
        return word if word in self._ingredient_words else self.index[word].name

    def ingredient_terms(self, name: str) -> list[tuple[str, Optional[Term]]]:
        """Each ingredient of a combination product with the vocabulary term it names (None if none)."""
        drug = self.drugs.get(name)
        return [(ingredient, self.resolve(ingredient)) for ingredient in (drug.ingredients if drug else [])]

    def suggestion(self, text: str) -> str:
        words = normalise(text).split()
        candidates = [" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, min(i + 4, len(words) + 1))]
        for cand in sorted(candidates, key=len, reverse=True):
            hint = suggest(cand, self.index)
            if hint:
                return hint
        return ""

    def lookup(self, text: str) -> Optional[Term]:
        """A name as written in a history or request: the exact name first, else the first known
        name in the text. Memoised: the same drug and service names recur in every item's facts."""
        return _read(self._remembered("_memo", text, self._look_up))

    def _look_up(self, text: str) -> Optional[Term]:
        return self.resolve(text) or self.find(text)


def _read(term: Optional[Term]) -> Optional[Term]:
    """Note the entry a name or text resolved to (see tracking_reads) and return it."""
    if term is not None:
        _note(term.kind, term.name)
    return term


def _as_written(key: str, text: str) -> str:
    """A normalised name as the request spells it ("cpm" -> "CPM"), for notes."""
    pattern = r"\s+".join(re.escape(part) for part in key.split())
    found = re.search(pattern, text, re.I)
    return found.group(0) if found else key


def _first_word(words: Sequence[str], text: str) -> Optional[str]:
    """The first of `words` that the normalised text contains as a whole word or phrase."""
    for word in words:
        if _word_pattern(word).search(text):
            return word
    return None


@lru_cache(maxsize=8192)
def _word_pattern(word: str) -> re.Pattern:
    """A vocabulary word or phrase as a whole-word pattern over normalised text, compiled once."""
    return re.compile(rf"(?<![a-z0-9]){re.escape(normalise(word))}(?![a-z0-9])")


_INJECTION = re.compile(r"\b(im|inj|injection|injections|intramuscular|shot)\b")
_PATCH = re.compile(r"\b(patch|patches|transdermal|td)\b|mcg/ ?hr?\b")


_COMPOUND = re.compile(r"\b(cream|creams|gel|ointment|lotion|compound|compounded|topical|liniment|spray|solution)\b")
# strengths, quantities and directions between two names ("10/325mg #90 and"), removed before the joiner test
_DOSE_WORDS = re.compile(r"[\d.]+\s*(?:/\s*[\d.]+)?\s*(?:mg|mcg|g|ml|%)?|#\s*\d+|\b(?:tabs?|caps?|tablets?|capsules?|po|prn|bid|tid|qid|qhs|qd|q\d+h)\b")
_JOINER = re.compile(r"\s*(?:/|\+|&|,|;|\band\b|\bplus\b)\s*")
_JOINER_WITH = re.compile(r"\s*(?:/|-|\+|&|,|\band\b|\bwith\b|\bw/\s*|,\s*and\b)\s*")  # between a product's ingredients
_MARKS = re.compile(r"[®™]")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=8192)  # pure; the same names and request lines are normalised again and again
def normalise(text: str) -> str:
    text = text.lower().replace("_", " ")
    return _SPACES.sub(" ", _MARKS.sub("", text)).strip()


def read_vocabulary(folder: str | Path) -> tuple[Optional[Vocabulary], list[EngineError]]:
    """Every vocabulary file, and every problem in every file: a file that does not fit the model,
    a name that already means another entry, an ambiguous word or qualified reading naming an entry
    that does not exist; the entries of the files that fit."""
    drugs: list[Drug] = []
    services: list[Service] = []
    ambiguous: list[tuple[Ambiguity, Location]] = []
    qualified: list[tuple[Qualified, Location]] = []
    signs: list[SignWords] = []
    diagnoses: list[DiagnosisWords] = []
    diagnosis_where: list[Location] = []
    sign_where: list[Location] = []
    hedges = DiagnosisHedges()
    lab_tests: list[LabTest] = []
    seen: dict[str, str] = {}
    defined_in: dict[str, str] = {}
    problems: list[EngineError] = []
    seen_signs: dict[str, str] = {}
    combinations = []  # (drug, document, index): ingredients are checked once every name is known
    files = sorted(Path(folder).glob("*.yaml"))
    if not files:
        return None, [EngineError(f"no vocabulary files in {folder}")]
    for path in files:
        try:
            doc = read_document(path)
            vocab = validate(VocabularyFile, doc)
        except EngineError as exc:
            problems.append(exc)
            continue
        for group, entries in (("drugs", vocab.drugs), ("services", vocab.services)):
            for i, entry in enumerate(entries):
                for word in [entry.name, *entry.synonyms]:
                    key = normalise(word)
                    if key in seen and seen[key] != entry.name:
                        problems.append(EngineError(f"name '{word}' already means '{seen[key]}'",
                                                    doc.location((group, i, "synonyms"))))
                    seen[key] = entry.name
                defined_in[f"{group[:-1]}:{entry.name}"] = path.name
        for i, entry in enumerate(vocab.signs):
            for word in entry.synonyms:
                key = normalise(word)
                if seen_signs.get(key, entry.name) != entry.name:
                    problems.append(EngineError(f"sign '{word}' already means '{seen_signs[key]}'",
                                                doc.location(("signs", i, "synonyms"))))
                seen_signs[key] = entry.name
        combinations += [(drug, doc, i) for i, drug in enumerate(vocab.drugs) if drug.ingredients]
        drugs.extend(vocab.drugs)
        services.extend(vocab.services)
        ambiguous += [(a, doc.location(("ambiguous", i))) for i, a in enumerate(vocab.ambiguous)]
        qualified += [(q, doc.location(("qualified", i))) for i, q in enumerate(vocab.qualified)]
        signs.extend(vocab.signs)
        sign_where += [doc.location(("signs", i)) for i in range(len(vocab.signs))]
        diagnoses.extend(vocab.diagnoses)
        diagnosis_where += [doc.location(("diagnoses", i)) for i in range(len(vocab.diagnoses))]
        lab_tests.extend(vocab.lab_tests)
        if vocab.diagnosis_hedges is not None:
            hedges = DiagnosisHedges(questions=[*hedges.questions, *vocab.diagnosis_hedges.questions],
                                     negations=[*hedges.negations, *vocab.diagnosis_hedges.negations])
    names = {e.name for e in [*drugs, *services]}
    for amb, where in ambiguous:
        for word in amb.words:
            if normalise(word) in seen:
                problems.append(EngineError(f"ambiguous word '{word}' is also a name of '{seen[normalise(word)]}'", where))
            seen[normalise(word)] = "an ambiguous word"
        meant = [m.name for m in amb.meanings]
        for name in [*meant, *([amb.default] if amb.default else [])]:
            if name not in names:
                problems.append(EngineError(f"no vocabulary entry '{name}'{suggest(name, names)}", where))
        if amb.default is not None and amb.default not in meant:
            problems.append(EngineError(f"default '{amb.default}' is not one of its meanings", where))
    for q, where in qualified:
        for name in (q.name, q.means):
            if name not in names:
                problems.append(EngineError(f"no vocabulary entry '{name}'{suggest(name, names)}", where))
    drug_words = {normalise(word) for d in drugs for word in [d.name, *d.synonyms]}
    for drug, doc, i in combinations:
        for j, ingredient in enumerate(drug.ingredients):
            if normalise(ingredient) not in drug_words:
                problems.append(EngineError(f"ingredient '{ingredient}' is not a drug of the vocabulary"
                                            f"{suggest(ingredient, drug_words)}", doc.location(("drugs", i, "ingredients", j))))
    drug_names = {d.name for d in drugs} | {c for d in drugs for c in d.classes}
    for test in lab_tests:
        for name in test.monitors:
            if name not in drug_names:
                problems.append(EngineError(f"{folder}: lab test '{test.name}' monitors unknown drug or class "
                                            f"'{name}'{suggest(name, drug_names)}"))
    vocabulary = Vocabulary(drugs, services, [a for a, _ in ambiguous], [q for q, _ in qualified], signs, defined_in,
                            diagnoses, hedges, lab_tests)
    vocabulary.diagnosis_locations = list(zip(diagnoses, diagnosis_where))  # for the pack checks (finding names)
    vocabulary.sign_locations = list(zip(signs, sign_where))
    return vocabulary, problems

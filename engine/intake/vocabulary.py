"""The vocabulary: drug and service names as providers write them, mapped to canonical terms.

Data lives in `rules/vocabulary/*.yaml`; this module validates it and answers lookups.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from engine.errors import EngineError
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
    note: Optional[StrictStr] = None


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


class VocabularyFile(Model):
    drugs: list[Drug] = []
    services: list[Service] = []


class Term(BaseModel):
    """What a name resolved to."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["drug", "service"]
    name: str
    classes: tuple[str, ...] = ()
    category: Optional[str] = None


class Vocabulary:
    """All known names; `find` scans request text, `resolve` checks one name."""

    def __init__(self, drugs: list[Drug], services: list[Service]):
        self.drugs = {d.name: d for d in drugs}
        self.services = {s.name: s for s in services}
        self.index: dict[str, Term] = {}
        for d in drugs:
            term = Term(kind="drug", name=d.name, classes=tuple(d.classes))
            for word in [d.name, *d.synonyms]:
                self.index[normalise(word)] = term
        for s in services:
            term = Term(kind="service", name=s.name, category=s.category)
            for word in [s.name, s.name.replace("_", " "), *s.synonyms]:
                self.index[normalise(word)] = term
        self._pattern = re.compile(
            r"(?<![a-z0-9])("
            + "|".join(re.escape(k) for k in sorted(self.index, key=len, reverse=True))
            + r")(?![a-z0-9])"
        )

    def resolve(self, name: str) -> Optional[Term]:
        return self.index.get(normalise(name))

    def find(self, text: str) -> Optional[Term]:
        """The first known name in free text ("Retro Norco 10/325mg #90" -> hydrocodone...).

        A drug named with an injection route elsewhere in the text ("Toradol 60mg IM") is read as
        its injectable entry ("Toradol IM") when the vocabulary has one, and one named with a patch
        ("buprenorphine 10mcg/hr patch") as its patch entry ("buprenorphine patch")."""
        lowered = normalise(text)
        match = self._pattern.search(lowered)
        if not match:
            return None
        term = self.index[match.group(1)]
        if term.kind == "drug" and _INJECTION.search(lowered):
            for route in ("injection", "im", "inj"):
                injectable = self.index.get(f"{match.group(1)} {route}")
                if injectable is not None:
                    return injectable
        if term.kind == "drug" and _PATCH.search(lowered):
            patch = self.index.get(f"{match.group(1)} patch")
            if patch is not None:
                return patch
        return term

    def joined_names(self, text: str) -> Optional[tuple[str, str]]:
        """Two different treatments joined in one request line ("Norco/Soma", "PT/chiro 2x4",
        "Norco 10/325mg and Soma 350mg"): the names as written, else None. Only pairs of the same
        kind are reported (two drugs, or two services of one category); compounded topicals
        ("flurbiprofen 20%/lidocaine 5% cream"), lab panels and associated services are one request."""
        lowered = normalise(text)
        if _COMPOUND.search(lowered):
            return None
        found = list(self._pattern.finditer(lowered))
        for first, second in zip(found, found[1:]):
            a, b = self.index[first.group(1)], self.index[second.group(1)]
            if a.name == b.name or a.kind != b.kind:
                continue
            if a.kind == "service" and (a.category != b.category or a.category in ("lab", "associated_service")):
                continue
            between = _DOSE_WORDS.sub(" ", lowered[first.end():second.start()])
            if _JOINER.fullmatch(between):
                return first.group(1), second.group(1)
        return None

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
        memo = self.__dict__.setdefault("_memo", {})
        if text not in memo:
            if len(memo) > 50_000:
                memo.clear()
            memo[text] = self.resolve(text) or self.find(text)
        return memo[text]


_INJECTION = re.compile(r"\b(im|inj|injection|injections|intramuscular|shot)\b")
_PATCH = re.compile(r"\b(patch|patches|transdermal|td)\b|mcg/ ?hr?\b")


_COMPOUND = re.compile(r"\b(cream|creams|gel|ointment|lotion|compound|compounded|topical|liniment|spray|solution)\b")
# strengths, quantities and directions between two names ("10/325mg #90 and"), removed before the joiner test
_DOSE_WORDS = re.compile(r"[\d.]+\s*(?:/\s*[\d.]+)?\s*(?:mg|mcg|g|ml|%)?|#\s*\d+|\b(?:tabs?|caps?|tablets?|capsules?|po|prn|bid|tid|qid|qhs|qd|q\d+h)\b")
_JOINER = re.compile(r"\s*(?:/|\+|&|,|;|\band\b|\bplus\b)\s*")
_MARKS = re.compile(r"[®™]")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = text.lower().replace("_", " ")
    return _SPACES.sub(" ", _MARKS.sub("", text)).strip()


def load_vocabulary(folder: str | Path) -> Vocabulary:
    """Read every vocabulary file; duplicate names across files are an error."""
    drugs: list[Drug] = []
    services: list[Service] = []
    seen: dict[str, str] = {}
    files = sorted(Path(folder).glob("*.yaml"))
    if not files:
        raise EngineError(f"no vocabulary files in {folder}")
    for path in files:
        doc = read_document(path)
        vocab = validate(VocabularyFile, doc)
        for group, entries in (("drugs", vocab.drugs), ("services", vocab.services)):
            for i, entry in enumerate(entries):
                for word in [entry.name, *entry.synonyms]:
                    key = normalise(word)
                    if key in seen and seen[key] != entry.name:
                        raise EngineError(
                            f"name '{word}' already means '{seen[key]}'",
                            doc.location((group, i, "synonyms")),
                        )
                    seen[key] = entry.name
        drugs.extend(vocab.drugs)
        services.extend(vocab.services)
    return Vocabulary(drugs, services)

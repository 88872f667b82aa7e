"""Standard vocabularies: what NHS staff write for ethnic group, gender, profession, band,
organisation and place, each read from a data file in this folder that names its sources.

Each vocabulary is loaded once (on first use) and answers two questions about an answer:
which term it is (``lookup``), and whether that term belongs to a group a rule names
(``membership``: yes, no, ask - the text is genuinely open and a coordinator must decide, with the
question named - or unknown: nothing recognises the answer, so it goes to review).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import yaml

Verdict = Literal["yes", "no", "ask", "unknown"]

VOCABULARIES = ("ethnicity", "gender", "profession", "band", "organisation", "place")


# --- words ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32_768)
def words(text: str) -> tuple[str, ...]:
    """The words of an answer for phrase matching: accents folded, lower case, ``&`` read as
    ``and``, apostrophes dropped, punctuation as spaces, a plural ``s`` dropped (``AHPs``)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = folded.replace("&", " and ").replace("'", "").replace("\u2019", "")
    out = []
    for word in re.findall(r"[a-z0-9]+", folded):
        if len(word) >= 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return tuple(out)


def phrase_key(text: str) -> str:
    return " ".join(words(text))


# --- terms and their index -----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Term:
    """One entry of a vocabulary: its name, the groups it belongs to, and where it is open."""

    vocabulary: str
    name: str
    groups: frozenset[str]
    ask: Mapping[str, str] = field(default_factory=dict)
    code: str | None = None
    heading: str | None = None
    level: str = "term"  # "heading": a broad answer ("Asian") that names no single category
    official: Mapping[str, str] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Membership:
    """Whether an answer is in one of the groups a rule names, and why."""

    verdict: Verdict
    term: Term | None
    question: str = ""


class PhraseIndex:
    """Finds the term an answer names: the whole answer, else the longest phrase inside it.

    Two different terms tied at the longest phrase leave the answer unrecognised (None)."""

    def __init__(self, entries: Iterable[tuple[str, Term]]) -> None:
        self.by_phrase: dict[tuple[str, ...], set[Term]] = {}
        for phrase, term in entries:
            found = words(phrase)
            if found:
                self.by_phrase.setdefault(found, set()).add(term)
        self.longest = max((len(p) for p in self.by_phrase), default=0)

    def exact(self, text: str) -> Term | None:
        found = self.by_phrase.get(words(text))
        return next(iter(found)) if found and len(found) == 1 else None

    def search(self, text: str, allowed: Callable[[Term], bool] | None = None) -> Term | None:
        tokens = words(text)
        best: tuple[int, int, int] | None = None
        winners: set[Term] = set()
        for start in range(len(tokens)):
            for size in range(1, min(self.longest, len(tokens) - start) + 1):
                phrase = tokens[start : start + size]
                for term in self.by_phrase.get(phrase, ()):
                    if allowed is not None and not allowed(term):
                        continue
                    rank = (term.level == "term", size, sum(map(len, phrase)))
                    if best is None or rank > best:
                        best, winners = rank, {term}
                    elif rank == best:
                        winners.add(term)
        return next(iter(winners)) if len(winners) == 1 else None


# libyaml's parser (PyYAML's C extension, in its wheels) reads the data files about ten times
# faster than the pure-Python one, with the same SafeLoader constructors; most of a small job's
# checking time was this parse. tests/test_vocab.py checks both read every file alike.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_data(name: str, loader: Any = SAFE_LOADER) -> dict[str, Any]:
    """The parsed data file ``name``.yaml of this folder (``organisations``, ``places``...)."""
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=loader)  # a safe loader, C or Python
    assert isinstance(data, dict), f"{name}.yaml is not a mapping"
    return data


def _group_id(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class Vocabulary:
    """A list of terms with their groups, read from one data file."""

    def __init__(
        self,
        name: str,
        terms: list[Term],
        phrases: list[tuple[str, Term]],
        group_aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.terms = tuple(terms)
        self.index = PhraseIndex(phrases)
        self.group_aliases = {_group_id(k): v for k, v in (group_aliases or {}).items()}
        self._memo: dict[str, Term | None] = {}

    @functools.cached_property
    def groups(self) -> frozenset[str]:
        """Every group name a rule may use (aliases included); worked out once, as the terms
        never change (it was rebuilt for every applicant's every condition)."""
        names = {g for t in self.terms for g in t.groups} | {g for t in self.terms for g in t.ask}
        return frozenset(names | set(self.group_aliases))

    def group(self, name: str) -> str:
        """The group a rule's name means (``BAME`` -> ``ethnic-minority``); KeyError if unknown."""
        wanted = _group_id(name)
        wanted = self.group_aliases.get(wanted, wanted)
        if wanted not in self.groups:
            raise KeyError(name)
        return wanted

    def lookup(self, answer: str) -> Term | None:
        """The term an answer names, or None when nothing recognises it."""
        if not isinstance(answer, str):
            return None
        found = self._memo.get(answer, ...)
        if found is ...:
            found = self._find(answer)
            if len(self._memo) < 100_000:
                self._memo[answer] = found
        return found

    def _find(self, answer: str) -> Term | None:
        return self.index.exact(answer) or self.index.search(answer)

    def membership(self, answer: str, groups: Iterable[str]) -> Membership:
        """yes / no / ask (with the question) / unknown for an answer against a rule's groups."""
        term = self.lookup(answer)
        return self.term_membership(term, groups)

    def term_membership(self, term: Term | None, groups: Iterable[str]) -> Membership:
        if term is None:
            return Membership("unknown", None)
        wanted = [self.group(g) for g in groups]
        if any(g in term.groups for g in wanted):
            return Membership("yes", term)
        questions = [term.ask[g] for g in wanted if g in term.ask]
        if questions:
            return Membership("ask", term, questions[0])
        return Membership("no", term)


# --- ethnicity: census headings and NHS codes --------------------------------------------------------

_CODE = re.compile(r"^\s*\(?([A-HJ-NPRSZ])\)?\s*(?:[-:.)\u2013\u2014]\s*(.*))?$", re.IGNORECASE)


def _in_heading(heading: str) -> Callable[[Term], bool]:
    return lambda term: term.heading == heading and term.level == "term"


class Ethnicity(Vocabulary):
    """Ethnic group: census wordings (2001, 2011, 2021), NHS codes ("A - White British"), and the
    census headings followed by a category ("White - Irish", "Asian/Asian British: Indian")."""

    def __init__(self, data: dict[str, Any]) -> None:
        terms, phrases = _terms("ethnicity", data["terms"])
        self.headings: dict[str, list[str]] = data["headings"]
        self.by_code = {t.code.upper(): t for t in terms if t.code}
        for term, entry in zip(terms, data["terms"], strict=True):
            for short in entry.get("short", []):
                for heading in self.headings.get(term.heading or "", []):
                    phrases.append((f"{heading} {short}", term))
        super().__init__("ethnicity", terms, phrases, data.get("group_aliases"))
        self._heading_starts = sorted(
            ((words(h), name) for name, hs in self.headings.items() for h in hs),
            key=lambda item: -len(item[0]),
        )
        self._shorts = PhraseIndex(
            (short, term)
            for term, entry in zip(terms, data["terms"], strict=True)
            for short in [*entry.get("short", []), *entry.get("aliases", [])]
        )

    def _find(self, answer: str) -> Term | None:
        exact = self.index.exact(answer)
        if exact is not None:
            return exact
        coded = _CODE.match(answer.strip())
        if coded and coded.group(1).upper() in self.by_code:
            return self.by_code[coded.group(1).upper()]
        tokens = words(answer)
        for start, heading in self._heading_starts:
            if tokens[: len(start)] == start and len(tokens) > len(start):
                rest = " ".join(tokens[len(start) :])
                found = self._shorts.search(rest, _in_heading(heading))
                if found is not None:
                    return found
        return self.index.search(answer)


# --- bands ------------------------------------------------------------------------------------------

BANDS: tuple[str, ...] = ("1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9")
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
                 "seven": "7", "eight": "8", "nine": "9"}  # fmt: skip
_BAND_WORDS = re.compile(
    r"\b(?:agenda\s*for\s*change|a\s*f\s*c|afc|nhs|pay|band|bands|grade|bd)\b\.?|\b(?:band|bd|b)(?=\d)",
    re.IGNORECASE,
)
_ONE_BAND = r"(?:8\s*[-\s]?\s*(?:range\s*)?[a-d]\b|[1-9](?![0-9]))"


@dataclass(frozen=True)
class BandReading:
    """A band answer read: the lowest and highest band it can mean (one band: low == high), or a
    grade with no standard band (``low`` None) and the question a coordinator answers."""

    low: str | None
    high: str | None
    term: Term | None = None
    question: str = ""

    @property
    def band(self) -> str | None:
        return self.low if self.low is not None and self.low == self.high else None


def _one_band(text: str) -> str | None:
    compact = re.sub(r"[\s\-]|range", "", text.lower())
    return compact if compact in BANDS else None


class Bands(Vocabulary):
    """Agenda for Change bands in every written form, and grades given instead of a band."""

    def __init__(self, data: dict[str, Any]) -> None:
        terms, phrases = _terms("band", data["grades"])
        super().__init__("band", terms, phrases)

    def read(self, answer: str) -> BandReading | None:
        """The band(s) an answer means, a grade to review, or None when it is not recognised."""
        text = " ".join(str(answer).split())
        lowered = text.lower().replace("\u2013", "-").replace("\u2014", "-")
        for word, digit in _NUMBER_WORDS.items():
            lowered = re.sub(rf"\b{word}\b", digit, lowered)
        bare = _BAND_WORDS.sub(" ", lowered)
        bare = re.sub(r"\((?:afc|agenda for change|equivalent|secondment|acting|interim)[^)]*\)", " ", bare)
        bare = re.sub(r"\b(?:equivalent|equiv|acting|interim|secondment|top|bottom|of)\b", " ", bare)
        bare = " ".join(bare.split()).strip(" .:-")
        one = _one_band(bare)
        if one is not None:
            return BandReading(one, one)
        two = re.fullmatch(rf"({_ONE_BAND})\s*(?:/|-|to|or|and)\s*([1-9]|[a-d]\b|{_ONE_BAND})", bare)
        if two:
            first = _one_band(two.group(1))
            second = two.group(2).strip()
            if first is not None and re.fullmatch(r"[a-d]", second):
                second = first[0] + second if first.startswith("8") else second
            second_band = _one_band(second)
            if first is not None and second_band is not None:
                low, high = sorted((first, second_band), key=BANDS.index)
                return BandReading(low, high)
        if re.fullmatch(r"8", bare):
            return BandReading("8a", "8d")
        term = self.lookup(text)
        if term is None:
            return None
        if "band" in term.data:
            band = str(term.data["band"])
            return BandReading(band, band, term)
        if "at_least" in term.data:
            return BandReading(str(term.data["at_least"]), "9", term)
        return BandReading(None, None, term, str(term.data.get("question", "")))


# --- organisations ------------------------------------------------------------------------------------

_FILLER = frozenset({"university", "hospital", "hospitals", "nhs", "foundation", "trust", "the", "of", "ft"})


def _core(text: str) -> str:
    return " ".join(w for w in words(text) if w not in _FILLER)


class Organisations(Vocabulary):
    """NHS organisations with their sites and short names, and the area and region of each."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.areas: dict[str, dict[str, str]] = data["areas"]
        terms: list[Term] = []
        phrases: list[tuple[str, Term]] = []
        for entry in data["organisations"]:
            areas = tuple(entry["areas"])
            regions = tuple(dict.fromkeys(self.areas[a]["region"] for a in areas))
            term = Term(
                vocabulary="organisation",
                name=entry["name"],
                groups=frozenset(areas) | frozenset(regions),
                data={
                    "areas": areas,
                    "regions": regions,
                    "kind": entry.get("kind", ""),
                    "successor": entry.get("successor"),
                    "sites": tuple(entry.get("sites", [])),
                    "aliases": tuple(entry.get("aliases", [])),
                },
                ask={k: " ".join(str(v).split()) for k, v in (entry.get("ask") or {}).items()},
            )
            terms.append(term)
            for text in (entry["name"], *entry.get("aliases", []), *entry.get("sites", [])):
                phrases.append((text, term))
        super().__init__("organisation", terms, phrases)
        self.by_core: dict[str, set[Term]] = {}
        for phrase, term in phrases:
            self.by_core.setdefault(_core(phrase), set()).add(term)

    @functools.cached_property
    def groups(self) -> frozenset[str]:
        return frozenset(self.areas) | frozenset(a["region"] for a in self.areas.values())

    def _find(self, answer: str) -> Term | None:
        exact = self.index.exact(answer)
        if exact is not None:
            return exact
        loose = self.by_core.get(_core(answer))
        if loose and len(loose) == 1:
            return next(iter(loose))
        return self.index.search(answer)

    def whole(self, answer: str) -> Term | None:
        """The organisation the whole answer names (a name, alias or site, filler words aside),
        without looking for one inside a longer answer: used to show and compare organisations."""
        exact = self.index.exact(answer)
        if exact is not None:
            return exact
        loose = self.by_core.get(_core(answer))
        return next(iter(loose)) if loose and len(loose) == 1 else None

    def in_area(self, answer: str, areas: Iterable[str], *, region: bool = False) -> Membership:
        """Whether the organisation named is in one of the areas (or regions, with ``region``)."""
        term = self.lookup(answer)
        if term is None:
            return Membership("unknown", None)
        mine = term.data["regions"] if region else term.data["areas"]
        if "national" in term.data["areas"]:
            return Membership(
                "ask",
                term,
                f"{term.name} is a national body: do its staff count as working in the programme's area?",
            )
        questions = [term.ask[a] for a in areas if a in term.ask]
        if questions:
            return Membership("ask", term, questions[0])
        return Membership("yes" if set(mine) & set(areas) else "no", term)


# --- places ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    area: str
    region: str


class Places:
    """Towns and cities with coordinates, by area and region."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.places: list[Place] = []
        self.aliases: dict[str, list[str]] = {}
        self.by_key: dict[str, Place] = {}
        for area, entry in data["areas"].items():
            for name, (lat, lon, *others) in entry["towns"].items():
                place = Place(name, float(lat), float(lon), area, entry["region"])
                self.places.append(place)
                self.aliases[name] = list(others)
                for text in (name, *others):
                    self.by_key.setdefault(phrase_key(text), place)

    @property
    def regions(self) -> frozenset[str]:
        return frozenset(p.region for p in self.places) | frozenset(p.area for p in self.places)

    def lookup(self, answer: str) -> Place | None:
        return self.by_key.get(phrase_key(answer))

    def in_regions(self, regions: Iterable[str]) -> list[Place]:
        """Every place whose region or area is one of these, in file order."""
        wanted = set(regions)
        return [p for p in self.places if p.region in wanted or p.area in wanted]


# --- building terms -----------------------------------------------------------------------------------


def _terms(vocabulary: str, entries: list[dict[str, Any]]) -> tuple[list[Term], list[tuple[str, Term]]]:
    terms: list[Term] = []
    phrases: list[tuple[str, Term]] = []
    for entry in entries:
        data = {k: v for k, v in entry.items() if k in {"band", "at_least", "question"}}
        term = Term(
            vocabulary=vocabulary,
            name=entry["name"],
            groups=frozenset(entry.get("groups", [])),
            ask={k: " ".join(str(v).split()) for k, v in (entry.get("ask") or {}).items()},
            code=str(entry["code"]) if entry.get("code") is not None else None,
            heading=entry.get("heading"),
            level=entry.get("level", "term"),
            official=dict(entry.get("official") or {}),
            data=data,
        )
        terms.append(term)
        texts = [entry["name"], *term.official.values(), *entry.get("aliases", [])]
        if term.code and vocabulary == "ethnicity":
            nhs = term.official.get("nhs-data-dictionary")
            if nhs:
                texts += [f"{term.code} - {nhs}", f"{term.code} {nhs}"]
        phrases += [(text, term) for text in texts]
    return terms, phrases


@functools.cache
def ethnicity() -> Ethnicity:
    return Ethnicity(load_data("ethnicity"))


@functools.cache
def gender() -> Vocabulary:
    data = load_data("gender")
    terms, phrases = _terms("gender", data["terms"])
    return Vocabulary("gender", terms, phrases, data.get("group_aliases"))


_ROLE_END = re.compile(r"\s(?:to|for|at|in|within|with|supporting|-|,|\()\s", re.IGNORECASE)


class Professions(Vocabulary):
    """Staff groups, professions and job titles. A title's role comes first ("PA to the Director
    of Nursing" is a PA; "Nurse at William Harvey" a nurse), so the words before "to", "for",
    "at", "in" or a dash are searched first."""

    def _find(self, answer: str) -> Term | None:
        exact = self.index.exact(answer)
        if exact is not None:
            return exact
        head = _ROLE_END.split(f" {answer.strip()} ".replace(",", " , ").replace("(", " ( "), maxsplit=1)[0]
        if head.strip() and head.strip() != answer.strip():
            found = self.index.exact(head) or self.index.search(head)
            if found is not None:
                return found
        return self.index.search(answer)


@functools.cache
def professions() -> Vocabulary:
    data = load_data("professions")
    terms, phrases = _terms("profession", data["terms"])
    return Professions("profession", terms, phrases, data.get("group_aliases"))


@functools.cache
def bands() -> Bands:
    return Bands(load_data("bands"))


@functools.cache
def organisations() -> Organisations:
    return Organisations(load_data("organisations"))


@functools.cache
def places() -> Places:
    return Places(load_data("places"))


def vocabulary(name: str) -> Vocabulary:
    """A vocabulary with groups, by name: ethnicity, gender, profession, band, organisation."""
    loaders: dict[str, Callable[[], Vocabulary]] = {
        "ethnicity": ethnicity,
        "gender": gender,
        "profession": professions,
        "band": bands,
        "organisation": organisations,
    }
    return loaders[name]()


def sources(name: str) -> list[str]:
    """The source lines a data file names in its header comment (for the README and tests)."""
    file = {"profession": "professions", "band": "bands", "organisation": "organisations",
            "place": "places"}.get(name, name)  # fmt: skip
    text = resources.files(__package__).joinpath(f"{file}.yaml").read_text(encoding="utf-8")
    return [line[5:].strip() for line in text.splitlines() if line.startswith("#   - ")]


# --- the hook issue 12's "is this answer recognised" machinery calls -------------------------------------


def field_vocabulary(rules: Any, name: str) -> str | None:
    """Which vocabulary covers a field of a rule file: its ``vocabulary:`` key, else its type
    (organisation, band and place fields always have one)."""
    spec = rules.spec.fields.get(name)
    if spec is None:
        return None
    explicit = getattr(spec, "vocabulary", None)
    if explicit:
        return str(explicit)
    return {"organisation": "organisation", "band": "band", "place": "place"}.get(spec.type)


def recogniser(rules: Any, name: str) -> Callable[[str], bool] | None:
    """For a field of a rule file, a function saying whether a vocabulary recognises an answer,
    or None when no vocabulary covers the field."""
    which = field_vocabulary(rules, name)
    if which is None:
        return None
    if which == "place":
        found = places()
        return lambda answer: found.lookup(answer) is not None
    if which == "band":
        reader = bands()
        return lambda answer: reader.read(answer) is not None
    vocab = vocabulary(which)
    return lambda answer: vocab.lookup(answer) is not None

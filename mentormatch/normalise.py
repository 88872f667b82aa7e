"""Turn the messy answers people type into forms into typed values, one small function each."""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

# The Agenda for Change ladder, lowest first. A band's rank is its index here.
BANDS: tuple[str, ...] = ("1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9")
BAND_RANK: dict[str, int] = {band: rank for rank, band in enumerate(BANDS)}

NOT_ANSWERED = frozenset({"", "n/a", "na", "none", "-", "not applicable", "prefer not to say"})


class Unreadable(ValueError):
    """An answer that cannot be read as the type the rule file expects."""


def key(text: object) -> str:
    """A comparison key: lower case, accents folded, punctuation and spacing removed."""
    text = str(text)
    return _key(text) if len(text) <= 200 else _key.__wrapped__(text)


_NOT_KEY = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=16_384)
def _key(text: str) -> str:
    # Cached (short texts only, to bound memory): the same answers (roles, organisations, goals,
    # grades) recur on most rows.
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    folded = folded.lower().replace("&", " and ")
    return _NOT_KEY.sub("", folded)


def clean_text(value: object) -> str | None:
    """Stripped text with inner whitespace collapsed, or None when blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # str.split() splits on exactly the characters regex \s matches (no-break space included)
    # and is several times faster, which matters on a 100,000-row export.
    text = " ".join(str(value).split())
    return text or None


# --- bands -------------------------------------------------------------------------------------

_BAND_PREFIX = re.compile(r"^(?:agenda\s*for\s*change|afc|a\s*f\s*c|nhs)?\s*(?:pay\s*)?(?:band)?\s*")
_BAND_8_RANGE = re.compile(r"^8\s*(?:-|–|—|:)?\s*(?:range|r)?\s*([a-d])\b")


def parse_band(value: object, grades: dict[str, str] | None = None) -> str:
    """Read an Agenda for Change band (``Band 6``, ``band 8A``, ``AfC Band 7``, ``Band 8 - Range B``).

    Returns the canonical band (``"6"``, ``"8a"``). Non-AfC grades (``Consultant``) are looked up in
    ``grades`` (grade name -> band); an unknown grade raises :class:`Unreadable`, never a guess.
    """
    text = clean_text(value)
    if text is None:
        raise Unreadable("no band given")
    if grades:
        wanted = key(text)
        for grade, band in grades.items():
            if key(grade) == wanted:
                return canonical_band(band)
    lowered = text.lower().replace("–", "-").replace("—", "-").rstrip(".")
    rest = _BAND_PREFIX.sub("", lowered, count=1).strip()
    rest = re.sub(r"\s*\(.*\)\s*$", "", rest)  # "Band 7 (senior)"
    ranged = _BAND_8_RANGE.match(rest)
    if ranged:
        return "8" + ranged.group(1)
    compact = re.sub(r"[\s\-]+", "", rest)
    if compact in BAND_RANK:
        return compact
    if compact == "8":
        raise Unreadable("Band 8 without its range (8a, 8b, 8c or 8d)")
    raise Unreadable(f"'{text}' is not an Agenda for Change band or a known grade")


def canonical_band(value: object) -> str:
    """The canonical form of a band written in a rule file (``8A`` -> ``8a``, ``4`` -> ``4``)."""
    compact = re.sub(r"[\s\-]+", "", str(value).lower())
    compact = compact.removeprefix("band")
    if compact not in BAND_RANK:
        raise Unreadable(f"'{value}' is not a band (expected one of {', '.join(BANDS)})")
    return compact


def band_label(band: str) -> str:
    """``8a`` -> ``Band 8a``."""
    return f"Band {band}"


# --- years -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Years:
    """A length of experience as an interval of years: ``5+`` is 5 to infinity, ``3-5`` is 3 to 5."""

    low: float
    high: float

    def __str__(self) -> str:
        if self.high == math.inf:
            return f"{_fmt(self.low)}+ years"
        if self.low == self.high:
            return f"{_fmt(self.low)} years"
        return f"{_fmt(self.low)}-{_fmt(self.high)} years"


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:.1f}"


_NUMBER = r"(\d+(?:\.\d+)?)"
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_TEENS = {
    "zero": 0, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70}
_FRACTIONS = {"½": 0.5, "¼": 0.25, "¾": 0.75}
# Words that make a length of time vague: such an answer is read by the coordinator, not guessed.
_VAGUE = re.compile(
    r"\b(couple|few|several|many|some|since|bit|odd|ish|hundred|dozen|decades?|weeks?|days?"
    r"|not sure|unsure)\b"
)


def _number_words(t: str) -> str:
    """Number words as digits: ``twenty-five`` 25, ``seven`` 7, ``fifteen`` 15."""
    tens = "|".join(_TENS)
    units = "|".join(list(_WORDS)[:9])
    t = re.sub(
        rf"\b({tens})(?:[\s-]+({units}))?\b",
        lambda m: str(_TENS[m.group(1)] + (_WORDS[m.group(2)] if m.group(2) else 0)),
        t,
    )
    for word, number in {**_TEENS, **_WORDS}.items():
        t = re.sub(rf"\b{word}\b", str(number), t)
    return t


def _plus(m: re.Match[str], part: float) -> str:
    return f"{int(m.group(1)) + part:g}"


def _fractions(t: str) -> str:
    """``2½`` 2.5, ``two and a half`` 2.5, ``a year and a half`` 1.5, ``half a year`` 0.5."""
    for sign, part in _FRACTIONS.items():
        t = re.sub(rf"(\d+)\s*{sign}", functools.partial(_plus, part=part), t)
        t = t.replace(sign, f" {part:g} ")
    t = re.sub(r"\bhalf an? (year|month)", r"0.5 \1", t)
    t = re.sub(r"\ban? (year|month)", r"1 \1", t)
    t = re.sub(
        r"(\d+(?:\.\d+)?)(\s*(?:years?|months?))?\s*(?:and|&)\s*a\s*half\b",
        lambda m: f"{float(m.group(1)) + 0.5:g}{m.group(2) or ''}",
        t,
    )
    return t


def parse_years(value: object) -> Years:
    """Read ``5``, ``5 years``, ``5+``, ``10+ years``, ``Over 10 years``, ``18 months``, ``3-5 years``,
    ``less than a year``, ``up to 5 years`` as an interval of years."""
    if isinstance(value, bool):
        raise Unreadable(f"'{value}' is not a length of time")
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        return _checked(Years(float(value), float(value)), str(value))
    text = clean_text(value)
    if text is None:
        raise Unreadable("no length of time given")
    t = text.lower().replace("–", "-").replace("—", "-").replace("yrs", "years").replace("yr", "year")
    if re.match(r"^\s*-\s*\d", t):
        raise Unreadable(f"'{text}' is negative")
    if _VAGUE.search(t):
        raise Unreadable(f"'{text}' is not a length of time the rules can read (try '5 years')")
    t = _fractions(_number_words(t))
    both = re.fullmatch(r"\s*(\d+)\s*years?,?\s*(?:and\s*)?(\d+(?:\.\d+)?)\s*months?\s*", t)
    if both:
        return _checked(Years(*(2 * [int(both.group(1)) + float(both.group(2)) / 12])), text)
    if re.search(r"\bhalf\b", t):  # a half left over was not read: do not read the rest alone
        raise Unreadable(f"'{text}' is not a length of time the rules can read (try '5 years')")
    unit = 1 / 12 if re.search(r"\bmonths?\b", t) and not re.search(r"\byears?\b", t) else 1.0
    numbers = [float(n) * unit for n in re.findall(_NUMBER, t)]
    upper_only = re.search(r"\b(less than|under|fewer than|below|up to|upto)\b", t) or t.startswith("<")
    if upper_only and len(numbers) == 1:
        return _checked(Years(0.0, numbers[0]), text)
    if len(numbers) == 2 and re.search(r"\d\s*(?:-|to)\s*\d", t):
        return _checked(Years(min(numbers), max(numbers)), text)
    if len(numbers) == 1:
        n = numbers[0]
        if re.search(r"(\+|\bover\b|\bmore than\b|\bat least\b|\bor more\b|\band above\b|>)", t):
            return _checked(Years(n, math.inf), text)
        return _checked(Years(n, n), text)
    raise Unreadable(f"'{text}' is not a length of time (try '5 years' or '18 months')")


def _checked(years: Years, text: str) -> Years:
    if years.low < 0 or years.low > 70:
        raise Unreadable(f"'{text}' is not a plausible number of years")
    return years


# --- yes/no, choices ---------------------------------------------------------------------------

_YES = frozenset({"yes", "y", "true", "1", "yesplease", "yesiam", "yesihave", "yesido", "ticked"})
_NO = frozenset({"no", "n", "false", "0", "nothanks", "noiamnot", "noihavenot", "noidonot"})


def parse_yes_no(value: object) -> bool:
    """Read a yes/no answer (``Yes``, ``y``, ``TRUE``, ``No - not yet``)."""
    if isinstance(value, bool):
        return value
    text = clean_text(value)
    if text is None:
        raise Unreadable("no answer given")
    k = key(text)
    if k in _YES:
        return True
    if k in _NO:
        return False
    first = re.split(r"[\s,.;:\-–]+", text.lower(), maxsplit=1)[0]
    if first in {"yes", "y"}:
        return True
    if first in {"no", "n"}:
        return False
    raise Unreadable(f"'{text}' is not a yes/no answer")


def split_multi(value: object) -> tuple[str, ...]:
    """Split a multi-select answer: Microsoft Forms joins with ``;`` (and ends with one), others ``, ``.

    Semicolons win when present, so a choice containing a comma survives a ``;``-joined answer.
    """
    text = clean_text(value)
    if text is None:
        return ()
    parts = text.split(";") if ";" in text else re.split(r",\s+|,(?=\S)", text)
    seen: dict[str, str] = {}
    for part in parts:
        item = part.strip()
        if item and key(item) not in seen:
            seen[key(item)] = item
    return tuple(seen.values())


def parse_number(value: object) -> float:
    """Read a plain number (``2``, ``2 mentees``, ``up to 3``)."""
    if isinstance(value, bool):
        raise Unreadable(f"'{value}' is not a number")
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        return float(value)
    text = clean_text(value)
    if text is None:
        raise Unreadable("no number given")
    found = re.findall(_NUMBER, text.replace(",", ""))
    if len(found) != 1:
        words = {w: n for w, n in _WORDS.items() if " " not in w}
        hit = [words[w] for w in re.findall(r"[a-z]+", text.lower()) if w in words]
        if len(found) == 0 and len(hit) == 1:
            return float(hit[0])
        raise Unreadable(f"'{text}' is not a number")
    return float(found[0])


# --- emails, organisations ---------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s<>(),;:\"]+@[^@\s<>(),;:\"']+\.[a-z]{2,}$")

# Characters that show as nothing (or as a plain space) but make two emails differ: zero-width
# spaces and joiners, direction marks, word joiner, soft hyphen, no-break spaces, BOM, and the like.
INVISIBLE = re.compile(
    "[\u00a0\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2007\u200b-\u200f"
    "\u202a-\u202f\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)

# Letters of other scripts that look like Latin ones (Unicode's confusables, the ones seen in
# addresses): an email holding one is held for review, and compared as its Latin look-alike.
LOOKALIKES = str.maketrans(
    "аеорсхуіјѕԁԛԝһӏкмнвтԍɡαονιτυχκεϲ",
    "aeopcxyijsdqwhlkmhbtggaovituxkec",
)


def identity_email(email: str) -> str:
    """The email a person is known by: look-alike letters of other scripts read as Latin."""
    return email.translate(LOOKALIKES)


_LOOKALIKE_LETTERS = frozenset("аеорсхуіјѕԁԛԝһӏкмнвтԍɡαονιτυχκεϲ")


def _other_script(ch: str) -> bool:
    """A letter, mark or digit of a script other than Latin, or a known look-alike letter."""
    if ch in _LOOKALIKE_LETTERS:
        return True
    return unicodedata.category(ch)[0] in "LMN" and not unicodedata.name(ch, "").startswith("LATIN")


def email_doubt(email: str) -> str | None:
    """Why an email needs a person's eye (letters from another script, or look-alikes), or None."""
    if email.isascii():
        return None
    odd = sorted({ch for ch in email if ord(ch) > 127 and _other_script(ch)})
    if not odd:
        return None
    named = ", ".join(f"'{ch}' ({unicodedata.name(ch, f'U+{ord(ch):04X}').lower()})" for ch in odd[:3])
    looks = identity_email(email)
    alike = f"; it looks like {looks}" if looks.isascii() else ""
    return f"the address mixes scripts or holds look-alike letters: {named}{alike}"


def parse_email(value: object) -> str:
    """An email as a person is known by it: Unicode NFKC, case folded, invisible characters
    removed, trimmed; ``Name <a@b.nhs.uk>`` gives ``a@b.nhs.uk``. ``anonymous`` is not one."""
    if isinstance(value, str) and not value.isascii():
        value = unicodedata.normalize("NFKC", INVISIBLE.sub("", value))
    if isinstance(value, str):
        value = value.casefold()
    text = clean_text(value)
    if text is None:
        raise Unreadable("no email given")
    inner = re.search(r"<([^<>]+)>", text)
    email = (inner.group(1) if inner else text).strip().strip(".").lower()
    email = email.removeprefix("mailto:")
    if not _EMAIL.match(email):
        raise Unreadable(f"'{text}' is not an email address")
    return email


def readable_emails(values: Iterable[object]) -> list[str]:
    """The emails (as parse_email reads them) among ``values``, in order; the rest passed over."""
    found = []
    for value in values:
        try:
            found.append(parse_email(value))
        except Unreadable:
            continue
    return found


def organisation_index(names: dict[str, list[str]]) -> dict[str, str]:
    """Comparison key -> canonical organisation name, for every name and alias in a rule file."""
    index: dict[str, str] = {}
    for canonical, aliases in names.items():
        for alias in (canonical, *aliases):
            index[key(alias)] = canonical
            index[_org_core(alias)] = canonical
    index.pop("", None)
    return index


_ORG_FILLER = frozenset(
    {"university", "hospital", "hospitals", "nhs", "foundation", "trust", "the", "of", "ft"}
)


def _org_core(name: str) -> str:
    """A looser key that ignores the filler words people drop or reorder in trust names."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", folded.replace("&", " and "))
    return "".join(w for w in words if w not in _ORG_FILLER)


def parse_organisation(value: object, index: dict[str, str]) -> str:
    """Map an organisation answer onto its canonical name through the rule file's aliases.

    An organisation not in the index is returned as typed (cleaned), so the caller decides
    whether that is allowed.
    """
    text = clean_text(value)
    if text is None:
        raise Unreadable("no organisation given")
    return index.get(key(text)) or index.get(_org_core(text)) or text


# --- submission times --------------------------------------------------------------------------

_GOOGLE = re.compile(
    r"^(\d{4})/(\d{1,2})/(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?\s*"
    r"(?:(?:gmt|utc)\s*([+-]\d{1,2})(?::?(\d{2}))?|(bst|gmt|utc))?$"
)
_DAY_FIRST = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})(?:[ ,T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?)?$"
)
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(z|(?:utc|gmt)?\s*[+-]\d{1,2}(?::?\d{2})?)?$"
)
_ISO_OFFSET = re.compile(r"([+-])(\d{1,2})(?::?(\d{2}))?$")
DateOrder = Literal["day-first", "month-first"]
_EXCEL_EPOCH = datetime(1899, 12, 30)
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")


def parse_datetime(value: object, order: DateOrder = "day-first") -> datetime:
    """Read a submission time and return it as an aware Europe/London datetime.

    Excel datetimes are taken as they are (UK local time); text is read day first
    (``14/10/2022 17:29:59``) unless ``order`` is ``month-first`` (``10/14/2022 5:29:59 PM``);
    Google's ``2022/11/30 10:39:41 PM GMT+1`` and ISO 8601 with ``Z`` or an offset keep their
    offset; an Excel serial number (``44848.73``) is a date too.
    """
    if isinstance(value, datetime):
        return value.astimezone(LONDON) if value.tzinfo else value.replace(tzinfo=LONDON)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=LONDON)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:  # 1954 .. 2119 as an Excel serial date
            return (_EXCEL_EPOCH + timedelta(days=float(value))).replace(tzinfo=LONDON)
        raise Unreadable(f"'{value}' is not a date and time")
    text = clean_text(value)
    if text is None:
        raise Unreadable("no date given")
    if _SERIAL.fullmatch(text) and 20000 < float(text) < 80000:  # Excel dates saved as CSV
        return parse_datetime(float(text))  # without a date format
    t = text.lower()
    try:
        if m := _GOOGLE.match(t):
            y, mo, d, h, mi, s, ampm, off_h, off_m, zone = m.groups()
            naive = datetime(int(y), int(mo), int(d), _hour(int(h), ampm), int(mi), int(s or 0))
            if off_h is not None:
                sign = -1 if off_h.startswith("-") else 1
                offset = timedelta(hours=int(off_h), minutes=sign * int(off_m or 0))
                return naive.replace(tzinfo=timezone(offset)).astimezone(LONDON)
            if zone in {"gmt", "utc"}:
                return naive.replace(tzinfo=UTC).astimezone(LONDON)
            return naive.replace(tzinfo=LONDON)
        if m := _DAY_FIRST.match(t):
            d, mo, y, h, mi, s, ampm = m.groups()
            if order == "month-first":
                d, mo = mo, d
            year = int(y) + (2000 if len(y) == 2 else 0)
            hour = _hour(int(h), ampm) if h else 0
            naive = datetime(year, int(mo), int(d), hour, int(mi or 0), int(s or 0))
            return naive.replace(tzinfo=LONDON)
        if m := _ISO.match(t):
            y, mo, d, h, mi, s, zone = m.groups()
            naive = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
            if zone == "z":
                return naive.replace(tzinfo=UTC).astimezone(LONDON)
            if zone and (off := _ISO_OFFSET.search(zone)):
                plus, oh, om = off.groups()
                offset = (1 if plus == "+" else -1) * timedelta(hours=int(oh), minutes=int(om or 0))
                return naive.replace(tzinfo=timezone(offset)).astimezone(LONDON)
            return naive.replace(tzinfo=LONDON)
    except ValueError as exc:
        raise Unreadable(f"'{text}' is not a real date ({exc})") from None
    example = "14/10/2022 17:29" if order == "day-first" else "10/14/2022 5:29 PM"
    raise Unreadable(f"'{text}' is not a date and time (expected {order.replace('-', ' ')}, e.g. {example})")


_SLASHED = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\b")


def date_order_of(texts: Sequence[str]) -> DateOrder | Literal["either"] | None:
    """How a file writes dates such as 03/04/2022, from its own values (in row order).

    A first number above 12 means day first, a second above 12 month first (both: Unreadable,
    naming one of each); ``either`` when no value reads differently either way. Otherwise, when the
    times read one way run in row order (forms list answers in the order they came) and read the
    other way do not, that way; else None: the file does not say.
    """
    pairs = [(int(m.group(1)), int(m.group(2)), text) for text in texts if (m := _SLASHED.match(text))]
    day = next((text for a, _b, text in pairs if a > 12), None)
    month = next((text for _a, b, text in pairs if b > 12), None)
    if day and month:
        raise Unreadable(f"dates are written both day first ('{day}') and month first ('{month}')")
    if day or month:
        return "day-first" if day else "month-first"
    if all(a == b for a, b, _text in pairs):
        return "either"
    in_order = [order for order in ("day-first", "month-first") if _runs_in_order(texts, order)]
    return in_order[0] if len(in_order) == 1 else None  # type: ignore[return-value]


def _runs_in_order(texts: Sequence[str], order: DateOrder) -> bool:
    times = []
    for text in texts:
        try:
            times.append(parse_datetime(text, order))
        except Unreadable:
            continue
    return len(times) > 1 and all(a <= b for a, b in itertools.pairwise(times))


def _hour(hour: int, ampm: str | None) -> int:
    if ampm == "pm" and hour < 12:
        return hour + 12
    if ampm == "am" and hour == 12:
        return 0
    return hour


def parse_deadline(value: object) -> datetime:
    """A rule file's deadline (``2022-10-14 17:30``) as an aware Europe/London datetime.

    A date without a time is refused: "by 14 October" could mean the start or the end of the day.
    """
    if isinstance(value, datetime):
        return value.astimezone(LONDON) if value.tzinfo else value.replace(tzinfo=LONDON)
    if isinstance(value, date):
        raise Unreadable("a deadline needs a time too, e.g. '2022-10-14 17:30' or '2022-12-15 23:59'")
    text = clean_text(value)
    if text is None or not re.search(r"\d{1,2}:\d{2}", text):
        raise Unreadable(f"'{value}' needs a date and a time, e.g. '2022-10-14 17:30'")
    return parse_datetime(text)

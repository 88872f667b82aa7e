"""Draft a starting rule file from an export's headers and answers, with a comment on every key."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mentormatch.errors import OutputError
from mentormatch.load import Table, column_letter
from mentormatch.normalise import (
    Unreadable,
    clean_text,
    key,
    parse_band,
    parse_datetime,
    parse_email,
    parse_number,
    parse_years,
    parse_yes_no,
    split_multi,
)
from mentormatch.workbook import atomic_file, check_output_path

RECEIVER, GIVER = "mentee", "mentor"
MAX_ROLE_ANSWERS = 8

# Header patterns -> special category field (UK GDPR Article 9 data, and gender and trans status).
_SPECIAL: tuple[tuple[str, str], ...] = (
    ("ethnicity", r"\bethnic|\brac(e|ial)\b"),
    ("gender_identity", r"\bgender identity\b|\bregistered at birth\b|\btrans(gender)?\b"),
    ("sexual_orientation", r"\bsexual|\bsexuality\b"),
    ("gender", r"\bgender\b|\bsex\b"),
    ("disability", r"\bdisab"),
    ("religion", r"\brelig|\bbelief|\bfaith\b"),
    ("health", r"\bhealth condition|\blong[- ]term (health )?condition"),
)
_MANAGER_WORDS = ("manager", "supervisor", "referee", "sponsor")
_NAME_KEYS = frozenset({"name", "fullname", "yourname", "yourfullname", "firstandlastname", "applicantname"})
_NOT_NAME = (
    "email", "organisation", "organization", "manager", "trust", "employer", "user", "team", "department",
    "school", "course", "programme", "program", "first name", "surname", "last name", "preferred",
)  # fmt: skip
_SUBMITTED_KEYS = (
    "completiontime",
    "timestamp",
    "submittedat",
    "submissiontime",
    "datesubmitted",
    "starttime",
)
_OFFER_WORDS = ("offer", "could you", "can you", "mentors:", "support a mentee", "share with")
_RECEIVER_PATTERNS = (
    r"\bmentee\b", r"\bcoachee\b", r"\blike an? (mentor|coach)\b", r"\b(want|need|have|find) an? mentor\b",
    r"\bbe mentored\b", r"\breceiv", r"\bearly career\b", r"\bjunior\b",
)  # fmt: skip
_GIVER_PATTERNS = (
    r"\bmentor\b", r"\bcoach\b", r"\bbe an? mentor\b", r"\blater career\b", r"\bsenior\b", r"\bexperienced\b",
)  # fmt: skip
_STOPWORDS = frozenset(
    {
        "a", "an", "the", "you", "your", "yours", "have", "has", "been", "be", "are", "is", "do", "does",
        "did", "of", "to", "in", "on", "for", "with", "what", "which", "who", "how", "would", "could",
        "can", "will", "like", "please", "i", "me", "my", "we", "our", "us", "part", "any", "this", "that",
        "these", "those", "if", "or", "and", "as", "at", "by", "from", "it", "its", "about", "currently",
        "current",
    }
)  # fmt: skip
_TYPES_HELP = (
    "text, choice, multi (several answers joined by ; or ,), email, datetime, band (Agenda for Change),"
    " years, yesno, number, organisation"
)


@dataclass
class _Column:
    """One column of the export: its header, its non-blank cells and their text."""

    index: int
    header: str
    cells: list[Any]
    texts: list[str]

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    @property
    def lower(self) -> str:
        return " " + " ".join(_fold(self.header).split()) + " "

    @property
    def key(self) -> str:
        return key(self.header)

    def share(self, parse: Callable[[Any], object]) -> float:
        """The fraction of non-blank cells ``parse`` reads."""
        if not self.cells:
            return 0.0
        good = 0
        for cell in self.cells:
            try:
                parse(cell)
                good += 1
            except (Unreadable, ValueError, TypeError):
                continue
        return good / len(self.cells)

    def distinct(self) -> list[str]:
        """Distinct answers (compared by key), each in its most common spelling, most common first."""
        spellings: dict[str, Counter[str]] = {}
        for text in self.texts:
            spellings.setdefault(key(text) or text, Counter())[text] += 1
        ranked = sorted(spellings.values(), key=lambda c: (-sum(c.values()), _best(c).casefold()))
        return [_best(c) for c in ranked]


@dataclass
class _Field:
    """A field to write: its header texts, type and the comment above it."""

    headers: list[str]
    type: str = "text"
    optional: bool = True
    special: bool = False
    comment: str = ""
    fill_in: bool = False
    columns: list[_Column] = field(default_factory=list)


def _best(spellings: Counter[str]) -> str:
    return min(spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _any(text: str, words: Iterable[str]) -> bool:
    return any(word in text for word in words)


# --- recognising columns -------------------------------------------------------------------------


class _Drafter:
    """Walks the export's columns and decides which field each one is."""

    def __init__(self, table: Table) -> None:
        self.table = table
        counts = Counter(key(h) for h in table.headers if key(h))
        self.duplicated: list[_Column] = []
        self.columns: list[_Column] = []
        for index, header in enumerate(table.headers):
            cells = [row.cells[index] for row in table.rows if index < len(row.cells)]
            cells = [c for c in cells if clean_text(c) is not None]
            column = _Column(index, header, cells, [clean_text(c) or "" for c in cells])
            if key(header) and counts[key(header)] > 1:
                self.duplicated.append(column)
            else:
                self.columns.append(column)
        self.used: set[int] = set()
        self.fields: dict[str, _Field] = {}
        self.role_answers: dict[str, list[str]] = {RECEIVER: [], GIVER: []}
        self.unclassified_roles: list[str] = []
        self.unknown_grades: list[str] = []
        self.organisations: list[str] = []

    def free(self) -> list[_Column]:
        return [c for c in self.columns if c.index not in self.used and c.key]

    def take(self, name: str, columns: list[_Column], **kwargs: Any) -> None:
        self.used.update(c.index for c in columns)
        self.fields[name] = _Field(headers=[c.header for c in columns], columns=columns, **kwargs)

    def unique_name(self, wanted: str) -> str:
        name, n = wanted, 1
        while name in self.fields or name in {"email", "name", "submitted", "role"}:
            n += 1
            name = f"{wanted}_{n}"
        return name

    def run(self) -> None:
        self.identity()
        self.role()
        self.special()
        self.by_header(
            "band", ("band", "grade", "agenda for change"), "band", lambda c: c.share(parse_band) >= 0.3
        )
        self.organisation()
        self.by_header(
            "capacity",
            ("how many",),
            "number",
            lambda c: (
                _any(c.lower, ("mentee", "people", "partner", "support", "capacity"))
                and c.share(parse_number) >= 0.5
            ),
        )
        self.years()
        self.multi()
        self.yes_no()
        self.by_header("job_title", ("job title", "job role", "role title", "position"), "text")
        self.by_header(
            "profession", ("profession", "staff group", "specialism", "discipline", "area of"), "choice"
        )
        self.by_header("location", ("town", "city", "location", "nearest", "where could you meet"), "choice")
        if "band" in self.fields:
            self.unknown_grades = [
                t for t in self.fields["band"].columns[0].distinct() if not _reads(parse_band, t)
            ]

    def identity(self) -> None:
        managers = [c for c in self.free() if "email" in c.key and _any(c.lower, _MANAGER_WORDS)]
        emails = [
            c for c in self.free() if "email" in c.key and c not in managers and c.share(parse_email) > 0
        ]
        emails.sort(key=lambda c: c.key == "email")  # Forms' own Email column (maybe "anonymous") last
        if emails:
            self.take(
                "email",
                emails,
                type="email",
                optional=False,
                comment="Who applied: each applicant's email identifies them."
                + (" The first column whose answer reads as an email wins." if len(emails) > 1 else ""),
            )
        else:
            self.fields["email"] = _Field(
                headers=["Email address"],
                type="email",
                optional=False,
                fill_in=True,
                comment="FILL IN: no column of email addresses was found; put the header text of the"
                " applicants' email column here.",
            )
        if managers:
            self.take(
                "line_manager",
                managers[:1],
                type="email",
                comment="The line manager's email: matching.never_field stops anyone being paired with"
                " their own line manager.",
            )
        names = [
            c
            for c in self.free()
            if c.texts and (c.key in _NAME_KEYS or (" name" in c.lower and not _any(c.lower, _NOT_NAME)))
        ]
        names.sort(key=lambda c: c.key == "name")
        if names:
            self.take("name", names, optional=False, comment="The applicant's name, as they typed it.")
        else:
            self.fields["name"] = _Field(
                headers=["Full name"],
                optional=True,
                fill_in=True,
                comment="FILL IN: no name column was found, so names are left blank; put the header text"
                " of the applicants' name column here and delete 'optional: true'.",
            )
        stamps = [c for c in self.free() if c.key in _SUBMITTED_KEYS and c.share(parse_datetime) >= 0.5]
        stamps.sort(key=lambda c: _SUBMITTED_KEYS.index(c.key))
        if stamps:
            self.take(
                "submitted",
                stamps,
                type="datetime",
                optional=False,
                comment="When each application was submitted: the deadline and repeated submissions use it.",
            )

    def role(self) -> None:
        best: tuple[tuple[int, int, int], _Column, dict[str, list[str]], list[str]] | None = None
        for column in self.free():
            answers = column.distinct()
            if not 1 <= len(answers) <= MAX_ROLE_ANSWERS or any(";" in t for t in column.texts):
                continue
            sorted_answers: dict[str, list[str]] = {RECEIVER: [], GIVER: []}
            other: list[str] = []
            for answer in answers:
                role = _role_of(answer)
                (sorted_answers[role] if role else other).append(answer)
            found = sum(1 for a in sorted_answers.values() if a)
            if not found:
                continue
            keyword = _any(column.lower, ("role", "applying", "mentor", "mentee", "coach"))
            rank = (found, int(keyword), -len(other))
            if best is None or rank > best[0]:
                best = (rank, column, sorted_answers, other)
        if best is None:
            return
        _, column, sorted_answers, other = best
        self.take(
            "role", [column], type="choice", optional=False, comment="The role each person applies for."
        )
        self.role_answers = sorted_answers
        self.unclassified_roles = other

    def special(self) -> None:
        for column in self.free():
            text = column.lower
            for name, pattern in _SPECIAL:
                if re.search(pattern, text):
                    self.take(
                        self.unique_name(name),
                        [column],
                        type="choice",
                        special=True,
                        comment=f"Special category data ({name.replace('_', ' ')}): used for eligibility,"
                        " priority and monitoring only, never written to shared sheets.",
                    )
                    break

    def by_header(
        self,
        name: str,
        words: tuple[str, ...],
        kind: str,
        accept: Callable[[_Column], bool] = lambda _c: True,
    ) -> None:
        if name in self.fields:
            return
        for column in self.free():
            if _any(column.lower, words) and column.texts and accept(column):
                self.take(name, [column], type=kind, comment=_COMMENTS.get(name, ""))
                return

    def organisation(self) -> None:
        words = ("organisation", "organization", "employer", "employing", " trust", "where do you work")
        for column in self.free():
            if _any(column.lower, words) and column.texts:
                self.take("organisation", [column], type="organisation", comment=_COMMENTS["organisation"])
                self.organisations = sorted(column.distinct(), key=str.casefold)
                return

    def years(self) -> None:
        for column in self.free():
            if _any(column.lower, ("how long", "years", "experience")) and column.share(parse_years) >= 0.6:
                text = column.lower
                name = "years_in_role" if _any(text, ("role", " post ", "position")) else "years"
                name = "years_experience" if "experience" in text else name
                self.take(self.unique_name(name), [column], type="years", comment=_COMMENTS["years"])
                return

    def multi(self) -> None:
        for column in self.free():
            if not _looks_multi(column):
                continue
            offers = _any(column.lower, _OFFER_WORDS)
            wanted = "offers" if offers else "goals"
            name = wanted if wanted not in self.fields else self.unique_name(_slug(column.header))
            comment = (
                "What a mentor can offer (several answers): matched against the mentees' goals."
                if name == "offers"
                else "What a mentee wants support with (several answers): the goals score part uses it."
                if name == "goals"
                else "Several answers in one cell."
            )
            self.take(name, [column], type="multi", comment=comment)

    def yes_no(self) -> None:
        for column in self.free():
            if column.texts and column.share(parse_yes_no) == 1.0:
                self.take(
                    self.unique_name(_slug(column.header)),
                    [column],
                    type="yesno",
                    comment="A yes/no question (eligibility can test it with 'is: true').",
                )

    def latest_submission(self) -> datetime | None:
        submitted = self.fields.get("submitted")
        if submitted is None or not submitted.columns:
            return None
        times = []
        for cell in submitted.columns[0].cells:
            try:
                times.append(parse_datetime(cell))
            except Unreadable:
                continue
        return max(times) if times else None

    def common_year(self) -> int | None:
        submitted = self.fields.get("submitted")
        if submitted is None or not submitted.columns:
            return None
        years: Counter[int] = Counter()
        for cell in submitted.columns[0].cells:
            try:
                years[parse_datetime(cell).year] += 1
            except Unreadable:
                continue
        return years.most_common(1)[0][0] if years else None


_COMMENTS = {
    "band": "The Agenda for Change band (Band 6, band 8A, AfC Band 7, ...); other grades: see 'grades'.",
    "organisation": "The organisation each person works for, mapped onto the names under 'organisations'.",
    "capacity": "How many mentees each mentor can take: matching.capacity.field reads it.",
    "years": "A length of time (5, 5+ years, 18 months, 3-5 years, ...).",
    "job_title": "The job title, shown beside each person in the Matches sheet.",
    "profession": "Profession or staff group (eligibility can test it with 'in: [...]').",
    "location": "Where people can meet. For distance rules change the type to 'place' and add a 'places'"
    " table of [latitude, longitude] (see matching.distance).",
}


def _reads(parse: Callable[[Any], object], value: Any) -> bool:
    try:
        parse(value)
    except (Unreadable, ValueError, TypeError):
        return False
    return True


def _role_of(answer: str) -> str | None:
    text = _fold(answer)
    if _any(text, ("either", "both", "not sure", "unsure", "don't know", "dont know")):
        return None
    if any(re.search(p, text) for p in _RECEIVER_PATTERNS):
        return RECEIVER
    if any(re.search(p, text) for p in _GIVER_PATTERNS):
        return GIVER
    return None


def _looks_multi(column: _Column) -> bool:
    """Answers joined with ';' (Microsoft Forms) or ', ' (Google Forms), from a short list of choices.

    The same choices come back again and again, which is what tells a multi-select question from
    free text that happens to hold a comma or semicolon.
    """
    texts = column.texts
    joined = sum(";" in t for t in texts) >= 0.2 * len(texts) or sum(", " in t for t in texts) >= 0.3 * len(
        texts
    )
    if len(texts) < 3 or not joined:
        return False
    items = [key(item) for t in texts for item in split_multi(t)]
    distinct = set(items)
    return len(distinct) <= 40 and 2 * len(distinct) <= len(items)


_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _slug(header: str) -> str:
    """A field name from a header: up to four meaningful words, joined by _, safe as a YAML key."""
    words = [w for w in re.findall(r"[a-z0-9]+", _fold(header)) if w not in _STOPWORDS]
    slug = "_".join(words[:4]) or "answer"
    if not slug[0].isalpha() or slug in _YAML_WORDS:  # "2024_..." could read as a number, "yes" as true
        slug = f"q_{slug}"
    return slug


# --- writing YAML --------------------------------------------------------------------------------

_SAFE_CHAR = re.compile(r"[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def quote_yaml(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that reads back exactly (escapes for anything odd)."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif _SAFE_CHAR.fullmatch(char):
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def _flow(items: Iterable[str]) -> str:
    return "[" + ", ".join(quote_yaml(i) for i in items) + "]"


def _comment(text: str, indent: int = 0, width: int = 100) -> list[str]:
    """``text`` as YAML comment lines wrapped to ``width``."""
    prefix = " " * indent + "# "
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            if line and len(prefix) + len(line) + 1 + len(word) > width:
                lines.append(prefix + line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append((prefix + line).rstrip())
    return lines


def draft_rules(table: Table, *, name: str | None = None) -> str:
    """A starting rule file (YAML text, every key commented) guessed from an export's columns.

    It loads with ``load_rules`` as it is, and ``mentormatch validate`` runs with it on the same
    export; anything it could not find is marked FILL IN, so validation stops with a message
    naming the header to fill in.
    """
    d = _Drafter(table)
    d.run()
    sheet = f", sheet '{table.sheet}'" if table.sheet else ""
    out: list[str] = []
    out += _comment(
        f"Rule file drafted by `mentormatch init` from {table.source.name}{sheet} ({len(table.rows)}"
        " answer rows). It loads and validates as it is, but it is a DRAFT: read every comment, fill in"
        " what says FILL IN, set the eligibility rules and delete what does not apply. Check it with"
        " `mentormatch rules check FILE`; `mentormatch validate EXPORT --rules FILE` shows who it"
        " accepts and rejects."
    )
    out.append("")
    out += _programme(d, name)
    out += _deadline(d)
    out += _fields(d)
    out += _roles(d)
    out += _organisations(d)
    out += _grades(d)
    out += _matching(d)
    return "\n".join(out).rstrip("\n") + "\n"


def _programme(d: _Drafter, name: str | None) -> list[str]:
    title = name or f"FILL IN: the programme's name (drafted from {d.table.source.name})"
    out = _comment(
        "The programme: its name (shown on every report), where its rules are published, its year."
    )
    out += ["programme:", f"  name: {quote_yaml(title)}"]
    out.append(
        f"  source: {quote_yaml('FILL IN: where the rules come from (web page, FAQ or policy document)')}"
    )
    year = d.common_year()
    if year is not None:
        out.append(f"  year: {year}")
    return [*out, ""]


def _deadline(d: _Drafter) -> list[str]:
    latest = d.latest_submission()
    seen = (
        f" The latest application in this export arrived at {latest.strftime('%H:%M on %d %B %Y')}."
        if latest is not None
        else ""
    )
    example = (latest or datetime(2024, 1, 31, 17, 0)).strftime("%Y-%m-%d") + " 17:30"
    out = _comment(
        "The closing date and time (UK time, with a time of day): later applications are rejected"
        f" as after-deadline.{seen} Uncomment and set it:"
    )
    return [*out, f"# deadline: {quote_yaml(example)}", ""]


def _fields(d: _Drafter) -> list[str]:
    out = _comment(
        "The questions the rules read. Each field lists the header texts of its column (case, spacing"
        " and punctuation are ignored; when several are listed, every one found is read and the first"
        f" answer that reads wins) and its type: {_TYPES_HELP}. optional: true lets an export lack the"
        " column. special_category: true marks sensitive data: it is used for eligibility, priority and"
        " monitoring but never written to shared sheets. label: names the field in reports."
    )
    out.append("fields:")
    order = ["email", "name", "submitted", "role"]
    names = [n for n in order if n in d.fields] + [n for n in d.fields if n not in order]
    for name in names:
        spec = d.fields[name]
        if spec.comment:
            out += _comment(spec.comment, indent=2)
        out.append(f"  {name}:")
        out.append(f"    headers: {_flow(spec.headers)}" + ("  # FILL IN" if spec.fill_in else ""))
        if spec.type != "text":
            out.append(f"    type: {spec.type}")
        if spec.optional:
            out.append("    optional: true")
        if spec.special:
            out.append("    special_category: true")
    unused = [c for c in d.columns if c.index not in d.used]
    if unused or d.duplicated:
        out.append("")
        out += _comment("Columns no field uses (add a field above if a rule needs one):", indent=2)
        for column in unused:
            shown = quote_yaml(column.header) if column.header else "(no header)"
            empty = " (always blank)" if not column.texts else ""
            out.append(f"  #   {column.letter} {shown}{empty}")
        for column in d.duplicated:
            out.append(f"  #   {column.letter} {quote_yaml(column.header)} (two columns have this header)")
    return [*out, ""]


def _roles(d: _Drafter) -> list[str]:
    out: list[str] = []
    if "role" in d.fields:
        out += _comment("The field whose answer says which role each person applies for.")
        out += ["role_field: role", ""]
    else:
        out += _comment(
            "No column says which role people apply for, so the role comes from the command line: give"
            " each role's export with --mentees FILE and --mentors FILE (or --file ROLE=FILE). If a column"
            " does say it, add it under fields as 'role' and write role_field: role."
        )
        out += ["role_field: null", ""]
    out += _comment(
        "The roles: label is how reports name them; answers are the role column's answers that mean"
        " the role (compared ignoring case and punctuation; an answer that starts with one counts too);"
        " eligibility says who may take part (all_of, any_of, not, or a field test: between, at_least,"
        " at_most, in, is, answered), with a code and a reason to forward to rejected applicants."
    )
    out.append("roles:")
    band = "band" in d.fields
    examples = {
        RECEIVER: (
            [
                "field: band",
                'between: ["4", "7"]',
                "code: band-out-of-range",
                'reason: "Mentees are at Band 4 to 7."',
            ]
            if band
            else ["field: email", "answered: true", "code: example-rule", 'reason: "FILL IN: why."']
        ),
        GIVER: (
            [
                "field: band",
                'at_least: "8a"',
                "code: mentor-band",
                'reason: "Mentors are at Band 8a or above."',
            ]
            if band
            else ["field: email", "answered: true", "code: example-rule", 'reason: "FILL IN: why."']
        ),
    }
    for role in (RECEIVER, GIVER):
        answers = d.role_answers.get(role) or []
        out.append(f"  {role}:")
        out.append(f"    label: {role.capitalize()}")
        if answers:
            out.append(f"    answers: {_flow(answers)}")
        else:
            note = "  # FILL IN: no answer in this export meant this role" if "role" in d.fields else ""
            out.append(f"    answers: {_flow([role.capitalize()])}{note}")
        out += _comment(f"Who may apply as a {role} (uncomment and edit):", indent=4)
        out.append("    # eligibility:")
        out += [f"    #   {line}" for line in examples[role]]
    if d.unclassified_roles:
        out += _comment(
            "These answers name no single role, so applicants who gave them are held for review"
            " (answer-not-recognised) until you add each to a role's answers: "
            + ", ".join(quote_yaml(a) for a in d.unclassified_roles),
            indent=2,
        )
    return [*out, ""]


def _organisations(d: _Drafter) -> list[str]:
    if "organisation" not in d.fields:
        return []
    out = _comment(
        "The organisations in the programme. Every organisation named in this export is listed; where"
        " several lines are one organisation, keep its proper name and move the other spellings into its"
        ' list, e.g. "East Kent Hospitals University NHS Foundation Trust": [EKHUFT, East Kent Hospitals].'
    )
    out += ["organisations:", "  field: organisation"]
    out += _comment(
        "true: reject applicants whose organisation is not listed (set it once the list is right).",
        indent=2,
    )
    out.append("  only_listed: false")
    out.append("  names:")
    out += [f"    {quote_yaml(name)}: []" for name in d.organisations]
    return [*out, ""]


def _grades(d: _Drafter) -> list[str]:
    if "band" not in d.fields:
        return []
    found = ", ".join(quote_yaml(g) for g in d.unknown_grades[:20]) if d.unknown_grades else "none"
    out = _comment(
        "Grades that are not Agenda for Change bands, each with the band it counts as; an answer that is"
        " neither a band nor listed here is rejected as grade-needs-review. Answers in this export that"
        f" are not bands: {found}. Uncomment and edit:"
    )
    example = d.unknown_grades[0] if d.unknown_grades else "Consultant"
    return [*out, "# grades:", f"#   {quote_yaml(example)}: 8a", ""]


def _matching(d: _Drafter) -> list[str]:
    fields = d.fields
    out = _comment(
        "How pairs are made. receiver and giver are roles above; capacity is how many partners each giver"
        " takes; the solver makes as many pairs as possible, then the best total score (the weighted"
        " score parts below)."
    )
    out += ["matching:", "  mode: pairs", f"  receiver: {RECEIVER}", f"  giver: {GIVER}", "  capacity:"]
    out.append("    default: 1")
    if "capacity" in fields:
        out += _comment("Read each mentor's own answer, up to max.", indent=4)
        out += ["    field: capacity", "    max: 3"]
    if "band" in fields:
        out += _comment("Hard rule: the giver is at least this many band steps above the receiver.", indent=2)
        out += ["  band_gap:", "    min: 1", "  band_field: band"]
    if "line_manager" in fields:
        out += _comment("Never pair anyone with the line manager they named.", indent=2)
        out.append("  never_field: line_manager")
    out.append("  objective: coverage-then-score")
    parts: list[str] = []
    if "goals" in fields:
        parts += ["    - part: goals", "      label: goals supported", "      field: goals"]
        if "offers" in fields:
            parts.append("      offer_field: offers")
        parts.append("      weight: 50")
    if "band" in fields:
        parts += ["    - part: band_gap", "      label: band gap", "      best: 2", "      weight: 20"]
    out += _comment(
        "Score parts, each worth up to its weight: goals (share of the receiver's goals the giver offers),"
        " band_gap (best steps above), priority (role + when), same/different (a field), distance.",
        indent=2,
    )
    if parts:
        out += ["  score:", *parts]
    else:
        out.append("  score: []")
    return out


def write_draft(path: Path, text: str, *, force: bool) -> None:
    """Write a drafted rule file atomically; an existing file is replaced only with ``force``."""
    path = Path(path)
    if path.suffix.lower() not in {".yaml", ".yml"}:
        raise OutputError(
            f"{path} should end in .yaml",
            f"name the rule file something like {path.stem or 'programme'}.yaml",
        )
    check_output_path(path, force=force)
    with atomic_file(path) as handle:
        handle.write(text.encode("utf-8"))

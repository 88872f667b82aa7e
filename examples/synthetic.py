"""What the example generators share: invented people's names and addresses and the mess real
form answers come in; a Microsoft Forms submission (its own columns, times as Excel dates or
day-first text) and a Google Forms one (its Timestamp column); row layout with blank rows; who
counts when someone submits twice; and files that are the same bytes on every run. Each
examples/*/generate.py imports it and keeps only what is particular to its programme: its
questions, answer mixes and cases. It needs only the standard library and openpyxl."""

from __future__ import annotations

import csv
import io
import random
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from openpyxl import Workbook
from openpyxl.utils import get_column_letter


class Laid(Protocol):
    """A submission that takes a spreadsheet row number."""

    row: int


S = TypeVar("S", bound=Laid)


class Judged(Protocol):
    """A submission whose person has an email (``""`` when left out) and a built-to-break tag."""

    person: Any
    row: int
    outcome: str
    rule: str


J = TypeVar("J", bound=Judged)


# Agenda for Change bands, lowest first; RANK orders them.
BANDS = ("1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9")
RANK = {band: i for i, band in enumerate(BANDS)}


# --- names and addresses ------------------------------------------------------------------------


def fresh(draw: Callable[[], str], used: set[str]) -> str:
    """The first of ``draw()``'s answers not in ``used`` (which it joins)."""
    while True:
        name = draw()
        if name not in used:
            used.add(name)
            return name


def unique_email(base: str, used: set[str], domain: str = "nhs.net") -> str:
    """``base@domain``, or ``base2@domain``, ``base3@``... when taken; recorded in ``used``."""
    email, n = f"{base}@{domain}", 1
    while email in used:
        n += 1
        email = f"{base}{n}@{domain}"
    used.add(email)
    return email


def ascii_slug(text: str, *, hyphens: bool = False) -> str:
    """Lower-case ASCII letters, digits and hyphens, for email local parts; with ``hyphens``,
    spaces become hyphens and none are left at the ends."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    if hyphens:
        return "".join(c for c in folded.replace(" ", "-") if c.isalnum() or c == "-").strip("-")
    return re.sub(r"[^a-z0-9\-]+", "", folded)


def title_email(email: str) -> str:
    """``ann.lee@nhs.net`` as people type it in Forms' own column: ``Ann.Lee@nhs.net``."""
    local, domain = email.split("@")
    return ".".join(part[:1].upper() + part[1:] for part in local.split(".")) + "@" + domain


def messy_email(rng: random.Random, email: str, *, trailing: bool = True) -> str:
    """The address as applicants type it: capitals, stray spaces, or as it is. ``trailing``:
    a stray space may also come only at the end (else always on both sides)."""
    r = rng.random()
    if r < 0.12:
        return title_email(email)
    if r < 0.16:
        return email.upper()
    if r < 0.22:
        return f" {email} " if not trailing or rng.random() < 0.5 else email + " "
    return email


def text_time(moment: datetime, rng: random.Random) -> str:
    """A time as day-first text, the day sometimes without its leading zero."""
    day = str(moment.day) if rng.random() < 0.3 else f"{moment.day:02d}"
    return f"{day}/{moment.month:02d}/{moment.year} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"


# --- answers and times --------------------------------------------------------------------------


def role_answer(rng: random.Random, role: str) -> str:
    """How a mentee or a mentor answers "Are you applying to be a mentor or a mentee?". Both
    answers are drawn, the mentee's first, whichever is asked for (the examples' random streams
    were made so)."""
    answers = {
        "mentee": rng.choice(["Mentee", "Mentee", "Mentee", "I would like a mentor"]),
        "mentor": rng.choice(["Mentor", "Mentor", "Mentor", "I would like to be a mentor"]),
    }
    return answers[role]


def working_hours(rng: random.Random, day: datetime) -> datetime:
    """A moment of ``day`` (a time with no seconds) between 7am and 10pm, to the second."""
    moment = day.replace(hour=rng.randint(7, 21), minute=rng.randint(0, 59))
    return moment + timedelta(seconds=rng.randint(0, 59))


def name_as_typed(rng: random.Random, name: str) -> str:
    """A name as typed into the form: now and then in lower case or with a trailing space."""
    r = rng.random()
    return name.lower() if r < 0.06 else name + " " if r < 0.12 else name


# --- Microsoft Forms ----------------------------------------------------------------------------


@dataclass
class FormsSubmission:
    """One row of a Microsoft Forms export: the person, Forms' own columns, and what it should do."""

    person: Any
    completed: datetime
    started: datetime
    email_text: str
    forms_email: str  # Forms' Email column: the signed-in account, or "anonymous"
    forms_name: str
    name_text: str
    text_times: bool  # times re-saved as day-first text instead of Excel dates
    file: str = ""  # which export, for a programme with one form per role
    row: int = 0
    outcome: str = ""
    rule: str = ""


@dataclass(frozen=True)
class FormsHabits:
    """How one programme's applicants fill a Microsoft Form in: seconds spent on it (low, high),
    how many answer anonymously, how many rows have their times re-saved as text."""

    seconds: tuple[int, int]
    anonymous: float
    text_times: float


def forms_submission(
    rng: random.Random,
    person: Any,
    completed: datetime,
    habits: FormsHabits,
    *,
    email_text: str | None = None,
    started: datetime | None = None,
    text_times: bool | None = None,
    anonymous: bool | None = None,
) -> FormsSubmission:
    """A Forms submission of ``person`` (name, email), each unset detail drawn from ``habits``."""
    started = started or completed - timedelta(seconds=rng.randint(*habits.seconds))
    if email_text is None:
        email_text = messy_email(rng, person.email)
    if anonymous is None:
        anonymous = rng.random() < habits.anonymous
    if anonymous:
        forms_email, forms_name = "anonymous", ""
    else:
        forms_email = title_email(person.email)
        forms_name = person.name if rng.random() < 0.85 else ""
    return FormsSubmission(
        person=person,
        completed=completed,
        started=started,
        email_text=email_text,
        forms_email=forms_email,
        forms_name=forms_name,
        name_text=name_as_typed(rng, person.name),
        text_times=rng.random() < habits.text_times if text_times is None else text_times,
    )


class FormsBuilder:
    """Invents a Microsoft Form's applicants and submissions from one seeded random stream. A
    programme says when an ordinary submission comes (``time_in_window``) and how its applicants
    fill the form in (``habits``, or its own ``fill_in``)."""

    habits: FormsHabits

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_names: set[str] = set()
        self.used_emails: set[str] = set()
        self.submissions: list[Any] = []

    def time_in_window(self) -> datetime:
        raise NotImplementedError

    def fill_in(self, person: Any, completed: datetime, **given: Any) -> Any:
        return forms_submission(self.rng, person, completed, self.habits, **given)

    def submit(
        self,
        person: Any,
        completed: datetime | None = None,
        *,
        email_text: str | None = None,
        started: datetime | None = None,
        text_times: bool | None = None,
        anonymous: bool | None = None,
    ) -> Any:
        """Submit the form for ``person``; each detail not given is drawn."""
        sub = self.fill_in(person, completed or self.time_in_window(), email_text=email_text,
                           started=started, text_times=text_times, anonymous=anonymous)  # fmt: skip
        self.submissions.append(sub)
        return sub


def forms_order(subs: Iterable[FormsSubmission], blank_after: Sequence[int] = ()) -> list[Any]:
    """Forms lists responses in completion order; blank rows after the data rows named."""
    return number_rows(sorted(subs, key=lambda s: s.completed), blank_after)


def forms_columns(sub: FormsSubmission, forms_id: int, rng: random.Random) -> list[object]:
    """Forms' own columns (ID, Start time, Completion time, Email, Name) for one submission."""
    if sub.text_times:
        started: object = text_time(sub.started, rng)
        completed: object = text_time(sub.completed, rng)
    else:
        started, completed = sub.started, sub.completed
    return [forms_id, started, completed, sub.forms_email, sub.forms_name]


def write_forms_xlsx(
    rows: Sequence[FormsSubmission | None],
    path: Path,
    header: Sequence[str],
    values: Callable[[Any, int], Sequence[object]],
    widths: Sequence[float],
    stamp: tuple[int, int, int, int, int, int],
) -> None:
    """A Microsoft Forms export: the header, then ``values(submission, forms_id)`` on each row
    (None leaves the cell out), a blank row for each None; times shown the way Forms shows them."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(list(header))
    forms_id = 0
    for number, item in enumerate(rows, start=2):
        if item is None:
            continue  # a blank row: no cells at all
        forms_id += 1
        for col, value in enumerate(values(item, forms_id), start=1):
            if value is None:
                continue
            cell = ws.cell(row=number, column=col, value=value)
            if isinstance(value, datetime):
                cell.number_format = "m/d/yy h:mm:ss"  # how Forms shows its times
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    save_workbook(wb, path, stamp)


# --- Google Forms -------------------------------------------------------------------------------


@dataclass
class GoogleSubmission:
    """One row of a Google Forms CSV: the person, the Timestamp as written, and what it should do."""

    person: Any
    when: datetime  # UK local time
    stamp: str  # as written in the Timestamp column
    email_text: str
    row: int = 0
    outcome: str = ""
    rule: str = ""


def google_time(when: datetime, zone: str) -> str:
    """Google Forms' CSV timestamp: ``2023/06/01 10:39:41 AM GMT+1``."""
    hour = when.hour % 12 or 12
    return f"{when:%Y/%m/%d} {hour}:{when:%M:%S} {'AM' if when.hour < 12 else 'PM'} {zone}"


def plain_time(when: datetime) -> str:
    """A timestamp after a spreadsheet re-save: day first, 24-hour (``01/06/2023 10:39:41``)."""
    return f"{when:%d/%m/%Y %H:%M:%S}"


class GoogleBuilder:
    """Invents a Google Form's submissions from one seeded random stream. A programme sets when
    ordinary submissions fall (``opened`` to ``last_random`` over ``days`` days, ``weekend_skip``
    of weekend days redrawn, ``hours`` of the day) and how its Timestamp reads (``google_stamp``)."""

    opened: datetime
    last_random: datetime
    days: int
    weekend_skip: float
    hours: tuple[int, int]

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_names: set[str] = set()
        self.used_emails: set[str] = set()
        self.used_times: set[datetime] = set()
        self.submissions: list[GoogleSubmission] = []

    def google_stamp(self, when: datetime) -> str:
        raise NotImplementedError

    def random_time(self) -> datetime:
        """An ordinary in-time submission: mostly weekdays, in the programme's hours."""
        while True:
            day = self.opened.date() + timedelta(days=self.rng.randrange(self.days))
            if day.weekday() >= 5 and self.rng.random() < self.weekend_skip:
                continue
            seconds = self.rng.randrange(self.hours[0] * 3600, self.hours[1] * 3600)
            when = datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)
            if self.opened <= when <= self.last_random and when not in self.used_times:
                return when

    def submit(
        self, person: Any, when: datetime | None = None, *, stamp: str | None = None,
        email_text: str | None = None,
    ) -> GoogleSubmission:  # fmt: skip
        when = when or self.random_time()
        assert when not in self.used_times, when
        self.used_times.add(when)
        if stamp is None:
            stamp = plain_time(when) if self.rng.random() < 0.06 else self.google_stamp(when)
        sub = GoogleSubmission(person, when, stamp, person.email if email_text is None else email_text)
        self.submissions.append(sub)
        return sub


def google_order(subs: Iterable[GoogleSubmission]) -> list[GoogleSubmission]:
    """Google lists responses in order of time; each gets its row number."""
    ordered = sorted(subs, key=lambda s: s.when)
    number_rows(ordered)
    return ordered


def write_google_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Google quotes every field and ends lines with CRLF; the BOM is what an Excel re-save adds."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


# --- expected outcomes --------------------------------------------------------------------------


def latest_by_email(
    subs: Iterable[J], key: Callable[[J], Any], in_time: Callable[[J], bool] = lambda s: True
) -> set[int]:
    """The ids of the submissions that count: each email's latest in-time one (latest by ``key``,
    the first of equals); a submission without an email counts for nobody."""
    by_email: dict[str, list[J]] = {}
    for sub in subs:
        if sub.person.email:
            by_email.setdefault(sub.person.email, []).append(sub)
    counted: set[int] = set()
    for group in by_email.values():
        kept = [s for s in group if in_time(s)]
        if kept:
            counted.add(id(max(kept, key=key)))
    return counted


def judge(sub: Any, counted: set[int], broken: list[str], *, late: bool = False) -> str:
    """Set a submission's expected outcome and rule code: first who sent it (no email, after the
    deadline when ``late``, replaced by a later one: not in ``counted``), then the rules its
    answers break (``broken``), checking that one rule at most applies, so the code is certain.
    Returns the identity rule ("" when none)."""
    if not sub.person.email:
        identity = "email-missing"
    elif late:
        identity = "after-deadline"
    elif id(sub) not in counted:
        identity = "duplicate-submission"
    else:
        identity = ""
    codes = ([identity] if identity else []) + [c for c in broken if c != identity]
    assert len(codes) <= 1, (sub.person.name, codes)  # one rule each, so the code is certain
    sub.outcome, sub.rule = ("rejected", codes[0]) if codes else ("eligible", "")
    return identity


def decide_google(
    subs: list[GoogleSubmission], deadline: datetime, failures: Callable[[Any], list[str]]
) -> None:
    """Set each submission's expected outcome and rule code, checking one rule per person: after
    the deadline, replaced by a later one, else the one rule ``failures`` finds (or none)."""
    counted = latest_by_email(subs, lambda s: s.when, lambda s: s.when <= deadline)
    for sub in subs:
        if sub.when > deadline:
            sub.outcome, sub.rule = "rejected", "after-deadline"
            assert sub.person.tag in ("after-deadline", "eligible"), sub.person
            continue
        if id(sub) not in counted:
            sub.outcome, sub.rule = "rejected", "duplicate-submission"
            assert sub.person.tag == "eligible", sub.person
            continue
        broken = failures(sub.person)
        assert len(broken) <= 1, (sub.person.name, broken)  # one rule each, so the code is certain
        sub.outcome, sub.rule = ("rejected", broken[0]) if broken else ("eligible", "")
        assert sub.rule == ("" if sub.person.tag == "eligible" else sub.person.tag), sub.person


# --- writing ------------------------------------------------------------------------------------


def out_folder(out_dir: Path | str | None, here: Path) -> Path:
    """Where ``generate.py`` writes: the folder named on the command line, else its own."""
    folder = Path(out_dir) if out_dir is not None else here
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def number_rows(subs: Iterable[S], blank_after: Sequence[int] = ()) -> list[S | None]:
    """The submissions in order with a blank row (None) after each data row numbered in
    ``blank_after`` (twice if named twice); each submission gets its spreadsheet row (header 1)."""
    rows: list[S | None] = []
    for i, sub in enumerate(subs, start=1):
        rows.append(sub)
        rows.extend([None] * list(blank_after).count(i))
    for number, item in enumerate(rows, start=2):
        if item is not None:
            item.row = number
    return rows


def save_workbook(workbook: Any, path: Path, stamp: tuple[int, int, int, int, int, int]) -> None:
    """Save an openpyxl workbook with fixed zip entry times and modified date, so a rerun writes
    the same bytes."""
    workbook.properties.creator = "Microsoft Forms (synthetic example)"
    workbook.properties.created = datetime(*stamp)
    buffer = io.BytesIO()
    workbook.save(buffer)
    when = datetime(*stamp).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + when.encode(), content)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, content)
    path.write_bytes(out.getvalue())


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """expected.csv: UTF-8, one line per data row, newline-terminated."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_expected(rows: Iterable[Any], path: Path, *, files: bool = False) -> None:
    """expected.csv: row, email, outcome, role, rule of every submission (first its file, when a
    programme has one export per role); None (a blank row) is passed over."""
    lines = [[*([s.file] if files else []), s.row, s.person.email, s.outcome, s.person.role or "", s.rule]
             for s in rows if s is not None]  # fmt: skip
    write_csv(path, [*(["file"] if files else []), "row", "email", "outcome", "role", "rule"], lines)


def counts(rows: Iterable[Judged | None]) -> dict[str, int]:
    """How many rows of each outcome label."""
    return tally(outcome_label(s.outcome, s.person.role, s.rule) for s in rows if s is not None)


def print_counts(figures: dict[str, int], note: str = "") -> None:
    """What ``generate.py`` prints: each outcome's count, the rows (``note`` after), then the
    figures in brackets, e.g. ``(most pairs possible)``, under their own names."""
    extra = {k: figures.pop(k) for k in list(figures) if k.startswith("(")}
    for label, n in sorted(figures.items()):
        print(f"{n:4d}  {label}")
    print(f"{sum(figures.values()):4d}  rows{note}")
    for label, n in extra.items():
        print(f"{n:4d}  {label.strip('()')}")


def tally(labels: Iterable[str]) -> dict[str, int]:
    """How many of each outcome label, in first-seen order."""
    counted: dict[str, int] = {}
    for label in labels:
        counted[label] = counted.get(label, 0) + 1
    return counted


def outcome_label(outcome: str, role: str | None, rule: str) -> str:
    """``eligible mentee`` for an eligible row, else its rule code."""
    return f"eligible {role}" if outcome == "eligible" else rule

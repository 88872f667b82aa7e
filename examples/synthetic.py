"""What the example generators share: invented people's addresses and the mess real form answers
come in, Forms-style times, row layout with blank rows, and files that are the same bytes on
every run. Each examples/*/generate.py imports it (it needs only the standard library and
openpyxl)."""

from __future__ import annotations

import csv
import io
import random
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar


class Laid(Protocol):
    """A submission that takes a spreadsheet row number."""

    row: int


S = TypeVar("S", bound=Laid)


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


def tally(labels: Iterable[str]) -> dict[str, int]:
    """How many of each outcome label, in first-seen order."""
    counted: dict[str, int] = {}
    for label in labels:
        counted[label] = counted.get(label, 0) + 1
    return counted


def outcome_label(outcome: str, role: str | None, rule: str) -> str:
    """``eligible mentee`` for an eligible row, else its rule code."""
    return f"eligible {role}" if outcome == "eligible" else rule

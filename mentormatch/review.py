"""What a re-run must respect: the review history, withdrawals and earlier cohorts' workbooks."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mentormatch.applicants import Applicant
from mentormatch.errors import ExportError
from mentormatch.history import Round, first_round, open_round, recorded_state
from mentormatch.load import load_table
from mentormatch.normalise import Unreadable, parse_email
from mentormatch.pairsbook import read_book
from mentormatch.rulefile import Rules


@dataclass(frozen=True)
class Adjustments:
    """What a re-run must respect: fixed pairs, forbidden pairs, pairs to keep if possible."""

    must: frozenset[tuple[str, str]] = frozenset()
    forbidden: frozenset[tuple[str, str]] = frozenset()
    prefer: frozenset[tuple[str, str]] = frozenset()  # keep unless coverage needs otherwise
    favoured: frozenset[str] = frozenset()  # people to pair first among equal coverage
    withdrawn: frozenset[str] = frozenset()
    notes: tuple[str, ...] = field(default_factory=tuple)
    previous: frozenset[tuple[str, str]] = frozenset()  # the reviewed workbook's pairs
    round: Round | None = None  # the review history this run continues
    newcomers: frozenset[str] = frozenset()  # eligible people the reviewed workbook never saw

    @property
    def active(self) -> bool:
        return bool(self.must or self.forbidden or self.prefer or self.favoured or self.withdrawn)


def read_emails(values: Sequence[str]) -> frozenset[str]:
    """Emails given on the command line, or files of emails (one per line or any export)."""
    found: set[str] = set()
    for value in values:
        path = Path(value)
        if "@" not in value and path.is_file():
            table = load_table(path)
            for row in table.rows:
                for cell in row.cells:
                    try:
                        found.add(parse_email(cell))
                    except Unreadable:
                        continue
            for header in table.headers:  # a one-column list without a header row
                try:
                    found.add(parse_email(header))
                except Unreadable:
                    continue
            continue
        try:
            found.add(parse_email(value))
        except Unreadable:
            raise ExportError(f"'{value}' is neither an email address nor a file of them") from None
    return frozenset(found)


def begin(
    rules: Rules,
    review: Sequence[Path] = (),
    *,
    withdraw: Sequence[str] = (),
    accept_late: Sequence[str] = (),
    unverified: bool = False,
) -> Round:
    """The round being made: the reviewed workbook(s) and this run's decisions, merged with
    every decision recorded earlier (see history.py)."""
    withdrawn = read_emails(withdraw) if withdraw else frozenset()
    if withdrawn and not review:
        raise ExportError(
            "withdraw= / --withdraw needs the current pairs: add review= / --review pairs.xlsx",
            "give the workbook the programme is running with",
        )
    late = read_emails(accept_late) if accept_late else frozenset()
    return open_round(rules, list(review), withdraw=withdrawn, accept_late=late, unverified=unverified)


def adjustments(
    rules: Rules,
    round_: Round | None = None,
    *,
    exclude_previous: Sequence[Path] = (),
    favour_unmatched: Sequence[Path] = (),
    eligible: Collection[str] = (),
) -> Adjustments:
    """What the solve must respect: the round's history (kept pairs fixed, vetoes forbidden,
    withdrawn people out) and earlier cohorts' workbooks.

    Undecided pairs of the reviewed workbook are kept if possible; when someone withdrew in this
    run, or new applicants arrived since (``eligible`` people the reviewed workbook never saw),
    every pair not touching a withdrawn person stays exactly as it was.
    """
    round_ = round_ or first_round()
    must: set[tuple[str, str]] = set()
    forbidden: set[tuple[str, str]] = set(round_.vetoes)
    prefer: set[tuple[str, str]] = set()
    favoured: set[str] = set()
    notes: list[str] = []
    withdrawn = round_.withdrawn
    newcomers: frozenset[str] = frozenset()
    base = round_.base
    if base is not None:
        seen = {e for pair in base.pairs for e in pair} | base.unmatched
        newcomers = frozenset(set(eligible) - seen - withdrawn)
        if round_.withdrawn_now or newcomers:
            must |= {p for p in round_.kept | round_.undecided if not set(p) & withdrawn}
        else:
            must |= round_.kept
            prefer |= round_.undecided
        names = ", ".join(b.path.name for b in round_.books)
        notes.append(
            f"review of {names} (round {base.round}): {len(round_.kept)} kept,"
            f" {len(round_.rejected_now)} rejected, {len(round_.undecided)} undecided;"
            f" {len(round_.vetoes)} vetoes in force"
        )
        if newcomers:
            notes.append(f"{len(newcomers)} new applicants since round {base.round}")
    for path in exclude_previous:
        earlier = read_book(path, rules, unverified=True)  # an earlier cohort's, maybe old
        forbidden |= earlier.pairs | set(recorded_state(earlier).vetoes)
        notes.append(f"{len(earlier.pairs)} pairs from {path.name} will not be repeated")
    for path in favour_unmatched:
        earlier = read_book(path, rules, unverified=True)  # an earlier cohort's, maybe old
        favoured |= earlier.unmatched
        notes.append(f"{len(earlier.unmatched)} people unmatched in {path.name} are favoured")
    must = {p for p in must if not set(p) & withdrawn}
    return Adjustments(
        frozenset(must),
        frozenset(forbidden),
        frozenset(prefer),
        frozenset(favoured),
        withdrawn,
        tuple(notes),
        round_.reviewed,
        round_,
        newcomers,
    )


def check_admitted(round_: Round, applicants: Collection[Applicant], rules: Rules) -> None:
    """Refuse an --accept-late email that no application in the exports carries, or whose
    applications all arrived before the deadline (there is nothing to admit)."""
    unknown = sorted(round_.admitted_now - {a.email for a in applicants})
    if unknown:
        raise ExportError(
            f"accept_late= / --accept-late {', '.join(unknown)}: no application from this address in the"
            " export",
            "check the spelling, or give the export that holds the late application",
        )
    deadline = rules.spec.deadline
    on_time = sorted(
        email
        for email in round_.admitted_now
        if deadline is None
        or all(
            isinstance(when := a.value("submitted"), datetime) and when <= deadline
            for a in applicants
            if a.email == email
        )
    )
    if on_time:
        why = "the rule file sets no deadline" if deadline is None else "applied before the deadline"
        raise ExportError(
            f"accept_late= / --accept-late {', '.join(on_time)}: {why}, so there is no late application to"
            " admit",
            "leave this address out of accept_late= / --accept-late (it is checked like every application"
            " in time)",
        )


def check_withdrawn(round_: Round, applicants: Collection[Applicant]) -> None:
    """Refuse a --withdraw email that is in no pair of the reviewed workbook(s), not among their
    unmatched, and in no application of the exports: most likely a typo."""
    known = {a.email for a in applicants}
    for book in round_.books:
        known |= {e for pair in book.pairs for e in pair} | book.unmatched
        known |= {e for r in book.records for e in r.subject if e}
    unknown = sorted(round_.withdrawn_now - known)
    if unknown:
        raise ExportError(
            f"withdraw= / --withdraw {', '.join(unknown)}: this address is in no pair, no Unmatched row and"
            " no application, so withdrawing it would change nothing",
            "check the spelling (copy the address from the workbook), then run again",
        )

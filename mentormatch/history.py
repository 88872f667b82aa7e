"""A programme's review history across rounds: every decision carried forward, stable pair ids.

Round 1 is a first `mentormatch match`. Each later round reviews the workbook(s) of the round
before (``--review``): the decisions typed there (keep / reject in Matches, 'lift' over an earlier
veto or withdrawal in Decisions), this run's ``--withdraw`` and ``--accept-late``, and every
decision recorded earlier are merged into one ordered history. The new workbook's ``Decisions``
sheet holds all of it, so reviewing any later workbook still forbids a veto from round 1 until the
coordinator lifts it; kept pairs show ``keep``; a pair that survives keeps its id and a new pair
gets a number never used before in this history. report_history.py writes that part of the workbook.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from mentormatch.errors import ExportError
from mentormatch.normalise import Unreadable, parse_email
from mentormatch.pairsbook import (
    EMAIL,
    PairsBook,
    Record,
    read_book,
)
from mentormatch.rulefile import Rules

Pair = tuple[str, str]
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class State:
    """What a history says is in force: vetoed pairs, withdrawn people, late applicants admitted."""

    vetoes: Mapping[Pair, Record] = field(default_factory=dict)
    withdrawn: Mapping[str, Record] = field(default_factory=dict)
    late: Mapping[str, Record] = field(default_factory=dict)


def person(record: Record) -> str:
    """The email a person record (withdrew, late, or their lift) is about; '' for a pair record."""
    if record.pair_id or (record.receiver_email and record.giver_email):
        return ""
    return record.receiver_email or record.giver_email


def state(records: Iterable[Record]) -> State:
    """Replay ``records`` in order: the last word on each pair or person is what holds."""
    vetoes: dict[Pair, Record] = {}
    withdrawn: dict[str, Record] = {}
    late: dict[str, Record] = {}
    for record in sorted(records, key=lambda r: r.round):  # stable: same-round order kept
        who = person(record)
        if who:
            target = {"withdrew": withdrawn, "late": late}.get(record.decision)
            if target is not None:
                target[who] = record
            elif record.decision == "lift":
                withdrawn.pop(who, None)
                late.pop(who, None)
            continue
        if record.decision == "reject":
            vetoes[record.subject] = record
        else:  # keep or lift
            vetoes.pop(record.subject, None)
    return State(vetoes, withdrawn, late)


def recorded_state(book: PairsBook) -> State:
    """What was in force when ``book`` was written (lifts typed into it since are not yet)."""
    return state(r for r in book.records if not r.pending)


@dataclass(frozen=True)
class Round:
    """The round being made: the history so far, what is in force, and the ids already given."""

    history: str
    number: int
    records: tuple[Record, ...] = ()
    state: State = field(default_factory=State)
    base: PairsBook | None = None
    books: tuple[PairsBook, ...] = ()
    lifted: tuple[Record, ...] = ()
    withdrawn_now: frozenset[str] = frozenset()
    admitted_now: frozenset[str] = frozenset()

    @property
    def kept(self) -> frozenset[Pair]:
        """Pairs the coordinator has kept (typed now or carried), in the reviewed workbook."""
        return self.base.decided("keep") if self.base is not None else frozenset()

    @property
    def rejected_now(self) -> frozenset[Pair]:
        return self.base.decided("reject") if self.base is not None else frozenset()

    @property
    def undecided(self) -> frozenset[Pair]:
        return self.base.decided("") if self.base is not None else frozenset()

    @property
    def reviewed(self) -> frozenset[Pair]:
        return self.base.pairs if self.base is not None else frozenset()

    @property
    def late(self) -> frozenset[str]:
        return frozenset(self.state.late)

    @property
    def withdrawn(self) -> frozenset[str]:
        return frozenset(self.state.withdrawn)

    @property
    def vetoes(self) -> frozenset[Pair]:
        return frozenset(self.state.vetoes)


def first_round() -> Round:
    return Round(history=f"H-{secrets.token_hex(4).upper()}", number=1)


def open_round(
    rules: Rules,
    reviews: Sequence[Path],
    *,
    withdraw: Collection[str] = (),
    accept_late: Collection[str] = (),
    today: date | None = None,
    unverified: bool = False,
) -> Round:
    """Read the reviewed workbook(s) and merge their decisions with this run's into one history.

    Several workbooks must be rounds of one history (same history id, different rounds); the
    latest is the one reviewed, the others add any decision typed into them since.
    """
    day = (today or date.today()).isoformat()
    books = [read_book(path, rules, unverified=unverified) for path in reviews]
    if not books:
        admitted = tuple(_person_records("late", accept_late, 1, day, {}))
        start = first_round()
        return replace(start, records=admitted, state=state(admitted), admitted_now=frozenset(accept_late))
    _one_history(books)
    books.sort(key=lambda b: b.round)
    base = books[-1]
    records: list[Record] = []
    seen: set[tuple[Any, ...]] = set()

    def add(record: Record) -> None:
        ident = (record.round, record.decision, record.subject, record.pair_id.upper())
        if ident not in seen:
            seen.add(ident)
            records.append(record)

    lifted: list[Record] = []
    for book in books:
        who = book.reviewer or NOT_RECORDED
        for record in book.records:
            if record.pending:
                lift = replace(record, pending=False, who=who, date=book.date)
                lifted.append(lift)
                add(lift)
            else:
                add(record)
        before = state(records)
        latest = _latest_pair_decisions(records)
        for row in book.rows:
            if not row.decision:
                continue
            if latest.get(row.pair) == row.decision:
                continue  # carried from an earlier round (the keep written in for them)
            if row.decision == "reject" and row.pair in before.vetoes:
                continue
            add(
                Record(
                    round=book.round,
                    date=book.date,
                    decision=row.decision,
                    pair_id=row.pair_id,
                    receiver_name=row.receiver_name,
                    receiver_email=row.receiver_email,
                    giver_name=row.giver_name,
                    giver_email=row.giver_email,
                    who=who,
                )
            )
    names = _names(base)
    for record in _person_records("withdrew", withdraw, base.round, day, names, base.reviewer):
        add(record)
    for record in _person_records("late", accept_late, base.round, day, names, base.reviewer):
        add(record)
    merged = tuple(records)
    history = base.history or f"H-{secrets.token_hex(4).upper()}"
    return Round(
        history=history,
        number=base.round + 1,
        records=merged,
        state=state(merged),
        base=base,
        books=tuple(books),
        lifted=tuple(lifted),
        withdrawn_now=frozenset(withdraw),
        admitted_now=frozenset(accept_late),
    )


def _one_history(books: Sequence[PairsBook]) -> None:
    if len(books) < 2:
        return
    names = " and ".join(b.path.name for b in books)
    histories = {b.history for b in books}
    if None in histories or len(histories) > 1:
        raise ExportError(
            f"review= / --review was given {len(books)} workbooks ({names}) that are not rounds of one"
            " history, so their decisions cannot be combined",
            "give the latest workbook of this programme only (it carries every earlier decision)",
        )
    rounds = [b.round for b in books]
    if len(set(rounds)) < len(rounds):
        raise ExportError(
            f"review= / --review was given two copies of round {max(rounds, key=rounds.count)} ({names});"
            " which one holds the decisions is not clear",
            "combine the decisions into one copy and give that one",
        )


def _latest_pair_decisions(records: Iterable[Record]) -> dict[Pair, str]:
    latest: dict[Pair, str] = {}
    for record in sorted(records, key=lambda r: r.round):
        if not person(record):
            latest[record.subject] = record.decision
    return latest


def _names(book: PairsBook) -> dict[str, str]:
    names = {}
    for row in book.rows:
        names[row.receiver_email] = row.receiver_name
        names[row.giver_email] = row.giver_name
    return names


def _person_records(
    decision: str, emails: Iterable[str], number: int, day: str, names: Mapping[str, str], who: str = ""
) -> list[Record]:
    out = []
    for email in sorted(emails):
        out.append(
            Record(
                round=number,
                date=day,
                decision=decision,  # type: ignore[arg-type]
                receiver_name=names.get(email, ""),
                receiver_email=email,
                who=who,
            )
        )
    return out


def introduced_before(
    path: Path, rules: Rules, *, unverified: bool = False
) -> frozenset[tuple[str, str, str]]:
    """(pair id, receiver email, giver email) of the pairs an earlier round's workbook introduces."""
    book = read_book(path, rules, unverified=unverified)
    return frozenset((r.pair_id, *r.pair) for r in book.rows if r.decision != "reject")


def parse_emails(values: Iterable[str], option: str) -> frozenset[str]:
    out = set()
    for value in values:
        try:
            out.add(parse_email(value))
        except Unreadable:
            raise ExportError(f"{option} '{value}' is not an email address") from None
    return frozenset(out)


__all__ = [
    "EMAIL",
    "NOT_RECORDED",
    "Pair",
    "Round",
    "State",
    "first_round",
    "introduced_before",
    "open_round",
    "parse_emails",
    "person",
    "recorded_state",
    "state",
]

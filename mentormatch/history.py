"""A programme's review history across rounds: every decision carried forward, stable pair ids.

Round 1 is a first `mentormatch match`. Each later round reviews the workbook(s) of the round
before (``--review``): the decisions typed there (keep / reject in Matches, 'lift' over an earlier
veto or withdrawal in Decisions), this run's ``--withdraw`` and ``--accept-late``, and every
decision recorded earlier are merged into one ordered history. The new workbook's ``Decisions``
sheet holds all of it, so reviewing any later workbook still forbids a veto from round 1 until the
coordinator lifts it; kept pairs show ``keep``; a pair that survives keeps its id and a new pair
gets a number never used before in this history.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from mentormatch.applicants import Applicant
from mentormatch.errors import ExportError
from mentormatch.normalise import Unreadable, parse_email
from mentormatch.pairsbook import (
    CHECK,
    DATE,
    DECISION,
    DECISIONS,
    EMAIL,
    EXCLUDED_ITEM,
    HISTORY_ITEM,
    LAST_ID_ITEM,
    MEMBERS_ITEM,
    PAIR,
    RECORDS_ITEM,
    ROUND,
    ROUND_ITEM,
    WHO,
    Labels,
    PairsBook,
    Record,
    labels,
    pair_id_text,
    read_book,
    row_check,
)
from mentormatch.rulefile import Rules
from mentormatch.workbook import Sheet

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
            f"--review was given {len(books)} workbooks ({names}) that are not rounds of one history,"
            " so their decisions cannot be combined",
            "give the latest workbook of this programme only (it carries every earlier decision)",
        )
    rounds = [b.round for b in books]
    if len(set(rounds)) < len(rounds):
        raise ExportError(
            f"--review was given two copies of round {max(rounds, key=rounds.count)} ({names}); which"
            " one holds the decisions is not clear",
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


# --------------------------------------------------------------------------------------------- writing


def pair_ids(round_: Round, pairs: Iterable[Pair]) -> dict[Pair, str]:
    """Ids for this round's pairs: the reviewed id for a pair that survives, else a new number."""
    previous: dict[Pair, str] = {}
    number = 0
    if round_.base is not None:
        number = max(b.last_number for b in round_.books)
        for row in round_.base.rows:
            if row.decision != "reject":
                previous[row.pair] = row.pair_id
    out: dict[Pair, str] = {}
    for pair in sorted(pairs, key=lambda p: (p[1], p[0])):
        if pair in previous:
            out[pair] = previous[pair]
    for pair in sorted(pairs, key=lambda p: (p[1], p[0])):
        if pair not in out:
            number += 1
            out[pair] = pair_id_text(number)
    return out


def last_id(round_: Round, ids: Mapping[Pair, str]) -> str:
    from mentormatch.pairsbook import pair_number

    numbers = [pair_number(i) or 0 for i in ids.values()]
    if round_.base is not None:
        numbers.append(max(b.last_number for b in round_.books))
    return pair_id_text(max(numbers, default=0))


def stamp_matches(sheet: Sheet, round_: Round, rules: Rules) -> tuple[Sheet, dict[Pair, str]]:
    """The Matches sheet with stable pair ids, carried keeps, and the Check column added.

    Columns are found by header name in whatever order the sheet's writer chose.
    """
    names = labels(rules)
    columns = list(sheet.columns)
    at = {name: columns.index(name) for name in (PAIR, DECISION, *names.names, *names.emails)}
    pairs = [(str(row[at[names.emails[0]]]), str(row[at[names.emails[1]]])) for row in sheet.rows]
    ids = pair_ids(round_, pairs)
    kept = round_.kept
    rows = []
    for row, pair in zip(sheet.rows, pairs, strict=True):
        values = list(row) + [None] * (len(columns) - len(row))
        values[at[PAIR]] = ids[pair]
        if pair in kept and not values[at[DECISION]]:
            values[at[DECISION]] = "keep"
        values.append(
            row_check(
                ids[pair],
                pair,
                (str(values[at[names.names[0]]] or ""), str(values[at[names.names[1]]] or "")),
            )
        )
        rows.append(values)
    return replace(sheet, columns=[*columns, CHECK], rows=rows), ids


def decisions_columns(names: Labels) -> list[str]:
    return [ROUND, DATE, PAIR, *_interleave(names.names, names.emails), DECISION, WHO, CHECK]


def _interleave(a: Sequence[str], b: Sequence[str]) -> list[str]:
    return [a[0], b[0], a[1], b[1]]


def decisions_sheet(round_: Round, rules: Rules, people: Mapping[str, Applicant]) -> Sheet:
    """Every decision of the history, oldest first: the programme's memory for later rounds."""
    names = labels(rules)
    spec = rules.spec.matching
    assert spec is not None
    rows = []
    for record in round_.records:
        record = _placed(record, people, spec.giver)
        rows.append(
            [
                record.round,
                record.date,
                record.pair_id,
                record.receiver_name,
                record.receiver_email,
                record.giver_name,
                record.giver_email,
                record.decision,
                record.who or NOT_RECORDED,
                record.check(),
            ]
        )
    choices = ["reject", "keep", "withdrew", "late", "lift"]  # 'lift' is the coordinator's to write
    return Sheet(DECISIONS, decisions_columns(names), rows, dropdowns={DECISION: choices})


def _placed(record: Record, people: Mapping[str, Applicant], giver_role: str) -> Record:
    """A new person record on the side of the person's role, with their name."""
    email = person(record)
    if not email or record.giver_email:
        return record
    who = people.get(email)
    name = record.receiver_name or (who.name if who is not None else "") or ""
    if who is not None and who.role == giver_role:
        return replace(record, receiver_name="", receiver_email="", giver_name=name, giver_email=email)
    return replace(record, receiver_name=name)


def summary_lines(
    round_: Round,
    ids: Mapping[Pair, str],
    *,
    members: Path | None = None,
    excluded: Sequence[Path] = (),
) -> list[tuple[str, Any]]:
    """Summary items that let later rounds and `explain` pick up the history."""
    lines: list[tuple[str, Any]] = [
        (HISTORY_ITEM, round_.history),
        (ROUND_ITEM, round_.number),
        (LAST_ID_ITEM, last_id(round_, ids)),
        (RECORDS_ITEM, len(round_.records)),
        ("Vetoes in force", len(round_.vetoes)),
    ]
    if round_.base is not None:
        lines += [("Reviewed", ", ".join(b.path.name for b in round_.books))]
    if round_.withdrawn:
        lines += [("Withdrawn (carried from round to round)", len(round_.withdrawn))]
    if round_.late:
        admitted = ", ".join(sorted(round_.late))
        lines += [("Accepted late", f"{len(round_.late)} admitted after the deadline: {admitted}")]
    # File names only: a local path would travel with every emailed copy (explain looks for the
    # file beside the workbook, then in the current folder).
    if members is not None:
        lines.append((MEMBERS_ITEM, members.name))
    lines += [(f"{EXCLUDED_ITEM} ({n})", path.name) for n, path in enumerate(excluded, start=1)]
    return lines


def change_lines(round_: Round, ids: Mapping[Pair, str], newcomers: Collection[str] = ()) -> list[str]:
    """The Changes sheet: pairs unchanged, new (with their new ids) and ended (with their ids and
    why), then the history itself: lifts, vetoes in force, withdrawals, late admissions."""
    before = round_.reviewed
    old_ids = {row.pair: row.pair_id for row in round_.base.rows} if round_.base is not None else {}
    now = set(ids)
    new, ended = sorted(now - before, key=lambda p: ids[p]), sorted(before - now, key=lambda p: old_ids[p])
    lines = [f"{len(now & before)} pairs unchanged, {len(new)} new, {len(ended)} no longer paired"]
    lines += [f"new {ids[p]}: {p[0]} + {p[1]}" for p in new]
    for pair in ended:
        gone = sorted(set(pair) & round_.withdrawn)
        if pair in round_.rejected_now:
            why = "rejected in this review"
        elif gone:
            why = f"{', '.join(gone)} withdrew"
        else:
            why = "its people were re-paired so that more people have a partner"
        lines.append(f"ended {old_ids[pair]}: {pair[0]} + {pair[1]} ({why})")
    for lift in round_.lifted:
        who = person(lift)
        if who:
            lines.append(f"lifted: the withdrawal or late admission of {who} no longer applies")
            continue
        earlier = [
            r
            for r in round_.records
            if r.subject == lift.subject and r.decision == "reject" and r.round <= lift.round
        ]
        since = f" (rejected in round {earlier[-1].round})" if earlier else ""
        pair_id = f"{lift.pair_id}: " if lift.pair_id else ""
        lines.append(
            f"veto lifted by {lift.who or NOT_RECORDED}: {pair_id}{lift.receiver_email} + {lift.giver_email}"
            f"{since}; the pair may be made again"
        )
    if round_.vetoes:
        lines.append(
            f"vetoes in force: {len(round_.vetoes)} (listed in the Decisions sheet; never made again)"
        )
    carried = sorted(round_.withdrawn - round_.withdrawn_now)
    if carried:
        lines.append(f"still withdrawn (earlier rounds): {', '.join(carried)}")
    for email in sorted(round_.admitted_now):
        lines.append(f"late application admitted (--accept-late): {email}")
    if newcomers:
        lines.append(
            f"{len(newcomers)} new applicant(s) since round {round_.number - 1}: every existing pair kept,"
            " the newcomers paired where they can be"
        )
    return lines


def introduced_before(
    path: Path, rules: Rules, *, unverified: bool = False
) -> frozenset[tuple[str, str, str]]:
    """(pair id, receiver email, giver email) of the pairs an earlier round's workbook introduces."""
    book = read_book(path, rules, unverified=unverified)
    return frozenset((r.pair_id, *r.pair) for r in book.rows if r.decision != "reject")


@dataclass(frozen=True)
class Carried:
    """The history's part of the new workbook."""

    matches: Sheet
    decisions: Sheet
    summary: list[tuple[str, Any]]
    changes: list[str]
    ids: dict[Pair, str]


def carry_history(
    round_: Round,
    matches: Sheet,
    rules: Rules,
    applicants: Iterable[Applicant],
    *,
    members: Path | None = None,
    excluded: Sequence[Path] = (),
    newcomers: Collection[str] = (),
) -> Carried:
    """Stamp the Matches sheet (ids, keeps, Check) and write the Decisions sheet and Summary items."""
    stamped, ids = stamp_matches(matches, round_, rules)
    people = {a.email: a for a in applicants if a.email}
    return Carried(
        matches=stamped,
        decisions=decisions_sheet(round_, rules, people),
        summary=summary_lines(round_, ids, members=members, excluded=excluded),
        changes=change_lines(round_, ids, newcomers) if round_.base is not None else [],
        ids=ids,
    )


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
    "Round",
    "State",
    "change_lines",
    "decisions_sheet",
    "first_round",
    "open_round",
    "pair_ids",
    "recorded_state",
    "stamp_matches",
    "state",
    "summary_lines",
]

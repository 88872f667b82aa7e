"""The history's part of a pairs workbook: stable pair ids, the Decisions sheet, Summary items
and the Changes lines, written from a review Round (history.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mentormatch.applicants import Applicant
from mentormatch.history import NOT_RECORDED, Pair, Round, person
from mentormatch.pairsbook import (
    CHECK,
    DATE,
    DECISION,
    DECISIONS,
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
    Record,
    labels,
    pair_id_text,
    row_check,
)
from mentormatch.rulefile import Rules
from mentormatch.workbook import Sheet

__all__ = [
    "Carried",
    "carry_history",
    "change_lines",
    "decisions_columns",
    "decisions_sheet",
    "pair_ids",
    "stamp_matches",
    "summary_lines",
]


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


def changes_sheet(changes: Sequence[str]) -> Sheet:
    """What this round changed against the last (pairs kept, remade, lifted; who joined or left)."""
    return Sheet("Changes", ["Change"], [[line] for line in changes])

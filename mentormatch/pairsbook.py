"""The one reader of pairs workbooks: the sheets and columns `mentormatch match` writes.

Every command that reads a pairs workbook back (`match --review`, `--exclude-previous`,
`--favour-unmatched`, `introduce`, `explain`) reads it here, so they all agree on:

- the contract: sheet ``Matches`` (one row per pair), ``Unmatched``, ``Decisions`` (the history of
  every decision), ``Summary``; columns found by their header text only, never by position;
- one Decision vocabulary (:func:`decision_word`): keep / reject words and the usual tick and
  cross symbols; anything else is an error naming the cell;
- a per-row integrity check: the ``Check`` column holds a short hash of the row's pair id, both
  emails and both names, so a row whose cells no longer belong together (a sort of one column,
  an edited email) is refused with its row number.
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from mentormatch.errors import ExportError, RulesError
from mentormatch.load import Table, column_letter, load_table
from mentormatch.normalise import Unreadable, clean_text, key, parse_email
from mentormatch.rulefile import Rules

MATCHES = "Matches"
UNMATCHED = "Unmatched"
DECISIONS = "Decisions"
SUMMARY = "Summary"

PAIR = "Pair"
WHY = "Why"
DECISION = "Decision"
CHECK = "Check"
ROUND = "Round"
DATE = "Date"
WHO = "Who"
EMAIL = "Email"

# Summary items this module writes and reads back (found by their label, in any row).
HISTORY_ITEM = "Review history"
ROUND_ITEM = "Round"
LAST_ID_ITEM = "Last pair id"
RECORDS_ITEM = "Decisions recorded"
PAIRS_ITEM = "Pairs in Matches"
MEMBERS_ITEM = "Members list"
EXCLUDED_ITEM = "Earlier pairs excluded from"
INPUT_PREFIX = "Input path ("  # workbooks before file names: the export's local path
INPUT_FILE_PREFIX = "Input file ("  # the export's file name, "Input file (mentee)"
INPUT_SHA256_PREFIX = "Input SHA-256 ("

Decision = Literal["keep", "reject", ""]
# What a Decisions row records: a coordinator's keep or reject of a pair, a withdrawal, a late
# application admitted, or the lifting of an earlier reject or withdrawal.
Recorded = Literal["keep", "reject", "withdrew", "late", "lift"]

KEEP_WORDS = frozenset(
    {"keep", "kept", "yes", "y", "ok", "okay", "accept", "accepted", "approve", "approved", "agreed", "good"}
)
REJECT_WORDS = frozenset(
    {"reject", "rejected", "no", "n", "veto", "vetoed", "drop", "dropped", "decline", "declined", "x"}
)
LIFT_WORDS = frozenset({"lift", "lifted", "unveto", "undo", "allow", "allowed"})
# Symbols compared on the raw text (key() would drop them): ticks keep, crosses reject.
KEEP_SYMBOLS = frozenset("✓✔☑✅🗸👍")
REJECT_SYMBOLS = frozenset("✗✘❌❎✕✖☒⨯×🗴🗵🗶🗷👎")
_VARIATION = dict.fromkeys(map(ord, "\ufe0e\ufe0f\u200d"), None)
DECISION_HELP = "keep (or yes, ✓), reject (or no, ✗), or leave it blank"

_RECORDED_WORDS: dict[str, Recorded] = {
    "keep": "keep",
    "reject": "reject",
    "withdrew": "withdrew",
    "late": "late",
    "lift": "lift",
}


def decision_word(value: object) -> Decision | None:
    """'keep', 'reject' or '' (blank) for a Decision cell; None when it is none of these."""
    text = clean_text(value)
    if text is None:
        return ""
    bare = text.translate(_VARIATION).strip()
    if bare and all(ch in KEEP_SYMBOLS or ch.isspace() for ch in bare):
        return "keep"
    if bare and all(ch in REJECT_SYMBOLS or ch.isspace() for ch in bare):
        return "reject"
    word = key(bare)
    if word in KEEP_WORDS:
        return "keep"
    if word in REJECT_WORDS:
        return "reject"
    return None


def row_check(pair_id: str, emails: Sequence[str], names: Sequence[str], *extra: str) -> str:
    """The Check value binding a row's pair id, emails and names (and any ``extra`` values).

    Emails are compared as parsed (case and spaces ignored), names with spacing and case
    ignored, so tidying a name's capitals passes but any other change does not.
    """
    parts = [" ".join(str(pair_id).split()).upper()]
    parts += [email.strip().lower() for email in emails]
    parts += [" ".join(unicodedata.normalize("NFC", name).split()).casefold() for name in names]
    parts += [str(x) for x in extra]
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return base64.b32encode(digest[:5]).decode("ascii")  # 8 characters, A-Z and 2-7


def pair_number(pair_id: str) -> int | None:
    """42 for 'P042'; None for an id not in that form."""
    text = pair_id.strip().upper()
    if text.startswith("P") and text[1:].isdigit():
        return int(text[1:])
    return None


def pair_id_text(number: int) -> str:
    return f"P{number:03d}"


@dataclass(frozen=True)
class Labels:
    """The header texts `mentormatch match` writes for one rule file's two roles."""

    receiver: str
    giver: str

    @property
    def names(self) -> tuple[str, str]:
        return (f"{self.receiver} name", f"{self.giver} name")

    @property
    def emails(self) -> tuple[str, str]:
        return (f"{self.receiver} email", f"{self.giver} email")


def labels(rules: Rules) -> Labels:
    """The role labels (as `match` writes them) of a pairs programme's rule file."""
    spec = rules.spec.matching
    if spec is None:
        raise RulesError(
            f"{rules.path}: has no 'matching' section, so it names no roles to read pairs for",
            "give the rule file that the pairs workbook was made with",
        )

    def label(role: str) -> str:
        found = rules.spec.roles.get(role)
        return (found.label if found is not None and found.label else None) or role.capitalize()

    return Labels(label(spec.receiver), label(spec.giver))


@dataclass(frozen=True)
class PairRow:
    """One row of the Matches sheet as the coordinator left it."""

    row: int
    pair_id: str
    receiver_name: str
    receiver_email: str
    giver_name: str
    giver_email: str
    decision: Decision
    decision_text: str
    why: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.receiver_email, self.giver_email)


@dataclass(frozen=True)
class Record:
    """One line of the decision history (the Decisions sheet).

    ``pending`` marks a lift the coordinator typed into this workbook's Decisions sheet: it takes
    effect in the next round (the run that reviews this workbook).
    """

    round: int
    date: str
    decision: Recorded
    pair_id: str = ""
    receiver_name: str = ""
    receiver_email: str = ""
    giver_name: str = ""
    giver_email: str = ""
    who: str = ""
    row: int = 0
    pending: bool = False

    @property
    def subject(self) -> tuple[str, str]:
        """What the record is about: a pair (receiver, giver email) or one person ('' on one side)."""
        return (self.receiver_email, self.giver_email)

    def check(self) -> str:
        return record_check(self)


def record_check(record: Record, decision: str | None = None) -> str:
    return row_check(
        record.pair_id,
        (record.receiver_email, record.giver_email),
        (record.receiver_name, record.giver_name),
        str(record.round),
        decision or record.decision,
    )


@dataclass(frozen=True)
class PairsBook:
    """Everything a pairs workbook says: its pairs and decisions, who was unmatched, its history."""

    path: Path
    rows: tuple[PairRow, ...]
    records: tuple[Record, ...]
    unmatched: frozenset[str]
    summary: Mapping[str, str]
    reviewer: str = ""
    date: str = ""

    @property
    def pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset(r.pair for r in self.rows)

    def decided(self, decision: Decision) -> frozenset[tuple[str, str]]:
        return frozenset(r.pair for r in self.rows if r.decision == decision)

    @property
    def history(self) -> str | None:
        return self.summary.get(HISTORY_ITEM) or None

    @property
    def round(self) -> int:
        """The round this workbook is (1 for a first match, and for a workbook without history)."""
        text = self.summary.get(ROUND_ITEM, "")
        return int(text) if text.isdigit() else 1

    @property
    def last_number(self) -> int:
        """The highest pair id number ever given in this history (ids are never reused)."""
        numbers = [pair_number(self.summary.get(LAST_ID_ITEM, "")) or 0]
        numbers += [pair_number(r.pair_id) or 0 for r in self.rows]
        numbers += [pair_number(r.pair_id) or 0 for r in self.records]
        return max(numbers)

    def ids(self) -> dict[tuple[str, str], str]:
        return {r.pair: r.pair_id for r in self.rows}

    def item(self, label: str) -> str | None:
        return self.summary.get(label)

    def items(self, prefix: str) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.summary.items() if k.startswith(prefix)]


# --------------------------------------------------------------------------------------------- reading


def read_book(path: Path, rules: Rules, *, verify: bool = True, unverified: bool = False) -> PairsBook:
    """Read a pairs workbook written by `mentormatch match` for ``rules``.

    Raises ExportError (naming the sheet, row, column and cell) for: a missing sheet or column,
    a header on two columns, a Decision that is not in the vocabulary, an unreadable email, a
    repeated pair id, and (when ``verify``) a row whose Check no longer matches its pair id,
    emails and names. A workbook written with a review history (its Matches sheet has the Check
    column) must still hold its Decisions and Summary sheets: without them earlier vetoes and
    pair ids would be forgotten. A workbook without the Check column (written before rows were
    checked) is refused unless ``unverified`` (the coordinator accepts rows nobody can verify).
    """
    path = Path(path)
    names = labels(rules)
    summary = _summary(path)
    matches = _table(path, MATCHES)
    # Old workbooks have no Check column, no Decisions sheet and no history in Summary: any one of
    # these three means the workbook was written with a history, and needs all of them.
    checked = CHECK_KEY in _keys(matches) or HISTORY_ITEM in summary or not _sheet_missing(path, DECISIONS)
    if checked:
        _require_history(path, summary)
    elif not unverified:
        raise ExportError(
            f"{path}: its '{MATCHES}' sheet has no '{CHECK}' column (the workbook was written by an"
            " older mentormatch), so nothing shows whether each row's pair id, names and emails still"
            " belong together: after a sort of one column, one person's draft would go to another",
            "run `mentormatch match` again and use the workbook it writes (it has the Check column); or,"
            f" if you have checked by eye that every row's names and emails belong together, add"
            f" {UNVERIFIED_OPTION} to use this workbook as it is",
        )
    rows = _matches_rows(path, matches, names, verify=verify and checked)
    records = _records(path, names, summary, verify=verify)
    unmatched = _unmatched(path)
    reviewer, date = _authorship(path)
    return PairsBook(path, tuple(rows), tuple(records), unmatched, summary, reviewer, date)


CHECK_KEY = key(CHECK)
UNVERIFIED_OPTION = "accept_unverified= / --accept-unverified"  # the library and the command line
HISTORY_ITEMS = (HISTORY_ITEM, ROUND_ITEM, LAST_ID_ITEM, RECORDS_ITEM)


def _require_history(path: Path, summary: Mapping[str, str]) -> None:
    """Refuse a workbook with a review history whose Decisions or Summary sheet is gone."""
    missing = [sheet for sheet in (DECISIONS, SUMMARY) if _sheet_missing(path, sheet)]
    lost = [item for item in HISTORY_ITEMS if item not in summary]
    if not missing and lost:
        missing, detail = [SUMMARY], f" (its lines {', '.join(repr(i) for i in lost)} were deleted)"
    else:
        detail = ""
    if not missing:
        return
    sheets = " and ".join(f"'{s}'" for s in missing)
    raise ExportError(
        f"{path}: its '{MATCHES}' sheet has the '{CHECK}' column, so it was written with a review"
        f" history, but its {sheets} {'sheets are' if len(missing) > 1 else 'sheet is'} missing{detail}:"
        " read without them, earlier vetoes would be forgotten and pair ids given again",
        "review the workbook as `mentormatch match` wrote it (all its sheets: Matches, Unmatched,"
        " Decisions, Summary), typing decisions into that file rather than copying the Matches sheet"
        " into a new workbook; or restore the missing sheet from the file `mentormatch match` wrote",
    )


def _sheet_missing(path: Path, sheet: str) -> bool:
    try:
        load_table(path, sheet)
    except ExportError as exc:
        return f"no sheet called '{sheet}'" in exc.message
    return False


def _keys(table: Table) -> set[str]:
    return {key(h) for h in table.headers if h}


def _table(path: Path, sheet: str) -> Table:
    try:
        return load_table(path, sheet)
    except ExportError as exc:
        raise ExportError(
            f"{path}: cannot read its '{sheet}' sheet: {exc.message}",
            "give the pairs workbook written by `mentormatch match` (after setting each Decision)",
        ) from None


def _optional_table(path: Path, sheet: str) -> Table | None:
    try:
        return load_table(path, sheet)
    except ExportError:
        return None


class _Columns:
    """Columns of one sheet found by header text (case, spacing and punctuation ignored)."""

    def __init__(self, path: Path, table: Table, sheet: str, hint: str) -> None:
        self.table, self.hint = table, hint
        self.where = f"{path} (sheet '{sheet}')"
        self.index: dict[str, list[int]] = {}
        for i, header in enumerate(table.headers):
            if key(header):
                self.index.setdefault(key(header), []).append(i)

    def find(self, header: str, *, required: bool = True) -> int | None:
        found = self.index.get(key(header), [])
        if len(found) > 1:
            letters = " and ".join(column_letter(i) for i in found)
            raise ExportError(
                f"{self.where}: columns {letters} are both headed '{header}'",
                "delete or rename the copy (merge what it says into one column first), so each"
                " value is read from one column",
            )
        if not found and required:
            present = ", ".join(f"'{h}'" for h in self.table.headers if h)
            raise ExportError(
                f"{self.where}: no column headed '{header}'. Headers found (row {self.table.header_row}):"
                f" {present}",
                self.hint,
            )
        return found[0] if found else None


def cell_text(cells: Sequence[object], col: int | None) -> str:
    if col is None or col >= len(cells):
        return ""
    return clean_text(cells[col]) or ""


def _cell(col: int | None, number: int) -> str:
    return f"{column_letter(col)}{number}" if col is not None else f"row {number}"


def _matches_rows(path: Path, table: Table, names: Labels, *, verify: bool) -> list[PairRow]:
    hint = (
        "put the column back (its header text must be as `mentormatch match` wrote it), or check you"
        " gave the rule file the workbook was made with"
    )
    cols = _Columns(path, table, MATCHES, hint)
    pair_col = cols.find(PAIR)
    name_cols = [cols.find(h) for h in names.names]
    email_cols = [cols.find(h) for h in names.emails]
    decision_col = cols.find(DECISION)
    why_col = cols.find(WHY, required=False)
    check_col = cols.find(CHECK) if verify else None
    mapped = {pair_col, *name_cols, *email_cols, decision_col, why_col, check_col}
    extra_names = _extra_names(table, mapped)
    where = cols.where

    live = []
    for row in table.rows:
        cells = row.cells
        people = [cell_text(cells, c) for c in (*name_cols, *email_cols)]
        if cell_text(cells, pair_col) or any(people):
            live.append(row)  # else a blank or notes-only row
    seen: dict[str, int] = {}
    for row in live:  # a repeated id first: it explains a later check failure
        pair_id = cell_text(row.cells, pair_col)
        if pair_id and pair_id.upper() in seen:
            first = seen[pair_id.upper()]
            raise ExportError(
                f"{where}, row {row.number}: the Pair id '{pair_id}' is also used in row {first}",
                "a pair id names one pair: undo the copy or sort that repeated it (Ctrl+Z), or take the"
                " workbook again from the file `mentormatch match` wrote",
            )
        if pair_id:
            seen[pair_id.upper()] = row.number

    out = []
    for row in live:
        cells, n = row.cells, row.number
        at = f"{where}, row {n}"
        typed = cell_text(cells, decision_col)
        decision = decision_word(cells[decision_col] if decision_col is not None else None)
        if decision is None:
            raise ExportError(
                f"{at}, cell {_cell(decision_col, n)} ('{DECISION}'): '{typed}' is neither keep nor reject",
                f"write {DECISION_HELP}",
            )
        pair_id = cell_text(cells, pair_col)
        if not pair_id:
            raise ExportError(
                f"{at}, cell {_cell(pair_col, n)} ('{PAIR}'): the pair has no Pair id",
                "every pair keeps the id `mentormatch match` gave it; undo the edit that removed it",
            )
        emails = []
        for header, col in zip(names.emails, email_cols, strict=True):
            text = cell_text(cells, col)
            try:
                emails.append(parse_email(text))
            except Unreadable:
                shown = f"'{text}' is not an email address" if text else "the email is blank"
                raise ExportError(
                    f"{at}, column {column_letter(col) if col is not None else '?'} ('{header}'): {shown}",
                    "undo the edit; to end this pair set its Decision to reject",
                ) from None
        person_names = [cell_text(cells, c) for c in name_cols]
        if verify:
            found = cell_text(cells, check_col).upper()
            if found != row_check(pair_id, emails, person_names):
                raise ExportError(
                    f"{at}: the pair id, names and emails in this row no longer belong together (its"
                    f" {CHECK} value {found or '(blank)'} in cell {_cell(check_col, n)} is for other"
                    " values): a column was sorted on its own, or a name, email or id was edited",
                    "undo the sort or edit (Ctrl+Z), or start again from the file `mentormatch match`"
                    " wrote; sort by selecting every column; to end a pair set Decision to reject,"
                    " and correct a person's details in the export, not here",
                )
        out.append(
            PairRow(
                row=n,
                pair_id=pair_id,
                receiver_name=person_names[0],
                receiver_email=emails[0],
                giver_name=person_names[1],
                giver_email=emails[1],
                decision=decision,
                decision_text=typed,
                why=cell_text(cells, why_col),
                extra={extra_names[i]: cell_text(cells, i) for i in extra_names},
            )
        )
    return out


def _extra_names(table: Table, mapped: set[int | None]) -> dict[int, str]:
    """Column -> name for every other headed column; a repeated header gets " (2)"."""
    names: dict[int, str] = {}
    for i, header in enumerate(table.headers):
        if i in mapped or not header:
            continue
        name, n = header, 1
        while name in names.values():
            n += 1
            name = f"{header} ({n})"
        names[i] = name
    return names


def _records(path: Path, names: Labels, summary: Mapping[str, str], *, verify: bool) -> list[Record]:
    expected_text = summary.get(RECORDS_ITEM, "")
    expected = int(expected_text) if expected_text.isdigit() else 0
    table = _optional_table(path, DECISIONS)
    if table is None:
        if expected:
            raise ExportError(
                f"{path}: its Summary records {expected} decisions but the '{DECISIONS}' sheet is missing"
                " or empty",
                "the Decisions sheet is the programme's memory (every veto and withdrawal): restore it"
                " from the file `mentormatch match` wrote",
            )
        return []
    restore = "restore the Decisions sheet from the file `mentormatch match` wrote"
    cols = _Columns(path, table, DECISIONS, restore)
    round_col, date_col, pair_col = cols.find(ROUND), cols.find(DATE), cols.find(PAIR)
    name_cols = [cols.find(h) for h in names.names]
    email_cols = [cols.find(h) for h in names.emails]
    decision_col, who_col, check_col = cols.find(DECISION), cols.find(WHO), cols.find(CHECK)
    where = cols.where
    this_round = int(summary.get(ROUND_ITEM, "1")) if summary.get(ROUND_ITEM, "").isdigit() else 1
    out: list[Record] = []
    for row in table.rows:
        cells, n = row.cells, row.number
        if not any(cell_text(cells, c) for c in (pair_col, *email_cols, check_col)):
            continue
        at = f"{where}, row {n}"
        round_text = cell_text(cells, round_col)
        emails = []
        for col in email_cols:
            text = cell_text(cells, col)
            try:
                emails.append(parse_email(text) if text else "")
            except Unreadable:
                raise ExportError(
                    f"{at}, cell {_cell(col, n)}: '{text}' is not an email address",
                    "the Decisions sheet is a record: undo the edit",
                ) from None
        base = Record(
            round=int(round_text) if round_text.isdigit() else -1,
            date=cell_text(cells, date_col),
            decision="keep",
            pair_id=cell_text(cells, pair_col),
            receiver_name=cell_text(cells, name_cols[0]),
            receiver_email=emails[0],
            giver_name=cell_text(cells, name_cols[1]),
            giver_email=emails[1],
            who=cell_text(cells, who_col),
            row=n,
        )
        typed = cell_text(cells, decision_col)
        word = key(typed)
        found = cell_text(cells, check_col).upper()
        recorded = _RECORDED_WORDS.get(word)
        if word in LIFT_WORDS and record_check(base, "lift") != found:
            original = next(
                (d for d in ("reject", "withdrew", "late") if record_check(base, d) == found), None
            )
            if original is None and verify:
                raise _tampered(at, _cell(check_col, n))
            if original is None:
                original = "reject"
            out.append(_replace(base, decision=original))
            out.append(_replace(base, round=this_round, decision="lift", who="", date="", pending=True))
            continue
        if recorded is None and word not in LIFT_WORDS:
            raise ExportError(
                f"{at}, cell {_cell(decision_col, n)} ('{DECISION}'): '{typed}' is not a recorded decision",
                "this sheet is the record of earlier decisions: leave it as it is, except 'lift' on a"
                " reject or withdrew row to lift it from the next round on; make new decisions in"
                " the Matches sheet",
            )
        record = _replace(base, decision="lift" if word in LIFT_WORDS else recorded)
        if verify and record.check() != found:
            raise _tampered(at, _cell(check_col, n))
        out.append(record)
    written = [r for r in out if not r.pending]
    if verify and expected and len(written) != expected:
        raise ExportError(
            f"{where}: holds {len(written)} decisions but the Summary records {expected}: rows were"
            " deleted or added",
            "restore the Decisions sheet from the file `mentormatch match` wrote; to lift a veto write"
            " 'lift' in its Decision cell instead of deleting the row",
        )
    return out


def _replace(record: Record, **changes: object) -> Record:
    from dataclasses import replace

    return replace(record, **changes)  # type: ignore[arg-type]


def _tampered(at: str, cell: str) -> ExportError:
    return ExportError(
        f"{at}: this recorded decision was changed (its {CHECK} value in cell {cell} is for other"
        " values): a column was sorted on its own, or a round, name, email or decision was edited",
        "undo the edit (Ctrl+Z) or restore the sheet from the file `mentormatch match` wrote; only"
        " 'lift' may be written over a reject or withdrew",
    )


def _unmatched(path: Path) -> frozenset[str]:
    table = _optional_table(path, UNMATCHED)
    if table is None:
        return frozenset()
    cols = _Columns(path, table, UNMATCHED, "put the Email column back")
    email_col = cols.find(EMAIL, required=False)
    found: set[str] = set()
    for row in table.rows if email_col is not None else ():
        try:
            found.add(parse_email(row.cells[email_col]))  # type: ignore[index]
        except Unreadable:
            continue
    return frozenset(found)


def _summary(path: Path) -> dict[str, str]:
    """The Summary sheet's items by label (the Item and Value columns, else the first two)."""
    table = _optional_table(path, SUMMARY)
    if table is None:
        return {}
    cols = _Columns(path, table, SUMMARY, "")
    item_col = cols.find("Item", required=False)
    value_col = cols.find("Value", required=False)
    item_col = 0 if item_col is None else item_col
    value_col = 1 if value_col is None else value_col
    out: dict[str, str] = {}
    for row in table.rows:
        label = cell_text(row.cells, item_col)
        value = row.cells[value_col] if value_col < len(row.cells) else None
        if label and label not in out:
            out[label] = clean_text(value) or ""  # 2.0 (a number saved by another program) reads "2"
    return out


def _authorship(path: Path) -> tuple[str, str]:
    """Who last saved the workbook (as Excel records it) and the date it was saved."""
    reviewer = ""
    try:
        from openpyxl import load_workbook

        props = load_workbook(path, read_only=True).properties
        reviewer = " ".join(str(props.lastModifiedBy or "").split())
    except Exception:  # an .ods, or a file without properties: no author known
        reviewer = ""
    if key(reviewer) in {"mentormatch", "openpyxl"}:
        reviewer = ""
    try:
        date = datetime.fromtimestamp(path.stat().st_mtime).date().isoformat()
    except OSError:
        date = ""
    return reviewer, date

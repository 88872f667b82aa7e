"""Read a pairs workbook back (after a coordinator's edits) to keep, forbid or favour pairs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mentormatch.errors import ExportError
from mentormatch.load import load_table
from mentormatch.normalise import Unreadable, clean_text, key, parse_email
from mentormatch.rulefile import Rules


@dataclass(frozen=True)
class Previous:
    """Pairs from an earlier workbook, with the coordinator's decisions, and who was unmatched."""

    kept: frozenset[tuple[str, str]] = frozenset()  # (receiver email, giver email)
    rejected: frozenset[tuple[str, str]] = frozenset()
    undecided: frozenset[tuple[str, str]] = frozenset()
    unmatched: frozenset[str] = frozenset()

    @property
    def pairs(self) -> frozenset[tuple[str, str]]:
        return self.kept | self.rejected | self.undecided


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

    @property
    def active(self) -> bool:
        return bool(self.must or self.forbidden or self.prefer or self.favoured or self.withdrawn)


def read_previous(path: Path, rules: Rules) -> Previous:
    """Read the Matches and Unmatched sheets by header text, whatever order rows are in."""
    spec = rules.spec.matching
    assert spec is not None
    r_label = rules.spec.roles[spec.receiver].label or spec.receiver
    g_label = rules.spec.roles[spec.giver].label or spec.giver
    matches = load_table(path, "Matches")
    col = _columns(path, "Matches", matches.headers, [f"{r_label} email", f"{g_label} email"])
    decision_col = _find(matches.headers, "Decision")
    kept, rejected, undecided = set(), set(), set()
    for row in matches.rows:
        try:
            pair = (parse_email(row.cells[col[0]]), parse_email(row.cells[col[1]]))
        except Unreadable:
            continue  # a total row or a note typed under the table
        cell = clean_text(row.cells[decision_col]) if decision_col is not None else None
        decision = key(cell) if cell is not None else ""
        if decision in {"keep", "kept", "yes", "ok"}:
            kept.add(pair)
        elif decision in {"reject", "rejected", "no", "veto"}:
            rejected.add(pair)
        elif decision:
            raise ExportError(
                f"{path} (sheet 'Matches', row {row.number}): Decision '{cell}' is not 'keep' or 'reject'",
                "use the drop-down: keep, reject, or leave it blank",
            )
        else:
            undecided.add(pair)
    unmatched: set[str] = set()
    try:
        table = load_table(path, "Unmatched")
    except ExportError:
        table = None
    if table is not None:
        email_col = _find(table.headers, "Email")
        for row in table.rows if email_col is not None else ():
            try:
                unmatched.add(parse_email(row.cells[email_col]))  # type: ignore[index]
            except Unreadable:
                continue
    return Previous(frozenset(kept), frozenset(rejected), frozenset(undecided), frozenset(unmatched))


def _find(headers: Sequence[str], wanted: str) -> int | None:
    for n, header in enumerate(headers):
        if key(header) == key(wanted):
            return n
    return None


def _columns(path: Path, sheet: str, headers: Sequence[str], wanted: Iterable[str]) -> list[int]:
    out = []
    for name in wanted:
        found = _find(headers, name)
        if found is None:
            raise ExportError(
                f"{path} (sheet '{sheet}'): no column headed '{name}'",
                "give a workbook written by `mentormatch match` for this rule file",
            )
        out.append(found)
    return out


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


def adjustments(
    rules: Rules,
    *,
    review: Path | None = None,
    withdraw: Sequence[str] = (),
    exclude_previous: Sequence[Path] = (),
    favour_unmatched: Sequence[Path] = (),
) -> Adjustments:
    """Combine the review, withdrawal and earlier-cohort options into one set of adjustments."""
    must: set[tuple[str, str]] = set()
    forbidden: set[tuple[str, str]] = set()
    prefer: set[tuple[str, str]] = set()
    favoured: set[str] = set()
    notes: list[str] = []
    reviewed: frozenset[tuple[str, str]] = frozenset()
    withdrawn = read_emails(withdraw) if withdraw else frozenset()
    if review is not None:
        previous = read_previous(review, rules)
        reviewed = previous.pairs
        forbidden |= previous.rejected
        if withdrawn:
            # A drop-out: every pair not touching a withdrawn person stays exactly as it was.
            must |= {p for p in previous.kept | previous.undecided if not set(p) & withdrawn}
        else:
            must |= previous.kept
            prefer |= previous.undecided
        notes.append(
            f"review of {review.name}: {len(previous.kept)} kept, {len(previous.rejected)} rejected,"
            f" {len(previous.undecided)} undecided"
        )
    elif withdrawn:
        raise ExportError(
            "--withdraw needs the current pairs: add --review pairs.xlsx",
            "give the workbook the programme is running with",
        )
    for path in exclude_previous:
        earlier = read_previous(path, rules)
        forbidden |= earlier.pairs
        notes.append(f"{len(earlier.pairs)} pairs from {path.name} will not be repeated")
    for path in favour_unmatched:
        earlier = read_previous(path, rules)
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
        reviewed,
    )

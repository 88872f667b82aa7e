"""Explain one person's outcome in a pairs workbook: their pair part by part, or why nobody.

It re-creates what `mentormatch match` saw when it wrote the workbook: the exports and the members
list its Summary records, the late applicants admitted, the people withdrawn and the vetoes its
Decisions sheet records, and the earlier cohorts it was told never to repeat.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mentormatch.errors import ExportError
from mentormatch.history import recorded_state
from mentormatch.matching import diagnose_giver, diagnose_receiver, explain_pair
from mentormatch.names import tidy_name
from mentormatch.normalise import Unreadable, parse_email
from mentormatch.pairsbook import (
    EXCLUDED_ITEM,
    INPUT_FILE_PREFIX,
    INPUT_PREFIX,
    INPUT_SHA256_PREFIX,
    MEMBERS_ITEM,
    PairsBook,
    read_book,
)
from mentormatch.pipeline import Source, load_members, validate_exports
from mentormatch.rulefile import Rules
from mentormatch.scoring import Scorer


def recorded_sources(book: PairsBook) -> list[Source]:
    """The exports a pairs workbook was made from, as its Summary sheet records them: by file name
    (never a local path, which would travel with every emailed copy; workbooks from earlier
    versions recorded the path, which is still read)."""
    sources = []
    for label, value in book.items(INPUT_FILE_PREFIX):
        role = label.removeprefix(INPUT_FILE_PREFIX).removesuffix(")")
        path = _recorded_file(book, value, "export", "--export (or --file ROLE=PATH)")
        sources.append(Source(path, None if role == "all roles" else role))
    for label, value in book.items(INPUT_PREFIX):
        role = label.removeprefix(INPUT_PREFIX).removesuffix(")")
        sources.append(Source(Path(value), None if role == "all roles" else role))
    if not sources:
        raise ExportError(
            f"{book.path}: its Summary sheet does not say which export it was made from",
            "give the export with --export",
        )
    return sources


def _recorded_file(book: PairsBook, value: str, what: str, option: str) -> Path:
    """A file the Summary records by name (or, in older workbooks, by path): as recorded, else
    beside the workbook, else in the current folder."""
    given = Path(value)
    for candidate in (given, book.path.parent / given.name, Path.cwd() / given.name):
        if candidate.is_file():
            return candidate
    raise ExportError(
        f"{given.name}: the {what} recorded in {book.path.name} is not beside it nor in the current folder",
        f"give it with {option}",
    )


def _recorded_digests(book: PairsBook) -> dict[str, str]:
    """File name -> the SHA-256 the Summary records for it (also as earlier versions wrote it)."""
    names = {label.removeprefix(INPUT_FILE_PREFIX): value for label, value in book.items(INPUT_FILE_PREFIX)}
    found = {
        names[label.removeprefix(INPUT_SHA256_PREFIX)]: value.strip().lower()
        for label, value in book.items(INPUT_SHA256_PREFIX)
        if label.removeprefix(INPUT_SHA256_PREFIX) in names
    }
    for label, value in book.items("Input "):
        if value.startswith("SHA-256 "):  # earlier versions: "Input NAME" = "SHA-256 digest"
            found.setdefault(label.removeprefix("Input "), value.removeprefix("SHA-256 ").strip())
    return found


def _changed_inputs(book: PairsBook, sources: Sequence[Source]) -> list[str]:
    """A note for each export whose SHA-256 differs from the one the workbook's Summary records."""
    recorded = _recorded_digests(book)
    notes = []
    for source in sources:
        if source.path.name not in recorded:
            continue
        digest = hashlib.sha256(source.path.read_bytes()).hexdigest()
        if recorded[source.path.name] != digest:
            notes.append(
                f"Note: {source.path.name} has changed since {book.path.name} was written; this account"
                " uses the file as it is now"
            )
    return notes


def explain_person(
    workbook: Path,
    rules: Rules,
    email: str,
    *,
    sources: Sequence[Source] | None = None,
    members: Path | None = None,
    alternatives: int = 3,
) -> list[str]:
    """Lines explaining one person's outcome; their next-best alternatives if paired.

    A note at the end says when an export has changed since the workbook was written.
    """
    try:
        wanted = parse_email(email)
    except Unreadable:
        raise ExportError(f"'{email}' is not an email address") from None
    spec = rules.spec.matching
    assert spec is not None
    book = read_book(workbook, rules)
    used_sources = list(sources) if sources else recorded_sources(book)
    for source in used_sources:
        _recorded_file(book, str(source.path), "export", "--export (or --file ROLE=PATH)")
    notes = _changed_inputs(book, used_sources)
    recorded_members = book.item(MEMBERS_ITEM)
    if members is None and recorded_members:
        members = _recorded_file(book, recorded_members, "members list", "--members")
    member_emails = load_members(members) if members is not None else None
    state = recorded_state(book)
    checked = validate_exports(used_sources, rules, members=member_emails, late=frozenset(state.late)).checked
    if wanted in state.withdrawn:
        record = state.withdrawn[wanted]
        return [f"{wanted}: withdrew (recorded in round {record.round}, {record.date}); not paired", *notes]
    rejected = [r for r in checked.rejected if r.applicant.email == wanted]
    if rejected and wanted not in {a.email for a in checked.eligible}:
        lines = [f"{wanted}: rejected (row {rejected[-1].applicant.row})"]
        lines += [f"  {p.rule}: {p.message}" for r in rejected for p in r.problems]
        return lines + notes
    out = set(state.withdrawn)
    receivers = sorted(
        (a for a in checked.eligible_in(spec.receiver) if a.email not in out),
        key=lambda a: (a.email or "", a.row),
    )
    givers = sorted(
        (a for a in checked.eligible_in(spec.giver) if a.email not in out),
        key=lambda a: (a.email or "", a.row),
    )
    forbidden = set(state.vetoes)
    for _label, value in book.items(EXCLUDED_ITEM):
        earlier = read_book(_recorded_file(book, value, "earlier workbook", "a copy at that path"), rules)
        forbidden |= earlier.pairs | set(recorded_state(earlier).vetoes)
    scorer = Scorer(rules, receivers, givers, forbidden=forbidden)
    r_index = {a.email: n for n, a in enumerate(receivers)}
    g_index = {a.email: n for n, a in enumerate(givers)}
    if wanted not in r_index and wanted not in g_index:
        raise ExportError(f"{wanted} is not among the applicants of {workbook.name}", "check the spelling")
    pairs = [(r_index[a], g_index[b]) for a, b in book.pairs if a in r_index and b in g_index]
    vetoed = [
        f"  Vetoed in round {r.round} (never made again): {r.receiver_email} + {r.giver_email}"
        for pair, r in sorted(state.vetoes.items())
        if wanted in pair
    ] + notes
    used = np.bincount([j for _i, j in pairs], minlength=len(givers))
    partner_of = {i: j for i, j in pairs}
    if wanted in r_index:
        i = r_index[wanted]
        if i in partner_of:
            return _paired(scorer, i, partner_of[i], pairs, alternatives) + vetoed
        return [f"{wanted}: unmatched", f"  {diagnose_receiver(scorer, i, used)}", *vetoed]
    j = g_index[wanted]
    mine = [i for i, jj in pairs if jj == j]
    if not mine:
        taken = {i for i, _j in pairs}
        return [f"{wanted}: unmatched", f"  {diagnose_giver(scorer, j, taken)}", *vetoed]
    lines = [line for i in mine for line in _paired(scorer, i, j, pairs, alternatives, giver_view=True)]
    return lines + vetoed


def _paired(
    scorer: Scorer, i: int, j: int, pairs: list[tuple[int, int]], count: int, giver_view: bool = False
) -> list[str]:
    pair = explain_pair(scorer, i, j)
    me, them = (pair.giver, pair.receiver) if giver_view else (pair.receiver, pair.giver)
    # The shown score, as in the Matches sheet: parts that read special category data are
    # neither counted nor named (this text may be passed on to the person).
    name = tidy_name(them.name or "")
    lines = [f"{me.email}: paired with {name} ({them.email}), score {pair.shown_score:g}"]
    for part, spec in zip(pair.parts, scorer.spec.score, strict=True):
        if part.special:
            continue
        lines.append(f"  {part.label}: {part.points:.1f} of {spec.weight:g} points ({part.text or 'no'})")
    if giver_view:
        return lines
    n = len(scorer.givers.people)
    others = np.arange(n)
    allowed = scorer.allowed(np.full(n, i), others)
    scores = scorer.shown_scores(np.full(n, i), others)
    taken_by: dict[int, list[int]] = {}
    for a, b in pairs:
        taken_by.setdefault(b, []).append(a)
    order = [
        int(k)
        for k in np.argsort(-np.where(allowed, scores, -np.inf), kind="stable")
        if allowed[k] and k != j
    ]
    if order:
        lines.append("  Next-best alternatives:")
    for k in order[:count]:
        giver = scorer.givers.people[k]
        holders = taken_by.get(k, [])
        full = len(holders) >= int(scorer.givers.capacity[k])
        state = f"at capacity with {len(holders)} pair(s)" if full else "had a free place"
        delta = scores[k] - pair.shown_score
        lines.append(
            f"    {tidy_name(giver.name or '')} ({giver.email}): score {scores[k]:.0f}"
            f" ({delta:+.0f} against this pair); {state}"
        )
    return lines

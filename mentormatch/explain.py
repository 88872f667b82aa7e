"""Why, in words: each pair's score part by part and why anyone is left unmatched (the text the
Matches and Unmatched sheets carry), and `mentormatch explain`, one person's outcome in a pairs
workbook: their pair part by part, or why nobody.

For a person, it re-creates what `mentormatch match` saw when it wrote the workbook: the exports
and the members list its Summary records, the late applicants admitted, the people withdrawn and
the vetoes its Decisions sheet records, and the earlier cohorts it was told never to repeat.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mentormatch.applicants import Applicant
from mentormatch.errors import ExportError
from mentormatch.group_solve import GroupSolution
from mentormatch.history import recorded_state
from mentormatch.matching import Pair, PartValue, Unmatched
from mentormatch.names import tidy_name
from mentormatch.normalise import BANDS, Unreadable, band_label, key, parse_email
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
from mentormatch.progress import Progress, counted, silent
from mentormatch.rulefile import Rules
from mentormatch.scoring import SCORE_SCALE, Candidates, Scorer, km_text, part_label, special_parts


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
    book = read_book(workbook, rules, unverified=True)  # explains; sends nothing
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
        earlier = read_book(
            _recorded_file(book, value, "earlier workbook", "a copy at that path"), rules, unverified=True
        )
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


# --- the words of a pair, and of why someone is unmatched -------------------------------------


@dataclass(frozen=True)
class _Wording:
    """What every pair's explanation of one Scorer shares, worked out once."""

    hidden: frozenset[int]  # score parts that read special category data
    labels: tuple[str, ...]  # each score part's label
    receiver: str  # the receiving role's word, "mentee"
    giver: str


def _wording(scorer: Scorer) -> _Wording:
    rules = scorer.rules
    return _Wording(
        special_parts(rules),
        tuple(part_label(part) for part in scorer.spec.score),
        _role_word(rules, scorer.spec.receiver),
        _role_word(rules, scorer.spec.giver),
    )


def explain_pair(scorer: Scorer, i: int, j: int, values: Sequence[float] | None = None) -> Pair:
    """The pair (receiver i, giver j) with its score broken into named parts. ``values``: the
    parts' values for this pair when already worked out (for many pairs at once, see
    ``explain_pairs``)."""
    return _explained(scorer, i, j, values, _wording(scorer))


def _explained(scorer: Scorer, i: int, j: int, values: Sequence[float] | None, wording: _Wording) -> Pair:
    receiver, giver = scorer.receivers.people[i], scorer.givers.people[j]
    parts = []
    ii, jj = np.array([i]), np.array([j])
    for index, part in enumerate(scorer.spec.score):
        value = float(scorer.part_values(index, ii, jj)[0]) if values is None else float(values[index])
        text = _part_text(scorer, index, i, j, value, wording)
        parts.append(
            PartValue(wording.labels[index], value, part.weight * value, text, index in wording.hidden)
        )
    total = float(np.rint(sum(p.points for p in parts) * SCORE_SCALE) / SCORE_SCALE)
    why = "; ".join(f"{p.text} (+{_points(p.points)})" for p in parts if p.text and not p.special)
    return Pair(receiver, giver, total, tuple(parts), why)


def explain_pairs(scorer: Scorer, found: list[tuple[int, int]], say: Progress) -> tuple[Pair, ...]:
    """explain_pair for every pair, with the parts' values worked out for all pairs at once."""
    left = np.array([i for i, _j in found], dtype=np.int64)
    right = np.array([j for _i, j in found], dtype=np.int64)
    columns = [
        np.asarray(scorer.part_values(k, left, right), dtype=float) for k in range(len(scorer.spec.score))
    ]
    values = np.stack(columns, axis=1) if columns else np.zeros((left.size, 0))
    wording = _wording(scorer)
    return tuple(
        _explained(scorer, i, j, values[n].tolist(), wording)
        for n, (i, j) in enumerate(counted(found, "Explaining the pairs", say))
    )


def _points(points: float) -> str:
    return f"{points:.1f}".removesuffix(".0")


def _part_text(scorer: Scorer, index: int, i: int, j: int, value: float, wording: _Wording) -> str:
    part = scorer.spec.score[index]
    receiver, giver = scorer.receivers.people[i], scorer.givers.people[j]
    r_label, g_label = wording.receiver, wording.giver
    if part.part == "goals":
        assert part.field is not None
        offers = part.offer_field or part.field
        text = _goal_text(receiver, giver, part.field, offers, "supports")
        if part.both_ways:
            back = _goal_text(giver, receiver, part.field, offers, "gets support for")
            text = f"{text}; {back}"
        return text
    if part.part == "band_gap":
        band_r, band_g = receiver.value(scorer.spec.band_field), giver.value(scorer.spec.band_field)
        if band_r is None or band_g is None:  # an answer spanning bands ("Band 8") shown as given
            shown_g = band_label(band_g) if band_g else giver.raw.get(scorer.spec.band_field)
            shown_r = band_label(band_r) if band_r else receiver.raw.get(scorer.spec.band_field)
            if shown_g and shown_r:
                return f"{g_label} {shown_g}, {r_label} {shown_r}"
            return "band not known"
        gap = BANDS.index(band_g) - BANDS.index(band_r)
        return f"{g_label} {band_label(band_g)}, {r_label} {band_label(band_r)} ({gap} above)"
    if part.part == "priority":
        return wording.labels[index] if value > 0 else ""
    if part.part in {"same", "different"}:
        assert part.field is not None
        a, b = receiver.value(part.field), giver.value(part.field)
        if value > 0:
            return f"{part.field.replace('_', ' ')}: {a} / {b}" if part.part == "different" else f"both {a}"
        return ""
    if part.part == "distance":
        km = float(scorer.km(np.array([i]), np.array([j]))[0])
        places = f"{receiver.value(scorer.spec.place_field)} / {giver.value(scorer.spec.place_field)}"
        return f"{km_text(km)} apart ({places})"
    return ""  # pragma: no cover


# Goals come from a short list, so each one's comparison key is worked out once.
_goal_key = functools.lru_cache(maxsize=4096)(key)


def _goal_text(wanting: Applicant, offering: Applicant, field: str, offer_field: str, verb: str) -> str:
    wanted = wanting.value(field) or ()
    offered = {_goal_key(x) for x in (offering.value(offer_field) or ())}
    hits = [g for g in wanted if _goal_key(g) in offered]
    if not wanted:
        return "no goals given"
    listed = f": {', '.join(hits)}" if hits else ""
    return f"{verb} {len(hits)} of {len(wanted)} goals{listed}"


def _role_word(rules: Rules, role: str) -> str:
    return (rules.spec.roles[role].label or role).lower()


def unmatched_with_reasons(
    scorer: Scorer,
    candidates: Candidates,
    chosen: np.ndarray,
    rules: Rules,
    say: Progress = silent,
    classes: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[Unmatched, ...]:
    """Everyone left unpaired, with why. ``classes``: each receiver's and giver's class of
    interchangeable people (flow.group; -1 none): the reason depends only on the class, so it is
    worked out once per class (a national cohort has thousands of unmatched people, a few
    hundred classes)."""
    spec = scorer.spec
    reasons: dict[tuple[str, int], str] = {}

    def reason(side: str, n: int) -> str:
        of = None if classes is None else classes[0 if side == "r" else 1][n]
        memo = (side, int(of)) if of is not None and of >= 0 else (side, -1 - n)
        if memo not in reasons:
            if side == "r":
                reasons[memo] = diagnose_receiver(scorer, n, used)
            else:
                reasons[memo] = diagnose_giver(scorer, n, taken_r)
        return reasons[memo]

    left, right = candidates.left[chosen], candidates.right[chosen]
    taken_r = set(left.tolist())
    used = np.bincount(right, minlength=len(scorer.givers.people))
    waiting = [("r", i) for i in range(len(scorer.receivers.people)) if i not in taken_r]
    waiting += [("g", j) for j in np.flatnonzero(used == 0).tolist()]
    out = []
    for side, n in counted(waiting, "Explaining who is unmatched", say):
        if side == "r":
            out.append(Unmatched(scorer.receivers.people[n], spec.receiver, reason(side, n)))
        else:
            out.append(Unmatched(scorer.givers.people[n], spec.giver, reason(side, n)))
    return tuple(out)


def diagnose_receiver(scorer: Scorer, i: int, used: np.ndarray) -> str:
    """Why receiver i has no partner: what each hard rule ruled out, and the smallest change."""
    spec, rules = scorer.spec, scorer.rules
    word = _role_word(rules, spec.giver)
    total = len(scorer.givers.people)
    if total == 0:
        return f"No eligible {word}s applied."
    counts = scorer.blocking_rules(i)
    j = np.arange(total)
    allowed = scorer.allowed(np.full(total, i), j)
    parts = [f"{c} {rule.description}" for rule, c in counts if c]
    head = f"Of {total} eligible {word}s: " + (", ".join(parts) if parts else "none ruled out by the rules")
    if allowed.any():
        if spec.objective == "best-pairs":
            good = allowed & scorer.reaches(np.full(total, i), j, spec.minimum_score)
            if not good.any():
                return f"{head}; no allowed pair reaches the minimum score of {spec.minimum_score:g}."
            allowed = good
        n = int(allowed.sum())
        shown = scorer.shown_scores(np.full(total, i), j)  # never the special category parts
        best = int(np.argmax(np.where(allowed, shown, -np.inf)))
        who = scorer.givers.people[best]
        return (
            f"{head}; the other {n} {'was' if n == 1 else 'were'} at capacity with pairs the objective"
            f" ranked higher. Smallest change: one more place for {who.name or who.email} ({who.email}),"
            f" a pair scoring {shown[best]:.0f}."
        )
    return f"{head}; so no {word} could be paired with them. {_smallest_relaxation(scorer, i)}"


def _smallest_relaxation(scorer: Scorer, i: int) -> str:
    """The single hard rule whose relaxation would open the most partners for receiver i."""
    total = len(scorer.givers.people)
    j = np.arange(total)
    masks = [(rule, rule.allowed(np.full(total, i), j)) for rule in scorer.hard_rules]
    best_rule, best_count = None, 0
    for n, (rule, _mask) in enumerate(masks):
        if rule.code == "same-person":
            continue
        others = np.ones(total, dtype=bool)
        for m, (_other, mask) in enumerate(masks):
            if m != n:
                others &= mask
        count = int(others.sum())
        if count > best_count:
            best_rule, best_count = rule, count
    if best_rule is None:
        return "Smallest change: no single rule blocks them; two or more rules would need relaxing."
    word = _role_word(scorer.rules, scorer.spec.giver)
    return f"Smallest change: relaxing '{best_rule.code}' would allow {best_count} {word}(s)."


def diagnose_giver(scorer: Scorer, j: int, taken: set[int]) -> str:
    """Why giver j has nobody: what each hard rule ruled out among the receivers."""
    spec = scorer.spec
    word = _role_word(scorer.rules, spec.receiver)
    total = len(scorer.receivers.people)
    if int(scorer.givers.capacity[j]) == 0:
        return "Offered no places (capacity 0)."
    if total == 0:
        return f"No eligible {word}s applied."
    counts = scorer.giver_blocking_rules(j)
    parts = [f"{c} {rule.giver_description or 'ruled out by ' + repr(rule.code)}" for rule, c in counts if c]
    n = total - sum(c for _rule, c in counts)  # the rules rule out each receiver at most once
    head = f"Of {total} eligible {word}s: " + (", ".join(parts) if parts else "none ruled out by the rules")
    if n == 0:
        return f"{head}; so no {word} could be paired with them."
    verb = "was" if n == 1 else "were"
    return f"{head}; the other {n} {verb} paired with partners the objective ranked higher."


def unplaced_in_groups(
    rules: Rules, members: Sequence[Applicant], leaders: Sequence[Applicant], solution: GroupSolution
) -> tuple[tuple[Applicant, str, str], ...]:
    """Group mentoring: each member or leader left out, their role and why (no room in any group /
    every group has its leaders)."""
    spec = rules.spec.matching
    assert spec is not None and spec.groups is not None
    g = spec.groups
    placed = int((solution.member_group >= 0).sum())
    crowded = (
        f"{solution.n_groups} group(s) of at most {g.size.max:g} members hold {placed} of the"
        f" {len(members)} eligible members; more leaders would let another group form."
    )
    spare = (
        f"Every one of the {solution.n_groups} group(s) already has its leaders (at most"
        f" {g.leaders.max:g} each); this leader is free for another cohort."
    )
    out = [
        (m, spec.receiver, crowded)
        for m, group in zip(members, solution.member_group, strict=True)
        if group < 0
    ]
    out += [
        (lead, spec.giver, spare)
        for lead, group in zip(leaders, solution.leader_group, strict=True)
        if group < 0
    ]
    return tuple(out)

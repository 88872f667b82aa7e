"""Explain one person's outcome in a pairs workbook: their pair part by part, or why nobody."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mentormatch.errors import ExportError
from mentormatch.load import load_table
from mentormatch.matching import diagnose_giver, diagnose_receiver, explain_pair
from mentormatch.normalise import Unreadable, parse_email
from mentormatch.pipeline import Source, validate_exports
from mentormatch.review import read_previous
from mentormatch.rulefile import Rules
from mentormatch.scoring import Scorer


def recorded_sources(workbook: Path) -> list[Source]:
    """The exports a pairs workbook was made from, as its Summary sheet records them."""
    summary = load_table(workbook, "Summary")
    sources = []
    for row in summary.rows:
        label, value = (str(c) if c is not None else "" for c in row.cells[:2])
        if label.startswith("Input path ("):
            role = label.removeprefix("Input path (").removesuffix(")")
            sources.append(Source(Path(value), None if role == "all roles" else role))
    if not sources:
        raise ExportError(
            f"{workbook}: its Summary sheet does not say which export it was made from",
            "give the export with --export",
        )
    return sources


def explain_person(
    workbook: Path,
    rules: Rules,
    email: str,
    *,
    sources: Sequence[Source] | None = None,
    alternatives: int = 3,
) -> list[str]:
    """Lines explaining one person's outcome; their next-best alternatives if paired."""
    try:
        wanted = parse_email(email)
    except Unreadable:
        raise ExportError(f"'{email}' is not an email address") from None
    spec = rules.spec.matching
    assert spec is not None
    used_sources = list(sources) if sources else recorded_sources(workbook)
    for source in used_sources:
        if not source.path.is_file():
            raise ExportError(
                f"{source.path}: the export recorded in {workbook.name} is not there",
                "give it with --export (or --file ROLE=PATH)",
            )
    checked = validate_exports(used_sources, rules).checked
    rejected = [r for r in checked.rejected if r.applicant.email == wanted]
    if rejected and wanted not in {a.email for a in checked.eligible}:
        lines = [f"{wanted}: rejected (row {rejected[-1].applicant.row})"]
        lines += [f"  {p.rule}: {p.message}" for r in rejected for p in r.problems]
        return lines
    receivers = sorted(checked.eligible_in(spec.receiver), key=lambda a: (a.email or "", a.row))
    givers = sorted(checked.eligible_in(spec.giver), key=lambda a: (a.email or "", a.row))
    scorer = Scorer(rules, receivers, givers)
    r_index = {a.email: n for n, a in enumerate(receivers)}
    g_index = {a.email: n for n, a in enumerate(givers)}
    if wanted not in r_index and wanted not in g_index:
        raise ExportError(f"{wanted} is not among the applicants of {workbook.name}", "check the spelling")
    pairs = [
        (r_index[a], g_index[b])
        for a, b in read_previous(workbook, rules).pairs
        if a in r_index and b in g_index
    ]
    used = np.bincount([j for _i, j in pairs], minlength=len(givers))
    partner_of = {i: j for i, j in pairs}
    if wanted in r_index:
        i = r_index[wanted]
        if i in partner_of:
            return _paired(scorer, i, partner_of[i], pairs, alternatives)
        return [f"{wanted}: unmatched", f"  {diagnose_receiver(scorer, i, used)}"]
    j = g_index[wanted]
    mine = [i for i, jj in pairs if jj == j]
    if not mine:
        taken = {i for i, _j in pairs}
        return [f"{wanted}: unmatched", f"  {diagnose_giver(scorer, j, taken)}"]
    return [line for i in mine for line in _paired(scorer, i, j, pairs, alternatives, giver_view=True)]


def _paired(
    scorer: Scorer, i: int, j: int, pairs: list[tuple[int, int]], count: int, giver_view: bool = False
) -> list[str]:
    pair = explain_pair(scorer, i, j)
    me, them = (pair.giver, pair.receiver) if giver_view else (pair.receiver, pair.giver)
    lines = [f"{me.email}: paired with {them.name} ({them.email}), score {pair.score:g}"]
    for part, spec in zip(pair.parts, scorer.spec.score, strict=True):
        lines.append(f"  {part.label}: {part.points:.1f} of {spec.weight:g} points ({part.text or 'no'})")
    if giver_view:
        return lines
    n = len(scorer.givers.people)
    others = np.arange(n)
    allowed = scorer.allowed(np.full(n, i), others)
    scores = scorer.scores(np.full(n, i), others)
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
        delta = scores[k] - pair.score
        lines.append(
            f"    {giver.name} ({giver.email}): score {scores[k]:.0f}"
            f" ({delta:+.0f} against this pair); {state}"
        )
    return lines

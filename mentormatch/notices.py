"""Warnings a coordinator must see: optional fields that matter but have no column, score parts
that score nothing. Each is one sentence for the terminal and a line of the Summary sheet."""

from __future__ import annotations

from collections.abc import Sequence

from mentormatch.applicants import Applicant
from mentormatch.columns import ColumnMap
from mentormatch.known import conditions, walk
from mentormatch.rulefile import Rules
from mentormatch.schema import Condition

BLOCK_PAIRS = 2_000_000  # receiver x giver pairs scored at once when looking for a non-zero part
FULL_CHECK_PAIRS = 25_000_000  # above this, a part is checked over all pairs, not allowed ones only


def _condition_fields(cond: Condition | None) -> set[str]:
    if cond is None:
        return set()
    return {c.field for _where, c in walk(cond) if c.field}


def field_uses(rules: Rules) -> dict[str, list[str]]:
    """Field -> what it feeds ("eligibility", "the 'goals' score part", ...)."""
    spec = rules.spec
    uses: dict[str, list[str]] = {}

    def add(name: str | None, what: str) -> None:
        if name is not None and what not in uses.setdefault(name, []):
            uses[name].append(what)

    for _where, cond in conditions(spec):
        add(cond.field, "eligibility")
    if spec.organisations is not None and spec.organisations.only_listed:
        add(spec.organisations.field, "eligibility")
    m = spec.matching
    if m is None:
        return uses
    for part in m.score:
        what = f"the '{part.label or part.part.replace('_', ' ')}' score part"
        add(part.field, what)
        add(part.offer_field, what)
        if part.part == "band_gap":
            add(m.band_field, what)
        if part.part == "distance":
            add(m.place_field, what)
        for name in _condition_fields(part.when):
            add(name, what)
    for name in m.different:
        add(name, "a pairing rule")
    add(m.capacity.field, "each giver's number of places")
    add(m.never_field, "a pairing rule")
    if m.band_gap is not None:
        add(m.band_field, "a pairing rule")
    if m.distance is not None:
        add(m.place_field, "a pairing rule")
    if m.groups is not None:
        g = m.groups
        for grouped in (g.goals_field, g.offer_field, g.organisation_field, g.profession_field):
            add(grouped, "forming groups")
        for preferred in _condition_fields(g.prefer):
            add(preferred, "forming groups")
    return uses


def unmapped_warnings(rules: Rules, maps: Sequence[tuple[str, ColumnMap]]) -> list[str]:
    """One warning per optional field that feeds eligibility, score or pairing but has no column
    in an export (``maps``: file name and its column map)."""
    uses = field_uses(rules)
    warnings = []
    for source, columns in maps:
        for name in columns.unmapped:
            if name not in uses:
                continue
            header: str = rules.spec.fields[name].headers[0]
            warnings.append(
                f"{source}: no column for the optional field '{name}' (expected a header like"
                f" '{header}'), which feeds {' and '.join(uses[name])}; every applicant in this file is"
                f" read as not answering it. Add the export's header text to fields.{name}.headers"
                f" in {rules.path.name} if the question is there under other words."
            )
    return warnings


def zero_score_parts(rules: Rules, receivers: Sequence[Applicant], givers: Sequence[Applicant]) -> list[str]:
    """Labels of score parts that are 0 for every pair the pairing rules allow (over all pairs,
    allowed or not, when there are more than FULL_CHECK_PAIRS)."""
    spec = rules.spec.matching
    if spec is None or not spec.score or not receivers or not givers:
        return []
    import numpy as np

    from mentormatch.scoring import Scorer, part_label, special_parts

    scorer = Scorer(rules, list(receivers), list(givers))
    n, m = len(receivers), len(givers)
    # Parts that read special category data are left out: whether they are 0 for everyone says
    # something about people's answers, and this warning is printed in the (forwarded) Summary.
    zero = set(range(len(spec.score))) - special_parts(rules)
    check_allowed = n * m <= FULL_CHECK_PAIRS
    step = max(1, BLOCK_PAIRS // m)
    j = np.arange(m)[None, :]
    for start in range(0, n, step):
        i = np.arange(start, min(n, start + step))[:, None]
        allowed = scorer.allowed(i, j) if check_allowed else None
        for index in sorted(zero):
            values = scorer.part_values(index, i, j)
            if allowed is not None:
                values = np.where(allowed, values, 0.0)
            if np.any(values > 0):
                zero.discard(index)
        if not zero:
            return []
    return [part_label(spec.score[index]) for index in sorted(zero)]


def zero_score_warnings(
    rules: Rules, receivers: Sequence[Applicant], givers: Sequence[Applicant]
) -> list[str]:
    """One warning per score part that adds nothing to any allowed pair."""
    return [
        f"the score part '{label}' is 0 for every allowed pair, so it does not help choose between"
        " pairs; check that its question has a column in the export and that its answers match"
        for label in zero_score_parts(rules, receivers, givers)
    ]

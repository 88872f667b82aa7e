"""The group mentoring workbook's sheets and Summary lines: the report layer's part for groups
(the pairs' part is report.py)."""

from __future__ import annotations

import math
from typing import Any

from mentormatch.eligibility import Checked
from mentormatch.grouping import Grouping
from mentormatch.names import tidy_name
from mentormatch.normalise import key
from mentormatch.report import applicant_cells, field_label, role_label
from mentormatch.rulefile import Rules
from mentormatch.workbook import Sheet


def _person_fields(rules: Rules) -> list[str]:
    spec = rules.spec
    org = spec.organisations.field if spec.organisations else "organisation"
    wanted = [org, "job_title", "profession"]
    return [f for f in wanted if f in spec.fields and not spec.fields[f].special_category]


def groups_sheet(grouping: Grouping, rules: Rules) -> Sheet:
    """One row per person, grouped under their group: leaders first, then members."""
    spec = rules.spec.matching
    assert spec is not None
    g = spec.groups
    assert g is not None
    fields = _person_fields(rules)
    columns = [
        "Group",
        "Role",
        "Name",
        "Email",
        *(field_label(rules, f) for f in fields),
        "Row",
        "Why",
        "Note",
    ]
    rows: list[list[Any]] = []
    for group in grouping.groups:
        why = (
            f"{len(group.members)} members, {len(group.leaders)} leaders;"
            f" {group.organisations} organisations, {group.professions} professions;"
            f" leaders cover {group.goal_share:.0%} of members' goals"
        )
        offered = {key(x) for lead in group.leaders for x in lead.value(g.offer_field or g.goals_field) or ()}
        for role, people in ((spec.giver, group.leaders), (spec.receiver, group.members)):
            for person in people:
                note = ""
                if role == spec.receiver:
                    wanted = person.value(g.goals_field) or ()
                    hits = [x for x in wanted if key(x) in offered]
                    listed = f": {', '.join(hits)}" if hits else ""
                    mine = f"leaders support {len(hits)} of {len(wanted)} of their goals{listed}; "
                else:
                    mine = ""
                if person.email in grouping.flagged:
                    note = f"check: may not be {rules.spec.matching.groups.prefer_label}"  # type: ignore[union-attr]
                rows.append([
                    f"G{group.number:02d}", role_label(rules, role), tidy_name(person.name), person.email,
                    *applicant_cells(person, rules, fields), person.row, mine + why, note,
                ])  # fmt: skip
    return Sheet("Groups", columns, rows, wrap=frozenset({"Why"}), group_by="Group", freeze="Name")


def group_unplaced_sheet(grouping: Grouping, rules: Rules) -> Sheet:
    fields = _person_fields(rules)
    columns = ["Row", "Name", "Email", "Role", *(field_label(rules, f) for f in fields), "Reason"]
    rows = [
        [p.row, tidy_name(p.name), p.email, role_label(rules, role),
         *applicant_cells(p, rules, fields), reason]
        for p, role, reason in sorted(grouping.unplaced, key=lambda u: (u[0].source, u[0].row))
    ]  # fmt: skip
    return Sheet("Unmatched", columns, rows, wrap=frozenset({"Reason"}), freeze="Name")


def group_counts(checked: Checked, grouping: Grouping, rules: Rules) -> list[tuple[str, Any]]:
    spec = rules.spec.matching
    assert spec is not None
    m_label, l_label = role_label(rules, spec.receiver).lower(), role_label(rules, spec.giver).lower()
    placed = sum(len(g.members) for g in grouping.groups)
    lines: list[tuple[str, Any]] = [
        ("Rows read", len(checked.applicants)),
        (f"Eligible {m_label}s", grouping.members),
        (f"Eligible {l_label}s", grouping.leaders),
        ("Groups", len(grouping.groups)),
        (f"Placed {m_label}s", placed),
        (f"Unplaced {m_label}s", grouping.members - placed),
        (f"{l_label.capitalize()}s in a group", sum(len(g.leaders) for g in grouping.groups)),
        ("Flagged for review (soft preference)", len(grouping.flagged)),
        ("Rejected", len(checked.rejected)),
    ]
    lines += [(f"Rejected: {rule}", n) for rule, n in sorted(checked.rejected_per_rule().items())]
    coverage = placed / grouping.members if grouping.members else 0.0
    lines.append((f"Coverage ({m_label}s placed)", f"{coverage:.0%}"))
    return lines


def group_solve_lines(grouping: Grouping) -> list[tuple[str, Any]]:
    s = grouping.solution
    mean = sum(g.goal_share for g in grouping.groups) / len(grouping.groups) if grouping.groups else math.nan
    return [
        ("Objective", s.objective_text),
        ("Optimal", "yes (proven)" if s.optimal else "NO: not proven optimal"),
        ("Solver status", s.status),
        ("Mean goal coverage per group", f"{mean:.0%}" if grouping.groups else "-"),
        ("Solver", s.solver),
        ("Solve time (s)", f"{s.seconds:.2f}"),
    ]

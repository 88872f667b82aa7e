"""The bundled BME Leadership Network LMP 2022 example: group mentoring, checked end to end.

`mentormatch match` runs on examples/bme-leadership-lmp-2022/applications.csv with the network's
membership list (--members members.csv); the workbook is checked against expected.csv (written by
the example's generate.py from how it built each row, never by running mentormatch) and against
what this file computes itself from the generated data: group sizes, organisations, professions,
the most members that can be placed, and the goals each member's leaders offer. What all five
programmes share (where every row lands, the outcome counts, proven optimality, each group
member's role) is checked in tests/test_examples.py, on the same workbook.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mentormatch.cli import app
from tests.conftest import EXAMPLES, ROOT, expected_by_row, google_export_rows, sheet_rows, summary

EXAMPLE = EXAMPLES / "bme-leadership-lmp-2022"
EXPORT = EXAMPLE / "applications.csv"
MEMBERS = EXAMPLE / "members.csv"
RULES = ROOT / "rules" / "bme-leadership-lmp-2022.yaml"

# The programme's settings, as the rule file sets them (matching.groups).
SIZE = (5, 7)  # members per group
LEADERS = (2, 4)  # leaders per group
MAX_SAME_ORGANISATION = 2
MEMBER, LEADER = "member", "leader"
ROLE_LABEL = {"Member": MEMBER, "Leader": LEADER}
NOTE_PREFIX = "check: may not be best suited"
H_GOALS = "Members: what would you most like your mentoring group to help you with?"
H_OFFERS = "Leaders: what could you help members with?"


def expected_rows() -> dict[int, dict[str, str]]:
    return expected_by_row(EXAMPLE)


def eligible_rows(role: str) -> set[int]:
    return {r for r, e in expected_rows().items() if e["outcome"] == "eligible" and e["role"] == role}


def export_rows() -> dict[int, dict[str, str]]:
    """The export's records by row number (header = row 1), as Google Forms wrote them."""
    return google_export_rows(EXPORT)


def choices(text: str) -> set[str]:
    """A Google multi-select answer: choices joined with ', ' (none of ours has a comma)."""
    return {part.strip().casefold() for part in text.split(", ") if part.strip()}


def most_placed(members: int, leaders: int) -> int:
    """The most members any number of groups can hold: each group needs LEADERS[0] leaders and
    SIZE[0] members, and holds at most SIZE[1] members."""
    best = 0
    for groups in range(1, leaders // LEADERS[0] + 1):
        if groups * SIZE[0] <= members:
            best = max(best, min(members, groups * SIZE[1]))
    return best


@pytest.fixture(scope="module")
def workbook(example_run: Callable[[str], dict[str, Path]]) -> Path:
    """The README's `match` command for this programme, with the membership list (--members),
    run once a session (see conftest)."""
    return example_run(EXAMPLE.name)["pairs"]


@pytest.fixture(scope="module")
def groups(workbook: Path) -> dict[str, list[dict[str, Any]]]:
    """Group label -> its rows on the Groups sheet."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in sheet_rows(workbook, "Groups"):
        out[str(row["Group"])].append(row)
    return dict(out)


def people(rows: list[dict[str, Any]], role: str) -> list[int]:
    return [int(r["Row"]) for r in rows if ROLE_LABEL[str(r["Role"])] == role]


# --- who is rejected ----------------------------------------------------------------------------


def test_membership_needs_the_list_and_a_yes(workbook: Path) -> None:
    expected = expected_rows()
    rejected = {int(r["Row"]): r for r in sheet_rows(workbook, "Rejected")}
    not_members = {row: e for row, e in expected.items() if e["rule"] == "not-a-member"}
    assert len(not_members) == 4
    for row, e in not_members.items():
        seen = str(rejected[row]["Value seen"])
        if e["on_list"] == "no":  # the list decides first: the value seen is the email
            assert seen == e["email"], (row, seen)
        else:  # on the list, but the answer is not yes: the yes/no rejects them
            assert e["says_member"] != "yes" and seen != e["email"], (row, seen)
    assert {(e["on_list"], e["says_member"]) for e in not_members.values()} >= {("no", "no"), ("no", "yes")}
    # On the list but "Not sure - I signed up at a network event": neither yes nor no, so held for
    # the coordinator's review with the answer as typed, not rejected as a non-member.
    unclear = [row for row, e in expected.items() if e["says_member"] == "unclear" and e["on_list"] == "yes"]
    assert unclear and all(expected[row]["rule"] == "value-unreadable" for row in unclear)
    held = {int(r["Row"]): r for r in sheet_rows(workbook, "To review")}  # not on Rejected
    for row in unclear:
        assert row not in rejected
        assert held[row]["Code"] == "value-unreadable"
        assert str(held[row]["Answer"]).startswith("Not sure")


def test_without_the_list_the_yes_no_answer_decides(tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    result = CliRunner().invoke(app, ["validate", str(EXPORT), "--rules", str(RULES), "-o", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    rejected = {int(r["Row"]): str(r["Rule"]).split(",")[0] for r in sheet_rows(out, "Rejected")}
    rejected |= {int(r["Row"]): str(r["Code"]).split(",")[0] for r in sheet_rows(out, "To review")}
    expected = {}
    for row, e in expected_rows().items():
        if e["rule"] == "not-a-member" and e["says_member"] == "yes":
            continue  # said yes: only the list rejects them
        if e["outcome"] == "rejected":
            expected[row] = e["rule"]
    assert rejected == expected


# --- the groups ---------------------------------------------------------------------------------


def test_every_eligible_member_is_in_exactly_one_group(groups: dict[str, list[dict[str, Any]]]) -> None:
    placed = [row for rows in groups.values() for row in people(rows, MEMBER)]
    assert len(placed) == len(set(placed)), "a member is in two groups"
    assert set(placed) == eligible_rows(MEMBER)
    assert len(placed) == 55


def test_every_group_has_5_to_7_members_and_2_to_4_leaders(groups: dict[str, list[dict[str, Any]]]) -> None:
    expected = expected_rows()
    assert groups, "no groups"
    for label, rows in groups.items():
        members, leaders = people(rows, MEMBER), people(rows, LEADER)
        # the roles come from the generated data, not from the tool's Role column
        assert all(expected[r]["role"] == MEMBER and expected[r]["outcome"] == "eligible" for r in members)
        assert all(expected[r]["role"] == LEADER and expected[r]["outcome"] == "eligible" for r in leaders)
        assert SIZE[0] <= len(members) <= SIZE[1], (label, len(members))
        assert LEADERS[0] <= len(leaders) <= LEADERS[1], (label, len(leaders))


def test_each_leader_leads_at_most_one_group(groups: dict[str, list[dict[str, Any]]]) -> None:
    leading = [row for rows in groups.values() for row in people(rows, LEADER)]
    assert len(leading) == len(set(leading)), "a leader is in two groups"
    assert set(leading) <= eligible_rows(LEADER)
    # 18 leaders fit in 8 groups of at most 4, so none is left over
    assert set(leading) == eligible_rows(LEADER)


def test_coverage_is_the_most_possible(workbook: Path, groups: dict[str, list[dict[str, Any]]]) -> None:
    members, leaders = len(eligible_rows(MEMBER)), len(eligible_rows(LEADER))
    assert (members, leaders) == (55, 18)
    best = most_placed(members, leaders)
    assert best == members  # everyone can be placed: 8 groups of 6-7 members, 2-3 leaders each
    placed = sum(len(people(rows, MEMBER)) for rows in groups.values())
    assert placed == best
    figures = summary(workbook)  # proven optimal: tests/test_examples.py
    assert figures["Placed members"] == best
    assert figures["Unplaced members"] == 0
    assert figures["Groups"] == len(groups) == 8


def test_groups_mix_organisations_and_professions(groups: dict[str, list[dict[str, Any]]]) -> None:
    expected = expected_rows()
    for label, rows in groups.items():
        members = people(rows, MEMBER)
        orgs = Counter(expected[r]["organisation"] for r in members)
        professions = Counter(expected[r]["profession"] for r in members)
        assert len(orgs) > 1, f"{label}: every member from {next(iter(orgs))}"
        assert max(orgs.values()) <= MAX_SAME_ORGANISATION, (label, orgs.most_common(1))
        assert len(professions) > 1, f"{label}: every member a {next(iter(professions))}"
        assert max(professions.values()) <= -(-SIZE[1] // 2), (label, professions.most_common(1))
        leader_orgs = [expected[r]["organisation"] for r in people(rows, LEADER)]
        assert len(set(leader_orgs)) == len(leader_orgs), f"{label}: two leaders from one organisation"
        leader_profs = [expected[r]["profession"] for r in people(rows, LEADER)]
        assert len(set(leader_profs)) == len(leader_profs), f"{label}: two leaders of one profession"
        # the tool read every typed organisation and profession as the generator meant it
        for row in rows:
            e = expected[int(row["Row"])]
            assert (row["Organisation"], row["Profession"]) == (e["organisation"], e["profession"]), row


def test_flagged_members_are_placed_with_a_note(
    workbook: Path, groups: dict[str, list[dict[str, Any]]]
) -> None:
    expected = expected_rows()
    flagged = {r for r in eligible_rows(MEMBER) if expected[r]["career_fit"] == "no"}
    assert len(flagged) == 11
    rejected = {int(r["Row"]) for r in sheet_rows(workbook, "Rejected")}
    assert not flagged & rejected, "the soft preference rejected someone"
    notes = {int(r["Row"]): str(r["Note"] or "") for rows in groups.values() for r in rows}
    assert flagged <= set(notes), "a flagged member is not in a group"
    assert {r for r, note in notes.items() if note} == flagged
    assert all(notes[r].startswith(NOTE_PREFIX) for r in flagged)
    assert summary(workbook)["Flagged for review (soft preference)"] == len(flagged)


def test_each_members_goals_shared_with_their_leaders(groups: dict[str, list[dict[str, Any]]]) -> None:
    export = export_rows()
    for label, rows in groups.items():
        offered = set().union(*(choices(export[r][H_OFFERS]) for r in people(rows, LEADER)))
        for row in rows:
            if ROLE_LABEL[str(row["Role"])] != MEMBER:
                continue
            goals = choices(export[int(row["Row"])][H_GOALS])
            hits = len(goals & offered)
            assert str(row["Why"]).startswith(f"leaders support {hits} of {len(goals)} "), (label, row["Why"])

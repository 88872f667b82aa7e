"""The five bundled programmes end to end, one parametrised test per check.

For each programme: its generator (examples/*/generate.py, which records each row's expected
outcome from how it built the row, never by running mentormatch) writes exactly the committed
files; the README's own command for it runs; every rejected row is rejected by the rule the
generator recorded, with a reason; the Eligible sheet lists exactly the eligible rows; and every
input row lands in exactly one place of the workbook, the people named there being the ones
expected; the outcome counts are the README's; the solution is proven optimal; each pair joins the
two roles. What is particular to one programme (its hard rules, capacities, the most pairs or
groups possible computed independently, its special cases) is tested in its tests/test_example_*.py;
the helpers all share are in tests/conftest.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from mentormatch.problems import REVIEW
from mentormatch.rulefile import load_rules
from tests.conftest import EXAMPLES, ROOT, expected_csv, load_generator, sheet_rows, sheet_table, summary

REJECTED_HEADER = ["Row", "Name", "Email", "Role", "Rule", "Value seen", "Reason"]  # then any more


@dataclass(frozen=True)
class Example:
    name: str
    writes: tuple[str, ...]  # what generate.py writes, all committed
    tally: dict[str, int] = field(default_factory=dict)  # figures its main() returns
    file_of_role: dict[str, str] = field(default_factory=dict)  # one form per role: role label -> file

    @property
    def folder(self) -> Path:
        return EXAMPLES / self.name


# expected.csv's outcomes per programme ("eligible ROLE" or the rule code -> rows), as the README gives them
OUTCOMES = {
    "kent-medway-mind-2022": {
        "eligible mentee": 69, "eligible mentor": 43, "after-deadline": 6, "answer-not-recognised": 1,
        "band-out-of-range": 6, "duplicate-submission": 6, "email-missing": 1,
        "mentor-band-or-experience": 6, "not-in-mentee-groups": 5, "organisation-not-in-programme": 5,
        "question-for-coordinator": 2, "role-unknown": 2,
    },
    "kent-medway-nma-2023": {
        "eligible early_career": 50, "eligible later_career": 38, "after-deadline": 6,
        "answer-not-recognised": 2, "duplicate-submission": 6, "experience-fits-neither-role": 4,
        "experience-missing": 1, "organisation-not-in-programme": 4, "profession-not-in-programme": 4,
        "question-for-coordinator": 1, "too-experienced-for-early-career": 2, "too-new-for-later-career": 2,
        "value-unreadable": 1,
    },
    # "Not sure yet" to the commitment is neither yes nor no: held for review, not not-committed;
    # "Not sure yet - happy to do either" names no role: held for review, no longer role-unknown
    "mentoring-for-inclusion-2018": {
        "eligible mentee": 46, "eligible mentor": 39, "duplicate-submission": 6, "not-committed": 5,
        "value-unreadable": 1, "answer-not-recognised": 1, "email-missing": 1,
    },
    "bme-leadership-lmp-2022": {
        "eligible member": 55, "eligible leader": 18, "not-a-member": 4, "duplicate-submission": 5,
        "after-deadline": 3, "commitment-not-confirmed": 1,
        "value-unreadable": 2,  # "Not sure ..." to membership or commitment: held for review
        "answer-not-recognised": 1,  # a role answer naming no single role: held for review
    },
    # A town off the form's list, a blank place, band or organisation, "Band 8" and "VSM" are all
    # eligible: the text asks none of them (they were rejected before the rule file was re-read).
    "hpma-west-midlands": {
        "eligible mentee": 57, "eligible mentor": 40, "not-hr-professional": 5, "duplicate-submission": 4,
        "email-missing": 1,
    },
}  # fmt: skip
EXAMPLE_LIST = [
    Example("kent-medway-mind-2022", ("applications.xlsx", "expected.csv")),
    Example("kent-medway-nma-2023", ("applications.csv", "expected.csv"), {"(most pairs possible)": 35}),
    Example("mentoring-for-inclusion-2018", ("applications.xlsx", "expected.csv")),
    Example(
        "bme-leadership-lmp-2022",
        ("applications.csv", "members.csv", "expected.csv"),
        {"eligible member": 55, "eligible leader": 18, "(members that can be placed)": 55},
    ),
    Example(
        "hpma-west-midlands",
        ("mentors.xlsx", "mentees.xlsx", "expected.csv"),
        file_of_role={"Mentor": "mentors.xlsx", "Mentee": "mentees.xlsx"},
    ),
]
IDS = [e.name for e in EXAMPLE_LIST]
Key = tuple[str, int]  # (file, spreadsheet row); file is "" for a programme with one export


def expected_rows(example: Example) -> dict[Key, dict[str, str]]:
    return {(row.get("file", ""), int(row["row"])): row for row in expected_csv(example.folder)}


def key(example: Example, row: dict[str, Any], number: object, role: object = None) -> Key:
    file = row.get("File") or (example.file_of_role.get(str(role), "") if role is not None else "")
    return (str(file or ""), int(str(number)))


@pytest.fixture(scope="module", params=EXAMPLE_LIST, ids=IDS)
def outcome(request: pytest.FixtureRequest, example_run: Callable[[str], dict[str, Path]]) -> dict[str, Any]:
    """The README's command run for one programme, and `validate` on the same inputs (run once a
    session, shared with the programme's own tests)."""
    example: Example = request.param
    return {"example": example, **example_run(example.name)}


@pytest.mark.parametrize("example", EXAMPLE_LIST, ids=IDS)
def test_the_generator_writes_the_committed_files(example: Example, tmp_path: Path) -> None:
    generate = load_generator(example.folder)
    tally = generate.main(tmp_path / "a")
    generate.main(tmp_path / "b")
    for name in example.writes:
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes(), f"{name}: two runs differ"
        assert first == (example.folder / name).read_bytes(), f"{name} is not what generate.py writes"
    for label, count in example.tally.items():
        assert tally[label] == count, label


def test_rejected_rows_and_first_rules_equal_expected(outcome: dict[str, Any]) -> None:
    example: Example = outcome["example"]
    expected = {
        k: e
        for k, e in expected_rows(example).items()
        if e["outcome"] == "rejected" and e["rule"] not in REVIEW
    }
    for book in (outcome["pairs"], outcome["report"]):
        rows = sheet_rows(book, "Rejected")
        by_key = {key(example, r, r["Row"], r["Role"]): r for r in rows}
        assert len(by_key) == len(rows), "a row is listed twice on the Rejected sheet"
        assert len(rows) == len(expected), "the held for review are on the To review sheet, not here"
        missing, extra = sorted(set(expected) - set(by_key)), sorted(set(by_key) - set(expected))
        assert not missing and not extra, (
            f"should be rejected but are not: {missing}; rejected but should be eligible: "
            f"{[(k, by_key[k]['Rule'], by_key[k]['Value seen']) for k in extra]}"
        )
        wrong = [
            (k, e["email"], f"expected {e['rule']}", f"got {by_key[k]['Rule']}", by_key[k]["Value seen"])
            for k, e in sorted(expected.items())
            if str(by_key[k]["Rule"] or "").split(",")[0].strip() != e["rule"]
        ]
        assert not wrong, "first rule differs:\n" + "\n".join(map(str, wrong))
        assert all(isinstance(r["Reason"], str) and r["Reason"].strip() for r in rows), (
            "a rejection without reason"
        )


def sheet_names(path: Path) -> list[str]:
    book = load_workbook(path, read_only=True)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def review_rows(path: Path) -> list[dict[str, Any]]:
    """The To review sheet's rows (the sheet is written only when someone is held for review)."""
    return sheet_rows(path, "To review") if "To review" in sheet_names(path) else []


def test_held_rows_are_on_the_to_review_sheet_with_their_question(outcome: dict[str, Any]) -> None:
    """Applications held for review (no rule failed) are on their own sheet, not with the rejected,
    each with the question, the answer and what the coordinator must decide."""
    example: Example = outcome["example"]
    expected = {k: e for k, e in expected_rows(example).items() if e["rule"] in REVIEW}
    for book in (outcome["pairs"], outcome["report"]):
        rows = review_rows(book)
        by_key = {key(example, r, r["Row"], r["Role"]): r for r in rows}
        assert len(by_key) == len(rows), "a row is listed twice on the To review sheet"
        assert set(by_key) == set(expected)
        for k, e in expected.items():
            assert str(by_key[k]["Code"]).split(",")[0].strip() == e["rule"], (k, by_key[k])
            assert str(by_key[k]["Email"]).strip().lower() == e["email"]
            assert str(by_key[k]["Question"]).strip() and str(by_key[k]["To decide"]).strip()
        summary = {r["Item"]: r["Value"] for r in sheet_rows(book, "Summary")}
        assert summary["To review"] == len(expected)
        rejected = sum(1 for e in expected_rows(example).values() if e["outcome"] == "rejected")
        assert summary["Rejected"] == rejected - len(expected)


def test_eligible_sheet_lists_the_eligible_rows(outcome: dict[str, Any]) -> None:
    example: Example = outcome["example"]
    rules = load_rules(ROOT / "rules" / f"{example.name}.yaml")
    label = {name: (role.label or name) for name, role in rules.spec.roles.items()}
    expected = Counter(
        (k[1], e["email"], label[e["role"]])
        for k, e in expected_rows(example).items()
        if e["outcome"] == "eligible"
    )
    rows = sheet_rows(outcome["report"], "Eligible")
    shown = Counter((int(r["Row"]), str(r["Email"] or "").strip().lower(), str(r["Role"])) for r in rows)
    assert shown == expected


def test_every_input_row_lands_in_exactly_one_place(outcome: dict[str, Any]) -> None:
    example: Example = outcome["example"]
    expected = expected_rows(example)
    book = load_workbook(outcome["pairs"], read_only=True)
    sheets = book.sheetnames
    book.close()
    named: list[tuple[Key, str]] = []  # (where, the email the sheet gives there)
    if "Matches" in sheets:
        matches = sheet_rows(outcome["pairs"], "Matches")
        first, *others = (
            [h.removesuffix(" row") for h in matches[0] if h.endswith(" row")] if matches else [""]
        )
        for m in matches:  # a receiver is in one pair; a giver may be in several
            named.append((key(example, {}, m[f"{first} row"], first), str(m[f"{first} email"])))
        named += sorted(
            {(key(example, {}, m[f"{o} row"], o), str(m[f"{o} email"])) for m in matches for o in others}
        )
    if "Groups" in sheets:
        named += [
            (key(example, g, g["Row"], g["Role"]), str(g["Email"]))
            for g in sheet_rows(outcome["pairs"], "Groups")
        ]
    named += [
        (key(example, u, u["Row"], u["Role"]), str(u["Email"]))
        for u in sheet_rows(outcome["pairs"], "Unmatched")
    ]
    rejected = [key(example, r, r["Row"], r["Role"]) for r in sheet_rows(outcome["pairs"], "Rejected")]
    held = [key(example, r, r["Row"], r["Role"]) for r in review_rows(outcome["pairs"])]
    places = [where for where, _email in named] + rejected + held
    assert len(places) == len(set(places)), [k for k, n in Counter(places).items() if n > 1]
    assert set(places) == set(expected)
    assert len(named) > 0
    for where, email in named:
        assert expected[where]["email"] == email, (where, email)
        assert expected[where]["outcome"] == "eligible", where


def test_every_input_row_is_in_exactly_one_sheet_of_the_validate_report(outcome: dict[str, Any]) -> None:
    """Eligible, Rejected and To review together hold every row read, each once."""
    example: Example = outcome["example"]
    report = outcome["report"]
    places = [key(example, r, r["Row"], r["Role"]) for r in sheet_rows(report, "Eligible")]
    places += [key(example, r, r["Row"], r["Role"]) for r in sheet_rows(report, "Rejected")]
    places += [key(example, r, r["Row"], r["Role"]) for r in review_rows(report)]
    assert len(places) == len(set(places)), [k for k, n in Counter(places).items() if n > 1]
    assert set(places) == set(expected_rows(example))


@pytest.mark.parametrize("example", EXAMPLE_LIST, ids=IDS)
def test_expected_outcomes_are_what_the_readme_says(example: Example) -> None:
    expected = expected_rows(example)
    outcomes = Counter(
        f"eligible {e['role']}" if e["outcome"] == "eligible" else e["rule"] for e in expected.values()
    )
    assert outcomes == OUTCOMES[example.name]
    assert len(expected) == sum(OUTCOMES[example.name].values())


def test_rejected_sheet_starts_with_the_documented_columns(outcome: dict[str, Any]) -> None:
    for book in (outcome["pairs"], outcome["report"]):
        header, _rows = sheet_table(book, "Rejected")
        shown = [h for h in header if h != "File"]  # a programme with one form per role says which
        assert shown[: len(REJECTED_HEADER)] == REJECTED_HEADER, header


def test_the_solution_is_proven_optimal_and_summed_up(outcome: dict[str, Any]) -> None:
    """The Summary says the solver proved its solution optimal, and counts what the sheets hold."""
    book = outcome["pairs"]
    figures = summary(book)
    assert figures["Optimal"] == "yes (proven)"
    names = sheet_names(book)
    if "Matches" in names:
        assert int(figures["Pairs"]) == len(sheet_rows(book, "Matches")) > 0
    else:
        groups = {str(g["Group"]) for g in sheet_rows(book, "Groups")}
        assert int(figures["Groups"]) == len(groups) > 0


def test_each_pair_or_group_joins_the_roles_expected(outcome: dict[str, Any]) -> None:
    """Every pair joins a receiver and a giver, and every group member has the role, by the roles
    expected.csv records (not by the tool's own columns); each receiver is in one pair only."""
    example: Example = outcome["example"]
    rules = load_rules(ROOT / "rules" / f"{example.name}.yaml")
    matching = rules.spec.matching
    assert matching is not None
    role_of_label = {(role.label or name): name for name, role in rules.spec.roles.items()}
    expected = expected_rows(example)
    if "Matches" not in sheet_names(outcome["pairs"]):
        grouped = sheet_rows(outcome["pairs"], "Groups")
        assert grouped
        for g in grouped:
            e = expected[key(example, g, g["Row"], g["Role"])]
            assert (e["role"], e["outcome"]) == (role_of_label[str(g["Role"])], "eligible"), g
        return
    receiver = next(label for label, name in role_of_label.items() if name == matching.receiver)
    giver = next(label for label, name in role_of_label.items() if name == matching.giver)
    matches = sheet_rows(outcome["pairs"], "Matches")
    for m in matches:
        for label in (receiver, giver):
            e = expected[key(example, {}, m[f"{label} row"], label)]
            assert (e["role"], e["outcome"]) == (role_of_label[label], "eligible"), (label, m)
    receivers = [m[f"{receiver} row"] for m in matches]
    assert len(receivers) == len(set(receivers)), "a receiver is in two pairs"

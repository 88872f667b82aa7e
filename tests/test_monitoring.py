"""Equality monitoring: small counts hidden, hidden counts not recoverable, nobody named."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from mentormatch import problems as codes
from mentormatch.applicants import Applicant
from mentormatch.eligibility import Checked, Rejection
from mentormatch.errors import OutputError
from mentormatch.matching import match_pairs
from mentormatch.monitoring import (
    COLUMNS,
    NOT_GIVEN,
    PRIMARY,
    SECONDARY,
    SMALL,
    TOTAL,
    WITHHELD,
    _Suppressor,
)
from mentormatch.pipeline import Source, validate_exports
from mentormatch.problems import Problem
from mentormatch.report_monitoring import monitoring_sheets, write_monitoring
from mentormatch.rulefile import Rules, load_rules
from mentormatch.workbook import Sheet
from tests.conftest import MIND_EXPORT, MIND_RULES

Grid = list[list[Any]]


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(MIND_RULES)


class People:
    """Builds applicants for a Checked: each with an ethnicity and gender answer and an outcome."""

    def __init__(self) -> None:
        self.applicants: list[Applicant] = []
        self.eligible: list[Applicant] = []
        self.rejected: list[Rejection] = []
        self.matched: set[str] = set()
        self.unmatched: set[str] = set()

    def add(
        self, count: int, ethnicity: str | None, outcome: str, gender: str | None = "Woman", rule: str = "x"
    ) -> None:
        for _ in range(count):
            n = len(self.applicants) + 2
            email = f"person{n}@nhs.net"
            raw = {"email": email, "name": f"Person Number{n}"}
            if ethnicity is not None:
                raw["ethnicity"] = ethnicity
            if gender is not None:
                raw["gender"] = gender
            person = Applicant(
                row=n,
                source="export.xlsx",
                email=email,
                name=raw["name"],
                role="mentee",
                values=dict(raw),
                raw=raw,
            )
            self.applicants.append(person)
            if outcome == "rejected":
                self.rejected.append(Rejection(person, (Problem(n, "Band", "3", rule, "no"),)))
                continue
            self.eligible.append(person)
            if outcome == "matched":
                self.matched.add(email)
            elif outcome == "unmatched":
                self.unmatched.add(email)

    def checked(self) -> Checked:
        return Checked(tuple(self.applicants), tuple(self.eligible), tuple(self.rejected))

    def sheets(self, rules: Rules) -> list[Sheet]:
        return monitoring_sheets(self.checked(), rules, self.matched, self.unmatched)


def by_answer(sheet: Sheet) -> dict[str, list[Any]]:
    return {row[0]: list(row[1:]) for row in sheet.rows}


def true_counts(checked: Checked, field: str, matched: set[str], unmatched: set[str]) -> dict[str, list[int]]:
    """Recomputed independently: one application per email (the eligible one, else the last)."""
    people: dict[str, Applicant] = {}
    eligible = {id(a) for a in checked.eligible}
    for a in checked.applicants:
        person = a.email or f"row{a.row}"
        if person not in people or id(a) in eligible or id(people[person]) not in eligible:
            people[person] = a
    counts: dict[str, list[int]] = {}
    for a in people.values():
        answer = (a.raw.get(field) or "").strip() or NOT_GIVEN
        row = counts.setdefault(answer.casefold(), [0, 0, 0, 0])
        row[0] += 1
        if id(a) in eligible:
            row[1] += 1
            row[2] += a.email in matched
            row[3] += a.email in unmatched
    return counts


def recoverable(*sheets: Grid, may_be_zero: frozenset[int] = frozenset()) -> list[tuple[int, int, int]]:
    """ "<5" cells a reader could pin to one number, by integer programming over everything shown.

    Independent of the module's own check: the reader knows each column adds up to its Total
    (the same Total on every sheet), Matched + Unmatched = Eligible and Eligible <= Applicants on
    every row, "<5" is 1-4 (0-4 on the sheets ``may_be_zero``, whose 0s are shown as "<5" too)
    and "[c]" is 5 or more. Cells are (sheet, row, column).
    """
    cells = {
        (s, r, c): value
        for s, rows in enumerate(sheets)
        for r, row in enumerate(rows)
        for c, value in enumerate(row[1:])
    }
    last = {s: len(rows) - 1 for s, rows in enumerate(sheets)}

    def var(at: tuple[int, int, int]) -> tuple[int, int, int]:
        s, r, c = at
        return (-1, -1, c) if r == last[s] else at  # one Total shared by every sheet

    hidden = sorted({var(at) for at, v in cells.items() if isinstance(v, str)})
    if not hidden:
        return []
    index = {at: i for i, at in enumerate(hidden)}
    value = {var(at): v for at, v in cells.items()}

    def small_low(at: tuple[int, int, int]) -> float:
        on = [at[0]] if at[0] >= 0 else list(last)  # a Total is read on every sheet
        return 0.0 if all(s in may_be_zero for s in on) else 1.0

    low = {PRIMARY: small_low, SECONDARY: lambda at: float(SMALL), WITHHELD: lambda at: 0.0}
    lows = np.array([low[value[at]](at) for at in hidden])
    highs = np.array([float(SMALL - 1) if value[at] == PRIMARY else np.inf for at in hidden])
    rows, lo, hi = [], [], []

    def relation(terms: list[tuple[tuple[int, int, int], int]], equal: bool) -> None:
        coefs = np.zeros(len(hidden))
        constant = 0.0
        for at, coef in terms:
            if var(at) in index:
                coefs[index[var(at)]] += coef
            else:
                constant += coef * value[var(at)]
        if coefs.any():
            rows.append(coefs)
            lo.append(-constant if equal else -np.inf)
            hi.append(-constant)

    for s, n in last.items():
        for c in range(4):
            relation([((s, r, c), 1) for r in range(n)] + [((s, n, c), -1)], True)
        for r in range(n + 1):
            relation([((s, r, 2), 1), ((s, r, 3), 1), ((s, r, 1), -1)], True)
            relation([((s, r, 1), 1), ((s, r, 0), -1)], False)
    constraints = LinearConstraint(np.array(rows), lo, hi) if rows else ()
    found = []
    for at in hidden:
        if value[at] != PRIMARY:
            continue
        objective = np.zeros(len(hidden))
        objective[index[at]] = 1.0
        results = [
            milp(
                sign * objective,
                constraints=constraints,
                integrality=np.ones(len(hidden)),
                bounds=Bounds(lows, highs),
            )
            for sign in (1, -1)
        ]
        assert all(res.status == 0 for res in results), [res.message for res in results]
        if round(results[0].fun) == round(-results[1].fun):
            found.append(at)
    return found


def rows_of(sheets: list[Sheet]) -> list[Grid]:
    return [[list(r) for r in sheet.rows] for sheet in sheets if sheet.name != "Notes"]


def check_against_truth(sheet: Sheet, truth: dict[str, list[int]]) -> bool:
    """Shown counts are exact; "<5" is 1-4; "[c]" is 5 or more; zero is shown as 0, or every zero
    of the sheet as "<5" (then True is returned: there "<5" is 0-4)."""
    totals = [sum(row[c] for row in truth.values()) for c in range(4)]
    zeros = []
    for row in sheet.rows:
        real = totals if row[0] == TOTAL else truth[str(row[0]).casefold()]
        for shown, value in zip(row[1:], real, strict=True):
            if shown == PRIMARY:
                assert 0 <= value < SMALL
            elif shown == SECONDARY:
                assert value >= SMALL
            elif shown != WITHHELD:
                assert shown == value
            if 0 < value < SMALL:
                assert shown in (PRIMARY, WITHHELD)
            if value == 0:
                zeros.append(shown)
    assert len(set(zeros)) <= 1 and set(zeros) <= {0, PRIMARY, WITHHELD}
    return bool(zeros) and zeros[0] == PRIMARY


# --- constructed cases ---------------------------------------------------------------------------


def test_small_counts_hidden_zero_and_large_exact(rules: Rules) -> None:
    people = People()
    people.add(20, "White - British", "matched")
    people.add(6, "White - British", "rejected")
    people.add(3, "Asian or Asian British - Indian", "matched")
    people.add(12, "Black or Black British - African", "matched")
    people.add(2, "Black or Black British - African", "rejected")
    people.add(7, None, "matched")
    sheets = people.sheets(rules)
    assert [s.name for s in sheets] == ["Ethnicity", "Gender", "Notes"]
    ethnicity = sheets[0]
    assert ethnicity.columns == COLUMNS
    rows = by_answer(ethnicity)
    assert rows["White - British"] == [26, 20, 20, 0]
    assert rows["Asian or Asian British - Indian"][2:] == [PRIMARY, 0]
    # Asian's Eligible 3 = 42 - 20 - 12 - 7: the smallest other Eligible (and Matched) count goes too.
    assert rows[NOT_GIVEN] == [7, SECONDARY, SECONDARY, 0]
    assert list(rows)[-2:] == [NOT_GIVEN, TOTAL]
    assert rows["Black or Black British - African"][3] == 0
    truth = true_counts(people.checked(), "ethnicity", people.matched, people.unmatched)
    check_against_truth(ethnicity, truth)
    assert recoverable(*rows_of(sheets)) == []


def test_secondary_suppression_of_the_next_smallest(rules: Rules) -> None:
    people = People()
    people.add(20, "Asian", "rejected")
    people.add(3, "Black", "rejected")
    people.add(8, "Mixed", "rejected")
    people.add(12, "White", "rejected")
    rows = by_answer(people.sheets(rules)[0])
    # Black's 3 could be worked out as 43 - 20 - 8 - 12, so the next smallest (Mixed, 8) goes too.
    assert rows == {
        "Asian": [20, 0, 0, 0],
        "Black": [PRIMARY, 0, 0, 0],
        "Mixed": [SECONDARY, 0, 0, 0],
        "White": [12, 0, 0, 0],
        TOTAL: [43, 0, 0, 0],
    }


def test_subtraction_along_a_row_is_blocked(rules: Rules) -> None:
    people = People()
    people.add(30, "White", "matched")
    people.add(10, "White", "unmatched")
    people.add(9, "Asian", "matched")
    people.add(2, "Asian", "unmatched")
    people.add(6, "Black", "matched")
    people.add(6, "Black", "unmatched")
    sheets = people.sheets(rules)
    rows = by_answer(sheets[0])
    assert rows["Asian"][3] == PRIMARY
    # Asian Eligible 11 - Matched 9 would give the 2 away: one of them must be hidden as well.
    assert SECONDARY in rows["Asian"][1:3] or SECONDARY in [r[3] for r in rows.values()]
    assert recoverable(*rows_of(sheets)) == []


@pytest.mark.parametrize("seed", range(40))
def test_no_hidden_count_can_be_recovered(rules: Rules, seed: int) -> None:
    rng = np.random.default_rng(seed)
    people = People()
    answers = ["A", "B", "C", "D", "E", "F"][: rng.integers(2, 7)]
    genders = ["Woman", "Man", "Non-binary", None]
    for answer, outcome in itertools.product(answers, ["matched", "unmatched", "rejected"]):
        for _ in range(int(rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 15]))):
            people.add(1, answer, outcome, gender=genders[int(rng.integers(0, 4))])
    if not people.applicants:
        people.add(1, "A", "matched")
    sheets = people.sheets(rules)
    masked = frozenset(
        n
        for n, (sheet, field) in enumerate(zip(sheets[:2], ["ethnicity", "gender"], strict=True))
        if check_against_truth(sheet, true_counts(people.checked(), field, people.matched, people.unmatched))
    )
    assert recoverable(*rows_of(sheets), may_be_zero=masked) == [], rows_of(sheets)


def test_total_hidden_as_last_resort_is_hidden_on_every_sheet(rules: Rules) -> None:
    people = People()
    people.add(1, "A", "unmatched")
    people.add(5, "B", "unmatched")
    sheets = people.sheets(rules)
    ethnicity, gender = (by_answer(s) for s in sheets[:2])
    assert ethnicity["A"][3] == PRIMARY
    # 6 unmatched, B's 5 hidden as "5 or more": A could only be 1, unless the Total is hidden too,
    # on the gender sheet as well, whose only row would otherwise show it.
    assert ethnicity[TOTAL] == gender[TOTAL]
    assert gender["Woman"][3] == SECONDARY == gender[TOTAL][3]
    assert recoverable(*rows_of(sheets)) == []


def test_suppressor_on_its_own() -> None:
    suppressor = _Suppressor([[[1, 1, 1, 0], [1, 1, 1, 0]]])
    suppressor.protect()
    assert suppressor.exposed() == [] and suppressor.exposed_exactly() == []
    assert [cell.display() for cell in suppressor.sheets[0][-1]] == [PRIMARY, PRIMARY, PRIMARY, 0]


def test_repeat_submissions_counted_once_and_emails_hidden(rules: Rules) -> None:
    people = People()
    people.add(6, "White", "matched")
    first = people.applicants[0]
    again = Applicant(
        row=99,
        source="export.xlsx",
        email=first.email,
        name=first.name,
        role="mentee",
        raw={"ethnicity": "Black"},
    )
    people.applicants.append(again)
    people.rejected.append(Rejection(again, (Problem(99, "Email", "", codes.DUPLICATE, "later one"),)))
    people.add(5, "me@example.org", "matched")
    rows = by_answer(people.sheets(rules)[0])
    assert rows[TOTAL][0] == 11
    assert "Black" not in rows
    assert "me@example.org" not in rows and "(an answer that looked like an email address)" in rows


def test_totals_consistent_across_sheets(rules: Rules) -> None:
    people = People()
    people.add(14, "White", "matched", gender="Man")
    people.add(9, "Asian", "unmatched", gender="Woman")
    people.add(3, "Black", "matched", gender=None)
    people.add(8, "White", "rejected", gender="Woman")
    sheets = people.sheets(rules)[:2]
    totals = [by_answer(s)[TOTAL] for s in sheets]
    assert totals[0] == totals[1] == [34, 26, 17, 9]
    assert by_answer(sheets[1])[NOT_GIVEN][0] == PRIMARY
    for sheet in sheets:
        total = by_answer(sheet)[TOTAL]
        assert total[2] + total[3] == total[1] <= total[0]


def test_no_special_category_fields_gives_only_notes(tmp_path: Path) -> None:
    text = MIND_RULES.read_text(encoding="utf-8").replace("special_category: true", "special_category: false")
    path = tmp_path / "plain.yaml"
    path.write_text(text, encoding="utf-8")
    people = People()
    people.add(5, "White", "matched")
    sheets = people.sheets(load_rules(path))
    assert [s.name for s in sheets] == ["Notes"]
    assert "none" in str(sheets[0].rows[1][0])


# --- the MIND example, written to a workbook ----------------------------------------------------


@pytest.fixture(scope="module")
def mind(rules: Rules) -> tuple[Checked, set[str], set[str]]:
    checked = validate_exports([Source(MIND_EXPORT)], rules).checked
    spec = rules.spec.matching
    assert spec is not None
    matching = match_pairs(rules, checked.eligible_in(spec.receiver), checked.eligible_in(spec.giver))
    matched = {p.receiver.email or "" for p in matching.pairs} | {p.giver.email or "" for p in matching.pairs}
    unmatched = {u.applicant.email or "" for u in matching.unmatched}
    return checked, matched, unmatched


def test_mind_workbook(rules: Rules, mind: tuple[Checked, set[str], set[str]], tmp_path: Path) -> None:
    checked, matched, unmatched = mind
    sheets = monitoring_sheets(checked, rules, matched, unmatched)
    path = tmp_path / "monitoring.xlsx"
    write_monitoring(path, sheets, force=False, inputs=[MIND_EXPORT, MIND_RULES])

    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["Ethnicity", "Gender", "Notes"]
    text = [
        str(value)
        for ws in workbook.worksheets
        for row in ws.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    everything = "\n".join(text).casefold()
    assert "@" not in everything
    for applicant in checked.applicants:
        if applicant.name.strip():
            assert applicant.name.strip().casefold() not in everything, applicant.name
        for word in applicant.name.split():
            if len(word) > 3 and word.casefold() not in {"white", "black", "asian", "mixed", "other"}:
                assert f"\n{word.casefold()}\n" not in f"\n{everything}\n"
    notes = " ".join(str(v) for v in text[text.index("Note") + 1 :])
    assert "do NOT forward it with the pairs" in notes and PRIMARY in notes and SECONDARY in notes

    assert recoverable(*rows_of(sheets)) == []
    people = len({a.email or f"row{a.row}" for a in checked.applicants})
    for sheet, field in zip(sheets[:2], ["ethnicity", "gender"], strict=True):
        truth = true_counts(checked, field, matched, unmatched)
        check_against_truth(sheet, truth)
        assert by_answer(sheet)[TOTAL][0] == people
        shown = Counter(v for row in sheet.rows for v in row[1:] if isinstance(v, str))
        assert shown[PRIMARY] > 0 and shown[SECONDARY] > 0


def test_write_monitoring_refuses_inputs_and_existing(rules: Rules, tmp_path: Path) -> None:
    people = People()
    people.add(6, "White", "matched")
    sheets = people.sheets(rules)
    path = tmp_path / "monitoring.xlsx"
    write_monitoring(path, sheets, force=False, inputs=[])
    with pytest.raises(OutputError, match="exists"):
        write_monitoring(path, sheets, force=False, inputs=[])
    write_monitoring(path, sheets, force=True, inputs=[])
    with pytest.raises(OutputError, match="would overwrite the input"):
        write_monitoring(path, sheets, force=True, inputs=[path])


# --- answers grouped as the vocabularies read them; nothing to monitor said -----------------------


def test_gender_answers_are_grouped_through_the_vocabulary(rules: Rules) -> None:
    people = People()
    for gender, count in [("Male", 6), ("Man", 5), ("male", 2), ("female", 5), ("Woman", 6), ("F", 1)]:
        people.add(count, "White - British", "matched", gender=gender)
    people.add(7, "White - British", "matched", gender="Prefer not to say")
    people.add(1, "White - British", "matched", gender="Not stated")
    rows = by_answer(people.sheets(rules)[1])
    # one row per gender, labelled with its most common spelling
    assert set(rows) == {"Male", "Woman", "Prefer not to say", TOTAL}
    assert rows["Male"][0] == 13 and rows["Woman"][0] == 12 and rows["Prefer not to say"][0] == 8
    assert rows[TOTAL][0] == 33


def test_an_answer_no_vocabulary_knows_is_grouped_by_its_spelling(rules: Rules) -> None:
    people = People()
    people.add(6, "White - British", "matched", gender="Two-spirit")
    people.add(6, "White - British", "matched", gender="two spirit")
    rows = by_answer(people.sheets(rules)[1])
    assert rows["Two-spirit"][0] == 12  # case and punctuation aside, the same answer


def test_monitoring_says_when_there_is_nothing_to_monitor(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mentormatch.cli import app

    text = MIND_RULES.read_text(encoding="utf-8").replace("special_category: true", "special_category: false")
    plain = tmp_path / "plain.yaml"
    plain.write_text(text, encoding="utf-8")
    monitoring = tmp_path / "monitoring.xlsx"
    args = [str(MIND_EXPORT), "--rules", str(plain), "-o", str(tmp_path / "pairs.xlsx")]
    result = CliRunner().invoke(app, ["match", *args, "--monitoring", str(monitoring)])
    assert result.exit_code == 0, result.output
    assert "Nothing to monitor: plain.yaml marks no field special_category: true" in result.output
    assert not monitoring.exists() and (tmp_path / "pairs.xlsx").exists()


def test_the_linear_program_finds_what_bounds_propagation_misses() -> None:
    """Bounds propagation cannot pin any "<5" of this table, but all the sums at once can (the
    LP of exposed_exactly); protect() then hides more until neither check pins one."""
    suppressor = _Suppressor([[[3, 3, 2, 1], [2, 2, 2, 0], [1, 0, 0, 0]]])
    assert suppressor.exposed() == []
    pinned = suppressor.exposed_exactly()
    assert pinned and all(cell.state == "primary" for cell in pinned)
    suppressor.protect()
    assert suppressor.exposed() == [] and suppressor.exposed_exactly() == []
    assert any(cell.state == "secondary" for cell in suppressor.cells)


def test_answers_are_grouped_by_the_rule_files_values_then_by_their_spelling(rules: Rules) -> None:
    """A special category field no vocabulary reads: an answer the rule file's values (or their
    aliases) name counts under that value; any other answer under its spelling, case and
    punctuation aside."""
    import dataclasses

    from mentormatch.monitoring import answer_grouper, nothing_to_monitor

    spec = rules.spec.fields["gender"].model_copy(
        update={"vocabulary": None, "values": {"Yes": ["Y", "yes, I do"], "No": []}}
    )
    fields = {**rules.spec.fields, "disability": spec}
    plain = dataclasses.replace(rules, spec=rules.spec.model_copy(update={"fields": fields}))
    group = answer_grouper(plain, "disability")
    assert group("Y") == group("yes, I do") == group("YES") == "value:yes"
    assert group("no") == "value:no"
    assert group("Not sure!") == group("not sure") != group("No")
    assert group(NOT_GIVEN) == NOT_GIVEN
    assert nothing_to_monitor(plain) is None


def suppressed_grid(table: list[list[int]]) -> tuple[Grid, bool]:
    """One table through the suppressor, as a reader sees it, and whether its 0s became "<5"."""
    suppressor = _Suppressor([table])
    suppressor.protect()
    rows = suppressor.sheets[0]
    grid = [[f"answer {n}", *[cell.display() for cell in row]] for n, row in enumerate(rows[:-1])]
    grid.append([TOTAL, *[cell.display() for cell in rows[-1]]])
    return grid, any(cell.state == "masked" for row in rows for cell in row)


def test_a_tiny_table_shows_its_zeros_as_small_when_they_would_give_a_count_away() -> None:
    # Every count but the 0s hidden, yet with 0s shown the Totals row and the sums pin counts:
    # row 2's Applicants 3 = Eligible 3 = Matched 1 + Unmatched 1 + ... (found by a stranger's review).
    table = [[3, 2, 1, 1], [1, 1, 1, 0], [1, 1, 0, 1]]
    grid, masked = suppressed_grid(table)
    assert masked and WITHHELD not in grid[0]
    assert all(v in (PRIMARY, SECONDARY) for row in grid for v in row[1:])
    assert recoverable(grid, may_be_zero=frozenset({0})) == []


@st.composite
def small_tables(draw: st.DrawFn) -> list[list[int]]:
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        matched, unmatched = draw(st.integers(0, 6)), draw(st.integers(0, 6))
        applicants = matched + unmatched + draw(st.integers(0, 6))
        rows.append([applicants, matched + unmatched, matched, unmatched])
    return rows


@settings(max_examples=80, deadline=None)
@given(small_tables())
def test_no_count_of_a_small_table_can_be_worked_out(table: list[list[int]]) -> None:
    grid, masked = suppressed_grid(table)
    for shown_row, real in zip(grid, [*table, [sum(c) for c in zip(*table, strict=True)]], strict=True):
        for shown, value in zip(shown_row[1:], real, strict=True):
            if shown == PRIMARY:
                assert value < SMALL
            elif shown == SECONDARY:
                assert value >= SMALL
            elif shown != WITHHELD:
                assert shown == value and (value == 0 or value >= SMALL) and not (masked and value == 0)
    assert recoverable(grid, may_be_zero=frozenset({0}) if masked else frozenset()) == [], grid


def test_a_table_of_so_few_people_that_any_count_gives_one_away_shows_none() -> None:
    # 4 applicants, all "<5": Applicants >= Eligible = Matched + Unmatched >= 2 on each row, and the
    # Total (4) pins every count. Nothing can be shown.
    grid, _masked = suppressed_grid([[2, 2, 1, 1], [2, 2, 1, 1]])
    assert all(v == WITHHELD for row in grid for v in row[1:])
    assert recoverable(grid) == []

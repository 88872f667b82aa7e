"""Rounds of review on the MIND example: vetoes never forgotten, keeps carried, ids stable."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mentormatch.cli import app
from tests.conftest import MIND_EXPORT, MIND_RULES, mind_export

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def match(out: Path, *extra: Any, export: Path = MIND_EXPORT) -> Path:
    result = run("match", export, "--rules", MIND_RULES, "-o", out, *extra)
    assert result.exit_code == 0, result.output
    return out


def rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    values = list(openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def pairs(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["Mentee email"], r["Mentor email"]): r for r in rows(path, "Matches")}


def summary(path: Path) -> dict[str, Any]:
    return {r["Item"]: r["Value"] for r in rows(path, "Summary")}


def decide(source: Path, target: Path, decisions: dict[tuple[str, str], str], who: str = "Sam Lee") -> Path:
    """Type Decisions into Matches and save as a coordinator would (whole rows re-sorted by score)."""
    wb = openpyxl.load_workbook(source)
    ws = wb["Matches"]
    header = [c.value for c in ws[1]]
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    m, g, d, s = (header.index(h) for h in ("Mentee email", "Mentor email", "Decision", "Score"))
    for row in data:
        row[d] = decisions.get((row[m], row[g]), row[d])
    data.sort(key=lambda row: (row[s], row[m]))
    for r, row in enumerate(data, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c).value = value
    wb.properties.lastModifiedBy = who
    wb.save(target)
    return target


def number(pair_id: str) -> int:
    return int(pair_id.removeprefix("P"))


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Round 1, a review rejecting one pair and keeping another, round 2, withdrawals, round 3."""
    folder = tmp_path_factory.mktemp("rounds")
    r1 = match(folder / "r1.xlsx")
    first = pairs(r1)
    ordered = sorted(first, key=lambda p: (-first[p]["Score"], p))
    vetoed = ordered[0]  # the best pair of round 1: the solver wants it back
    kept = next(p for p in ordered if not set(p) & set(vetoed))
    reviewed1 = decide(r1, folder / "r1-reviewed.xlsx", {vetoed: "reject", kept: "✓"})
    r2 = match(folder / "r2.xlsx", "--review", reviewed1)
    second = pairs(r2)
    # Round 3: the vetoed mentee's and mentor's round-2 partners drop out, so both are free again.
    mentee, mentor = vetoed
    partners = {g for m, g in second if m == mentee} | {m for m, g in second if g == mentor}
    withdraw = [x for e in sorted(partners - set(kept)) for x in ("--withdraw", e)]
    r3 = match(folder / "r3.xlsx", "--review", r2, *withdraw)
    # The same round 3 with the veto lifted shows the temptation is real.
    lifted = folder / "r2-lifted.xlsx"
    wb = openpyxl.load_workbook(r2)
    ws = wb["Decisions"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if (row[header.index("Mentee email")].value, row[header.index("Mentor email")].value) == vetoed:
            row[header.index("Decision")].value = "lift"
    wb.save(lifted)
    r3_lifted = match(folder / "r3-lifted.xlsx", "--review", lifted, *withdraw)
    r4 = match(folder / "r4.xlsx", "--review", r3)  # no options: everything comes from the workbook
    return {
        "r1": r1, "r2": r2, "r3": r3, "r4": r4, "r3_lifted": r3_lifted, "reviewed1": reviewed1,
        "vetoed": vetoed, "kept": kept, "partners": partners,
    }  # fmt: skip


def test_a_veto_is_never_made_again_in_later_rounds(rounds: dict[str, Any]) -> None:
    vetoed = rounds["vetoed"]
    assert vetoed in pairs(rounds["r1"])
    for name in ("r2", "r3", "r4"):
        assert vetoed not in pairs(rounds[name]), name
        assert summary(rounds[name])["Vetoes in force"] == 1
    assert rounds["partners"], "the withdrawals free the vetoed pair's partners"
    assert vetoed in pairs(rounds["r3_lifted"]), "without the veto round 3 would make the pair"


def test_the_veto_is_recorded_with_round_date_pair_and_who(rounds: dict[str, Any]) -> None:
    vetoed = rounds["vetoed"]
    for name in ("r2", "r3", "r4"):
        records = rows(rounds[name], "Decisions")
        [veto] = [r for r in records if (r["Mentee email"], r["Mentor email"]) == vetoed]
        assert veto["Decision"] == "reject" and veto["Round"] == 1 and veto["Who"] == "Sam Lee"
        assert veto["Pair"] == pairs(rounds["r1"])[vetoed]["Pair"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", veto["Date"])
    assert summary(rounds["r2"])["Round"] == 2 and summary(rounds["r4"])["Round"] == 4
    history = {summary(rounds[n])["Review history"] for n in ("r1", "r2", "r3", "r4")}
    assert len(history) == 1


def test_changes_name_the_pair_ids_and_why_a_pair_ended(rounds: dict[str, Any]) -> None:
    mentee, mentor = rounds["vetoed"]
    veto_id = pairs(rounds["r1"])[rounds["vetoed"]]["Pair"]
    changes = [r["Change"] for r in rows(rounds["r2"], "Changes")]
    assert f"ended {veto_id}: {mentee} + {mentor} (rejected in this review)" in changes
    r2, r3 = pairs(rounds["r2"]), pairs(rounds["r3"])
    for pair in set(r3) - set(r2):
        assert f"new {r3[pair]['Pair']}: {pair[0]} + {pair[1]}" in [
            r["Change"] for r in rows(rounds["r3"], "Changes")
        ]
    ended = [r["Change"] for r in rows(rounds["r3"], "Changes") if r["Change"].startswith("ended ")]
    assert ended and all(line.endswith(" withdrew)") or "re-paired" in line for line in ended)


def test_keep_is_carried_into_every_later_workbook(rounds: dict[str, Any]) -> None:
    kept = rounds["kept"]
    for name in ("r2", "r3", "r4"):
        assert pairs(rounds[name])[kept]["Decision"] == "keep", name
    records = [r for r in rows(rounds["r4"], "Decisions") if r["Decision"] == "keep"]
    assert [(r["Mentee email"], r["Mentor email"], r["Round"]) for r in records] == [(*kept, 1)]


def test_pair_ids_are_stable_and_never_reused(rounds: dict[str, Any]) -> None:
    ever: dict[str, tuple[str, str]] = {}
    last = 0
    previous: dict[tuple[str, str], dict[str, Any]] = {}
    for name in ("r1", "r2", "r3", "r4"):
        now = pairs(rounds[name])
        for pair, row in now.items():
            if pair in previous and pair != rounds["vetoed"]:
                assert row["Pair"] == previous[pair]["Pair"], (name, pair)
            elif pair not in previous:
                assert number(row["Pair"]) > last, (name, row["Pair"])  # a new pair: a new number
            assert ever.setdefault(row["Pair"], pair) == pair, f"{row['Pair']} reused in {name}"
        assert len({r["Pair"] for r in now.values()}) == len(now)
        last = max([last, *(number(r["Pair"]) for r in now.values())])
        assert number(summary(rounds[name])["Last pair id"]) == last
        previous = now


def test_withdrawals_are_remembered_and_explained(rounds: dict[str, Any]) -> None:
    r4 = rounds["r4"]
    gone = rounds["partners"] - set(rounds["kept"])
    assert not {e for p in pairs(r4) for e in p} & gone
    records = {
        r["Mentee email"] or r["Mentor email"]: r
        for r in rows(r4, "Decisions")
        if r["Decision"] == "withdrew"
    }
    assert set(records) == gone and {r["Round"] for r in records.values()} == {2}
    changes = [r["Change"] for r in rows(r4, "Changes")]
    assert any(line.startswith("still withdrawn (earlier rounds):") for line in changes)


def test_lifting_a_veto_is_deliberate_and_said_in_changes(rounds: dict[str, Any]) -> None:
    ws = openpyxl.load_workbook(rounds["r2"])["Decisions"]
    [offered] = [v.formula1 for v in ws.data_validations.dataValidation]
    assert "lift" in offered  # the Decision drop-down offers it
    r3 = rounds["r3_lifted"]
    assert summary(r3)["Vetoes in force"] == 0
    changes = [r["Change"] for r in rows(r3, "Changes")]
    mentee, mentor = rounds["vetoed"]
    assert any(
        line.startswith("veto lifted by") and f"{mentee} + {mentor}" in line and "round 1" in line
        for line in changes
    ), changes
    lifts = [r for r in rows(r3, "Decisions") if r["Decision"] == "lift"]
    assert [(r["Mentee email"], r["Mentor email"], r["Round"]) for r in lifts] == [(mentee, mentor, 2)]


def test_review_twice_needs_rounds_of_one_history(rounds: dict[str, Any], tmp_path: Path) -> None:
    other = match(tmp_path / "other.xlsx")  # a fresh round 1: another history
    out = tmp_path / "x.xlsx"
    result = run("match", MIND_EXPORT, "--rules", MIND_RULES, "-o", out,
                 "--review", rounds["r1"], "--review", other)  # fmt: skip
    assert result.exit_code == 1 and "not rounds of one history" in result.output
    assert not out.exists()
    result = run("match", MIND_EXPORT, "--rules", MIND_RULES, "-o", out,
                 "--review", rounds["reviewed1"], "--review", rounds["reviewed1"])  # fmt: skip
    assert result.exit_code == 1 and "two copies of round 1" in result.output
    both = match(out, "--review", rounds["reviewed1"], "--review", rounds["r2"])
    assert rounds["vetoed"] not in pairs(both) and summary(both)["Round"] == 3
    assert pairs(both)[rounds["kept"]]["Decision"] == "keep"


# --- new applicants between rounds, late applicants -----------------------------------------------


def person(n: int, role: str, **answers: Any) -> dict[str, Any]:
    band = "Band 5" if role == "Mentee" else "Band 8a"
    return {
        "name": f"{role} {n}",
        "email": f"{role.lower()}{n}@nhs.net",
        "role": role,
        "band": band,
        **answers,
    }


def test_new_applicants_between_rounds_keep_every_pair(tmp_path: Path) -> None:
    people = [person(n, "Mentee") for n in range(1, 5)] + [person(n, "Mentor") for n in range(1, 4)]
    r1 = match(tmp_path / "r1.xlsx", export=mind_export(tmp_path / "v1.xlsx", people))
    first = pairs(r1)
    assert len(first) == 3
    newer = [*people, person(5, "Mentee"), person(4, "Mentor"), person(6, "Mentee", goals="Networking;")]
    r2 = match(tmp_path / "r2.xlsx", "--review", r1, export=mind_export(tmp_path / "v2.xlsx", newer))
    second = pairs(r2)
    for pair, row in first.items():
        assert second[pair]["Pair"] == row["Pair"]
    new = set(second) - set(first)
    assert len(new) == 1 and {number(second[p]["Pair"]) for p in new} == {4}
    assert {m for m, _g in new} <= {"mentee4@nhs.net", "mentee5@nhs.net", "mentee6@nhs.net"}
    changes = [r["Change"] for r in rows(r2, "Changes")]
    assert any("3 new applicant(s) since round 1" in line for line in changes)


def test_accept_late_admits_named_late_applicants_and_remembers(tmp_path: Path) -> None:
    late = rows(match(tmp_path / "plain.xlsx"), "Rejected")
    late_emails = sorted({r["Email"] for r in late if r["Rule"] == "after-deadline" and r["Email"]})
    chosen = late_emails[0]
    r1 = match(tmp_path / "r1.xlsx", "--accept-late", chosen)
    assert chosen not in {r["Email"] for r in rows(r1, "Rejected")}
    others = set(late_emails[1:])
    assert others <= {r["Email"] for r in rows(r1, "Rejected")}
    assert summary(r1)["Accepted late"] == f"1 admitted after the deadline: {chosen}"
    placed = {e for p in pairs(r1) for e in p} | {r["Email"] for r in rows(r1, "Unmatched")}
    assert chosen in placed
    r2 = match(tmp_path / "r2.xlsx", "--review", r1)  # the admission is carried
    assert chosen not in {r["Email"] for r in rows(r2, "Rejected")}
    assert summary(r2)["Accepted late"].startswith("1 admitted")
    [record] = [r for r in rows(r2, "Decisions") if r["Decision"] == "late"]
    assert chosen in (record["Mentee email"], record["Mentor email"]) and record["Round"] == 1


def test_withdraw_without_review_is_still_refused(tmp_path: Path) -> None:
    result = run(
        "match", MIND_EXPORT, "--rules", MIND_RULES, "-o", tmp_path / "x.xlsx", "--withdraw", "a@nhs.net"
    )
    assert result.exit_code == 1 and "--review" in result.output


def test_accept_late_for_nobody_in_the_export_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    result = run("match", MIND_EXPORT, "--rules", MIND_RULES, "-o", out, "--accept-late", "nobody@nhs.net")
    assert result.exit_code == 1 and "--accept-late nobody@nhs.net: no application" in result.output
    assert not out.exists()


# --- property: any sequence of decisions over three rounds ------------------------------------------

MARKS = {"": "", "keep": "keep", "✓": "keep", "reject": "reject", "✗": "reject", "No": "reject"}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_decisions_over_rounds_are_never_forgotten(tmp_path_factory: Any, data: st.DataObject) -> None:
    folder = tmp_path_factory.mktemp("prop")
    people = [person(n, "Mentee", goals=g) for n, g in enumerate(["Leadership;", "Confidence;"] * 3, 1)]
    people += [person(n, "Mentor") for n in range(1, 5)]
    export = mind_export(folder / "export.xlsx", people)
    current = match(folder / "r1.xlsx", export=export)
    vetoed: set[tuple[str, str]] = set()
    withdrawn: set[str] = set()
    ids_ever: dict[str, tuple[str, str]] = {p["Pair"]: k for k, p in pairs(current).items()}
    for n in (2, 3):
        before = pairs(current)
        marks = {
            pair: data.draw(st.sampled_from(sorted(MARKS)), label=f"{n}:{pair}") for pair in sorted(before)
        }
        kept = {p for p, m in marks.items() if MARKS[m] == "keep"} | {
            p for p, row in before.items() if row["Decision"] == "keep" and MARKS[marks[p]] == ""
        }
        vetoed |= {p for p, m in marks.items() if MARKS[m] == "reject"}
        everyone = sorted({e for p in before for e in p})
        leaving = (
            data.draw(st.lists(st.sampled_from(everyone), max_size=1), label=f"withdraw {n}")
            if everyone
            else []
        )
        withdrawn |= set(leaving)
        reviewed = decide(current, folder / f"r{n - 1}-reviewed.xlsx", {p: m for p, m in marks.items() if m})
        options = [x for e in leaving for x in ("--withdraw", e)]
        current = match(folder / f"r{n}.xlsx", "--review", reviewed, *options, export=export)
        after = pairs(current)
        assert not vetoed & set(after), "a rejected pair was made again"
        assert not {e for p in after for e in p} & withdrawn, "a withdrawn person was paired"
        for pair in kept - {p for p in kept if set(p) & withdrawn}:
            assert after[pair]["Decision"] == "keep" and after[pair]["Pair"] == before[pair]["Pair"]
        last = max(number(i) for i in ids_ever)
        for pair, row in after.items():
            if pair in before and pair not in vetoed:
                assert row["Pair"] == before[pair]["Pair"]
            elif pair not in before:
                assert number(row["Pair"]) > last
            assert ids_ever.setdefault(row["Pair"], pair) == pair, "an id was reused"
        assert summary(current)["Vetoes in force"] == len(vetoed)


def test_review_options_on_a_group_programme_are_refused_not_ignored(tmp_path: Path) -> None:
    example = MIND_EXPORT.parents[1] / "bme-leadership-lmp-2022"
    rules = MIND_RULES.parent / "bme-leadership-lmp-2022.yaml"
    out = tmp_path / "groups.xlsx"
    args = ["match", example / "applications.csv", "--rules", rules, "--members", example / "members.csv"]
    result = run(*args, "-o", out, "--review", MIND_EXPORT)
    assert result.exit_code == 1 and "works for pair programmes only" in result.output
    assert not out.exists()


def test_introduce_since_an_earlier_round_drafts_only_new_pairs(
    rounds: dict[str, Any], tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox-v2"
    result = run(
        "introduce", rounds["r2"], "--rules", MIND_RULES, "--since", rounds["reviewed1"], "-o", outbox,
        "--coordinator", "sam.lee@nhs.net",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    before, after = pairs(rounds["reviewed1"]), pairs(rounds["r2"])
    new = {row["Pair"] for pair, row in after.items() if pair not in before}
    assert new
    assert {p.name.split("-")[0] for p in outbox.glob("*.eml")} == new


def test_withdraw_of_an_unknown_address_is_refused_naming_it(rounds: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    result = run(
        "match", MIND_EXPORT, "--rules", MIND_RULES, "-o", out, "--review", rounds["r2"],
        "--withdraw", "no.such.person@nhs.net",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "--withdraw no.such.person@nhs.net: this address is in no pair" in " ".join(result.output.split())
    assert not out.exists()


def test_accept_late_for_someone_who_applied_in_time_is_refused(
    rounds: dict[str, Any], tmp_path: Path
) -> None:
    on_time = sorted(pairs(rounds["r1"]))[0][0]  # paired in round 1 without --accept-late
    out = tmp_path / "x.xlsx"
    result = run("match", MIND_EXPORT, "--rules", MIND_RULES, "-o", out, "--accept-late", on_time)
    text = " ".join(result.output.split())
    assert result.exit_code == 1 and f"--accept-late {on_time}: applied before the deadline" in text
    assert not out.exists()


def test_several_emails_are_given_by_repeating_the_option(rounds: dict[str, Any], tmp_path: Path) -> None:
    import typer

    command = typer.main.get_command(app).commands["match"]  # type: ignore[attr-defined]
    helps = {p.name: " ".join((p.help or "").split()) for p in command.params}
    assert "--withdraw a@nhs.net --withdraw b@nhs.net" in helps["withdraw"]
    assert "--accept-late a@nhs.net --accept-late b@nhs.net" in helps["accept_late"]
    assert "--review r1.xlsx --review r2.xlsx" in helps["review"]
    shown = run("match", "--help").output  # the value column says once per option, not `<str>...`
    assert [line for line in shown.splitlines() if "--withdraw " in line and "(repeatable)" in line]
    assert "<str>..." not in shown and "<path>..." in shown  # the exports argument does take several
    # Space-separated values are not a list: the second address would be read as an export file.
    a, b = sorted(rounds["partners"])[:2] if len(rounds["partners"]) > 1 else ("a@nhs.net", "b@nhs.net")
    out = tmp_path / "x.xlsx"
    result = run(
        "match", MIND_EXPORT, "--rules", MIND_RULES, "-o", out, "--review", rounds["r2"], "--withdraw", a, b
    )
    text = " ".join(result.output.split())
    assert result.exit_code == 2 and f"'{b}' was read as an export file" in text
    assert "--withdraw a@nhs.net --withdraw b@nhs.net" in text and not out.exists()

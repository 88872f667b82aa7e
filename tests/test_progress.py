"""Progress: what the core reports stage by stage, and the bars the command line draws from it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rich.console import Console

from mentormatch import cli
from mentormatch.matching import match_pairs
from mentormatch.pipeline import Source, validate_exports
from mentormatch.progress import counted
from mentormatch.rulefile import load_rules
from mentormatch.workbook import Sheet, write_workbook
from tests.conftest import MIND_EXPORT, MIND_RULES


class Heard:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int | None, int | None]] = []

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        self.calls.append((message, done, total))

    def stages(self) -> list[str]:
        return list(dict.fromkeys(message.split(" (")[0] for message, _d, _t in self.calls))


def test_counted_yields_everything_and_ends_at_the_total() -> None:
    heard = Heard()
    assert list(counted(list(range(450)), "Counting", heard, every=200)) == list(range(450))
    assert heard.calls == [
        ("Counting", 0, 450),
        ("Counting", 200, 450),
        ("Counting", 400, 450),
        ("Counting", 450, 450),
    ]


def test_validate_and_match_report_each_stage_in_order() -> None:
    heard = Heard()
    rules = load_rules(MIND_RULES)
    checked = validate_exports([Source(MIND_EXPORT)], rules, progress=heard).checked
    matching = match_pairs(
        rules, checked.eligible_in("mentee"), checked.eligible_in("mentor"), progress=heard
    )
    assert heard.stages() == [
        f"Loading {MIND_EXPORT.name}",
        "Checking eligibility",
        "Scoring pairs",
        "Solving",
        "Explaining the pairs",
        "Explaining who is unmatched",
    ]
    explained = [(d, t) for m, d, t in heard.calls if m == "Explaining the pairs"]
    assert explained[-1] == (len(matching.pairs), len(matching.pairs))


def test_writing_counts_every_row(tmp_path: Path) -> None:
    heard = Heard()
    sheets = [Sheet("A", ["x"], [[n] for n in range(1200)]), Sheet("B", ["y"], [[1]] * 10)]
    write_workbook(tmp_path / "out.xlsx", sheets, progress=heard)
    assert heard.calls[0] == ("Writing out.xlsx", 0, 1210)
    assert heard.calls[-1] == ("Writing out.xlsx", 1210, 1210)


def terminal() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=100, markup=False, color_system=None), buffer


def test_bars_draw_each_stage_on_a_terminal(monkeypatch: Any) -> None:
    monkeypatch.setattr(cli.State, "quiet", False)
    console, buffer = terminal()
    bars = cli.Bars(console)
    bars("Loading [team] answers.xlsx")  # brackets are text, not markup
    bars("Explaining the pairs", 0, 40)
    bars("Explaining the pairs", 40, 40)
    bars("Writing pairs.xlsx")
    bars.stop()
    shown = buffer.getvalue()
    assert "Loading [team] answers.xlsx" in shown
    assert "Explaining the pairs" in shown and "100%" in shown
    assert "Writing pairs.xlsx" in shown
    assert bars.live is None


def test_bars_stay_silent_when_quiet_or_off_a_terminal(monkeypatch: Any) -> None:
    console, buffer = terminal()
    monkeypatch.setattr(cli.State, "quiet", True)
    bars = cli.Bars(console)
    bars("Scoring pairs")
    bars.stop()
    monkeypatch.setattr(cli.State, "quiet", False)
    plain = cli.Bars(Console(file=buffer, force_terminal=False))
    plain("Scoring pairs")
    plain.stop()
    assert buffer.getvalue() == ""


def test_the_flow_route_counts_classes_scored() -> None:
    heard = Heard()
    rules = load_rules(MIND_RULES)
    checked = validate_exports([Source(MIND_EXPORT)], rules).checked
    mentees = checked.eligible_in("mentee")
    match_pairs(rules, mentees, checked.eligible_in("mentor"), progress=heard)
    scored = [(d, t) for m, d, t in heard.calls if m == "Scoring pairs" and t is not None]
    assert scored and scored[-1][0] == scored[-1][1] and 0 < scored[-1][1] <= len(mentees)
    assert heard.stages()[:2] == ["Scoring pairs", "Solving"]

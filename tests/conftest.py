"""Shared fixtures: paths to the bundled rule files and examples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mentormatch.pipeline import Source, validate_exports
from mentormatch.rulefile import Rules, load_rules

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
EXAMPLES = ROOT / "examples"
MIND_RULES = RULES / "kent-medway-mind-2022.yaml"
MIND_EXPORT = EXAMPLES / "kent-medway-mind-2022" / "applications.xlsx"


@pytest.fixture
def root() -> Path:
    return ROOT


MIND_HEADERS = {
    "name": "Full name",
    "email": "Work email address",
    "org": "Which organisation do you work for?",
    "role": "Are you applying to be a mentor or a mentee?",
    "band": "What is your current Agenda for Change band or grade?",
    "years": "How long have you been in your current role?",
    "before": "Have you been part of a mentoring programme before?",
    "ethnicity": "What is your ethnic group?",
    "gender": "What is your gender?",
    "goals": "Mentees: what would you like support with?",
    "offers": "Mentors: which of these could you support a mentee with?",
    "capacity": "Mentors: how many mentees could you support?",
    "manager": "Your line manager's email address",
}


def mind_export(path: Path, people: list[dict[str, object]]) -> Path:
    """A small Microsoft Forms export in the MIND layout; unspecified answers get defaults."""
    import datetime

    import openpyxl

    defaults: dict[str, object] = {
        "org": "EKHUFT", "years": "6 years", "before": "No", "ethnicity": "Black or Black British - African",
        "gender": "Woman", "goals": "Leadership;Confidence;", "offers": "Leadership;Confidence;",
        "capacity": "1", "manager": "",
    }  # fmt: skip
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["ID", "Start time", "Completion time", "Email", "Name", *MIND_HEADERS.values()])
    when = datetime.datetime(2022, 10, 10, 9, 0)
    for n, person in enumerate(people, start=1):
        answers = {**defaults, **person}
        ws.append([n, when, when, "anonymous", "", *(answers.get(k, "") for k in MIND_HEADERS)])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def mind() -> tuple[Rules, list[Any], list[Any]]:
    """The MIND example's rules and its eligible mentees and mentors."""
    rules = load_rules(MIND_RULES)
    validation = validate_exports([Source(MIND_EXPORT)], rules)
    spec = rules.spec.matching
    assert spec is not None
    return rules, validation.checked.eligible_in(spec.receiver), validation.checked.eligible_in(spec.giver)

"""`mentormatch rules show NAME` tells a coordinator the programme's rules as the programme text
states them: every kind of test in words, and options switched off marked as not applied.

The expected sentences come from the programme texts (/work/shared/seeds, summarised in the
README of that folder), not from the code that words them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from mentormatch.cli import app
from mentormatch.schema import Condition
from tests.conftest import RULES

runner = CliRunner()
PROGRAMMES = sorted(p.stem for p in RULES.glob("*.yaml"))


def shown(name: str | Path) -> str:
    result = runner.invoke(app, ["rules", "show", str(name)])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # the terminal's line wrapping aside


def _answered_false(node: Any) -> bool:
    if isinstance(node, dict):
        return node.get("answered") is False or any(_answered_false(v) for v in node.values())
    if isinstance(node, list):
        return any(_answered_false(v) for v in node)
    return False


@pytest.mark.parametrize("name", PROGRAMMES)
def test_no_rule_is_shown_as_left_blank_unless_the_file_asks_for_a_blank(name: str) -> None:
    text = shown(name)
    data = yaml.safe_load((RULES / f"{name}.yaml").read_text(encoding="utf-8"))
    assert ("is left blank" in text) == _answered_false(data), text


# programme -> sentences a coordinator must read in `rules show` (from the programme's text)
EXPECTED = {
    "kent-medway-mind-2022": [
        # "staff of Kent & Medway NHS organisations"
        "organisation is in the Kent and Medway area",
        # mentees: "Black, Asian and minority ethnic staff, women and non-binary staff"
        "ethnicity is in the group: Black, Asian, Mixed or other ethnic group, not White",
        "(ethnic-minority)",
        "gender is in one of the groups: woman; non-binary",
        # mentees at Band 4 to 7; mentors 8a or above, consultants included, or Band 7 with 5+ years
        "band between Band 4 and Band 7",
        "band at least Band 8a",
        "band is in the group: a consultant grade (consultant)",
        "band is Band 7",
        "years in role at least 5 years",
        "mentored before is 'yes'",
        # the seven listed organisations: an option the rule file keeps switched off
        "- (not applied: enabled: false) organisation is one of: East Kent Hospitals",
        # priority to mentors from the same groups
        "20 x priority mentor when the mentor meets: any of: - ethnicity is in the group: Black, Asian",
    ],
    "kent-medway-nma-2023": [
        "organisation is in the Kent and Medway area",
        # "nurses, midwives, allied health professionals ... and administrative staff"
        "profession is in one of the staff groups: nursing, registered nurses (nursing); midwifery;"
        " the 14 allied health professions (allied-health); administrative and clerical roles"
        " (administration)",
        "years of experience is answered",
        "years of experience at most 5 years",
        "years of experience at least 8 years",
    ],
    "mentoring-for-inclusion-2018": [
        "commitment to the six-month programme is 'yes'",
        "- (not applied: enabled: false) band at least Band 8a",
    ],
    "bme-leadership-lmp-2022": [
        "Network membership is 'yes'",
        "best suited",
        "Career stage is one of: Working towards senior management",
    ],
    "hpma-west-midlands": [
        # "practising HR and people professionals"
        "Area of HR / people practice is in the staff group: HR, human resources and people practice",
    ],
}


def test_every_programme_has_expected_sentences() -> None:
    assert sorted(EXPECTED) == PROGRAMMES


@pytest.mark.parametrize("name", PROGRAMMES)
def test_rules_show_words_each_test_of_the_programme(name: str) -> None:
    text = shown(name)
    for sentence in EXPECTED[name]:
        assert sentence in text, f"{sentence!r} not in:\n{text}"


def test_a_switched_off_option_is_never_shown_as_applying() -> None:
    text = shown("kent-medway-mind-2022")
    # every mention of the listed organisations is marked as not applied (mentee and mentor)
    assert text.count("Dartford and Gravesham NHS Trust") == 2
    assert text.count("- (not applied: enabled: false) organisation is one of: East Kent") == 2


# every leaf test the schema allows, on a copy of a bundled rule file, with its expected words
MIND, NMA, HPMA = "kent-medway-mind-2022", "kent-medway-nma-2023", "hpma-west-midlands"
TOWN = "Nearest town or city for meetings"
LEAF_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    (MIND, "between", {"field": "band", "between": ["5", "6"]}, "band between Band 5 and Band 6"),
    (MIND, "at_least", {"field": "years_in_role", "at_least": 2}, "years in role at least 2 years"),
    (MIND, "at_most", {"field": "band", "at_most": "6"}, "band at most Band 6"),
    (NMA, "in_", {"field": "role", "in": ["Early"]}, "role is one of: Early"),
    (MIND, "is_", {"field": "mentored_before", "is": False}, "mentored before is 'no'"),
    (MIND, "answered", {"field": "line_manager", "answered": False}, "line manager is left blank"),
    (MIND, "group", {"field": "ethnicity", "group": "BAME"}, "(ethnic-minority)"),
    (MIND, "group", {"field": "gender", "group": "man"}, "gender is in the group: man"),
    (MIND, "staff_group", {"field": "profession", "staff_group": "ahp"}, "allied health professions"),
    (
        MIND,
        "area",
        {"field": "organisation", "area": ["sussex", "kent-and-medway"]},
        "organisation is in one of these areas: Sussex, Kent and Medway",
    ),
    (MIND, "region", {"field": "organisation", "region": "south-east"}, "is in the South East region"),
    (HPMA, "area", {"field": "place", "area": "black-country"}, f"{TOWN} is in the Black Country area"),
    (HPMA, "region", {"field": "place", "region": "west-midlands"}, f"{TOWN} is in the West Midlands region"),
]


def test_the_cases_cover_every_kind_of_test_the_schema_allows() -> None:
    assert {case[1] for case in LEAF_CASES} == set(Condition.leaf_tests())


@pytest.mark.parametrize(
    ("base", "kind", "cond", "expected"), LEAF_CASES, ids=[c[2]["field"] + ":" + c[1] for c in LEAF_CASES]
)
def test_each_kind_of_test_is_worded(
    tmp_path: Path, base: str, kind: str, cond: dict[str, Any], expected: str
) -> None:
    data = yaml.safe_load((RULES / f"{base}.yaml").read_text(encoding="utf-8"))
    role = next(iter(data["roles"]))
    data["roles"][role]["eligibility"] = {"not": cond, "code": "a-test", "reason": "A test."}
    path = tmp_path / f"{base}-copy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    checked = runner.invoke(app, ["rules", "check", str(path)])
    assert checked.exit_code == 0, checked.output
    result = runner.invoke(app, ["rules", "show", str(path)], terminal_width=400)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    negated = lines[lines.index("    not:") + 1]  # the role's one test, under "not:"
    assert negated.startswith("      - ") and expected in negated, negated
    assert ("is left blank" in negated) == (kind == "answered"), negated

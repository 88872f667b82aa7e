"""Hostile and mistaken rule files: each is exactly one message naming the file and the key (or
the line), exit 1, through `mentormatch rules check` and `validate`; never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from mentormatch.cli import app
from tests.conftest import MIND_EXPORT, MIND_RULES

runner = CliRunner()
MIND = MIND_RULES.read_text(encoding="utf-8")


@dataclass(frozen=True)
class BadRules:
    name: str
    write: Callable[[Path], None]
    expected: str  # a fragment of the message: the key path (or line) and what is wrong


def edit(old: str, new: str) -> Callable[[Path], None]:
    assert old in MIND, old

    def write(path: Path) -> None:
        path.write_text(MIND.replace(old, new, 1), encoding="utf-8")

    return write


def text(content: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(content, encoding="utf-8")


def raw(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def billion_laughs(path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 10)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def deep_nesting(path: Path) -> None:
    path.write_text("programme: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n", encoding="utf-8")


def nested_conditions(path: Path) -> None:
    cond = "{not: " * 40 + '{field: band, at_least: "4"}' + "}" * 40
    path.write_text(
        MIND.replace(
            "  mentee:\n    label: Mentee\n",
            "  boss:\n    eligibility: " + cond + "\n  mentee:\n    label: Mentee\n",
            1,
        ),
        encoding="utf-8",
    )


def folder(path: Path) -> None:
    path.mkdir()


def huge(path: Path) -> None:
    path.write_text(MIND + "#" + "x" * 2_000_000 + "\n", encoding="utf-8")


EMAIL_FIELD = '  email:\n    headers: ["Work email address", "Email address", "Email"]\n    type: email\n'

CASES = [
    BadRules(
        "unknown-key",
        edit("deadline:", "deadlin:"),
        "(top level): unknown key 'deadlin'; did you mean 'deadline'?",
    ),
    BadRules("unknown-nested-key", edit("    type: band", "    typ: band"), "fields.band: unknown key 'typ'"),
    BadRules(
        "wrong-type",
        edit("    weight: 50", "    weight: fifty"),
        "matching.score[0].weight: Input should be a valid number",
    ),
    BadRules(
        "wrong-type-list",
        edit("group: [woman, non-binary]", "group: {woman: yes}"),
        "roles.mentee.eligibility.all_of[2].any_of[1].group: Input should be a valid list",
    ),
    BadRules(
        "unknown-band-8e",
        edit('between: ["4", "7"]', 'between: ["4", "8e"]'),
        "roles.mentee.eligibility.all_of[3]: '8e' is not a valid band",
    ),
    BadRules(
        "unknown-grade-band", edit("  Consultant: 8a", "  Consultant: 8e"), "grades: grade 'Consultant'"
    ),
    BadRules(
        "range-min-above-max",
        edit('between: ["4", "7"]', 'between: ["7", "4"]'),
        "roles.mentee.eligibility.all_of[3].between: min 7 is above max 4",
    ),
    BadRules(
        "band-gap-min-above-max",
        edit("  band_gap:\n    min: 1\n", "  band_gap:\n    min: 3\n    max: 1\n"),
        "matching.band_gap: min (3.0) is above max (1.0)",
    ),
    BadRules(
        "unknown-vocabulary-group",
        edit("group: ethnic-minority", "group: ethnic-minorities"),
        "roles.mentee.eligibility.all_of[2].any_of[0].group: no group 'ethnic-minorities'; did you mean"
        " 'ethnic-minority'?",
    ),
    BadRules(
        "unknown-area",
        edit("area: kent-and-medway", "area: kent"),
        "roles.mentee.eligibility.all_of[0].area: no area 'kent'",
    ),
    BadRules(
        "group-on-a-field-without-vocabulary",
        edit("- field: gender\n              group:", "- field: name\n              group:"),
        "roles.mentee.eligibility.all_of[2].any_of[1].group: 'name' has no vocabulary",
    ),
    BadRules(
        "undefined-role",
        edit("receiver: mentee", "receiver: mentees"),
        "matching.receiver: no role 'mentees' under 'roles'",
    ),
    BadRules(
        "receiver-is-giver",
        edit("  giver: mentor", "  giver: mentee"),
        "matching.giver: is the same role as matching.receiver ('mentee')",
    ),
    BadRules(
        "deadline-without-time",
        edit('deadline: "2022-10-14 17:30"', 'deadline: "2022-10-14"'),
        "deadline: '2022-10-14' needs a date and a time",
    ),
    BadRules(
        "deadline-yaml-date",
        edit('deadline: "2022-10-14 17:30"', "deadline: 2022-10-14"),
        "deadline: a deadline needs a time too",
    ),
    BadRules(
        "deadline-impossible",
        edit('deadline: "2022-10-14 17:30"', 'deadline: "2022-02-30 17:30"'),
        "deadline: '2022-02-30 17:30' is not a real date",
    ),
    BadRules(
        "python-object-tag",
        text("programme: !!python/object/apply:os.system ['echo hacked']\n"),
        "(line 1): could not determine a constructor for the tag",
    ),
    BadRules(
        "python-name-tag",
        edit("  year: 2022", "  year: !!python/name:os.system"),
        "could not determine a constructor for the tag 'tag:yaml.org,2002:python/name:os.system'",
    ),
    BadRules("alias-bomb", billion_laughs, "expands to more than 100,000 values (an alias bomb?)"),
    BadRules("deep-nesting", deep_nesting, "nested more than 40 levels deep"),
    BadRules(
        "deep-conditions", nested_conditions, "roles.boss.eligibility.not.not.not...: nested more than 40"
    ),
    BadRules("missing-programme", edit("programme:\n", "programm:\n"), "programme: this key is required"),
    BadRules(
        "missing-required-key", edit("  source: ", "  sauce: "), "programme.source: this key is required"
    ),
    BadRules(
        "missing-roles", text("programme: {name: x, source: y}\nfields: {}\n"), "roles: this key is required"
    ),
    BadRules("missing-email-field", edit(EMAIL_FIELD, ""), "fields.email: this field is required"),
    BadRules("empty-file", text(""), "should be a YAML mapping"),
    BadRules("comments-only", text("# nothing here yet\n"), "should be a YAML mapping"),
    BadRules("not-a-mapping", text("- programme\n- fields\n"), "should be a YAML mapping"),
    BadRules("a-string", text("kent-medway-mind-2022\n"), "should be a YAML mapping"),
    BadRules(
        "tab-indent",
        edit("  year: 2022", "\tyear: 2022"),
        "line 12, column 1: not valid YAML: found character '\\t'",
    ),
    BadRules(
        "unclosed-bracket",
        edit('headers: ["Full name", "Name"]', 'headers: ["Full name", "Name"'),
        "not valid YAML",
    ),
    BadRules(
        "two-documents",
        text("programme: {name: x, source: y}\n---\nprogramme: {name: z, source: y}\n"),
        "not valid YAML: but found another document",
    ),
    BadRules(
        "duplicate-key",
        edit("programme:\n", 'deadline: "2022-12-01 12:00"\nprogramme:\n'),
        "line 16, column 1: not valid YAML: the key 'deadline' is given twice here (first on line 9)",
    ),
    BadRules(
        "duplicate-field",
        edit("  line_manager:\n", "  band:\n    headers: [Grade]\n  line_manager:\n"),
        "the key 'band' is given twice here",
    ),
    BadRules(
        "unknown-field-in-condition",
        edit("- field: years_in_role", "- field: years_in_post"),
        "roles.mentor.eligibility.all_of[2].any_of[2].all_of[1].any_of[0].field: no field 'years_in_post'",
    ),
    BadRules(
        "unknown-test-in-condition",
        edit("          at_least: 5", "          more_than: 5"),
        "roles.mentor.eligibility.all_of[2].any_of[2].all_of[1].any_of[0]: unknown key 'more_than'",
    ),
    BadRules(
        "condition-two-kinds",
        edit(
            '        - field: band\n          between: ["4", "7"]',
            '        - field: band\n          between: ["4", "7"]\n          all_of: []',
        ),
        "roles.mentee.eligibility.all_of[3]: a condition needs exactly one of 'field', 'all_of', 'any_of'",
    ),
    BadRules(
        "condition-two-tests",
        edit('          between: ["4", "7"]', '          between: ["4", "7"]\n          in: ["x"]'),
        "roles.mentee.eligibility.all_of[3]: a 'field' condition needs exactly one test",
    ),
    BadRules(
        "range-on-text-field",
        edit("- field: years_in_role", "- field: organisation"),
        "'organisation' is a organisation field; ranges need band, years or number",
    ),
    BadRules(
        "negative-weight",
        edit("    weight: 50", "    weight: -5"),
        "matching.score[0].weight: Input should be greater than 0",
    ),
    BadRules(
        "zero-weight",
        edit('    weight: 20\n    # "priority', '    weight: 0\n    # "priority'),
        "matching.score[1].weight: Input should be greater than 0",
    ),
    BadRules(
        "infinite-weight",
        edit("    weight: 50", "    weight: .inf"),
        "matching.score[0].weight: inf is not a usable number",
    ),
    BadRules(
        "absurd-weight",
        edit("    weight: 50", "    weight: 1.0e300"),
        "matching.score[0].weight: 1e+300 is too large",
    ),
    BadRules(
        "nan-minimum-score",
        edit("  objective: coverage-then-score", "  objective: best-pairs\n  minimum_score: .nan"),
        "matching.minimum_score: nan is not a usable number",
    ),
    BadRules(
        "negative-falloff",
        edit("      best: 2", "      best: 2\n      falloff: -1"),
        "matching.score[1].falloff: -1 is below 0",
    ),
    BadRules(
        "unknown-score-part",
        edit("    - part: goals", "    - part: vibes"),
        "matching.score[0].part: Input should be 'goals'",
    ),
    BadRules(
        "priority-without-role",
        edit("      role: mentor\n", "      role: boss\n"),
        "matching.score[2]: a 'priority' part needs 'role'",
    ),
    BadRules(
        "capacity-default-above-max",
        edit("    default: 1", "    default: 9"),
        "matching.capacity.default: 9 is above matching.capacity.max (3)",
    ),
    BadRules(
        "capacity-overflow",
        edit("    max: 3", "    max: 99999999999999999999999"),
        "matching.capacity.max: 99999999999999999999999 is more than anyone can take",
    ),
    BadRules(
        "capacity-negative",
        edit("    default: 1", "    default: -1"),
        "matching.capacity.default: Input should be greater than or equal to 0",
    ),
    BadRules(
        "capacity-field-not-number",
        edit("    field: capacity", "    field: name"),
        "matching.capacity.field: 'name' should be a number field",
    ),
    BadRules(
        "never-field-not-email",
        edit("  never_field: line_manager", "  never_field: gender"),
        "matching.never_field: 'gender' should be an email (or emails) field",
    ),
    BadRules(
        "place-off-the-globe",
        edit("roles:\n", "places:\n  Leeds: [91, 500]\nroles:\n"),
        "places.Leeds: 91, 500 is not a latitude",
    ),
    BadRules(
        "bad-rule-code",
        edit("code: band-out-of-range", "code: Band Out Of Range"),
        "roles.mentee.eligibility.all_of[3].code: String should match pattern",
    ),
    BadRules(
        "field-type-unknown",
        edit("    type: band", "    type: grade"),
        "fields.band.type: Input should be 'text'",
    ),
    BadRules(
        "headers-empty",
        edit('headers: ["Full name", "Name"]', "headers: []"),
        "fields.name.headers: List should have at least 1 item",
    ),
    BadRules(
        "no-roles",
        edit("roles:\n  mentee:", "roles: {}\nx_roles:\n  mentee:"),
        "roles: Dictionary should have at least 1 item",
    ),
    BadRules("not-utf8", raw(MIND.encode("utf-16")), "is not UTF-8 text"),
    BadRules("binary", raw(b"\x89PNG\r\n\x1a\n" + bytes(range(256))), "is not UTF-8 text"),
    BadRules("too-large", huge, "bytes; a rule file is a short YAML text"),
    BadRules("a-folder", folder, "is a folder, not a rule file"),
    BadRules("missing-file", lambda path: None, "no such rule file"),
]


def check_one_message(result: Result, path: Path, expected: str) -> None:
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not escaped, f"{type(result.exception).__name__}: {result.exception}"
    assert "Traceback" not in result.output and "failed unexpectedly" not in result.output
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(f"Error: {path}"), result.output  # names the file first
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("  Hint: ")), result.output
    assert expected in result.output


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_rule_file(case: BadRules, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    case.write(path)
    check_one_message(runner.invoke(app, ["rules", "check", str(path)]), path, case.expected)
    out = tmp_path / "report.xlsx"
    validated = runner.invoke(app, ["validate", str(MIND_EXPORT), "--rules", str(path), "-o", str(out)])
    check_one_message(validated, path, case.expected)
    assert not out.exists()


def test_corpus_size() -> None:
    assert len(CASES) >= 15
    assert len({c.name for c in CASES}) == len(CASES)


def test_the_unedited_rules_pass(tmp_path: Path) -> None:
    """The edits above are the only mistakes: the file they start from is fine."""
    result = runner.invoke(app, ["rules", "check", str(MIND_RULES)])
    assert result.exit_code == 0 and "OK" in result.output

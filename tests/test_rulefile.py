"""Rule files: the bundled ones load; mistakes are one message naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from mentormatch.errors import RulesError
from mentormatch.rulefile import load_rules
from tests.conftest import MIND_RULES, RULES


@pytest.mark.parametrize("path", sorted(RULES.glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_rule_files_load(path: Path) -> None:
    rules = load_rules(path)
    assert rules.spec.programme.source
    assert len(rules.sha256) == 64


def test_mind_deadline_is_uk_local_time() -> None:
    deadline = load_rules(MIND_RULES).spec.deadline
    assert deadline is not None
    assert deadline.isoformat() == "2022-10-14T17:30:00+01:00"


def edited(tmp_path: Path, old: str, new: str) -> Path:
    text = MIND_RULES.read_text()
    assert old in text
    path = tmp_path / "rules.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'deadline: "2022-10-14 17:30"',
            'deadline: "2022-10-14"',
            "deadline: '2022-10-14' needs a date and a time",
        ),
        ('deadline: "2022-10-14 17:30"', "deadline: 2022-10-14", "deadline: a deadline needs a time too"),
        ('between: ["4", "7"]', 'between: ["4", "8e"]', "'8e' is not a valid band"),
        ('between: ["4", "7"]', 'between: ["7", "4"]', "between: min 7 is above max 4"),
        ("receiver: mentee", "receiver: mentees", "matching.receiver: no role 'mentees'"),
        ("    weight: 50", "    weight: fifty", "matching.score[0].weight"),
        ("- field: years_in_role", "- field: years_in_post", "no field 'years_in_post'"),
        ("  Consultant: 8a", "  Consultant: 8e", "grades: Value error, grade 'Consultant'"),
    ],
)
def test_rule_mistakes_name_the_key(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = edited(tmp_path, old, new)
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    message = str(caught.value)
    assert str(path) in message
    assert expected.replace("Value error, ", "") in message
    assert message.count("\n") <= 1


def test_python_object_tags_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("programme: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(RulesError, match="plain YAML only"):
        load_rules(path)


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol"]']
    for n in range(1, 10):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RulesError, match="alias bomb"):
        load_rules(path)


def test_rule_file_without_deadline_is_valid(tmp_path: Path) -> None:
    path = edited(tmp_path, 'deadline: "2022-10-14 17:30"', "")
    assert load_rules(path).spec.deadline is None


@pytest.mark.parametrize("path", sorted(RULES.glob("*.yaml")), ids=lambda p: p.name)
def test_the_fast_yaml_parser_reads_each_bundled_rule_file_as_the_python_one_does(path: Path) -> None:
    """Rule files are parsed by libyaml when PyYAML has it (a mistake is reported by the Python
    parser): both must give the same data and the same line of every key."""
    import yaml

    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml: only the Python parser is used")
    text = path.read_text(encoding="utf-8-sig")
    assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.load(text, Loader=yaml.SafeLoader)

    def lines(node: yaml.Node) -> list[tuple[int, int]]:
        found = [(node.start_mark.line, node.start_mark.column)]
        for child in node.value if isinstance(node.value, list) else []:
            for part in child if isinstance(child, tuple) else (child,):
                found += lines(part)
        return found

    fast, python = (yaml.compose(text, Loader=loader) for loader in (yaml.CSafeLoader, yaml.SafeLoader))
    assert lines(fast) == lines(python)


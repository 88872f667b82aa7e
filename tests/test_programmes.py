"""The bundled programmes: found by name from anywhere, their sources public, their templates fit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mentormatch.cli import app
from mentormatch.errors import RulesError
from mentormatch.introduce import load_template
from mentormatch.programmes import bundled_folder, bundled_names, bundled_template, find_rules
from mentormatch.rulefile import load_rules
from tests.conftest import EXAMPLES, MIND_EXPORT, RULES

runner = CliRunner()
PROGRAMMES = sorted(p.stem for p in RULES.glob("*.yaml"))


def test_the_bundled_programmes_are_the_rules_folder() -> None:
    assert bundled_names() == PROGRAMMES and len(PROGRAMMES) == 5
    assert bundled_folder().resolve() == RULES.resolve()  # a source checkout reads rules/ itself


@pytest.mark.parametrize("name", PROGRAMMES)
def test_a_rule_source_names_the_public_document_not_a_path_of_ours(name: str) -> None:
    source = load_rules(RULES / f"{name}.yaml").spec.programme.source
    assert not re.search(r"seeds|\.txt|/|\\", source), source
    assert len(source.split()) >= 4, source  # a title, not a code


@pytest.mark.parametrize("name", PROGRAMMES)
def test_each_programme_has_a_template_in_its_own_role_names(name: str) -> None:
    rules = load_rules(RULES / f"{name}.yaml")
    template_path = bundled_template(rules.path)
    assert template_path is not None
    template = load_template(template_path, rules)  # every placeholder known for this programme
    assert rules.spec.matching is not None
    for role in (rules.spec.matching.receiver, rules.spec.matching.giver):
        assert f"{role}_first_name" in template.placeholders
    assert not [p for p in template.placeholders if p.startswith(("receiver_", "giver_"))]


def test_find_rules_takes_a_path_or_a_bundled_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    mind = bundled_folder() / "kent-medway-mind-2022.yaml"
    assert find_rules("kent-medway-mind-2022") == mind
    assert find_rules("kent-medway-mind-2022.yaml") == mind
    own = tmp_path / "kent-medway-mind-2022.yaml"
    own.write_text("programme: {name: mine, source: mine}\n", encoding="utf-8")
    assert find_rules("kent-medway-mind-2022.yaml") == Path("kent-medway-mind-2022.yaml")  # a file wins
    assert find_rules(tmp_path / "kent-medway-mind-2022") == own  # .yaml may be left off
    with pytest.raises(RulesError, match="no bundled programme of that name") as caught:
        find_rules("kent-medway-mind-2021")
    assert caught.value.hint is not None and "kent-medway-mind-2022" in caught.value.hint
    with pytest.raises(RulesError):
        find_rules("elsewhere/kent-medway-mind-2022")  # a path is never taken for a name


def test_a_folder_of_the_programme_name_does_not_hide_the_bundled_programme(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # examples/ holds a folder per programme: a coordinator working there names the programme
    monkeypatch.chdir(EXAMPLES)
    mind = bundled_folder() / "kent-medway-mind-2022.yaml"
    assert (EXAMPLES / "kent-medway-mind-2022").is_dir()
    assert find_rules("kent-medway-mind-2022") == mind
    result = runner.invoke(
        app, ["validate", "kent-medway-mind-2022/applications.xlsx", "--rules", "kent-medway-mind-2022"]
    )
    assert result.exit_code == 0, result.output
    assert "Eligible mentees" in result.output and "folder" not in result.output
    # a folder that is no programme's name is still reported as a folder, not a missing file
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    shown = runner.invoke(app, ["rules", "show", "mine"])
    assert shown.exit_code != 0 and "folder" in shown.output, shown.output
    # a FILE of the programme's name, given by its path, still wins over the bundled one
    (tmp_path / "kent-medway-mind-2022").mkdir()
    own = tmp_path / "kent-medway-mind-2022.yaml"
    ours = mind.read_text(encoding="utf-8").replace("Kent & Medway MIND", "Our MIND")
    own.write_text(ours, encoding="utf-8")
    assert find_rules("kent-medway-mind-2022") == Path("kent-medway-mind-2022.yaml")
    shown = runner.invoke(app, ["rules", "show", "kent-medway-mind-2022"])
    assert shown.exit_code == 0 and shown.output.startswith("Our MIND"), shown.output


def test_cli_takes_a_programme_name_from_any_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    listed = runner.invoke(app, ["rules", "list"])
    assert listed.exit_code == 0, listed.output
    assert all(name in listed.output for name in PROGRAMMES)
    shown = runner.invoke(app, ["rules", "show", "hpma-west-midlands"])
    assert shown.exit_code == 0 and shown.output.startswith("HPMA West Midlands Mentor Scheme\n")
    checked = runner.invoke(app, ["rules", "check", "kent-medway-nma-2023"])
    assert checked.exit_code == 0 and ": OK: " in checked.output
    result = runner.invoke(app, ["validate", str(MIND_EXPORT), "--rules", "kent-medway-mind-2022"])
    assert result.exit_code == 0, result.output
    assert "Eligible mentees" in result.output


def test_rules_list_of_a_folder_names_files(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text((RULES / "kent-medway-mind-2022.yaml").read_text(encoding="utf-8"))
    listed = runner.invoke(app, ["rules", "list", "--dir", str(tmp_path)])
    assert listed.exit_code == 0 and "mine.yaml" in listed.output and "hpma" not in listed.output
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.invoke(app, ["rules", "list", "--dir", str(empty)]).exit_code == 1

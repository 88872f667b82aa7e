"""The README stays in step with the code: every rule-file key documented, commands real."""

from __future__ import annotations

import re
import shlex
from typing import Any

from pydantic import BaseModel

from mentormatch.schema import Condition, RuleFile
from tests.conftest import ROOT
from tests.readme_outputs import blocks, run

README = (ROOT / "README.md").read_text(encoding="utf-8")


def schema_keys(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """Every key a rule file may use, found by walking the schema's models."""
    seen = seen if seen is not None else set()
    seen.add(model)
    keys = set()
    for name, field in model.model_fields.items():
        keys.add(field.alias or name)
        inner = _model_in(field.annotation)
        if inner is not None and inner not in seen:
            keys |= schema_keys(inner, seen)
    return keys


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def test_every_rule_file_key_is_in_the_readme_reference() -> None:
    reference = README.split("## Rule-file reference", 1)[1].split("\n## ", 1)[0]
    keys = schema_keys(RuleFile) | schema_keys(Condition)
    missing = sorted(k for k in keys if f"`{k}`" not in reference)
    assert not missing, f"document these rule-file keys in README.md: {missing}"


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = re.findall(r"```console\n(.+?)\n```", README)
    assert len(commands) >= 2
    assert commands[1] in ci


def test_readme_first_command_runs_match_on_a_bundled_example() -> None:
    first = re.findall(r"```console\n(.+?)\n```", README)[0]
    words = shlex.split(first.split("&&")[-1])
    assert words[0].endswith("mentormatch") and words[1] == "match"
    assert (ROOT / words[2]).is_file()
    assert (ROOT / words[words.index("--rules") + 1]).is_file()


def test_readme_outputs_are_what_their_commands_print() -> None:
    """Each printed output in the README, rerun; `python tests/readme_outputs.py` rewrites them."""
    shown = blocks(README)
    assert len(shown) >= 2
    first = re.findall(r"```console\n(.+?)\n```", README)[0]
    assert shown[0][0] == first.split("&&")[-1].strip().removeprefix(".venv/bin/")
    for command, output in shown:
        assert run(command) == output, (
            f"README output of `{command}` is stale: run python tests/readme_outputs.py"
        )


def test_every_test_file_that_can_skip_is_explained_in_the_readme() -> None:
    skips = re.compile(r"pytest\.(skip|importorskip)\(|mark\.skipif\(")
    reasons = README.split("What is skipped, and why:", 1)[1].split("\n## ", 1)[0]
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        if skips.search(path.read_text(encoding="utf-8")):
            assert f"`tests/{path.name}`" in reasons, f"README: say when and why {path.name} skips"

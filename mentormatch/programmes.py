"""The programmes that ship with mentormatch: their rule files and introduction email templates.

The top-level ``rules/`` folder of the repository is their source. A wheel carries them as
``mentormatch/rules/`` (``pyproject.toml`` maps the one onto the other), so an installed
mentormatch finds them wherever it runs; a source checkout or editable install reads ``rules/``.
"""

from __future__ import annotations

from pathlib import Path

from mentormatch.errors import RulesError

_PACKAGE = Path(__file__).resolve().parent
TEMPLATES = "introductions"  # the templates' folder inside the rules folder


def bundled_folder() -> Path:
    """The folder holding the bundled rule files (inside the installed package, else rules/)."""
    installed = _PACKAGE / "rules"
    return installed if installed.is_dir() else _PACKAGE.parent / "rules"


def bundled_names() -> list[str]:
    """The names of the bundled programmes, as `--rules` accepts them."""
    return sorted(path.stem for path in bundled_folder().glob("*.yaml"))


def find_rules(given: str | Path) -> Path:
    """A rule file given as a path, or a bundled programme's name (with or without .yaml)."""
    path = Path(given)
    candidates = (path, path.with_name(f"{path.name}.yaml"), path.with_name(f"{path.name}.yml"))
    for candidate in candidates:
        if candidate.is_file():
            return candidate  # a file given by its path wins over a bundled name
    name = path.name.removesuffix(".yaml").removesuffix(".yml")
    if path.parent == Path(".") and name in bundled_names():
        return bundled_folder() / f"{name}.yaml"  # a folder of that name (examples/NAME/) does not hide it
    for candidate in candidates:
        if candidate.exists():
            return candidate  # a folder, or a file that cannot be read: load_rules' to report
    raise RulesError(
        f"{given}: no such rule file, and no bundled programme of that name",
        f"give a path to a .yaml file, or one of: {', '.join(bundled_names())} (`mentormatch rules list`)",
    )


def bundled_template(rule_file: Path) -> Path | None:
    """The introduction email template that ships with a bundled programme's rule file, if any."""
    template = rule_file.parent / TEMPLATES / f"{rule_file.stem}.txt"
    return template if template.is_file() else None

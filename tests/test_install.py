"""Installable anywhere: the wheel carries the bundled programmes and runs outside the repository.

The wheel is built from a copy of the project's files (so the test leaves no build/ behind), then
installed into a fresh virtual environment in a temporary folder. The environment reuses this
one's already-installed dependencies through a .pth file, so no download is needed beyond the
build backend, and the wheel itself is installed with --no-deps --no-index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import MIND_EXPORT, ROOT
from tests.test_match_mind import sheet_rows

pytestmark = pytest.mark.install

PROJECT_FILES = ("pyproject.toml", "README.md", "mentormatch", "rules")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in PROJECT_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run([*pip, "wheel", "-q", "--no-deps", "-w", str(out), str(source)], check=True)
    (built,) = out.glob("nhs_mentormatch-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment outside the repository with only the wheel installed."""
    env = tmp_path_factory.mktemp("env") / "venv"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "dependencies.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
         str(wheel)],
        check=True,
    )  # fmt: skip
    return env


def run(env: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    environ["NO_COLOR"] = "1"
    environ["COLUMNS"] = "200"
    return subprocess.run(
        [str(env / "bin" / args[0]), *args[1:]], cwd=cwd, env=environ, capture_output=True, text=True
    )


def test_the_wheel_carries_the_sources_unchanged(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        shipped = {n.removeprefix("mentormatch/rules/"): archive.read(n) for n in names
                   if n.startswith("mentormatch/rules/")}  # fmt: skip
    sources = {p.relative_to(ROOT / "rules").as_posix(): p.read_bytes() for p in (ROOT / "rules").rglob("*")
               if p.is_file()}  # fmt: skip
    assert shipped == sources
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "mentormatch").rglob("*.py")}
    assert modules <= names, f"not in the wheel (list the package in pyproject.toml): {modules - names}"


def test_rules_list_and_match_run_outside_the_repository(installed: Path, tmp_path: Path) -> None:
    where = run(installed, "python", "-c", "import mentormatch; print(mentormatch.__file__)", cwd=tmp_path)
    assert where.returncode == 0 and where.stdout.startswith(str(installed)), where.stdout + where.stderr

    listed = run(installed, "mentormatch", "rules", "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    for rule_file in sorted((ROOT / "rules").glob("*.yaml")):
        assert rule_file.stem in listed.stdout
    assert "seeds" not in listed.stdout

    export = tmp_path / "applications.xlsx"
    shutil.copy2(MIND_EXPORT, export)
    matched = run(
        installed, "mentormatch", "match", "applications.xlsx", "--rules", "kent-medway-mind-2022",
        "-o", "pairs.xlsx", cwd=tmp_path,
    )  # fmt: skip
    assert matched.returncode == 0, matched.stderr
    assert "Pairs" in matched.stdout and "Wrote pairs.xlsx" in matched.stderr
    book = openpyxl.load_workbook(tmp_path / "pairs.xlsx", read_only=True)
    assert {"Matches", "Unmatched", "Rejected", "Summary"} <= set(book.sheetnames)
    assert len(sheet_rows(tmp_path / "pairs.xlsx", "Matches")) == 58  # every mentor place filled

    drafts = run(
        installed, "mentormatch", "introduce", "pairs.xlsx", "--rules", "kent-medway-mind-2022",
        "-o", "outbox", "--coordinator", "Sam Lee <sam.lee@nhs.net>", cwd=tmp_path,
    )  # fmt: skip
    assert drafts.returncode == 0, drafts.stderr
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 58


def test_the_version_printed_is_the_wheels(wheel: Path, installed: Path, tmp_path: Path) -> None:
    """mentormatch.__version__ is the one place the version is written; the wheel's metadata
    (and so its file name) takes it from there."""
    version = wheel.name.split("-")[1]
    shown = run(installed, "mentormatch", "--version", cwd=tmp_path)
    assert shown.returncode == 0 and shown.stdout.strip() == f"mentormatch {version}", shown.stdout
    code = "import importlib.metadata as m; print(m.version('nhs-mentormatch'))"
    meta = run(installed, "python", "-c", code, cwd=tmp_path)
    assert meta.stdout.strip() == version

"""Instant start: `--version`, `--help` and the light commands load none of the heavy libraries.

(How fast is measured in benchmarks/; here only what gets imported, which is what makes it fast.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ["numpy", "openpyxl", "pulp", "highspy", "ortools", "scipy", "pandas", "yaml", "pydantic"]

PROBE = """
import sys
sys.argv = ["mentormatch", *{args!r}]
from mentormatch.cli import main
try:
    main()
except SystemExit:
    pass
heavy = [name for name in {heavy!r} if name in sys.modules]
print("HEAVY", ",".join(heavy))
import gc
print("GC", "on" if gc.isenabled() else "off")
"""


def probe(*args: str, heavy: list[str] = HEAVY) -> tuple[list[str], str]:
    """Run the command line in a fresh Python: which of ``heavy`` it imported, and whether the
    cyclic garbage collector was on at the end."""
    code = PROBE.format(args=list(args), heavy=heavy)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    line = [x for x in done.stdout.splitlines() if x.startswith("HEAVY")][-1]
    gc = [x for x in done.stdout.splitlines() if x.startswith("GC")][-1].split()[1]
    return [x for x in line.removeprefix("HEAVY").strip().split(",") if x], gc


def loaded(*args: str) -> list[str]:
    return probe(*args)[0]


HELPS = [["--help"], ["match", "--help"], ["validate", "--help"], ["explain", "--help"], ["init", "--help"],
         ["introduce", "--help"], ["rules", "--help"], ["rules", "check", "--help"],
         ["rules", "list", "--help"], ["rules", "show", "--help"]]  # fmt: skip


def test_version_and_help_import_nothing_heavy() -> None:
    assert loaded("--version") == []
    for args in HELPS:
        assert loaded(*args) == [], args


def test_help_converts_no_option_through_pydantic_and_draws_no_rich_panels() -> None:
    """Typer converts an option's value through pydantic (typer._adapters: about 50 ms to import,
    with importlib.metadata) unless it is a bool already; help for any command converts none
    (the options before the command, --help and Typer's completion options, are bools). Help is
    Click's plain layout: Typer's Rich help (typer.rich_utils, with Markdown and Syntax) never
    loads, nor Rich itself (the consoles are made when first printed to)."""
    slow = ["typer._adapters", "importlib.metadata", "typer.rich_utils", "markdown_it", "rich"]
    for args in HELPS:
        assert probe(*args, heavy=slow)[0] == [], args


def test_plain_pairing_never_imports_the_lp_solvers(tmp_path: Path) -> None:
    out = tmp_path / "pairs.xlsx"
    example = ROOT / "examples" / "kent-medway-mind-2022" / "applications.xlsx"
    heavy = loaded("--quiet", "match", str(example), "--rules", "kent-medway-mind-2022", "-o", str(out))
    assert out.exists()
    assert "ortools" in heavy and "numpy" in heavy
    assert "pulp" not in heavy and "highspy" not in heavy and "scipy" not in heavy
    assert "pandas" not in heavy  # the CLI never needs DataFrames


def test_version_answers_before_typer_and_rich_load() -> None:
    assert probe("--version", heavy=[*HEAVY, "typer", "rich", "click"])[0] == []


def test_the_light_commands_never_import_the_solvers_or_the_workbook_writer() -> None:
    solvers = {"numpy", "openpyxl", "pulp", "highspy", "ortools", "scipy", "pandas"}
    for args in (["rules", "list"], ["rules", "show", "kent-medway-mind-2022"],
                 ["rules", "check", "kent-medway-mind-2022"], ["validate", "--help"]):  # fmt: skip
        assert not set(loaded(*args)) & solvers, args


def test_validate_on_a_csv_export_never_imports_the_solvers(tmp_path: Path) -> None:
    export = ROOT / "examples" / "kent-medway-nma-2023" / "applications.csv"
    report = tmp_path / "report.xlsx"
    heavy, _ = probe("--quiet", "validate", str(export), "--rules", "kent-medway-nma-2023", "-o", str(report))
    assert report.exists()
    assert not {"pulp", "highspy", "ortools", "scipy", "pandas"} & set(heavy), heavy


def test_the_garbage_collector_is_back_on_for_the_work(tmp_path: Path) -> None:
    """The command line pauses the cyclic collector while it starts, never for the work itself."""
    out = tmp_path / "pairs.xlsx"
    example = ROOT / "examples" / "kent-medway-mind-2022" / "applications.xlsx"
    _, gc = probe("--quiet", "match", str(example), "--rules", "kent-medway-mind-2022", "-o", str(out))
    assert out.exists() and gc == "on"


@pytest.mark.parametrize("given, expected", [({}, "1"), ({"OMP_NUM_THREADS": "2"}, "None")])
def test_openblas_starts_one_thread_unless_the_user_says(given: dict[str, str], expected: str) -> None:
    """numpy's OpenBLAS would start a spinning thread per core at import; the command line asks for
    one (it does no BLAS work worth threads), unless the user set a thread count."""
    code = (
        PROBE.format(args=["--help"], heavy=[])
        + "import os; print('BLAS', os.environ.get('OPENBLAS_NUM_THREADS'))"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")} | given
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert done.stdout.splitlines()[-1] == f"BLAS {expected}", done.stdout

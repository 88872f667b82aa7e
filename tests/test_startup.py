"""Instant start: `--version`, `--help` and the light commands load none of the heavy libraries.

(How fast is measured in benchmarks/; here only what gets imported, which is what makes it fast.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
"""


def loaded(*args: str) -> list[str]:
    code = PROBE.format(args=list(args), heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    line = [x for x in done.stdout.splitlines() if x.startswith("HEAVY")][-1]
    return [x for x in line.removeprefix("HEAVY").strip().split(",") if x]


def test_version_and_help_import_nothing_heavy() -> None:
    assert loaded("--version") == []
    assert loaded("--help") == []
    # A command's help may read the bundled programme names (pydantic, yaml), never the solvers.
    assert set(loaded("match", "--help")) <= {"pydantic", "yaml"}


def test_plain_pairing_never_imports_the_lp_solvers(tmp_path: Path) -> None:
    out = tmp_path / "pairs.xlsx"
    example = ROOT / "examples" / "kent-medway-mind-2022" / "applications.xlsx"
    heavy = loaded("--quiet", "match", str(example), "--rules", "kent-medway-mind-2022", "-o", str(out))
    assert out.exists()
    assert "ortools" in heavy and "numpy" in heavy
    assert "pulp" not in heavy and "highspy" not in heavy and "scipy" not in heavy
    assert "pandas" not in heavy  # the CLI never needs DataFrames

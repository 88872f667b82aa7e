"""The package's rooms: modules share only public names."""

from __future__ import annotations

import ast
from pathlib import Path

import mentormatch

PACKAGE = Path(mentormatch.__file__).parent


def private_imports(path: Path) -> list[str]:
    """Each `from mentormatch.x import _name` in the file, as "file:line x._name"."""
    return [
        f"{path.name}:{node.lineno} {node.module}.{alias.name}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mentormatch")
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


def test_no_module_imports_another_modules_private_names() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 30
    assert [hit for path in modules for hit in private_imports(path)] == []


def test_the_check_sees_a_private_import(tmp_path: Path) -> None:
    planted = tmp_path / "workbook.py"
    text = (PACKAGE / "workbook.py").read_text(encoding="utf-8")
    planted.write_text(text + "\n\ndef f():\n    from mentormatch.cells import _pandas\n", encoding="utf-8")
    assert private_imports(planted) == [f"workbook.py:{text.count(chr(10)) + 4} mentormatch.cells._pandas"]


REPORT_LAYER = {
    "report.py",
    "report_groups.py",
    "report_history.py",
    "report_monitoring.py",
    "outcome.py",
    "workbook.py",
    "chartpage.py",
}


def sheet_builders(path: Path) -> set[str]:
    """The workbook classes (Sheet, Page, Figure) the file constructs."""
    return {
        node.func.id
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"Sheet", "Page", "Figure"}
    }


def test_sheets_are_built_only_by_the_report_layer() -> None:
    building = {path.name for path in PACKAGE.rglob("*.py") if sheet_builders(path)}
    assert "report.py" in building and "outcome.py" in building
    assert building - REPORT_LAYER == set()


def test_no_module_is_over_800_lines() -> None:
    """Rooms that say what they hold: a module past ~800 lines holds more than one thing."""
    sizes = {path.relative_to(PACKAGE).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
             for path in PACKAGE.rglob("*.py")}  # fmt: skip
    assert {name: lines for name, lines in sizes.items() if lines > 800} == {}

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

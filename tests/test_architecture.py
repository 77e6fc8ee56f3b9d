"""The layering rules of design.md that a reviewer should not have to remember."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qtpy")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_under_core_imports_qt_in_its_source() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & set(QT_MODULES))
        for path in (ROOT / "core").rglob("*.py")
        if imported_modules(path) & set(QT_MODULES)
    }
    assert offenders == {}


def test_importing_every_core_module_loads_no_qt() -> None:
    modules = sorted(
        "core." + ".".join(path.relative_to(ROOT / "core").with_suffix("").parts)
        for path in (ROOT / "core").rglob("*.py")
        if path.name != "__init__.py"
    )
    assert modules, "core/ has no modules"
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_project_never_reads_the_shared_folder() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("core", "gui", "tests", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if "../shared" in path.read_text(encoding="utf-8") and path.name != "test_architecture.py"
    ]
    assert offenders == []


def test_the_command_line_starts_the_parse_before_loading_the_heavy_modules() -> None:
    """`core.cli` starts python-calamine parsing before it imports pandas and the checks (they overlap).

    Everything it loads first is on the way to that start, so it keeps off the heavier modules too.
    """
    heavy = ("pandas", "numpy", "typing", "dataclasses", "concurrent", "logging")
    script = f"import sys\nimport core.cli\nprint(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

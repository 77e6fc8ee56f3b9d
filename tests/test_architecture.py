"""The layering rules of design.md that a reviewer should not have to remember."""

from __future__ import annotations

import ast
import os
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
    """`core.cli.main` starts python-calamine parsing before it imports pandas and the checks (they overlap).

    Everything it loads first is on the way to that start, so it keeps off the heavier modules too.
    """
    heavy = ("pandas", "numpy", "typing", "dataclasses", "concurrent", "logging")
    script = f"import sys\nimport core.cli.main\nprint(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_window_opens_without_the_heavy_libraries(tmp_path: Path) -> None:
    """Opening the main window loads no pandas, numpy, paramiko, openpyxl, docx nor keyring (issue 15).

    Under Wine they cost seconds before the window appears; the jobs import them on their worker threads
    when a file is read, checked or sent, and the views name their types only under TYPE_CHECKING.
    """
    heavy = ("pandas", "numpy", "paramiko", "openpyxl", "docx", "keyring")
    script = (
        "import sys\n"
        "import gui.main_window\n"
        "from gui.app import Options, application, create_window\n"
        "app = application()\n"
        "window = create_window(Options())\n"
        "window.show()\n"
        "app.processEvents()\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))\n"
    )
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", IDI_SHARE_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, env=environment
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def core_module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def core_import_graph() -> dict[str, set[str]]:
    """Each module under core/ -> the core modules it imports (at any depth of its code, lazily or not)."""
    modules = {core_module_name(path): path for path in (ROOT / "core").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from core.reading import messages` names a module; `from core.x import f` names a function
                targets.update(
                    f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                    for alias in node.names
                )
        graph[name] = {target for target in targets if target in modules and target != name}
    return graph


def test_core_is_split_into_the_stages_the_data_goes_through() -> None:
    packages = {path.parent.name for path in (ROOT / "core").glob("*/__init__.py")}
    assert {"reading", "checking", "sending", "cli"} <= packages


def stage(module: str) -> str:
    parts = module.split(".")
    return (
        parts[1] if len(parts) > 2 or (len(parts) == 2 and (ROOT / "core" / parts[1]).is_dir()) else "shared"
    )


def test_each_stage_imports_only_the_stages_before_it() -> None:
    """reading -> checking -> sending -> cli; the shared modules (errors, paths, logs, profile) import no stage."""
    allowed = {
        "shared": {"shared"},
        "reading": {"shared", "reading"},
        "checking": {"shared", "reading", "checking"},
        "sending": {"shared", "reading", "checking", "sending"},
        "cli": {"shared", "reading", "checking", "sending", "cli"},
    }
    offenders = sorted(
        f"{module} imports {target}"
        for module, targets in core_import_graph().items()
        for target in targets
        if stage(target) not in allowed[stage(module)]
    )
    assert offenders == []


def test_no_import_cycles_between_core_modules() -> None:
    graph = core_import_graph()
    # package __init__ modules are imported with every submodule; an edge to one is not a dependency on it
    graph = {
        m: {t for t in ts if not (ROOT / "core" / Path(*t.split(".")[1:]) / "__init__.py").exists()}
        for m, ts in graph.items()
    }
    cycles: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_import_graph_is_read_from_the_source() -> None:
    """The graph above is read from real source: a reading module importing checking shows as an edge."""
    graph = core_import_graph()
    assert "core.reading.table" in graph["core.reading.sources"]
    assert "core.checking.identifiers" in graph["core.checking.matching"]
    assert stage("core.reading.sources") == "reading" and stage("core.errors") == "shared"


def test_every_rule_in_the_catalogue_is_documented_and_every_documented_rule_exists() -> None:
    """docs/rules.md is what maintainers and script writers read; it must name exactly the catalogue's ids."""
    import re

    from core.checking.rules import RULES

    documented = set(re.findall(r"^\| `([a-z_]+)` \|", (ROOT / "docs" / "rules.md").read_text("utf-8"), re.M))
    assert documented == set(RULES)

"""How soon the window appears: process start to the main window shown, offscreen, in a fresh interpreter.

Goal (issue 15): under Wine the installed window is shown in under 3 s. Under Wine every imported module
costs several times what it costs here, so this measures on Linux what drives that: the wall clock from
starting `python` to the small "starting" window and to `MainWindow.show()` painted once, the time
`import gui.main_window` takes on its own, and which heavy libraries (pandas, numpy, paramiko, openpyxl,
docx) that import loads. Each run is a new process with a throwaway settings folder; the best of
`--repeats` is reported.
The last line is exactly `shown S s import I s heavy N`; the opening window's time is printed above it.

Run: .venv/bin/python bench/bench_startup.py [--quick] [--repeats N] [--root FOLDER]  (--root: another checkout to
measure with this Python, e.g. the commit before a change)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO_ROOT, machine_line

HEAVY = ("pandas", "numpy", "paramiko", "openpyxl", "docx")

SHOWN = """
import time
import gui.app
from gui.app import Options, application, create_window
app = application()
if hasattr(gui.app, "opening_window"):  # a checkout from before the opening window has none
    gui.app.opening_window()
    print(time.monotonic())
else:
    print("nan")
window = create_window(Options())
window.show()
app.processEvents()
print(time.monotonic())
"""

IMPORT = f"""
import json, sys, time
start = time.perf_counter()
import gui.main_window
print(time.perf_counter() - start)
print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))
"""


def child_environment() -> dict[str, str]:
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    environment["IDI_SHARE_HOME"] = tempfile.mkdtemp(prefix="idi-bench-startup-")  # never the real settings
    return environment


def time_to_window(root: Path) -> tuple[float, float]:
    """Seconds from just before the process starts to the opening window shown (nan when there is none),
    and to the main window shown and painted once."""
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", SHOWN], cwd=root, env=child_environment(), capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(result.stderr)
    opening, shown = result.stdout.split()[-2:]
    return float(opening) - start, float(shown) - start


def time_to_import(root: Path) -> tuple[float, list[str]]:
    """Seconds `import gui.main_window` takes in a fresh process, and the heavy libraries it loaded."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORT], cwd=root, env=child_environment(), capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(result.stderr)
    seconds, heavy = result.stdout.strip().splitlines()[-2:]
    return float(seconds), json.loads(heavy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three runs of each, not five")
    parser.add_argument("--repeats", type=int, default=None, help="runs of each (default 5)")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="the checkout to measure")
    options = parser.parse_args()
    options.repeats = options.repeats or (3 if options.quick else 5)
    print(machine_line())
    windows = [time_to_window(options.root) for _ in range(options.repeats)]
    imports = [time_to_import(options.root) for _ in range(options.repeats)]
    heavy = imports[0][1]
    opening, shown = [o for o, _ in windows], [s for _, s in windows]
    print(f"opening window shown: best {min(opening):.2f} s of {', '.join(f'{s:.2f}' for s in opening)}")
    print(f"main window shown: best {min(shown):.2f} s of {', '.join(f'{s:.2f}' for s in shown)}")
    print(f"import gui.main_window: best {min(s for s, _ in imports):.2f} s; heavy libraries loaded: {heavy}")
    print(f"shown {min(shown):.2f} s import {min(s for s, _ in imports):.2f} s heavy {len(heavy)}")


if __name__ == "__main__":
    main()

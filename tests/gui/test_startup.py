"""Starting the window: something is shown at once, before the main window's modules are loaded (issue 15)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QLabel

ROOT = Path(__file__).resolve().parents[2]

# Runs `main.py` (no arguments) in a fresh interpreter, noting what is loaded and shown at each stage; the
# main window closes itself as soon as the event loop runs, which ends the app.
STARTUP_SCRIPT = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
import gui.app

seen = {"imported_before_opening": "gui.main_window" in sys.modules}
show_opening, create_window = gui.app.opening_window, gui.app.create_window

def opening_window():
    opening = show_opening()
    seen["opening_shown"] = opening.isVisible()
    seen["opening_texts"] = [label.text() for label in opening.findChildren(QLabel)]
    seen["imported_with_opening"] = "gui.main_window" in sys.modules
    seen["opening"] = opening
    return opening

def create(options, as_of=None):
    window = create_window(options, as_of)
    def look_then_close():
        seen["window_shown"] = window.isVisible()
        seen["opening_closed_by_then"] = not seen.pop("opening").isVisible()
        window.close()
    QTimer.singleShot(0, look_then_close)
    return window

gui.app.opening_window, gui.app.create_window = opening_window, create
code = gui.app.main([])
print(json.dumps({"code": code, **seen}))
"""


def test_the_opening_window_says_the_app_is_starting(qtbot) -> None:
    from gui.app import opening_window

    opening = opening_window()
    qtbot.addWidget(opening)
    assert opening.isVisible() and opening.windowTitle() == "IDI Share is starting"
    assert "IDI Share is starting…" in [label.text() for label in opening.findChildren(QLabel)]


def test_the_opening_window_is_shown_before_the_main_window_is_imported(tmp_path: Path) -> None:
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", IDI_SHARE_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", STARTUP_SCRIPT], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["code"] == 0
    assert not seen["imported_before_opening"] and not seen["imported_with_opening"]
    assert seen["opening_shown"] and "IDI Share is starting…" in seen["opening_texts"]
    assert seen["window_shown"] and seen["opening_closed_by_then"]


def test_the_warm_up_loads_the_heavy_libraries_off_the_windows_thread() -> None:
    script = (
        "import sys, threading\n"
        "from gui.app import start_warm_up\n"
        "before = 'pandas' in sys.modules\n"
        "thread = start_warm_up()\n"
        "thread.join()\n"
        "loaded = all(name in sys.modules for name in ('pandas', 'numpy', 'paramiko', 'pysequoia'))\n"
        "print(before, thread is not threading.main_thread(), loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True"]

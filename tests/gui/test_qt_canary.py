"""Canary for the PySide6 pin (design.md): 6.12.0 aborts CPython 3.11 after ~5,000 calls of a Qt method
that returns nothing ("Fatal Python error: none_dealloc"). Lift the pin only when this passes on the newer
release. Runs in a child process, because the failure is an abort, not an exception."""

from __future__ import annotations

import os
import subprocess
import sys

CANARY = """
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
widget = QWidget()
for _ in range(20_000):
    widget.setEnabled(True)
print("survived", flush=True)
"""


def test_twenty_thousand_void_qt_calls_do_not_abort_the_interpreter() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", CANARY], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "survived"

"""Start the window: `main.py`, `main.py --demo`, and `--screenshots DIR` for the README's pictures.

A small "IDI Share is starting…" window is shown as soon as Qt is up, before the main window's modules are
imported and its widgets built (about a second on Linux, several under Wine), so a double-click is
answered at once; the main window replaces it when ready. pandas and numpy are not loaded on the way to
it (tests/test_architecture.py); a background thread loads them once the window is up.

`--screenshots DIR` drives the real window offscreen through every step on the bundled demo and saves
DIR/NN-step.png with QWidget.grab(), then exits: the README's screenshots are always of the current code.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QMessageBox, QVBoxLayout, QWidget

from core.logs import log_file, setup_logging
from gui.style import apply_style

if TYPE_CHECKING:  # imported in create_window, once the opening window is up
    from gui.main_window import MainWindow

log = logging.getLogger("idi_share.gui")

USAGE = "Use: main.py [--demo] [--screenshots FOLDER]"
WINDOW_SIZE = (1200, 800)
DEMO_DELAY_MS = 100  # after show(): the first paint comes first


@dataclass
class Options:
    demo: bool = False
    screenshots: Path | None = None


class UsageError(Exception):
    """Arguments the window does not understand; the sentence says what it takes."""


def parse_options(argv: list[str]) -> Options:
    options = Options()
    arguments = list(argv)
    while arguments:
        argument = arguments.pop(0)
        if argument == "--demo":
            options.demo = True
        elif argument == "--screenshots":
            if not arguments:
                raise UsageError(f"--screenshots needs the folder to save the pictures in. {USAGE}")
            options.screenshots = Path(arguments.pop(0))
        else:
            raise UsageError(f'"{argument}" is not something the window understands. {USAGE}')
    return options


# How long a busy worker thread keeps the GIL when the window's thread asks for it (Python's default is 5 ms).
# Qt calls into Python many times for one paint or timer, and each call waits this long while a job runs, so
# the default let the window stall for 240 ms during a read and check; 0.5 ms brings it near 100 ms at no
# measured cost to the job (bench/bench_window.py).
GIL_SWITCH_SECONDS = 0.0005


def application(offscreen: bool = False) -> QApplication:
    """The running QApplication, or a new one with IDI Share's look."""
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    existing = QApplication.instance()
    if existing is not None:
        return existing  # type: ignore[return-value]
    if offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        font_dir = offscreen_font_dir(sys.platform, os.environ)
        if font_dir:
            os.environ["QT_QPA_FONTDIR"] = font_dir
    QCoreApplication.setApplicationName("IDI Share")
    QCoreApplication.setOrganizationName("IDI Share")
    app = QApplication(["IDI Share"])
    apply_style(app)
    return app


def offscreen_font_dir(platform: str, environ: Mapping[str, str]) -> str | None:
    """Where the offscreen platform should read fonts, when it would otherwise find none (so draw no text).

    On Windows it looks in its own lib/fonts folder, which PySide6 does not ship; the system's fonts are in
    %WINDIR%\\Fonts. Elsewhere fontconfig finds them. A QT_QPA_FONTDIR already set is left alone.
    """
    if platform != "win32" or environ.get("QT_QPA_FONTDIR"):
        return None
    return str(Path(environ.get("WINDIR") or environ.get("SystemRoot") or "C:\\Windows") / "Fonts")


def opening_window() -> QFrame:
    """A small "IDI Share is starting…" window, shown and painted before returning (see the module's text)."""
    opening = QFrame(None, Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
    opening.setObjectName("opening")
    # Not the main window's "IDI Share": a script waiting for that title (xdotool --name '^IDI Share$')
    # can tell the two apart.
    opening.setWindowTitle("IDI Share is starting")
    opening.setAccessibleName("IDI Share is starting")
    layout = QVBoxLayout(opening)
    layout.setContentsMargins(40, 28, 40, 28)
    title = QLabel("IDI Share")
    title.setObjectName("heading")
    message = QLabel("IDI Share is starting…")
    message.setObjectName("subtle")
    for text in (title, message):
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(text)
    opening.setMinimumWidth(320)
    opening.adjustSize()
    screen = QApplication.primaryScreen()
    if screen is not None:
        opening.move(screen.availableGeometry().center() - opening.rect().center())
    opening.show()
    opening.repaint()  # painted now: the imports that follow keep the event loop from running
    QApplication.processEvents()
    return opening


def create_window(options: Options, as_of: dt.date | None = None) -> MainWindow:
    """The main window; with `--demo` it opens the demo once shown (it arrives at Review when checked).

    The demo is read after the window's first paint: begun before it, the reading thread's imports held
    the GIL that Qt needs while showing the window, which appeared about 0.2 s later under Wine.
    """
    from gui.files_flow import DEMO_TITLE
    from gui.main_window import MainWindow

    window = MainWindow(as_of=as_of)
    if options.demo:
        window.setWindowTitle(DEMO_TITLE)
        QTimer.singleShot(DEMO_DELAY_MS, window.open_demo)
    return window


def main(argv: list[str]) -> int:
    """Entry point from main.py: open the window (and run until it closes), or take the screenshots."""
    try:
        options = parse_options(argv)
    except UsageError as error:
        print(error, file=sys.stderr)
        return 2
    setup_logging()
    app = application(offscreen=options.screenshots is not None)
    if options.screenshots is not None:
        from gui.screenshots import take_screenshots

        return take_screenshots(options.screenshots)
    opening = opening_window()
    window = create_window(options)
    fit_to_screen(window)
    window.show()
    opening.close()
    QTimer.singleShot(WARM_UP_DELAY_MS, start_warm_up)
    previous_hook = sys.excepthook
    sys.excepthook = crash_dialog
    try:
        return app.exec()
    finally:
        sys.excepthook = previous_hook


# The libraries every read and check needs (numpy, pandas) and those the Send page names the recipient key
# and the server with (pysequoia, paramiko: loading them there stopped the window for ~0.3 s, more under
# Wine), loaded on a thread of their own once the window is up. Third-party only: they import nothing of
# ours, so a job that imports them meanwhile just waits for this thread's import to finish; the two can
# never wait on each other (a cycle that Python breaks by handing out a half-initialised module).
WARM_UP_MODULES = ("numpy", "pandas", "paramiko", "pysequoia")
WARM_UP_DELAY_MS = 300  # after the window's first paints


def warm_up() -> None:
    """Import WARM_UP_MODULES (a no-op for those already loaded)."""
    import importlib

    for name in WARM_UP_MODULES:
        importlib.import_module(name)


def start_warm_up() -> threading.Thread:
    """Load the reading, checking and sending libraries in the background, while the person chooses a file."""
    thread = threading.Thread(target=warm_up, name="IDI Share warm-up")
    thread.start()
    return thread


def fit_to_screen(window: QWidget) -> None:
    """Open within the screen's available area (taskbar excluded), centred, at most the usual size."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is None:
        window.resize(*WINDOW_SIZE)
        return
    area = screen.availableGeometry()
    width = min(WINDOW_SIZE[0], area.width() - 24)
    height = min(WINDOW_SIZE[1], area.height() - 48)  # room for the title bar
    window.resize(width, height)
    window.move(area.x() + (area.width() - width) // 2, area.y() + max((area.height() - height) // 2 - 16, 0))


def crash_dialog(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    """A bug on the GUI thread: log it without its message (it may quote a cell) and say so plainly."""
    log.error("Unexpected error in the window", exc_info=(kind, error, trace))
    QMessageBox.critical(
        None,
        "IDI Share",
        "Something went wrong inside IDI Share. Nothing was sent. If it happens again, send the log file "
        f"(it holds no personal data) to your IT support: {log_file()}",
    )

"""Start the window: `main.py`, `main.py --demo`, and `--screenshots DIR` for the README's pictures.

`--screenshots DIR` drives the real window offscreen through every step on the bundled demo and saves
DIR/NN-step.png with QWidget.grab(), then exits: the README's screenshots are always of the current code.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QEventLoop, QThread
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QMessageBox

from core.logs import log_file, setup_logging
from gui.main_window import MATCH, REVIEW, SEND, MainWindow
from gui.style import apply_style

log = logging.getLogger("idi_share.gui")

USAGE = "Use: main.py [--demo] [--screenshots FOLDER]"
SCREENSHOT_SIZE = (1200, 800)
SCREENSHOT_WAIT_SECONDS = 120


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


def application(offscreen: bool = False) -> QApplication:
    """The running QApplication, or a new one with IDI Share's look."""
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


def create_window(options: Options, as_of: dt.date | None = None) -> MainWindow:
    """The main window, already opening the demo when asked (it arrives at Review when the check is done)."""
    window = MainWindow(as_of=as_of)
    if options.demo:
        window.open_demo()
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
        return take_screenshots(options.screenshots)
    window = create_window(options)
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    previous_hook = sys.excepthook
    sys.excepthook = crash_dialog
    try:
        return app.exec()
    finally:
        sys.excepthook = previous_hook


def crash_dialog(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    """A bug on the GUI thread: log it without its message (it may quote a cell) and say so plainly."""
    log.error("Unexpected error in the window", exc_info=(kind, error, trace))
    QMessageBox.critical(
        None,
        "IDI Share",
        "Something went wrong inside IDI Share. Nothing was sent. If it happens again, send the log file "
        f"(it holds no personal data) to your IT support: {log_file()}",
    )


# Screenshots ---------------------------------------------------------------------------------------------


def wait_until(condition: Callable[[], bool], seconds: float = SCREENSHOT_WAIT_SECONDS) -> bool:
    """Let the event loop (and so the workers' results) run until `condition` holds or time is up."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        QThread.msleep(10)
    return True


def fonts_can_draw_text() -> bool:
    """Whether the window's font has real glyphs (a platform with no font draws every letter as a box)."""
    metrics = QFontMetrics(QApplication.font())
    return all(metrics.inFontUcs4(ord(letter)) for letter in "Aa1ā")


def take_screenshots(folder: Path) -> int:
    """Drive the window through the demo, saving a picture at every step; 0 when every step was reached."""
    if not fonts_can_draw_text():
        print(
            "The screenshots would show boxes instead of text: Qt found no font here "
            "(QT_QPA_FONTDIR names the folder it reads fonts from).",
            file=sys.stderr,
        )
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    window = MainWindow()
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    shots: list[Path] = []

    def shoot(name: str) -> None:
        wait_until(lambda: False, 0.2)  # let layouts settle
        path = folder / f"{len(shots) + 1:02d}-{name}.png"
        window.grab().save(str(path), "PNG")
        shots.append(path)

    def fail(where: str) -> int:
        message = window.status_label.text()
        print(f"The screenshots stopped at {where}: {message}", file=sys.stderr)
        window.close()
        return 1

    shoot("open")
    window.open_demo(go_to_review=False, with_settings=False)  # a first run: columns matched automatically
    if not wait_until(lambda: window.table is not None and not window.runner.busy):
        return fail("opening the demo")
    shoot("open-file")
    window.go_to(MATCH)
    shoot("match")
    window.go_next()
    if not wait_until(lambda: window.step == REVIEW and not window.runner.busy):
        return fail("checking the demo")
    shoot("review")
    groups = window.review_step.problem_rows()
    if groups:
        window.review_step.problem_list.setCurrentRow(1)
        window.review_step.jump_to_problem(*groups[0])
        shoot("review-problem")
    window.go_next()
    if window.step != SEND:
        return fail("the Send step")
    shoot("send")
    with tempfile.TemporaryDirectory() as scratch:
        not_a_sheet = Path(scratch) / "Team meeting notes.docx"
        not_a_sheet.write_bytes(b"PK\x03\x04 not a spreadsheet")
        window.open_file(not_a_sheet)
        if wait_until(lambda: not window.runner.busy):
            shoot("open-problem")
    window.close()
    print("\n".join(str(path) for path in shots))
    return 0

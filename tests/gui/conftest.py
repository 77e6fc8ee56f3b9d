"""Fixtures for driving the real window offscreen: a window checking against the samples' date, and helpers
that wait for its workers through its own signals (never by sleeping a fixed time)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.integration.conftest import (  # noqa: F401 - real-service fixtures for the setup flow
    client_keys,
    gpg_keys,
    remote_dir,
    sshd,
    sshd_account,
)

os.environ["QT_QPA_PLATFORM"] = "offscreen"

WORKER_TIMEOUT_MS = 30_000


@pytest.fixture(scope="session")
def qapp():
    """The application as users get it (gui.app.application): Fusion, the light palette, the font and the
    stylesheet, so sizes and layouts are tested as they are drawn."""
    from gui.app import application

    return application(offscreen=True)


@pytest.fixture
def as_of(expected: dict) -> dt.date:
    return dt.date.fromisoformat(expected["as_of"])


@pytest.fixture
def window(qtbot, as_of: dt.date):
    """The main window, shown offscreen, checking against the date the samples were planted for."""
    from gui.main_window import MainWindow

    main_window = MainWindow(as_of=as_of)
    qtbot.addWidget(main_window)
    main_window.resize(1200, 800)
    main_window.show()
    yield main_window
    main_window.runner.cancel()
    main_window.runner.wait_for_done(WORKER_TIMEOUT_MS)


class Driver:
    """Moves the window through its steps the way a person would, waiting for each worker to report."""

    def __init__(self, qtbot, window) -> None:
        self.qtbot = qtbot
        self.window = window

    def open(self, path: Path) -> None:
        with self.qtbot.waitSignal(self.window.table_loaded, timeout=WORKER_TIMEOUT_MS):
            self.window.open_file(path)

    def open_expecting_problem(self, path: Path) -> str:
        with self.qtbot.waitSignal(self.window.task_failed, timeout=WORKER_TIMEOUT_MS) as blocker:
            self.window.open_file(path)
        return blocker.args[0]

    def check(self) -> None:
        """From the Match step, press Next and wait for Review."""
        with self.qtbot.waitSignal(self.window.check_finished, timeout=WORKER_TIMEOUT_MS):
            self.window.next_button.click()

    def open_and_check(self, path: Path) -> None:
        self.open(path)
        self.window.next_button.click()
        self.check()


@pytest.fixture
def driver(qtbot, window) -> Driver:
    return Driver(qtbot, window)

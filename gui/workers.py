"""The one threading pattern (design.md): long work runs in QThreadPool + QRunnable, reporting through signals.

Reading a spreadsheet and checking it can take seconds on a large file, and the window must keep
answering meanwhile. So every long job is a plain function run by a `Task` on the global thread pool. The
task never touches a widget: it reports only through its `WorkerSignals` (progress, finished, failed),
which Qt delivers on the GUI thread. Every `run()` catches everything: a bad file becomes the plain
sentence of its `InputError`; anything else is logged without cell values (core.logs) and shown as a
generic sentence. The `TaskRunner` keeps one job at a time for its window, shows a busy indicator only
after ~300 ms (so quick jobs do not flicker), and can cancel: the job stops at its next
`raise_if_cancelled()` (or, for an upload, at core.sending.transfer's next check of the cancel event). Reading and
checking are simply dropped; an upload is waited for, so the window reports how it really ended.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from core.errors import InputError, SendError
from core.logs import log_file

log = logging.getLogger("idi_share.gui")

INDICATOR_DELAY_MS = 300
STOPPED_MESSAGE = "Stopped, as you asked. Nothing was changed or sent."


def generic_failure_message() -> str:
    """What the user reads when something unexpected broke: no detail that could hold a cell value."""
    return (
        "Something went wrong inside IDI Share, so this step stopped. Nothing was changed or sent. "
        f"Try again; if it happens again, send the log file (it holds no personal data) to your IT "
        f"support: {log_file()}"
    )


class Cancelled(Exception):
    """Raised inside a job when the user pressed Cancel; the runner drops the job quietly."""


class WorkerSignals(QObject):
    """How a job talks to the GUI thread. Created in the GUI thread, emitted from the worker; every
    signal carries the task's number, so the receiver (a QObject slot, hence a queued connection) knows
    which job spoke."""

    progress = Signal(int, int, str)  # task, percent done (-1 when unknown), what is happening now
    finished = Signal(int, object)  # task, the job's return value
    failed = Signal(int, str)  # task, a plain sentence for the user
    ended = Signal(int)  # task: run() has returned, the pool is done with it


class TaskContext:
    """Handed to each job: report progress, and notice when the user cancelled."""

    def __init__(self, number: int, signals: WorkerSignals) -> None:
        self._number = number
        self._signals = signals
        self._cancel = threading.Event()

    def report(self, percent: int, text: str) -> None:
        self._signals.progress.emit(self._number, percent, text)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def cancel_event(self) -> threading.Event:
        """For core calls that take a cancel event (the upload checks it between requests)."""
        return self._cancel

    def raise_if_cancelled(self) -> None:
        if self._cancel.is_set():
            raise Cancelled


Job = Callable[[TaskContext], Any]


class Task(QRunnable):
    """One job on the thread pool. `run()` never lets an exception escape and never touches a widget."""

    def __init__(self, number: int, job: Job, description: str, signals: WorkerSignals) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the runner holds the Python object until `ended` arrives
        self.number = number
        self.job = job
        self.description = description
        self.signals = signals
        self.context = TaskContext(number, signals)

    def run(self) -> None:
        try:
            result = self.job(self.context)
        except Cancelled:
            self._emit(self.signals.failed, STOPPED_MESSAGE)
        except (InputError, SendError) as error:  # the user can act on these: show their sentence
            self._emit(self.signals.failed, error.message)
        except BaseException:  # a worker thread has no one above it to catch anything
            log.exception("Unexpected error while %s", self.description)
            self._emit(self.signals.failed, generic_failure_message())
        else:  # even when cancelled: a job that finished anyway (an upload that completed) must be told
            self._emit(self.signals.finished, result)
        finally:
            self._emit(self.signals.ended)

    def _emit(self, signal: Any, *payload: Any) -> None:
        """Emit, unless the window (and with it the signals object) was closed while the job ran."""
        try:
            signal.emit(self.number, *payload)
        except RuntimeError:
            log.info("A result arrived after its window closed; dropped.")


class BusyIndicator(QWidget):
    """A quiet 'working on it' line with a progress bar and a Cancel button, for the status bar."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("busyIndicator")
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop this and go back to where you were. Nothing is changed.")
        self.cancel_button.clicked.connect(self.cancel_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.hide()

    def begin(self, text: str) -> None:
        self.label.setText(text)
        self.bar.setRange(0, 0)

    def show_progress(self, percent: int, text: str) -> None:
        if text:
            self.label.setText(text)
        if percent >= 0:
            self.bar.setRange(0, 100)
            self.bar.setValue(percent)


@dataclass
class _Pending:
    task: Task
    on_finished: Callable[[Any], None]
    on_failed: Callable[[str], None]
    wait_after_cancel: bool = False


class TaskRunner(QObject):
    """Runs one job at a time for a window and delivers its outcome on the GUI thread.

    Starting a new job cancels the one still running (opening a second file while the first is read).
    A cancelled job's result is dropped; its Python object is kept until the pool has finished with it.
    """

    busy_changed = Signal(bool)
    progressed = Signal(int, str)  # the current job's percent (-1 unknown) and words, for a page to show
    stopped = Signal(str)  # a job dropped at Cancel (its description): the window says so, truthfully

    def __init__(self, indicator: BusyIndicator, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.indicator = indicator
        self.indicator.cancel_requested.connect(self.cancel)
        self.pool = QThreadPool.globalInstance()
        self.signals = WorkerSignals(self)
        self.signals.progress.connect(self._on_progress)
        self.signals.finished.connect(self._on_finished)
        self.signals.failed.connect(self._on_failed)
        self.signals.ended.connect(self._on_ended)
        self._numbers = itertools.count(1)
        self._current: _Pending | None = None
        self._alive: dict[int, Task] = {}
        self._show_timer = QTimer(self)
        self._show_timer.setSingleShot(True)
        self._show_timer.setInterval(INDICATOR_DELAY_MS)
        self._show_timer.timeout.connect(self.indicator.show)

    @property
    def busy(self) -> bool:
        return self._current is not None

    def start(
        self,
        description: str,
        job: Job,
        on_finished: Callable[[Any], None],
        on_failed: Callable[[str], None],
        *,
        wait_after_cancel: bool = False,
    ) -> Task:
        """Run `job` in the pool; `on_finished(result)` or `on_failed(sentence)` is called on this thread.

        `wait_after_cancel`: Cancel asks the job to stop and waits for it to say how it ended (an upload
        must finish cleaning up the server before the window says nothing was left there).
        """
        self._cancel(announce=False)
        task = Task(next(self._numbers), job, description, self.signals)
        self._alive[task.number] = task
        self._current = _Pending(task, on_finished, on_failed, wait_after_cancel)
        self.indicator.cancel_button.setEnabled(True)
        self.indicator.begin(description[:1].upper() + description[1:] + "…")
        self._show_timer.start()
        self.busy_changed.emit(True)
        self.pool.start(task)
        return task

    @Slot()
    def cancel(self) -> None:
        """Stop waiting for the current job; the job stops at its next check, its result is dropped."""
        self._cancel(announce=True)

    def _cancel(self, announce: bool) -> None:
        """`announce`: the person pressed Cancel (say so); not when a new job simply replaces this one."""
        if self._current is None:
            return
        self._current.task.context.cancel()
        if self._current.wait_after_cancel:
            self.indicator.label.setText("Stopping…")
            self.indicator.cancel_button.setEnabled(False)
            return
        description = self._current.task.description
        self._stop_waiting()
        if announce:
            self.stopped.emit(description)

    def wait_for_done(self, msecs: int = 30_000) -> bool:
        """Block until the pool is idle (for shutdown and tests only; never from a button)."""
        return self.pool.waitForDone(msecs)

    def _is_current(self, number: int) -> bool:
        return self._current is not None and self._current.task.number == number

    @Slot(int, int, str)
    def _on_progress(self, number: int, percent: int, text: str) -> None:
        if self._is_current(number):
            self.indicator.show_progress(percent, text)
            self.progressed.emit(percent, text)

    @Slot(int, object)
    def _on_finished(self, number: int, result: object) -> None:
        if self._is_current(number):
            callback = self._current.on_finished
            self._stop_waiting()
            callback(result)

    @Slot(int, str)
    def _on_failed(self, number: int, message: str) -> None:
        if self._is_current(number):
            callback = self._current.on_failed
            self._stop_waiting()
            callback(message)

    @Slot(int)
    def _on_ended(self, number: int) -> None:
        self._alive.pop(number, None)
        if self._is_current(number):  # ended without a word (cannot happen today): never hang busy
            callback = self._current.on_failed
            self._stop_waiting()
            callback(STOPPED_MESSAGE)

    def _stop_waiting(self) -> None:
        self._current = None
        self._show_timer.stop()
        self.indicator.hide()
        self.busy_changed.emit(False)

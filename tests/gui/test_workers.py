"""The one threading pattern: results on the GUI thread, every failure reported as a sentence, cancel."""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.errors import InputError
from core.logs import ValueFreeFormatter
from gui.workers import STOPPED_MESSAGE, BusyIndicator, TaskContext, TaskRunner, generic_failure_message

TIMEOUT_MS = 10_000


class Outcome:
    """What the runner handed back, and on which thread."""

    def __init__(self) -> None:
        self.finished: list[object] = []
        self.failed: list[str] = []
        self.threads: list[int] = []

    def on_finished(self, value: object) -> None:
        self.threads.append(threading.get_ident())
        self.finished.append(value)

    def on_failed(self, message: str) -> None:
        self.threads.append(threading.get_ident())
        self.failed.append(message)

    @property
    def delivered(self) -> bool:
        return bool(self.finished or self.failed)


@pytest.fixture
def runner(qtbot):
    holder = QWidget()
    indicator = BusyIndicator()
    QVBoxLayout(holder).addWidget(indicator)
    qtbot.addWidget(holder)
    holder.show()
    task_runner = TaskRunner(indicator, holder)
    yield task_runner
    task_runner.cancel()
    task_runner.wait_for_done(TIMEOUT_MS)


def test_the_job_runs_in_the_pool_and_its_result_arrives_on_the_gui_thread(qtbot, runner) -> None:
    outcome = Outcome()
    runner.start("working", lambda _context: threading.get_ident(), outcome.on_finished, outcome.on_failed)
    qtbot.waitUntil(lambda: outcome.delivered, timeout=TIMEOUT_MS)
    gui_thread = threading.get_ident()
    assert outcome.finished[0] != gui_thread
    assert outcome.threads == [gui_thread]
    assert not runner.busy


def test_an_input_error_reaches_the_user_as_its_own_sentence(qtbot, runner) -> None:
    outcome = Outcome()

    def job(_context: TaskContext) -> None:
        raise InputError("The file is empty. Open the file that holds your list.")

    runner.start("reading", job, outcome.on_finished, outcome.on_failed)
    qtbot.waitUntil(lambda: outcome.delivered, timeout=TIMEOUT_MS)
    assert outcome.failed == ["The file is empty. Open the file that holds your list."]


def test_an_unexpected_error_is_a_generic_sentence_and_its_log_line_holds_no_cell_value(
    qtbot, runner, caplog
) -> None:
    outcome = Outcome()

    def job(_context: TaskContext) -> None:
        raise ValueError("could not convert 'Aroha Te Whare' to a date")

    with caplog.at_level(logging.ERROR, logger="idi_share"):
        runner.start("checking", job, outcome.on_finished, outcome.on_failed)
        qtbot.waitUntil(lambda: outcome.delivered, timeout=TIMEOUT_MS)
    assert outcome.failed == [generic_failure_message()]
    assert "Aroha" not in outcome.failed[0]
    record = next(r for r in caplog.records if r.exc_info)
    record.exc_text = (
        None  # caplog's own formatter cached the full text; the log file's formatter must not see it
    )
    written = ValueFreeFormatter("%(message)s").format(record)
    assert "ValueError" in written and "Aroha" not in written


def test_the_busy_indicator_appears_only_once_a_job_takes_a_while(qtbot, runner) -> None:
    release = threading.Event()
    outcome = Outcome()
    runner.start(
        "reading a big file",
        lambda _context: release.wait(TIMEOUT_MS / 1000),
        outcome.on_finished,
        outcome.on_failed,
    )
    assert runner.busy and not runner.indicator.isVisible()
    qtbot.waitUntil(runner.indicator.isVisible, timeout=TIMEOUT_MS)
    assert "Reading a big file" in runner.indicator.label.text()
    release.set()
    qtbot.waitUntil(lambda: outcome.delivered, timeout=TIMEOUT_MS)
    assert not runner.indicator.isVisible()


def test_cancel_stops_waiting_drops_the_result_and_the_job_stops(qtbot, runner) -> None:
    started, stopped = threading.Event(), threading.Event()
    outcome = Outcome()

    def job(context: TaskContext) -> str:
        started.set()
        try:
            while True:
                context.raise_if_cancelled()
                threading.Event().wait(0.01)
        finally:
            stopped.set()

    runner.start("checking", job, outcome.on_finished, outcome.on_failed)
    assert started.wait(TIMEOUT_MS / 1000)
    runner.indicator.cancel_button.click()
    assert not runner.busy
    assert stopped.wait(TIMEOUT_MS / 1000)
    runner.wait_for_done(TIMEOUT_MS)
    qtbot.wait(50)  # let any queued signal arrive: it must be dropped
    assert not outcome.delivered


def test_starting_a_new_job_replaces_the_one_still_running(qtbot, runner) -> None:
    release = threading.Event()
    first, second = Outcome(), Outcome()
    runner.start(
        "reading one file",
        lambda _c: release.wait(TIMEOUT_MS / 1000) and "first",
        first.on_finished,
        first.on_failed,
    )
    runner.start("reading another", lambda _c: "second", second.on_finished, second.on_failed)
    qtbot.waitUntil(lambda: second.delivered, timeout=TIMEOUT_MS)
    release.set()
    runner.wait_for_done(TIMEOUT_MS)
    qtbot.wait(50)
    assert second.finished == ["second"] and not first.delivered


def test_a_job_that_must_clean_up_is_waited_for_after_cancel(qtbot, runner) -> None:
    started = threading.Event()
    outcome = Outcome()

    def job(context: TaskContext) -> str:
        started.set()
        context.cancel_event.wait(TIMEOUT_MS / 1000)  # what core.sending.transfer does between requests
        context.raise_if_cancelled()
        return "sent"

    runner.start("sending", job, outcome.on_finished, outcome.on_failed, wait_after_cancel=True)
    assert started.wait(TIMEOUT_MS / 1000)
    runner.cancel()
    assert runner.busy and runner.indicator.label.text() == "Stopping…"
    assert not runner.indicator.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: outcome.delivered, timeout=TIMEOUT_MS)
    assert outcome.failed == [STOPPED_MESSAGE] and not runner.busy


def test_a_job_that_finished_before_it_saw_the_cancel_still_reports_success(qtbot, runner) -> None:
    release = threading.Event()
    outcome = Outcome()
    runner.start(
        "sending",
        lambda _c: release.wait(TIMEOUT_MS / 1000) and "sent",
        outcome.on_finished,
        outcome.on_failed,
        wait_after_cancel=True,
    )
    runner.cancel()
    release.set()
    qtbot.waitUntil(lambda: outcome.delivered, timeout=TIMEOUT_MS)
    assert outcome.finished == ["sent"]

"""The IDI Share window: home, setup and settings, history, and the four steps of one supply.

The window owns the state of one supply (the saved supply, the file, the table read from it, the check
result) and starts every long job through the one TaskRunner (gui.workers). Views and steps only show
things and say what the person asked for; every rule and every byte read or written is in core/. The
saved-supply side is in gui.supply_flow, the Send step's in gui.sending_flow, the jobs in gui.jobs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.checking.matching import MappingSuggestion
from core.checking.readiness_answers import saved_answers
from core.profile import SupplyProfile
from core.reading.table import SourceTable
from core.sending import supplies
from gui.files_flow import FilesFlow
from gui.history_view import HistoryView
from gui.home_view import HomeView
from gui.jobs import CheckedList, LoadedSheet, check_job, read_job
from gui.readiness_flow import ReadinessFlow
from gui.readiness_view import ReadinessView
from gui.sending_flow import SendingFlow
from gui.setup.setup_view import SetupView
from gui.step_indicator import StepIndicator
from gui.steps.match_details import MatchChoices
from gui.steps.match_step import MatchStep
from gui.steps.open_step import OpenStep, dropped_file, plural
from gui.steps.review_step import ReviewStep
from gui.steps.send_step import SendStep
from gui.style import stylesheet_held_back
from gui.supply_flow import SupplyFlow
from gui.widgets import StatusLine, enter_presses_buttons, label
from gui.workers import BusyIndicator, TaskRunner

if TYPE_CHECKING:
    from core.checking.check import CheckResult
    from core.sending.supplies import SavedSupply

log = logging.getLogger("idi_share.gui")

OPEN, MATCH, REVIEW, SEND = range(4)
STEP_NAMES = {OPEN: "Open", MATCH: "Match columns", REVIEW: "Review", SEND: "Send"}
NEXT_LABELS = {OPEN: "&Next: match columns  →", MATCH: "&Next: check the list  →", REVIEW: "&Next: send  →"}
CLOSE_WAIT_MS = 5_000


class MainWindow(SupplyFlow, SendingFlow, FilesFlow, ReadinessFlow, QMainWindow):
    """One window: home, setup, history and the steps. Signals let tests (and screenshots) wait for workers."""

    OPEN = OPEN
    step_changed = Signal(int)
    table_loaded = Signal()
    check_finished = Signal()
    task_failed = Signal(str)
    file_saved = Signal(Path)
    supply_sent = Signal(object)  # the receipt of an upload
    connection_tested = Signal(object)  # the ConnectionReport of Test connection
    readiness_checked = Signal()  # the readiness view has the list's answers
    readiness_saved = Signal()  # an answer was saved with the supply

    def __init__(self, as_of: dt.date | None = None) -> None:
        super().__init__()
        self.setWindowTitle("IDI Share")
        self.setAcceptDrops(True)
        self.as_of = as_of  # None: check against today
        self.path: Path | None = None
        self.table: SourceTable | None = None
        self.suggestion: MappingSuggestion | None = None
        self.profile: SupplyProfile | None = None
        self.supply: SavedSupply | None = None  # the saved supply being prepared
        self.new_profile: SupplyProfile | None = (
            None  # a supply just set up, saved once its columns are matched
        )
        self.settings_supply: SavedSupply | None = None
        self.saved_count = 0  # supplies saved in the settings folder, as last listed
        self.session_secret: str | None = None  # a password typed in setup where no secure store exists
        self.result: CheckResult | None = None
        self.demo = False
        self.sent_result: CheckResult | None = None  # the result already sent: never send it twice by mistake
        self._continue_to_review = False
        self._continue_to_match = False  # a re-read with the headings row chosen on the Match page
        self.offer_readiness = False  # Review offers "Is our data ready?" after setting up a supply
        with stylesheet_held_back():
            self._build()
            self.go_to(OPEN)
            self.show_start_view()

    def _build(self) -> None:
        """The pages, the runner, menus and connections."""
        self.open_step = OpenStep()
        self.match_step = MatchStep()
        self.review_step = ReviewStep()
        self.send_step = SendStep()
        self.steps: list[Any] = [self.open_step, self.match_step, self.review_step, self.send_step]
        self.home_view = HomeView()
        self.setup_view = SetupView()
        self.history_view = HistoryView()
        self.readiness_view = ReadinessView()
        self.busy_indicator = BusyIndicator()
        self.runner = TaskRunner(self.busy_indicator, self)
        self.runner.busy_changed.connect(self._on_busy_changed)
        self._build_layout()
        self._build_menus()
        self._connect_steps()
        self._connect_views()
        self.runner.progressed.connect(self.open_step.show_progress)
        self.runner.stopped.connect(self._on_stopped)
        enter_presses_buttons(self)
        self.open_step._last_folder = self.send_step.start_folder = supplies.last_folder()
        self.setup_view.key_page.start_folder = self.open_step._last_folder

    # Layout ----------------------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        self.demo_banner = label(
            "Demo: a made-up register of people, to show how IDI Share works. Nothing is sent from the demo.",
            "demoBanner",
        )
        self.demo_banner.hide()
        self.indicator = StepIndicator([step.title for step in self.steps])
        self.stack = QStackedWidget()
        for step in self.steps:
            self.stack.addWidget(step)
        self.steps_view = QWidget()
        layout = QVBoxLayout(self.steps_view)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.indicator)
        banner_row = QHBoxLayout()
        banner_row.setContentsMargins(24, 10, 24, 0)
        banner_row.addWidget(self.demo_banner)
        layout.addLayout(banner_row)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self._navigation())
        self.views = QStackedWidget()
        for view in (
            self.home_view,
            self.setup_view,
            self.steps_view,
            self.history_view,
            self.readiness_view,
        ):
            self.views.addWidget(view)
        self.setCentralWidget(self.views)
        self.status_label = StatusLine("Open a spreadsheet to begin.")
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.busy_indicator)
        self.statusBar().setSizeGripEnabled(True)

    def _navigation(self) -> QFrame:
        bar = QFrame()
        bar.setObjectName("navigation")
        self.home_button = QPushButton("⌂  H&ome")
        self.home_button.clicked.connect(self.show_home)
        self.back_button = QPushButton("←  &Back")
        self.back_button.clicked.connect(self.go_back)
        self.readiness_button = QPushButton(
            "Is our data &ready?…"
        )  # on Review after setup: no room on the page
        tip = "Before your first supply, Stats NZ asks how you record people. IDI Share answers most of it from this list."
        self.readiness_button.setToolTip(tip)
        self.readiness_button.setAccessibleDescription(tip)
        self.readiness_button.clicked.connect(lambda: self.show_readiness())
        self.next_button = QPushButton(NEXT_LABELS[OPEN])
        self.next_button.setObjectName("primary")
        self.next_button.clicked.connect(self.go_next)
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(24, 10, 24, 10)
        layout.addWidget(self.home_button)
        layout.addWidget(self.back_button)
        layout.addStretch(1)
        layout.addWidget(self.readiness_button)
        layout.addWidget(self.next_button)
        return bar

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = QAction("&Open a spreadsheet…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self._browse_spreadsheet)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        import_action = QAction("&Import supply settings…", self)
        import_action.triggered.connect(lambda: self.import_settings())
        export_action = QAction("&Export supply settings…", self)
        export_action.triggered.connect(lambda: self.export_settings())
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_action)
        file_menu.addSeparator()
        file_menu.addActions([import_action, export_action])
        self.specification_action = QAction("Export data &specification…", self)
        self.specification_action.triggered.connect(lambda: self.export_specification())
        file_menu.addAction(self.specification_action)
        file_menu.aboutToShow.connect(
            lambda: self.specification_action.setEnabled(self._supply_for_export() is not None)
        )
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        self.addAction(self.open_action)  # Ctrl+O works wherever the focus is
        supply_menu = self.menuBar().addMenu("&Supply")
        for text, slot in (
            ("&Home", self.show_home),
            ("&Settings…", lambda: self.open_settings()),
            ("&Test connection…", lambda: self.open_settings(page_name="server")),
            ("History of &receipts", self.show_history),
            ("Is our data &ready?…", lambda: self.show_readiness()),
            ("Set up a &new supply…", lambda: self.start_setup()),
        ):
            action = QAction(text, self)
            action.triggered.connect(slot)
            supply_menu.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        demo_action = QAction("Try the &demo", self)
        demo_action.triggered.connect(lambda: self.open_demo())
        about_action = QAction("&About IDI Share", self)
        about_action.triggered.connect(self._about)
        help_menu.addActions([demo_action, about_action])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = supplies.recent_files()
        for path in recent:
            action = self.recent_menu.addAction(path.name)
            action.setToolTip(str(path))
            action.triggered.connect(lambda _=False, chosen=path: self.open_file(chosen))
        if not recent:
            self.recent_menu.addAction("(no spreadsheets opened yet)").setEnabled(False)

    def _browse_spreadsheet(self) -> None:
        self.open_step._last_folder = self.open_step._last_folder or supplies.last_folder()
        self.open_step.browse()

    def _connect_steps(self) -> None:
        self.open_step.file_chosen.connect(self.open_file)
        self.open_step.sheet_chosen.connect(self.choose_sheet)
        self.open_step.settings_chosen.connect(self.use_settings)
        self.match_step.changed.connect(self._on_matches_changed)
        self.match_step.save_requested.connect(self.save_settings)
        self.match_step.header_row_chosen.connect(self.use_header_row)
        self.review_step.report_requested.connect(self.save_report)
        self.send_step.save_requested.connect(self.save_encrypted_file)
        self.send_step.send_requested.connect(self.send_now)
        self.send_step.rows_choice_changed.connect(self.choose_rows_with_errors)
        self.send_step.changes_confirmed.toggled.connect(
            lambda _on: self.send_step.allow(*self.send_blockers())
        )
        self.send_step.settings_requested.connect(lambda page_name: self.open_settings(page_name=page_name))

    def _connect_views(self) -> None:
        self.home_view.prepare_requested.connect(self.prepare)
        self.home_view.settings_requested.connect(self.open_settings)
        self.home_view.history_requested.connect(self.show_history)
        self.home_view.new_supply_requested.connect(lambda: self.start_setup())
        self.home_view.import_requested.connect(lambda: self.import_settings())
        self.history_view.home_requested.connect(self.show_home)
        self.home_view.readiness_requested.connect(self.show_readiness)
        self.home_view.specification_requested.connect(lambda supply: self.export_specification(supply))
        self.readiness_view.answers_changed.connect(self.save_readiness_answers)
        self.readiness_view.export_requested.connect(lambda: self.export_specification())
        self.readiness_view.home_requested.connect(self.show_home)
        self.setup_view.finished.connect(self._on_setup_finished)
        self.setup_view.page_done.connect(self._keep_draft)
        self.setup_view.saved.connect(self._on_settings_saved)
        self.setup_view.cancelled.connect(self._on_setup_cancelled)
        self.setup_view.remove_requested.connect(self.remove_settings_supply)
        self.setup_view.server_page.test_requested.connect(self.test_connection)
        self.setup_view.key_page.folder_used.connect(supplies.remember_folder)

    def _on_busy_changed(self, _busy: bool) -> None:
        self._update_navigation()

    def _on_stopped(self, description: str) -> None:
        """Cancel pressed: the page and the status bar say what was stopped, not what was under way."""
        if not self.open_step.reading.isHidden():
            self.open_step.show_stopped("Reading was stopped, as you asked: no file is open.")
        self._say(f"Stopped {description}, as you asked. Nothing was changed or sent.")
        self._update_navigation()

    def show_view(self, view: QWidget) -> None:
        self.views.setCurrentWidget(view)
        self._update_navigation()

    # Moving between steps ------------------------------------------------------------------------------

    @property
    def step(self) -> int:
        return self.stack.currentIndex()

    def go_to(self, step: int) -> None:
        self.views.setCurrentWidget(self.steps_view)
        self.stack.setCurrentIndex(step)
        self.indicator.set_current(step)
        self._update_navigation()
        focus = getattr(self.steps[step], "set_focus_to_first", None)
        if focus is not None:
            focus()
        elif step == OPEN:
            self.open_step.drop_zone.choose_button.setFocus(Qt.FocusReason.OtherFocusReason)
        log.info("Step: %s", STEP_NAMES[step])  # where the window is, no data (the smoke test waits for it)
        self.step_changed.emit(step)

    def go_next(self) -> None:
        if not self.next_button.isEnabled():
            return
        if self.step == OPEN:
            self.go_to(MATCH)
        elif self.step == MATCH:
            self.start_check()
        elif self.step == REVIEW:
            self._prepare_send_step()
            self.go_to(SEND)

    def go_back(self) -> None:
        if self.step > OPEN and not self.runner.busy:
            self.go_to(self.step - 1)

    def _update_navigation(self) -> None:
        busy = self.runner.busy
        step = self.step
        self.back_button.setVisible(step > OPEN)
        self.home_button.setVisible(not self.demo and self.saved_count > 0)
        self.back_button.setEnabled(not busy)
        self.readiness_button.setVisible(step == REVIEW and self.offer_readiness)
        self.next_button.setVisible(step < SEND)
        self.next_button.setText(NEXT_LABELS.get(step, ""))
        ready = {
            OPEN: self.table is not None,
            MATCH: self.table is not None and self.match_step.problem_text() is None,
            REVIEW: self.result is not None,
        }.get(step, False)
        self.next_button.setEnabled(ready and not busy)

    def _say(self, text: str) -> None:
        self.status_label.setText(text)

    # Step 1: opening a file ------------------------------------------------------------------------------

    def open_file(self, path: Path, sheet: str | None = None) -> None:
        """Read the file in a worker; the user opening their own file leaves the demo."""
        if self.demo:
            self._leave_demo()
        self._read(Path(path), sheet)

    def choose_sheet(self, sheet: str) -> None:
        if self.path is not None and (self.table is None or sheet != self.table.sheet):
            self._read(self.path, sheet)

    def use_header_row(self, row: int) -> None:
        """Read the sheet again with its headings on this row (chosen on the Match page), and come back there."""
        if self.path is not None and self.table is not None:
            self._continue_to_match = True
            self._read(self.path, self.table.sheet, header_row=row)

    def _read(self, path: Path, sheet: str | None, header_row: int | None = None) -> None:
        self.path = path
        self.table = self.suggestion = self.result = None
        self.go_to(OPEN)
        self.open_step.show_reading(path)
        self._say(f"Reading {path.name}…")
        self.runner.start(
            f"reading {path.name}",
            read_job(path, sheet, self.profile, header_row),
            self._on_read,
            self._on_read_failed,
        )

    def _on_read(self, loaded: LoadedSheet) -> None:
        self.table, self.suggestion = loaded.table, loaded.suggestion
        if not self.demo:
            supplies.remember_file(loaded.table.path)
        self.open_step.show_loaded(loaded.table)
        saved = self.profile if self.profile is not None and self.profile.mapping else None
        self.match_step.populate(loaded.table, loaded.suggestion, saved, loaded.gender_codes)
        self._say(f"Opened {loaded.table.path.name}: {plural(loaded.table.row_count, 'row')} of people.")
        self._update_navigation()
        self.table_loaded.emit()
        if self._continue_to_review:
            self._continue_to_review = False
            self.go_to(MATCH)
            self.start_check()
        elif self._continue_to_match:
            self._continue_to_match = False
            self.go_to(MATCH)
        else:
            self.next_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_read_failed(self, message: str) -> None:
        self._continue_to_review = self._continue_to_match = False
        self.open_step.show_problem(message)
        self._say(f"{self.path.name if self.path else 'The file'} could not be opened.")
        self._update_navigation()
        self.task_failed.emit(message)

    # Step 2: matching columns ------------------------------------------------------------------------------

    def _on_matches_changed(self) -> None:
        self.result = None
        self._update_navigation()

    def profile_from_choices(self, choices: MatchChoices) -> SupplyProfile:
        """The saved settings (or new ones) with this sheet and these matches."""
        changes = {
            "mapping": dict(choices.mapping),
            "identifier_type": choices.identifier_type,
            "date_order": choices.date_order,
            "gender_values": dict(choices.gender_values),
            "sheet": self.table.sheet if self.table else None,
            "header_row": self.table.header_row if self.table else None,
        }
        if self.profile is not None:
            return dataclasses.replace(self.profile, **changes)
        name = f"{self.path.stem} supply" if self.path else "My supply"
        return SupplyProfile(name=name, **changes)

    def start_check(self) -> None:
        problem = self.match_step.problem_text()
        if self.table is None or problem:
            if problem:
                self.match_step.problem.say(problem)
            return
        profile = self._save_checked_supply(self.profile_from_choices(self.match_step.choices()))
        as_of = self.as_of or dt.date.today()
        table = self.table
        self._say(f"Checking {plural(table.row_count, 'row')}…")
        self.runner.start(
            f"checking {plural(table.row_count, 'row')}",
            check_job(table, profile, as_of),
            self._on_checked,
            self._on_check_failed,
        )

    def _on_checked(self, checked: CheckedList) -> None:
        result = self.result = checked.result
        self.review_step.show_result(result, checked.problems, checked.changes)
        self.offer_readiness = (  # at the end of setup, until the questions are answered
            not self.demo and self.supply is not None and not saved_answers(self.supply.profile)
        )
        self._say(f"Checked {plural(result.rows, 'row')} of people in {result.table.path.name}.")
        self.go_to(REVIEW)
        self.check_finished.emit()

    def _on_check_failed(self, message: str) -> None:
        self.go_to(MATCH)
        self.match_step.problem.say(message)
        self._say("The check could not be run.")
        self.task_failed.emit(message)

    # Window events ---------------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_file(event)
        if path is not None:
            event.acceptProposedAction()
            self.open_file(path)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.runner.cancel()
        self.runner.wait_for_done(CLOSE_WAIT_MS)
        super().closeEvent(event)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About IDI Share",
            "IDI Share checks your list of people so Stats NZ can link it in the Integrated Data "
            "Infrastructure, and sends only the columns you agreed, encrypted.",
        )

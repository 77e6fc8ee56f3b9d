"""The IDI Share window: four steps (Open, Match columns, Review, Send) with Back/Next, one at a time.

The window owns the state of one supply (the file, the table read from it, the saved settings, the check
result) and starts every long job through the one TaskRunner (gui.workers). The steps only show things
and say what the user asked for; every rule and every byte read or written is in core/.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.checking.matching import MappingSuggestion
from core.errors import InputError
from core.profile import SftpSettings, SupplyProfile, load_profile, save_profile
from core.reading.table import SourceTable
from gui.resources import demo_profile, demo_spreadsheet
from gui.steps.match_step import MatchChoices, MatchStep
from gui.steps.open_step import OpenStep, dropped_file, plural
from gui.steps.review_step import ReviewStep
from gui.steps.send_step import SendStep
from gui.table_model import ProblemIndex
from gui.widgets import label
from gui.workers import BusyIndicator, TaskContext, TaskRunner

if TYPE_CHECKING:
    from core.checking.changes import ChangeSummary
    from core.checking.check import CheckResult
    from core.sending.history import Receipt

log = logging.getLogger("idi_share.gui")

OPEN, MATCH, REVIEW, SEND = range(4)
STEP_NAMES = {OPEN: "Open", MATCH: "Match columns", REVIEW: "Review", SEND: "Send"}
NEXT_LABELS = {OPEN: "&Next: match columns  →", MATCH: "&Next: check the list  →", REVIEW: "&Next: send  →"}
DEMO_REASON = "This is the demo: nothing is ever sent from it. Open your own spreadsheet to send a real list."
CLOSE_WAIT_MS = 5_000


@dataclass
class LoadedSheet:
    """What reading a file in the worker hands back to the window."""

    table: SourceTable
    suggestion: MappingSuggestion


@dataclass
class CheckedList:
    """What checking in the worker hands back: the result and its problems indexed for the table."""

    result: CheckResult
    problems: ProblemIndex
    changes: ChangeSummary | None = None  # since the last supply sent with these settings


class StepIndicator(QFrame):
    """The row of step names at the top: done steps ticked, the current one highlighted."""

    def __init__(self, titles: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepIndicator")
        self.titles = titles
        self.labels = [QLabel() for _ in titles]
        layout = QHBoxLayout(self)
        layout.setContentsMargins(20, 8, 20, 8)
        layout.setSpacing(4)
        for number, step_label in enumerate(self.labels):
            if number:
                arrow = QLabel("›")
                arrow.setObjectName("subtle")
                layout.addWidget(arrow)
            layout.addWidget(step_label)
        layout.addStretch(1)

    def set_current(self, current: int) -> None:
        for number, (step_label, title) in enumerate(zip(self.labels, self.titles, strict=True)):
            state = "done" if number < current else "current" if number == current else "todo"
            mark = "✓" if state == "done" else str(number + 1)
            step_label.setText(f"{mark}  {title}")
            step_label.setAccessibleName(f"Step {number + 1} of {len(self.titles)}: {title}, {state}")
            step_label.setProperty("stepState", state)
            step_label.style().unpolish(step_label)
            step_label.style().polish(step_label)


class MainWindow(QMainWindow):
    """One window, four steps. Signals let tests (and the screenshot run) wait for the workers."""

    step_changed = Signal(int)
    table_loaded = Signal()
    check_finished = Signal()
    task_failed = Signal(str)
    file_saved = Signal(Path)
    supply_sent = Signal(object)  # the receipt of an upload

    def __init__(self, as_of: dt.date | None = None) -> None:
        super().__init__()
        self.setWindowTitle("IDI Share")
        self.setAcceptDrops(True)
        self.as_of = as_of  # None: check against today
        self.path: Path | None = None
        self.table: SourceTable | None = None
        self.suggestion: MappingSuggestion | None = None
        self.profile: SupplyProfile | None = None
        self.result: CheckResult | None = None
        self.demo = False
        self.sent_result: CheckResult | None = None  # the result already sent: never send it twice by mistake
        self._continue_to_review = False

        self.open_step = OpenStep()
        self.match_step = MatchStep()
        self.review_step = ReviewStep()
        self.send_step = SendStep()
        self.steps: list[Any] = [self.open_step, self.match_step, self.review_step, self.send_step]
        self.busy_indicator = BusyIndicator()
        self.runner = TaskRunner(self.busy_indicator, self)
        self.runner.busy_changed.connect(lambda _busy: self._update_navigation())
        self._build_layout()
        self._build_menus()
        self._connect_steps()
        self.go_to(OPEN)

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
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.indicator)
        banner_row = QHBoxLayout()
        banner_row.setContentsMargins(24, 10, 24, 0)
        banner_row.addWidget(self.demo_banner)
        layout.addLayout(banner_row)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self._navigation())
        self.setCentralWidget(central)
        self.status_label = label("Open a spreadsheet to begin.", "status", wrap=False)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.busy_indicator)
        self.statusBar().setSizeGripEnabled(True)

    def _navigation(self) -> QFrame:
        bar = QFrame()
        bar.setObjectName("navigation")
        self.back_button = QPushButton("←  &Back")
        self.back_button.clicked.connect(self.go_back)
        self.next_button = QPushButton(NEXT_LABELS[OPEN])
        self.next_button.setObjectName("primary")
        self.next_button.clicked.connect(self.go_next)
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(24, 10, 24, 10)
        layout.addWidget(self.back_button)
        layout.addStretch(1)
        layout.addWidget(self.next_button)
        return bar

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = QAction("&Open a spreadsheet…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.open_step.browse)
        settings_action = QAction("Use &saved settings…", self)
        settings_action.triggered.connect(self.open_step.browse_settings)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addActions([self.open_action, settings_action])
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        self.addAction(self.open_action)  # Ctrl+O works wherever the focus is
        help_menu = self.menuBar().addMenu("&Help")
        demo_action = QAction("Try the &demo", self)
        demo_action.triggered.connect(lambda: self.open_demo())
        about_action = QAction("&About IDI Share", self)
        about_action.triggered.connect(self._about)
        help_menu.addActions([demo_action, about_action])

    def _connect_steps(self) -> None:
        self.open_step.file_chosen.connect(self.open_file)
        self.open_step.sheet_chosen.connect(self.choose_sheet)
        self.open_step.settings_chosen.connect(self.use_settings)
        self.match_step.changed.connect(self._on_matches_changed)
        self.match_step.save_requested.connect(self.save_settings)
        self.review_step.report_requested.connect(self.save_report)
        self.send_step.save_requested.connect(self.save_encrypted_file)
        self.send_step.send_requested.connect(self.send_now)

    # Moving between steps ------------------------------------------------------------------------------

    @property
    def step(self) -> int:
        return self.stack.currentIndex()

    def go_to(self, step: int) -> None:
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
        self.back_button.setEnabled(not busy)
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

    def _read(self, path: Path, sheet: str | None) -> None:
        self.path = path
        self.table = self.suggestion = self.result = None
        self.go_to(OPEN)
        self.open_step.show_reading(path)
        self._say(f"Reading {path.name}…")
        self.runner.start(
            f"reading {path.name}", read_job(path, sheet, self.profile), self._on_read, self._on_read_failed
        )

    def _on_read(self, loaded: LoadedSheet) -> None:
        self.table, self.suggestion = loaded.table, loaded.suggestion
        self.open_step.show_loaded(loaded.table)
        self.match_step.populate(loaded.table, loaded.suggestion, self.profile)
        self._say(f"Opened {loaded.table.path.name}: {plural(loaded.table.row_count, 'row')} of people.")
        self._update_navigation()
        self.table_loaded.emit()
        if self._continue_to_review:
            self._continue_to_review = False
            self.go_to(MATCH)
            self.start_check()
        else:
            self.next_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_read_failed(self, message: str) -> None:
        self._continue_to_review = False
        self.open_step.show_problem(message)
        self._say(f"{self.path.name if self.path else 'The file'} could not be opened.")
        self._update_navigation()
        self.task_failed.emit(message)

    def use_settings(self, path: Path) -> None:
        """Use saved settings (a profile): its matches, sheet and sending details."""
        try:
            profile = load_profile(Path(path))
        except InputError as error:
            self.go_to(OPEN)
            self.open_step.show_problem(error.message)
            self.task_failed.emit(error.message)
            return
        if self.demo:
            self._leave_demo()
        self.profile = profile
        self.open_step.show_settings(profile.name, Path(path).name)
        self._say(f'Using your saved settings "{profile.name}".')
        if self.path is not None:
            self._read(self.path, None)

    def open_demo(self, go_to_review: bool = True, with_settings: bool = True) -> None:
        """The bundled sample register with its sample settings, straight to Review; nothing is sent.

        `with_settings=False` lets the columns be matched automatically, as on a first run (screenshots).
        """
        self.demo = True
        self.profile = load_profile(demo_profile()) if with_settings else None
        self.demo_banner.show()
        self.setWindowTitle("IDI Share (demo)")
        if self.profile is not None:
            self.open_step.show_settings(self.profile.name, demo_profile().name)
        self._continue_to_review = go_to_review
        self._read(demo_spreadsheet(), None)

    def _leave_demo(self) -> None:
        self.demo = False
        self.profile = None
        self.open_step.show_settings(None)
        self.demo_banner.hide()
        self.setWindowTitle("IDI Share")

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
        profile = self.profile_from_choices(self.match_step.choices())
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
        self._say(f"Checked {plural(result.rows, 'row')} of people in {result.table.path.name}.")
        self.go_to(REVIEW)
        self.check_finished.emit()

    def _on_check_failed(self, message: str) -> None:
        self.go_to(MATCH)
        self.match_step.problem.say(message)
        self._say("The check could not be run.")
        self.task_failed.emit(message)

    def save_settings(self, path: Path) -> None:
        """Save the matches as a profile; a small file, written atomically by core.profile."""
        problem = self.match_step.problem_text()
        if problem or self.table is None:
            self.match_step.problem.say(problem or "Open a spreadsheet first.")
            return
        profile = self.profile_from_choices(self.match_step.choices())
        try:
            save_profile(profile, Path(path))
        except InputError as error:
            self.match_step.problem.say(error.message)
            self.task_failed.emit(error.message)
            return
        except OSError as error:
            message = f"The settings could not be saved to {Path(path).name} ({error.strerror}). Choose another folder."
            self.match_step.problem.say(message)
            self.task_failed.emit(message)
            return
        self.profile = profile
        self.open_step.show_settings(profile.name, Path(path).name)
        self._say(f"Saved your matches in {Path(path).name}. Next time, open them with “Use saved settings”.")
        self.file_saved.emit(Path(path))

    # Step 3: review -------------------------------------------------------------------------------------

    def save_report(self, path: Path) -> None:
        if self.result is None:
            return
        result = self.result

        def job(_context: TaskContext) -> Path:
            from core.checking.report import write_report

            return write_report(result, path)

        self._say("Saving the quality report…")
        self.runner.start("saving the quality report", job, self._on_report_saved, self._on_report_failed)

    def _on_report_saved(self, path: Path) -> None:
        self.review_step.report_note.setText(
            f"The quality report was saved as {Path(path).name}. It holds people's details: keep it safe."
        )
        self._say(f"Saved the quality report to {path}.")
        self.file_saved.emit(Path(path))

    def _on_report_failed(self, message: str) -> None:
        self.review_step.report_note.setText(message)
        self._say("The quality report was not saved.")
        self.task_failed.emit(message)

    # Step 4: send ------------------------------------------------------------------------------------------

    def _prepare_send_step(self) -> None:
        if self.result is None:
            return
        self.send_step.show_result(
            self.result, dt.date.today(), demo=self.demo, changes=self.review_step.changes
        )
        self.send_step.allow(*self.send_blockers())

    def send_blockers(self) -> tuple[str | None, str | None]:
        """Why 'Send now' and 'Save encrypted file' cannot be used now (None: they can)."""
        if self.demo:
            return DEMO_REASON, DEMO_REASON
        result = self.result
        if result is None:
            return "Check a list first.", "Check a list first."
        if result is self.sent_result:
            return "This list has been sent. To send another, open it on the first step.", None
        if result.has_error.any() and result.profile.output.rows_with_errors == "block":
            reason = "Fix the rows with a problem that must be fixed first."
            return reason, reason
        encryption = result.profile.encryption
        if encryption is None or encryption.recipient_key_file is None:
            reason = (
                "Sending and saving an encrypted file both need Stats NZ's encryption key in your settings."
            )
            return reason, reason
        if result.profile.sftp is None:
            return "Sending needs the server details in your settings; you can save the encrypted file.", None
        return None, None

    def save_encrypted_file(self, folder: Path) -> None:
        """Check, extract and encrypt in memory (worker), then write only the encrypted file into `folder`."""
        _send_reason, save_reason = self.send_blockers()
        if save_reason or self.result is None or self.table is None:
            self.send_step.show_failure(save_reason or "Check a list first.")
            return
        self._say("Encrypting…")
        job = save_job(self.result, Path(folder))
        self.runner.start("encrypting the file", job, self._on_supply_done, self._on_send_failed)

    def send_now(self, secret: str | None = None, remember: bool = False) -> None:
        """Check, extract, encrypt and upload (worker); asks for the password or the server's key on the way."""
        send_reason, _save_reason = self.send_blockers()
        if send_reason or self.result is None or self.table is None:
            self.send_step.show_failure(send_reason or "Check a list first.")
            return
        self._say("Sending…")
        job = send_job(self.result, secret)
        self.runner.start(
            "sending to Stats NZ",
            job,
            lambda outcome: self._on_supply_done(outcome, secret, remember),
            self._on_send_failed,
            wait_after_cancel=True,
        )

    def _on_supply_done(
        self, outcome: SupplyOutcome, secret: str | None = None, remember: bool = False
    ) -> None:
        sftp = self.result.profile.sftp if self.result else None
        if outcome.needs_secret and sftp is not None:
            answer = ask_secret(self, sftp, outcome.note)
            if answer is None:
                self.send_step.show_failure("Nothing was sent: sending was stopped at the password.")
                return
            self.send_now(*answer)
            return
        if outcome.host_key and sftp is not None:
            if not confirm_host_key(self, f"{sftp.host}:{sftp.port}", outcome.host_key):
                self.send_step.show_failure(
                    "Nothing was sent: the server's fingerprint was not confirmed. Ask Stats NZ for their "
                    "server's fingerprint, and send again when you can compare it."
                )
                return
            self._pin_host_key(outcome.host_key)
            self.send_now(secret, remember)
            return
        notes = self._remember_secret(secret) if remember else ""
        self.send_step.show_outcome(outcome_sentence(outcome) + notes)
        self._say(outcome_sentence(outcome))
        if outcome.saved_to is not None:
            self.file_saved.emit(outcome.saved_to)
            return
        self.sent_result = self.result
        self.send_step.allow(*self.send_blockers())
        self.supply_sent.emit(outcome.receipt)

    def _pin_host_key(self, fingerprint: str) -> None:
        """Keep the confirmed server key in the settings (and their file), so a changed key is caught next time."""
        profile = self.result.profile if self.result else None
        if profile is None or profile.sftp is None:
            return
        profile.sftp.host_key_sha256 = fingerprint  # shared with the saved settings this profile came from
        if self.profile is not None and self.profile.path is not None:
            try:
                save_profile(self.profile, self.profile.path)
            except (InputError, OSError):
                log.warning("The confirmed server key could not be saved in the settings file.")

    def _remember_secret(self, secret: str | None) -> str:
        sftp = self.result.profile.sftp if self.result else None
        if not secret or sftp is None:
            return ""
        from core.sending.credentials import store_secret

        try:
            store_secret(sftp.username, sftp.host, sftp.port, secret)
        except InputError as error:
            return f" The password was not remembered: {error.message}"
        return " The password is kept in this computer's credential store for next time."

    def _on_send_failed(self, message: str) -> None:
        self.send_step.show_failure(message)
        self._say("Nothing was sent or saved.")
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


# Jobs: plain functions run by the worker; they touch no widget. ---------------------------------------------


def read_job(path: Path, sheet: str | None, profile: SupplyProfile | None):
    """Read the sheet (the saved settings' sheet when the file has it) and suggest the column matches."""

    def job(context: TaskContext) -> LoadedSheet:
        from core.checking.matching import suggest_mapping
        from core.reading.sources import list_sheets, read_table

        chosen = sheet
        if chosen is None and profile is not None and profile.sheet and profile.sheet in list_sheets(path):
            chosen = profile.sheet
        table = read_table(path, sheet=chosen)
        context.raise_if_cancelled()
        if _needs_saved_header_row(table, profile):
            table = read_table(path, sheet=chosen, header_row=profile.header_row)
            context.raise_if_cancelled()
        return LoadedSheet(table, suggest_mapping(table))

    return job


def _needs_saved_header_row(table: SourceTable, profile: SupplyProfile | None) -> bool:
    """The headings were found elsewhere than the saved settings say, and the saved columns are missing."""
    if profile is None or not profile.header_row or profile.header_row == table.header_row:
        return False
    if profile.sheet and profile.sheet != table.sheet:
        return False
    return any(table.find_column(header) is None for header in profile.mapping.values())


def check_job(table: SourceTable, profile: SupplyProfile, as_of: dt.date):
    """Run every rule, then index the problems for the table, both off the GUI thread."""

    def job(context: TaskContext) -> CheckedList:
        from core.checking.check import run_check
        from core.sending.last_supply import changes_since_last_supply

        result = run_check(table, profile, as_of)
        context.raise_if_cancelled()
        return CheckedList(result, ProblemIndex(result), changes_since_last_supply(result))

    return job


@dataclass
class SupplyOutcome:
    """How a send or save job ended: a receipt, or a question for the person before it can go on."""

    receipt: Receipt | None = None
    saved_to: Path | None = None
    needs_secret: bool = False  # no password stored for this server, or the stored one was refused
    note: str = ""  # why the password is asked for again
    host_key: str | None = None  # first connection: the server's fingerprint, to confirm


def _prepared(result: CheckResult, context: TaskContext):
    from core.sending.extract import SupplyBlocked
    from core.sending.supply import prepare_supply

    context.report(-1, "Encrypting…")
    try:
        prepared = prepare_supply(result)
    except SupplyBlocked as blocked:
        raise InputError(str(blocked)) from None
    context.raise_if_cancelled()
    return prepared


def save_job(result: CheckResult, folder: Path):
    """Encrypt in memory and write only the encrypted file, with a receipt (core.sending.supply)."""

    def job(context: TaskContext) -> SupplyOutcome:
        from core.sending.supply import save_supply

        receipt, target = save_supply(_prepared(result, context), folder)
        return SupplyOutcome(receipt=receipt, saved_to=target)

    return job


def send_job(result: CheckResult, secret: str | None):
    """Encrypt in memory and upload (core.sending.supply); an unknown server or a missing password is a question."""

    def job(context: TaskContext) -> SupplyOutcome:
        from core.sending.credentials import secret_for_send
        from core.sending.supply import send_supply
        from core.sending.transfer import AuthenticationFailed, HostKeyUnknown

        sftp = result.profile.sftp
        password = secret if secret is not None else secret_for_send(sftp.username, sftp.host, sftp.port)
        if password is None:
            return SupplyOutcome(needs_secret=True)
        prepared = _prepared(result, context)
        shown = [-1]

        def progress(sent: int, total: int) -> None:
            percent = int(100 * sent / total) if total else 100
            if percent != shown[0]:
                shown[0] = percent
                context.report(percent, f"Sending… {percent}%")

        try:
            receipt = send_supply(prepared, password, progress=progress, cancel=context.cancel_event)
        except HostKeyUnknown as unknown:
            return SupplyOutcome(host_key=unknown.fingerprint)
        except AuthenticationFailed as refused:
            if secret is not None:
                raise  # the person just typed it: say so, do not ask in a loop
            return SupplyOutcome(needs_secret=True, note=refused.message)  # the stored one is out of date
        return SupplyOutcome(receipt=receipt)

    return job


def outcome_sentence(outcome: SupplyOutcome) -> str:
    receipt = outcome.receipt
    left_out = (
        f" {plural(receipt.rows_left_out, 'row')} with a problem that must be fixed were left out."
        if receipt.rows_left_out
        else ""
    )
    if outcome.saved_to is not None:
        where = f"Saved {outcome.saved_to.name} in {outcome.saved_to.parent}"
    else:
        where = f"Sent {receipt.file_name} to {receipt.server}"
    return (
        f"{where}: {plural(receipt.rows_sent, 'row')} of people, encrypted so only Stats NZ can open it."
        f"{left_out} A receipt was added to your history."
    )


def ask_secret(parent: QWidget, sftp: SftpSettings, note: str = "") -> tuple[str, bool] | None:
    """Ask for the server password (or key passphrase); (secret, remember it) or None when cancelled."""
    from core.sending.credentials import secure_backend_available

    dialog = SecretDialog(parent, sftp, can_remember=secure_backend_available(), note=note)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.secret.text(), dialog.remember.isChecked()


def confirm_host_key(parent: QWidget, server: str, fingerprint: str) -> bool:
    """First connection to a server: the person compares its fingerprint with the one Stats NZ gave them."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Check the server")
    box.setText(f"IDI Share has not sent to {server} before.")
    box.setInformativeText(
        "Compare this fingerprint, character by character, with the one Stats NZ gave you:\n\n"
        f"{fingerprint}\n\nSend only if they match exactly. If they do not, someone may be pretending to be "
        "the server: stop and call Stats NZ."
    )
    match = box.addButton("They &match: send", QMessageBox.ButtonRole.AcceptRole)
    stop = box.addButton("They do &not match: stop", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(stop)
    box.exec()
    return box.clickedButton() is match


class SecretDialog(QDialog):
    """The server password (or key passphrase), typed hidden; optionally kept in the credential store."""

    def __init__(self, parent: QWidget, sftp: SftpSettings, can_remember: bool, note: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to the server")
        what = "password" if sftp.auth == "password" else "passphrase of your key file"
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setAccessibleName(f"The {what}")
        prompt = QLabel(f"The &{what} for {sftp.username} at {sftp.host}:")
        prompt.setBuddy(self.secret)
        self.remember = QCheckBox("&Remember it in this computer's credential store")
        self.remember.setEnabled(can_remember)
        self.remember.setChecked(can_remember)
        if not can_remember:
            self.remember.setToolTip(
                "This computer has no secure credential store, so IDI Share will ask each time."
            )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if note:
            layout.addWidget(label(note, "subtle"))
        layout.addWidget(prompt)
        layout.addWidget(self.secret)
        layout.addWidget(self.remember)
        layout.addWidget(buttons)

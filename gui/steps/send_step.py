"""Step 4, Send: exactly what will leave (columns, rows, rows held back), where to, and what is missing.

The step never pretends: a button is enabled only when the main window says sending can really happen
(settings complete, nothing blocking, the sending code present), and otherwise a sentence says why not
and what to do. In the demo nothing is ever sent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.checking.rules import FIELD_NAMES, parts_of_full_name, plural, rule
from core.errors import InputError
from gui.widgets import MessagePanel, label, page, scroll_page

if TYPE_CHECKING:
    from core.checking.changes import ChangeSummary
    from core.checking.check import CheckResult

ENCRYPTED_SUFFIX = ".gpg"


def sent_columns(result: CheckResult) -> list[tuple[str, str, str]]:
    """(detail, column in the sheet, name in the file) for every column that leaves, in file order."""
    profile = result.profile
    rows = []
    for field, header in result.columns.items():
        if field == "full_name":
            for part in ("first_name", "last_name"):
                rows.append((FIELD_NAMES[part], f"{header} (split)", profile.output_column_name(part)))
        else:
            rows.append((FIELD_NAMES[field], header, profile.output_column_name(field)))
    rows += [("Extra column", header, header) for header in profile.extra_columns]
    return rows


def unsent_columns(result: CheckResult) -> list[str]:
    sent = set(result.columns.values()) | set(result.profile.extra_columns)
    return [header for header in result.table.headers if header not in sent]


def rows_sentence(result: CheckResult) -> tuple[str, bool]:
    """How many people leave, and whether rows with errors stop the supply (the second value)."""
    error_rows = int(result.has_error.sum())
    if not error_rows:
        return f"All {plural(result.rows, 'row')} of people are sent.", False
    if result.profile.output.rows_with_errors == "exclude":
        kept = result.rows - error_rows
        return (
            f"{plural(kept, 'row')} of people are sent. {plural(error_rows, 'row')} with a problem that must "
            f"be fixed are left out, and counted in the receipt. {left_out_reasons(result)}",
            False,
        )
    return (
        f"{plural(error_rows, 'row')} {'has' if error_rows == 1 else 'have'} a problem that must be fixed, "
        "so nothing can be sent yet. Fix them in your spreadsheet (the Review step shows where), then open "
        "it again.",
        True,
    )


def left_out_reasons(result: CheckResult, limit: int = 3) -> str:
    """Why rows are left out: the commonest problems that must be fixed, each with its count of rows."""
    issues = result.issues
    if issues.empty:
        return ""
    errors = issues[issues["severity"] == "error"]
    counts = errors.groupby(["rule", "field"], dropna=False)["row"].nunique().sort_values(ascending=False)
    parts = []
    for (rule_id, field), rows in counts.head(limit).items():
        field_name = None if field != field else field  # NaN: a row-level rule
        split = field_name in parts_of_full_name(result.columns)
        message = rule(rule_id).message_for(field_name, result.profile.identifier_type, split).rstrip(".")
        message = message if not parts else message[:1].lower() + message[1:]  # one sentence: "…; the NHI…"
        parts.append(f"{message} ({plural(int(rows), 'row')})")
    more = len(counts) - limit
    return "Why: " + "; ".join(parts) + (f"; and {plural(more, 'other problem')}." if more > 0 else ".")


def recipient_lines(profile) -> str:
    """Whose key the file is encrypted to, as read from the key file, not as the profile says (issue 12).

    Reads one small file (pysequoia only, no network): quick enough for the window's thread.
    """
    from core.sending.crypto import load_recipient_key

    encryption = profile.encryption
    if not encryption.recipient_fingerprint:
        return (
            "Recipient key: the profile has no fingerprint for it, so nothing can be sent until one is added."
        )
    try:
        key = load_recipient_key(encryption.recipient_key_file, encryption.recipient_fingerprint)
    except InputError as problem:
        return f"Recipient key: {problem}"
    return f"Encrypted for: {key.holder}\nKey fingerprint: {key.display_fingerprint}"


def file_name_for(result: CheckResult, today: dt.date) -> str:
    """The file name the settings ask for; the pattern itself if it cannot be filled in."""
    pattern = result.profile.output.file_name
    try:
        return pattern.format(organisation_code=result.profile.organisation_code or "supply", date=today)
    except (KeyError, IndexError, ValueError):
        return pattern


def rows_choice_texts(error_rows: int) -> tuple[str, str]:
    """The two choices for rows that must be fixed, with their count."""
    rows = plural(error_rows, "row")
    return (f"Stop: I will fix the {rows} first", f"Leave out the {rows} and send the rest")


def missing_settings(result: CheckResult) -> str | None:
    """What the saved settings lack for sending, in a sentence that says where to get it."""
    profile = result.profile
    has_key = profile.encryption is not None and profile.encryption.recipient_key_file is not None
    has_server = profile.sftp is not None
    if has_key and has_server:
        return None
    missing = " and ".join(
        part
        for part, absent in (
            ("no encryption key from Stats NZ", not has_key),
            ("no server to send to", not has_server),
        )
        if absent
    )
    return (
        f"Sending is not set up yet: your settings have {missing}. Stats NZ gives you these when your "
        "organisation is set up to supply: add them in Settings (the button below)."
    )


class SendStep(QWidget):
    """What leaves, where to, and the buttons; emits `send_requested` / `save_requested(path)`."""

    title = "Send"
    send_requested = Signal()
    save_requested = Signal(Path)
    rows_choice_changed = Signal(str)  # "block" or "exclude"
    settings_requested = Signal(str)  # the settings page to open

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        body, layout = page(
            "Send to Stats NZ",
            "Check what will leave this computer. Only the columns below are sent, encrypted so that only "
            "Stats NZ can open them.",
        )
        self.result: CheckResult | None = None
        layout.addWidget(label("What will be sent", "sectionTitle"))
        self.what_panel = QFrame()
        self.what_panel.setObjectName("notePanel")
        self.what_layout = QVBoxLayout(self.what_panel)
        self.what_layout.setContentsMargins(14, 10, 14, 10)
        self.rows_text = label("")
        self.columns_grid = QGridLayout()
        self.columns_grid.setHorizontalSpacing(18)
        self.unsent_text = label("", "subtle")
        self.what_layout.addWidget(self.rows_text)
        self.what_layout.addLayout(self.columns_grid)
        self.what_layout.addWidget(self.unsent_text)
        layout.addWidget(self.what_panel)
        self.blocked = MessagePanel("problemPanel")
        layout.addWidget(self.blocked)
        self.rows_choice = QFrame()
        choice_layout = QHBoxLayout(self.rows_choice)
        choice_layout.setContentsMargins(0, 0, 0, 0)
        self.block_choice = QRadioButton()
        self.exclude_choice = QRadioButton()
        self.choice_group = QButtonGroup(self)
        for button in (self.block_choice, self.exclude_choice):
            self.choice_group.addButton(button)
            choice_layout.addWidget(button)
        choice_layout.addStretch(1)
        self.block_choice.toggled.connect(self._on_rows_choice)
        layout.addWidget(self.rows_choice)
        self.changes_warning = MessagePanel("warningPanel")  # unusual changes since the last supply
        layout.addWidget(self.changes_warning)

        layout.addWidget(label("Where it goes", "sectionTitle"))
        self.where_text = label("")
        self.where_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.where_text)
        self._where_lines: list[str] = []
        self.file_name_row = QFrame()
        name_layout = QHBoxLayout(self.file_name_row)
        name_layout.setContentsMargins(0, 0, 0, 0)
        self.file_name = QLineEdit()
        self.file_name.setAccessibleName("The file name on the server")
        self.file_name.textChanged.connect(self._show_file_name)
        name_label = label("A file of this name was already sent: send this one as", wrap=False)
        name_layout.addWidget(name_label)
        name_layout.addWidget(self.file_name, 1)
        self.file_name_row.hide()
        layout.addWidget(self.file_name_row)
        self.changes = MessagePanel("warningPanel")
        layout.addWidget(self.changes)
        self.changes_confirmed = QCheckBox("I have checked these changes with Stats NZ: they are right")
        self.changes_confirmed.hide()
        layout.addWidget(self.changes_confirmed)
        self.missing = MessagePanel("warningPanel")
        layout.addWidget(self.missing)
        self.settings_button = QPushButton("Open Se&ttings")
        self.settings_button.clicked.connect(lambda: self.settings_requested.emit(self.settings_page))
        self.settings_button.hide()
        self.settings_page = "organisation"
        self.start_folder = ""  # where file dialogs open: the last folder used
        layout.addWidget(self.settings_button, 0, Qt.AlignmentFlag.AlignLeft)

        layout.addStretch(1)
        # Why not, the buttons and the outcome stay in view below the scrolling description: at 150% on a
        # small screen the description alone is taller than the window.
        actions = QWidget()
        action_layout = QVBoxLayout(actions)
        action_layout.setContentsMargins(24, 6, 24, 6)
        self.why_not = MessagePanel("notePanel")
        action_layout.addWidget(self.why_not)
        self.send_button = QPushButton("Send &now")
        self.send_button.setObjectName("primary")
        self.send_button.clicked.connect(self.send_requested)
        self.save_button = QPushButton("Save &encrypted file instead…")
        self.save_button.setToolTip("For organisations that hand the file to Stats NZ another way.")
        self.save_button.clicked.connect(self.browse_save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        action_layout.addLayout(buttons)
        self.outcome = MessagePanel("successPanel")
        self.failure = MessagePanel("problemPanel")
        action_layout.addWidget(self.outcome)
        action_layout.addWidget(self.failure)
        scroll_page(self, body)
        self.layout().addWidget(actions)  # below the scrolling description, always in view

    def show_result(
        self, result: CheckResult, today: dt.date, demo: bool = False, changes: ChangeSummary | None = None
    ) -> None:
        """Describe what this result would send; buttons stay off until `allow` says otherwise.

        `changes`: what changed since the last supply; unusual changes are said again before sending.
        """
        self.result = result
        self.changes_warning.say(changes.warning_text() if changes else "")
        rows_text, blocked = rows_sentence(result)
        self.rows_text.setText(
            rows_text if not blocked else f"{plural(result.rows, 'row')} of people checked."
        )
        self.blocked.say(rows_text if blocked else "")
        self._fill_columns(sent_columns(result))
        unsent = unsent_columns(result)
        self.unsent_text.setText(
            f"Not sent, they stay on this computer: {', '.join(unsent)}."
            if unsent
            else "Every column of the sheet is sent."
        )
        self.where_text.setText(self._where(result, today))
        missing = None if demo else missing_settings(result)
        self.missing.say(missing or "")
        self.show_settings_button(
            bool(missing), "key" if missing and "encryption key" in missing else "server"
        )
        error_rows = int(result.has_error.sum())
        self.rows_choice.setVisible(error_rows > 0 and not demo)
        block_text, exclude_text = rows_choice_texts(error_rows)
        self.block_choice.setText(block_text)
        self.exclude_choice.setText(exclude_text)
        self.block_choice.blockSignals(True)
        self.exclude_choice.blockSignals(True)
        exclude = result.profile.output.rows_with_errors == "exclude"
        (self.exclude_choice if exclude else self.block_choice).setChecked(True)
        self.block_choice.blockSignals(False)
        self.exclude_choice.blockSignals(False)
        self.file_name.setText(file_name_for(result, today) + ENCRYPTED_SUFFIX)
        self.file_name_row.hide()
        self.changes.clear()
        self.changes_confirmed.hide()
        self.changes_confirmed.setChecked(False)
        self.outcome.clear()
        self.failure.clear()

    def _fill_columns(self, columns: list[tuple[str, str, str]]) -> None:
        while self.columns_grid.count():
            item = self.columns_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()  # gone now: deleteLater waits for the event loop's next turn
                item.widget().deleteLater()
        for column, title in enumerate(("Detail", "Your column", "Named in the file")):
            self.columns_grid.addWidget(label(title, "columnTitle", wrap=False), 0, column)
        for line, (detail, header, name) in enumerate(columns, start=1):
            self.columns_grid.addWidget(label(detail, wrap=False), line, 0)
            self.columns_grid.addWidget(label(header, wrap=False), line, 1)
            self.columns_grid.addWidget(label(name, wrap=False), line, 2)
        self.columns_grid.setColumnStretch(3, 1)

    def show_settings_button(self, visible: bool, page_name: str = "organisation") -> None:
        self.settings_page = page_name
        self.settings_button.setVisible(visible)

    def _on_rows_choice(self) -> None:
        self.rows_choice_changed.emit("block" if self.block_choice.isChecked() else "exclude")

    def offer_file_name(self, name: str) -> None:
        """A file of the usual name is already there: let the person send under another name."""
        self.file_name.setText(name)
        self.file_name_row.show()

    def chosen_file_name(self) -> str:
        return self.file_name.text().strip()

    def _show_file_name(self, name: str) -> None:
        """The "Where it goes" lines name the file that will be sent, also when another name is offered."""
        if self._where_lines:
            self._where_lines[0] = f"File name: {name.strip()} (encrypted)"
            self.where_text.setText("\n".join(self._where_lines))

    def show_changes(self, changes: list[str]) -> None:
        """Server or keys differ from the last supply that arrived: said, and confirmed before sending."""
        if not changes:
            self.changes.clear()
            self.changes_confirmed.hide()
            return
        self.changes.say(
            "Changed since your last supply: " + " ".join(changes) + " Check with Stats NZ that this is "
            "expected before sending."
        )
        self.changes_confirmed.show()

    def _where(self, result: CheckResult, today: dt.date) -> str:
        profile = result.profile
        lines = [f"File name: {file_name_for(result, today)}{ENCRYPTED_SUFFIX} (encrypted)"]
        if profile.encryption and profile.encryption.recipient_key_file:
            lines.append(recipient_lines(profile))
        if profile.sftp:
            lines.append(
                f"Server: {profile.sftp.host} (port {profile.sftp.port}), folder {profile.sftp.remote_dir}"
            )
        self._where_lines = lines
        return "\n".join(lines)

    def allow(self, send_reason: str | None, save_reason: str | None) -> None:
        """Enable each button, or disable it and say why (None means allowed)."""
        self.send_button.setEnabled(send_reason is None)
        self.save_button.setEnabled(save_reason is None)
        reasons = [r for r in dict.fromkeys((send_reason, save_reason)) if r]
        self.why_not.say(" ".join(reasons))

    def show_outcome(self, text: str) -> None:
        self.failure.clear()
        self.outcome.say(text)

    def show_failure(self, text: str) -> None:
        self.outcome.clear()
        self.failure.say(text)

    def browse_save(self) -> None:
        if self.result is None:
            return
        chosen = QFileDialog.getExistingDirectory(
            self, "Choose the folder for the encrypted file", self.start_folder
        )
        if chosen:
            self.save_requested.emit(Path(chosen))

    def set_focus_to_first(self) -> None:
        target = self.send_button if self.send_button.isEnabled() else self.save_button
        if target.isEnabled():
            target.setFocus(Qt.FocusReason.OtherFocusReason)

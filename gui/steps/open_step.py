"""Step 1, Open: drag a spreadsheet in or choose it; pick the sheet; see where the headings were found.

The step only shows things and asks for things: it emits `file_chosen`, `sheet_chosen` and
`settings_chosen`, and the main window does the reading (in a worker) and tells it what came of it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.checking.rules import plural
from core.reading.suffixes import SUPPORTED_SUFFIXES
from core.reading.table import SourceTable
from gui.widgets import MessagePanel, label, page, scroll_page

SPREADSHEET_FILTER = (  # every kind the reader takes (core.reading.suffixes.SUPPORTED_SUFFIXES)
    "Spreadsheets (" + " ".join(f"*{suffix}" for suffix in SUPPORTED_SUFFIXES) + ");;All files (*)"
)
NO_SETTINGS_TEXT = (
    "Sent a list before? Open the settings you saved then, and your columns are matched the same way."
)
SETTINGS_FILTER = "IDI Share saved settings (*.idiprofile.json);;All files (*)"


def describe_table(table: SourceTable) -> str:
    """Where the list was found, in a sentence or two an office manager can check against the file."""
    above = table.header_row - 1
    skipped = f"; the {plural(above, 'row')} above them were skipped" if above else ""
    blank = f" ({plural(table.skipped_blank_rows, 'blank row')} skipped)" if table.skipped_blank_rows else ""
    where = f'sheet "{table.sheet}"' if table.file_format != "csv" else "the file"
    text = (
        f"The column headings were found on row {table.header_row} of {where}{skipped}. "
        f"Below them are {plural(table.row_count, 'row')}{blank} and {plural(len(table.columns), 'column')}."
    )
    hidden = [c.header for c in table.columns if c.hidden]
    if hidden:
        text += f" Hidden columns (shown here, never sent unless you match them): {', '.join(hidden)}."
    for note in table.notes:
        text += f" {note}"
    return text


class DropZone(QFrame):
    """The dashed box that takes a dropped file; the whole step accepts drops, this shows where."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setProperty("dragging", False)
        self.title = label("Drag your spreadsheet here", "dropTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.choose_button = QPushButton("&Choose a file…")
        self.choose_button.setObjectName("primary")
        self.choose_button.setToolTip("Find your spreadsheet on this computer (Ctrl+O)")
        kinds = label(
            "Excel (.xlsx, .xlsm, .xls), OpenDocument (.ods), or a text export (.csv, .tsv, .txt). "
            "IDI Share only reads your file: it never changes it.",
            "subtle",
        )
        kinds.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addStretch(1)
        layout.addWidget(self.title)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(label("or", "subtle", wrap=False))
        row.addWidget(self.choose_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(kinds)
        layout.addStretch(1)

    def set_file_open(self, is_open: bool) -> None:
        """Once a file is open, Next is the main way on: the choose button steps back (one primary button)."""
        self.choose_button.setText("&Choose a different file…" if is_open else "&Choose a file…")
        self.choose_button.setObjectName("" if is_open else "primary")
        self.choose_button.style().unpolish(self.choose_button)
        self.choose_button.style().polish(self.choose_button)

    def set_dragging(self, dragging: bool) -> None:
        self.setProperty("dragging", dragging)
        self.style().unpolish(self)
        self.style().polish(self)


class OpenStep(QWidget):
    """Choose the file (and the sheet); shows what was found or why the file cannot be used."""

    title = "Open your list"
    file_chosen = Signal(Path)
    sheet_chosen = Signal(str)
    settings_chosen = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        body, layout = page(
            "Open your list of people",
            "Open the spreadsheet where you keep the people your service works with. "
            "Next, you will check which column holds which detail, then review the list before sending.",
        )
        self.drop_zone = DropZone()
        self.drop_zone.choose_button.clicked.connect(self.browse)
        layout.addWidget(self.drop_zone)

        self.problem = MessagePanel("problemPanel")
        layout.addWidget(self.problem)
        self.reading = self._reading_panel()
        layout.addWidget(self.reading)
        self.found = self._found_panel()
        layout.addWidget(self.found)
        layout.addWidget(self._settings_row())
        layout.addStretch(1)
        scroll_page(self, body)  # at 150% on a small laptop the page scrolls; Next never does
        self._last_folder = ""

    def _reading_panel(self) -> QFrame:
        """Progress on the page itself while a file is read: what is happening and how far, where known."""
        panel = QFrame()
        panel.setObjectName("notePanel")
        self.reading_text = label("", "sectionTitle")
        self.reading_bar = QProgressBar()
        self.reading_bar.setAccessibleName("Reading progress")
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.addWidget(self.reading_text)
        layout.addWidget(self.reading_bar)
        layout.addWidget(label("Large files can take a minute. Cancel is at the bottom right.", "subtle"))
        panel.hide()
        return panel

    def show_progress(self, percent: int, text: str) -> None:
        """A worker's progress while reading: a percentage when known, otherwise a moving bar."""
        if self.reading.isHidden():
            return
        self.reading_bar.setRange(0, 100 if percent >= 0 else 0)
        if percent >= 0:
            self.reading_bar.setValue(percent)
        if text:
            self.reading_text.setText(text)

    def _found_panel(self) -> QFrame:
        panel = QFrame()
        panel.setObjectName("successPanel")
        self.file_label = label("", "sectionTitle")
        self.sheet_label = QLabel("Shee&t with your list:")
        self.sheet_picker = QComboBox()
        self.sheet_picker.setAccessibleName("Sheet with your list")
        self.sheet_picker.setMinimumContentsLength(20)
        self.sheet_label.setBuddy(self.sheet_picker)
        self.sheet_picker.activated.connect(self._on_sheet_picked)
        self.found_text = label("", "foundText")
        sheet_row = QHBoxLayout()
        sheet_row.addWidget(self.sheet_label)
        sheet_row.addWidget(self.sheet_picker)
        sheet_row.addStretch(1)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.addWidget(self.file_label)
        layout.addLayout(sheet_row)
        layout.addWidget(self.found_text)
        layout.addWidget(label("Press Next to check which column holds which detail.", "subtle"))
        panel.hide()
        return panel

    def _settings_row(self) -> QWidget:
        box = QFrame()
        box.setObjectName("notePanel")
        self.settings_text = label(NO_SETTINGS_TEXT, "subtle")
        self.settings_button = QPushButton("Use sa&ved settings…")
        self.settings_button.setToolTip("Open a file of saved settings (.idiprofile.json)")
        self.settings_button.clicked.connect(self.browse_settings)
        layout = QHBoxLayout(box)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(self.settings_text, 1)
        layout.addWidget(self.settings_button)
        return box

    # What the main window tells the step ------------------------------------------------------------

    def show_reading(self, path: Path) -> None:
        self.problem.clear()
        self.found.hide()
        self.drop_zone.set_file_open(False)
        self.file_label.setText(f"Reading {path.name}…")
        try:
            size = f" ({path.stat().st_size / 1_000_000:.1f} MB)"
        except OSError:
            size = ""
        self.reading_text.setText(f"Reading {path.name}{size}…")
        self.reading_bar.setRange(0, 0)
        self.reading.show()

    def show_stopped(self, text: str) -> None:
        """Reading ended without a table (cancelled or refused): the page says so, no bar left moving."""
        self.reading.hide()
        self.file_label.setText(text)

    def show_loaded(self, table: SourceTable) -> None:
        self.reading.hide()
        self.problem.clear()
        self.file_label.setText(f"{table.path.name} is open.")
        several = len(table.sheets) > 1
        self.sheet_picker.blockSignals(True)
        self.sheet_picker.clear()
        self.sheet_picker.addItems(table.sheets)
        self.sheet_picker.setCurrentText(table.sheet)
        self.sheet_picker.blockSignals(False)
        self.sheet_label.setVisible(several)
        self.sheet_picker.setVisible(several)
        self.found_text.setText(describe_table(table))
        self.found.show()
        self.drop_zone.set_file_open(True)

    def show_problem(self, message: str) -> None:
        self.reading.hide()
        self.found.hide()
        self.problem.say(message)

    def show_settings(self, name: str | None, file_name: str | None = None) -> None:
        """Say which saved settings are in use (None: none); no file name for a supply saved in the window."""
        if name and file_name:
            self.settings_text.setText(
                f'Using your saved settings "{name}" ({file_name}). Your columns will be matched the same way.'
            )
            self.settings_button.setText("Use other sa&ved settings…")
        elif name:
            self.settings_text.setText(f'Preparing "{name}": your columns will be matched as you set them.')
            self.settings_button.setText("Use other sa&ved settings…")
        else:
            self.settings_text.setText(NO_SETTINGS_TEXT)
            self.settings_button.setText("Use sa&ved settings…")

    def show_note(self, text: str) -> None:
        """A sentence in place of the saved-settings line (a supply being set up has none yet)."""
        self.settings_text.setText(text)

    # Asking the user ---------------------------------------------------------------------------------

    def browse(self) -> None:
        """The system's file picker (never called by tests: they call the main window's open_file)."""
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Choose your spreadsheet", self._last_folder, SPREADSHEET_FILTER
        )
        if chosen:
            self._last_folder = str(Path(chosen).parent)
            self.file_chosen.emit(Path(chosen))

    def browse_settings(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Choose your saved settings", self._last_folder, SETTINGS_FILTER
        )
        if chosen:
            self.settings_chosen.emit(Path(chosen))

    def _on_sheet_picked(self, index: int) -> None:
        self.sheet_chosen.emit(self.sheet_picker.itemText(index))

    # Drag and drop -------------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_file(event) is not None:
            event.acceptProposedAction()
            self.drop_zone.set_dragging(True)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.drop_zone.set_dragging(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self.drop_zone.set_dragging(False)
        path = dropped_file(event)
        if path is not None:
            event.acceptProposedAction()
            self.file_chosen.emit(path)


def dropped_file(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The one local file being dragged; the reader says in a sentence if it is not a spreadsheet."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    local = [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]
    return local[0] if len(local) == 1 else None

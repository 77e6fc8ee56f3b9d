"""Step 3, Review: how many people can be linked, the whole sheet with problem cells marked, problems by kind.

The headline comes from CheckResult.headline(); every problem text from the rule catalogue through the
table model. The side list counts rows per problem: choosing one filters the table to those rows, and
Enter or a double-click jumps to the first. The cell under the cursor is explained below the table too,
so keyboard users get what the tooltip says.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.checking.rules import SEVERITIES, plural
from gui.table_model import CheckTableModel, ProblemFilterProxy, severity_icon
from gui.widgets import MessagePanel, label

if TYPE_CHECKING:
    from core.checking.changes import ChangeSummary
    from core.checking.check import CheckResult
    from gui.problem_index import ProblemGroup, ProblemIndex

PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 1  # (rule_id, field) on a side-list item; None for "every row"
MIN_TABLE_HEIGHT = 150  # the heading and five rows: what a small screen keeps before the sentences go
SMALL_HEIGHT = 600  # below this (e.g. 1280x800 at 150% leaves 533 points) the explanation moves to a tooltip
FIT_ROWS = 20  # column widths from the heading and the first rows: enough to fit, and quick
CELL_PADDING = 12  # the item's margins either side of its text
MARK_ROOM = 20  # a marked cell's icon and the space after it
HEADING_PADDING = 16
MAX_FIT_WIDTH = 400  # a long note column should not push the rest off the screen


class ReviewStep(QWidget):
    """The checked sheet; emits `report_requested` with where to save the quality report."""

    title = "Review"
    report_requested = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: CheckResult | None = None
        self.changes: ChangeSummary | None = None  # since the last supply; the Send page shows it again
        self.model: CheckTableModel | None = None
        self.proxy = ProblemFilterProxy(self)
        self.headline = label("", "headline")
        self.headline.setAccessibleName("Result")
        self.summary = label("", "intro")
        explanation = label(
            "Ready to send means Stats NZ can link the person to other government records, by a valid ID "
            "number or by name, date of birth and gender. Fix problems in your own spreadsheet, then open it "
            "again.",
            "subtle",
        )
        self.headline.setToolTip(explanation.text())  # still there when a small screen hides the sentence
        self.explanation = explanation
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._table_side())
        splitter.addWidget(self._problem_side())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 8)
        layout.setSpacing(8)
        layout.addWidget(self.headline)
        layout.addWidget(self.summary)
        layout.addWidget(explanation)
        self.changes_warning = MessagePanel("warningPanel")  # unusual changes since the last supply
        layout.addWidget(self.changes_warning)
        layout.addWidget(splitter, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """On a short page the sentence under the headline gives way to the table (it stays as a tooltip)."""
        self.explanation.setVisible(event.size().height() >= SMALL_HEIGHT)
        super().resizeEvent(event)

    def _table_side(self) -> QWidget:
        self.table = QTableView()
        self.table.setObjectName("reviewTable")
        self.table.setAccessibleName("Your sheet, with problems marked")
        self.table.setModel(self.proxy)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # Tab moves on to the problem list, arrows move in the table
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setResizeContentsPrecision(FIT_ROWS)  # its width: its first and last rows
        self.table.setMinimumHeight(MIN_TABLE_HEIGHT)
        self.table.selectionModel().currentChanged.connect(self._explain_cell)
        self.cell_detail = label(
            "Choose a marked cell to see what is wrong and how to fix it.", "subtle", rich=True
        )
        self.cell_detail.setMinimumHeight(44)
        self.cell_detail.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.filter_note = label("", "filterNote")
        self.filter_note.hide()
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_note)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._legend())
        layout.addWidget(self.cell_detail)
        return holder

    def _legend(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(6)
        for severity in SEVERITIES.values():
            icon = QLabel()
            icon.setPixmap(severity_icon(severity.id).pixmap(16, 16))
            icon.setToolTip(severity.meaning)
            row.addWidget(icon)
            words = label(severity.label, wrap=False)
            words.setToolTip(severity.meaning)
            row.addWidget(words)
            row.addSpacing(14)
        not_sent = label("Grey text: not sent", "notSent")  # wraps only where the window is very narrow
        not_sent.setToolTip("Columns in grey are not sent: they stay on this computer.")
        row.addWidget(not_sent)
        row.addStretch(1)
        return row

    def _problem_side(self) -> QWidget:
        title = QLabel("&Problems found")
        title.setObjectName("sectionTitle")
        self.problem_list = QListWidget()
        self.problem_list.setObjectName("problemList")
        self.problem_list.setAccessibleName("Problems found")
        self.problem_list.setWordWrap(True)
        self.problem_list.setMinimumWidth(240)  # 1280x800 at 150% leaves 853 points for the whole window
        self.problem_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        title.setBuddy(self.problem_list)
        self.problem_list.currentItemChanged.connect(self._on_problem_chosen)
        self.problem_list.itemActivated.connect(self._on_problem_activated)
        self.fix_text = label("", "subtle")
        self.report_button = QPushButton("Save &quality report…")
        self.report_button.setToolTip(
            "A workbook listing every problem, to work through in your spreadsheet. It holds people's "
            "details: save it where only your team can open it."
        )
        self.report_button.clicked.connect(self.browse_report)
        self.report_note = label("", "subtle")
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(
            label("Choose one to show only those rows. Press Enter to go to the first.", "subtle")
        )
        layout.addWidget(self.problem_list, 1)
        layout.addWidget(self.fix_text)
        layout.addWidget(self.report_button)
        layout.addWidget(self.report_note)
        return holder

    # Showing a result ----------------------------------------------------------------------------------

    def show_result(
        self, result: CheckResult, problems: ProblemIndex | None = None, changes: ChangeSummary | None = None
    ) -> None:
        """Show a check; `problems` is the index the worker built (built here when not given).

        `changes` is what changed since the last supply: unusual changes are warned about above the table.
        """
        self.result = result
        self.changes = changes
        self.changes_warning.say(changes.warning_text() if changes else "")
        old_model = self.model
        self.model = CheckTableModel(result, problems, self)
        self.proxy.setSourceModel(self.model)
        if old_model is not None:
            old_model.deleteLater()
        self.headline.setText(result.headline())
        self.summary.setText(result.summary_sentence())
        self._fit_columns()
        self._fill_problem_list(self.model.problem_groups())
        self.report_note.setText("")
        self.cell_detail.setText("Choose a marked cell to see what is wrong and how to fix it.")

    def _fit_columns(self) -> None:
        """Each column as wide as its heading and its first rows' text. Measured here from the texts:
        QTableView.resizeColumnsToContents asks the model for eight roles a cell, through the filter, which
        took ~20 ms of the window's thread for twenty rows (bench/bench_window.py's stall)."""
        model = self.proxy
        cell_metrics = QFontMetrics(self.table.font())
        heading_font = self.table.horizontalHeader().font()
        heading_font.setBold(True)  # the current cell's heading is drawn bold: it must fit then too
        heading_metrics = QFontMetrics(heading_font)
        rows = range(min(model.rowCount(), FIT_ROWS))
        for column in range(model.columnCount()):
            heading = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            cells = (str(model.index(row, column).data() or "") for row in rows)
            width = max(
                max((heading_metrics.horizontalAdvance(line) for line in heading.splitlines()), default=0)
                + HEADING_PADDING,
                max((cell_metrics.horizontalAdvance(text) for text in cells), default=0)
                + CELL_PADDING
                + MARK_ROOM,
            )
            self.table.setColumnWidth(column, min(width, MAX_FIT_WIDTH))

    def _fill_problem_list(self, groups: list[ProblemGroup]) -> None:
        self.problem_list.blockSignals(True)
        self.problem_list.clear()
        every = QListWidgetItem(f"Every row ({self.model.rowCount():,})")
        every.setData(PROBLEM_ROLE, None)
        self.problem_list.addItem(every)
        for group in groups:
            item = QListWidgetItem(
                severity_icon(group.severity),
                f"{group.message}\n{SEVERITIES[group.severity].label}: {plural(group.rows, 'row')}",
            )
            item.setData(PROBLEM_ROLE, (group.rule_id, group.field))
            item.setToolTip(f"How to fix: {group.how_to_fix}")
            item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, f"How to fix: {group.how_to_fix}")
            self.problem_list.addItem(item)
        if not groups:
            none = QListWidgetItem("No problems found.")
            none.setFlags(Qt.ItemFlag.NoItemFlags)
            self.problem_list.addItem(none)
        self.problem_list.setCurrentRow(0)
        self.problem_list.blockSignals(False)
        self.fix_text.setText("")
        self.filter_note.hide()
        self._groups = {(g.rule_id, g.field): g for g in groups}

    # Filtering and jumping -------------------------------------------------------------------------------

    def problem_rows(self) -> list[tuple[str, str | None]]:
        """The (rule, field) of each side-list line after 'Every row', in list order."""
        keys = [self.problem_list.item(i).data(PROBLEM_ROLE) for i in range(1, self.problem_list.count())]
        return [tuple(key) for key in keys if key]

    def show_problem(self, rule_id: str | None, field: str | None = None) -> None:
        """Show only the rows with this problem (None: every row) and say how to fix it."""
        self.proxy.show_problem(rule_id, field)
        group = self._groups.get((rule_id, field)) if rule_id else None
        self.fix_text.setText(f"How to fix: {group.how_to_fix}" if group else "")
        if group is not None:
            self.filter_note.setText(
                f"Showing only the {plural(group.rows, 'row')} where: {group.message} "
                "Choose “Every row” in the list to see them all again."
            )
        self.filter_note.setVisible(group is not None)

    def jump_to_problem(self, rule_id: str, field: str | None = None) -> None:
        """Filter to the problem and put the cursor on its first cell."""
        self.show_problem(rule_id, field)
        row, column = self.model.first_problem_cell(rule_id, field)
        if row < 0:
            return
        target = self.proxy.mapFromSource(self.model.index(row, column))
        self.table.selectionModel().setCurrentIndex(target, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.table.scrollTo(target, QAbstractItemView.ScrollHint.EnsureVisible)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_problem_chosen(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        key = item.data(PROBLEM_ROLE) if item is not None else None
        self.show_problem(*(key if key else (None, None)))

    def _on_problem_activated(self, item: QListWidgetItem) -> None:
        key = item.data(PROBLEM_ROLE)
        if key:
            self.jump_to_problem(*key)

    def _explain_cell(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or self.model is None:
            return
        source = self.proxy.mapToSource(current)
        where = (
            f"Row {self.model.row_number(source.row())}, "
            f"{self.model.headerData(source.column(), Qt.Orientation.Horizontal).splitlines()[0]}"
        )
        problems = self.model.data(source, Qt.ItemDataRole.ToolTipRole)
        if problems:
            self.cell_detail.setText(f"<qt><b>{html.escape(where)}</b>{problems.removeprefix('<qt>')}")
        else:
            self.cell_detail.setText(f"<qt><b>{html.escape(where)}</b>: no problem found in this cell.</qt>")

    def browse_report(self) -> None:
        if self.result is None:
            return
        # beside the spreadsheet: the report holds the same people's details, so it belongs where they are kept
        suggested = str(
            self.result.table.path.with_name(f"{self.result.table.path.stem} quality report.xlsx")
        )
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save the quality report", suggested, "Excel workbook (*.xlsx)"
        )
        if chosen:
            path = Path(chosen)
            self.report_requested.emit(path if path.suffix.lower() == ".xlsx" else path.with_suffix(".xlsx"))

    def set_focus_to_first(self) -> None:
        self.problem_list.setFocus(Qt.FocusReason.OtherFocusReason)

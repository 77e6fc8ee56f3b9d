"""The history view: every receipt (date, file, rows sent and left out, outcome, server, key), newest first.

Receipts hold no personal data (core.sending.history), so the whole table can be shown and copied.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.checking.rules import plural
from core.sending.crypto import format_fingerprint
from core.sending.history import Receipt
from core.sending.supplies import receipt_time
from gui.home_view import OUTCOME_WORDS
from gui.widgets import label, page

COLUMNS = (
    "When",
    "Supply",
    "File",
    "Rows sent",
    "Rows left out",
    "Outcome",
    "Server",
    "Stats NZ key",
    "Note",
)


def receipt_cells(receipt: Receipt) -> list[str]:
    return [
        when.strftime("%d %b %Y %H:%M") if (when := receipt_time(receipt)) else receipt.time,
        receipt.profile,
        receipt.file_name,
        str(receipt.rows_sent),
        str(receipt.rows_left_out),
        OUTCOME_WORDS.get(receipt.outcome, receipt.outcome),
        receipt.server or "(saved on this computer)",
        format_fingerprint(receipt.recipient_fingerprint),
        receipt.message,
    ]


class HistoryView(QWidget):
    """A read-only table of receipts and a way back home."""

    home_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        body, layout = page(
            "History of your supplies",
            "Every list sent or saved, and every attempt that did not arrive. Receipts hold counts and file "
            "names, never anyone's details.",
        )
        self.summary = label("", "subtle")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        # titles at each column's left edge: centred, a wide column's title (the key) sat off the side
        self.table.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.table.setAccessibleName("Receipts, newest first")
        back = QPushButton("←  H&ome")
        back.clicked.connect(self.home_requested)
        row = QHBoxLayout()
        row.addWidget(back)
        row.addStretch(1)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(body)

    def show_receipts(self, receipts: list[Receipt], skipped_lines: list[int]) -> None:
        newest_first = list(reversed(receipts))
        self.table.setRowCount(len(newest_first))
        for row, receipt in enumerate(newest_first):
            for column, text in enumerate(receipt_cells(receipt)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        damaged = (
            f" {plural(len(skipped_lines), 'damaged line')} of the receipts file could not be read, so "
            "they are not shown."
            if skipped_lines
            else ""
        )
        count = f"{plural(len(receipts), 'receipt')}, newest first." if receipts else "No receipts yet."
        self.summary.setText(count + damaged)

    def rows(self) -> list[list[str]]:
        return [
            [self.table.item(row, column).text() for column in range(self.table.columnCount())]
            for row in range(self.table.rowCount())
        ]

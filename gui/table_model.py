"""The Review table: one QAbstractTableModel over a CheckResult, and the proxy that filters it by problem.

A supply can hold 100,000 rows, so nothing here makes an object per cell. The model keeps the sheet's
column arrays as read, and the issues are indexed once (gui.problem_index) into sorted numpy arrays of cell
keys (row * columns + column): `data()` finds a cell's problems with one binary search. Problem cells get a
background colour by severity *and* a standard icon (colour is never the only signal), and a tooltip
with the rule's message and how to fix it, both from the rule catalogue (core.checking.rules).
"""

from __future__ import annotations

import datetime as dt
import html
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from core.checking.rules import FIELD_NAMES, RULES, SEVERITIES
from core.reading.table import CellKind
from gui.style import NOT_SENT_COLOUR

if TYPE_CHECKING:  # numpy is first needed once a check has run (and loaded it): the window starts without it
    import numpy as np

    from core.checking.check import CheckResult
    from gui.problem_index import ProblemGroup, ProblemIndex

# Severity ids, worst first: a rank (core.checking.rules.SEVERITY_ORDER) indexes this. Their words come from core.checking.rules;
# colours and icons are Qt's.
SEVERITY_IDS = tuple(SEVERITIES)
SEVERITY_COLOURS = {"error": "#f9d6d3", "warning": "#fcebc2", "info": "#dbe9f6"}
SEVERITY_ICONS = {
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
}
SEVERITY_ROLE = Qt.ItemDataRole.UserRole + 1  # "error" / "warning" / "info" / None: for views and tests

AnyIndex = QModelIndex | QPersistentModelIndex


def field_phrase(field: str) -> str:
    """A field's plain name inside a sentence: 'date of birth', but 'ID number' keeps its capitals."""
    name = FIELD_NAMES[field]
    return name if name.startswith("ID") else name[0].lower() + name[1:]


@cache
def severity_icon(severity: str) -> QIcon:
    """The platform's own error / warning / information icon."""
    return QApplication.style().standardIcon(SEVERITY_ICONS[severity])


def cell_text(value: Any, kind: int) -> str:
    """A cell as the user would recognise it from their spreadsheet (dates day first, as in NZ)."""
    if value is None or kind == CellKind.EMPTY:
        return ""
    if kind == CellKind.DATE and isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y") if value.time() == dt.time(0) else value.strftime("%d/%m/%Y %H:%M")
    if kind == CellKind.DATE and isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if kind == CellKind.BOOL:
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class CheckTableModel(QAbstractTableModel):
    """The whole sheet as read, every column, with each checked cell's problems marked."""

    def __init__(self, result: CheckResult, problems: ProblemIndex | None = None, parent: Any = None) -> None:
        from gui.problem_index import ProblemIndex

        super().__init__(parent)
        self.result = result
        self.problems = problems or ProblemIndex(result)
        table = result.table
        self._columns = table.columns
        self._row_numbers = table.row_numbers
        self._column_count = len(table.columns)
        self._field_of_header = {header: field for field, header in result.columns.items()}
        self._extra = set(result.profile.extra_columns)

    # Qt model interface -------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._row_numbers)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._column_count

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            source = self._columns[column]
            return cell_text(source.values[row], int(source.kinds[row]))
        if role == Qt.ItemDataRole.ForegroundRole:
            return None if self.is_sent(column) else QColor(NOT_SENT_COLOUR)
        found = self.problems.cells.find(row * self._column_count + column)
        if found < 0:
            return None
        severity = SEVERITY_IDS[self.problems.cells.worst[found]]
        if role == Qt.ItemDataRole.BackgroundRole:
            return QColor(SEVERITY_COLOURS[severity])
        if role == Qt.ItemDataRole.DecorationRole:
            return severity_icon(severity)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(self.problems.cells.issues_at(found))
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return self._plain_problems(self.problems.cells.issues_at(found))
        if role == SEVERITY_ROLE:
            return severity
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            return self._column_header(section, role)
        return self._row_header(section, role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return (
            Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            if index.isValid()
            else Qt.ItemFlag.NoItemFlags
        )

    # Questions the Review step asks ---------------------------------------------------------------------

    def is_sent(self, column: int) -> bool:
        header = self._columns[column].header
        return header in self._field_of_header or header in self._extra

    def row_number(self, row: int) -> int:
        """The row number the user sees in their spreadsheet."""
        return int(self._row_numbers[row])

    def row_of_sheet_row(self, sheet_row: int) -> int:
        """The model row showing the user's spreadsheet row `sheet_row`, or -1."""
        import numpy as np

        at = np.flatnonzero(self._row_numbers == sheet_row)
        return int(at[0]) if len(at) else -1

    def column_of_header(self, header: str) -> int:
        for number, column in enumerate(self._columns):
            if column.header == header:
                return number
        return -1

    def rows_with(self, rule_id: str, field: str | None) -> np.ndarray:
        return self.problems.rows_with(rule_id, field)

    def first_problem_cell(self, rule_id: str, field: str | None) -> tuple[int, int]:
        return self.problems.first_cell(rule_id, field)

    def problem_groups(self) -> list[ProblemGroup]:
        return self.problems.groups

    # Helpers ----------------------------------------------------------------------------------------------

    def _tooltip(self, issue_numbers: np.ndarray) -> str:
        problems = self.problems
        parts = []
        for number in issue_numbers:
            rule = RULES[problems.rules[number]]
            severity = problems.severities[number]
            field = problems.fields[number]
            how = rule.how_to_fix_for(field, problems.id_type, field in problems.split_fields)
            parts.append(
                f"<p><b>{SEVERITIES[severity].label}:</b> {html.escape(problems.messages[number])}<br>"
                f"<i>How to fix:</i> {html.escape(how)}</p>"
            )
        return "<qt>" + "".join(parts) + "</qt>"

    def _plain_problems(self, issue_numbers: np.ndarray) -> str:
        problems = self.problems
        return " ".join(
            f"{SEVERITIES[problems.severities[n]].label}: {problems.messages[n]}" for n in issue_numbers
        )

    def _column_header(self, section: int, role: int) -> Any:
        column = self._columns[section]
        field = self._field_of_header.get(column.header)
        if role == Qt.ItemDataRole.DisplayRole:
            if field:
                return f"{column.header}\nsent as {field_phrase(field)}"
            return (
                f"{column.header}\nsent as it is"
                if column.header in self._extra
                else f"{column.header}\nnot sent"
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            where = f"Column {column.letter} of your sheet"
            hidden = " It is hidden in your workbook." if column.hidden else ""
            if field:
                return f"{where}, matched to {field_phrase(field)}. It is checked and sent.{hidden}"
            if column.header in self._extra:
                return f"{where}. It is sent as it is, because your saved settings include it.{hidden}"
            return f"{where}. It is not sent: it stays on this computer.{hidden}"
        if role == Qt.ItemDataRole.ForegroundRole and not self.is_sent(section):
            return QColor(NOT_SENT_COLOUR)
        return None

    def _row_header(self, section: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return str(self.row_number(section))
        found = self.problems.rows.find(section)
        if found < 0:
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Row {self.row_number(section)} of your sheet"
            return None
        severity = SEVERITY_IDS[self.problems.rows.worst[found]]
        if role == Qt.ItemDataRole.DecorationRole:
            return severity_icon(severity)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(self.problems.rows.issues_at(found))
        if role == SEVERITY_ROLE:
            return severity
        return None


class ProblemFilterProxy(QAbstractProxyModel):
    """Shows every row, or only the rows with one problem (a rule on a field) picked in the side list.

    A proxy over an array of source rows rather than a QSortFilterProxyModel: the latter asks Python
    `filterAcceptsRow` once per row on every change, which measured 0.1-0.3 s on the GUI thread for
    100,000 rows; here a change is one numpy lookup and a model reset, whatever the sheet's size.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: np.ndarray | None = None  # source rows shown, in order; None: every row
        self._proxy_row_of: np.ndarray | None = None  # source row -> shown row, -1 when hidden
        self.problem: tuple[str, str | None] | None = None

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        self.beginResetModel()
        super().setSourceModel(model)
        self._rows = self._proxy_row_of = None
        self.problem = None
        self.endResetModel()

    def show_problem(self, rule_id: str | None, field: str | None = None) -> None:
        """Show only the rows with this problem; None shows every row again."""
        import numpy as np

        source = self.sourceModel()
        self.beginResetModel()
        if rule_id is None or not isinstance(source, CheckTableModel):
            self._rows = self._proxy_row_of = None
            self.problem = None
        else:
            self._rows = source.rows_with(rule_id, field)
            self._proxy_row_of = np.full(source.rowCount(), -1, dtype=np.int64)
            self._proxy_row_of[self._rows] = np.arange(len(self._rows))
            self.problem = (rule_id, field)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        source = self.sourceModel()
        if parent.isValid() or source is None:
            return 0
        return source.rowCount() if self._rows is None else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        source = self.sourceModel()
        return 0 if parent.isValid() or source is None else source.columnCount()

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not (0 <= row < self.rowCount() and 0 <= column < self.columnCount()):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, child: AnyIndex | None = None) -> Any:  # type: ignore[override]
        if child is None:
            return super().parent()  # QObject.parent()
        return QModelIndex()

    def source_row(self, row: int) -> int:
        return row if self._rows is None else int(self._rows[row])

    def mapToSource(self, proxy_index: AnyIndex) -> QModelIndex:
        source = self.sourceModel()
        if not proxy_index.isValid() or source is None:
            return QModelIndex()
        return source.index(self.source_row(proxy_index.row()), proxy_index.column())

    def mapFromSource(self, source_index: AnyIndex) -> QModelIndex:
        if not source_index.isValid():
            return QModelIndex()
        row = (
            source_index.row() if self._proxy_row_of is None else int(self._proxy_row_of[source_index.row()])
        )
        return self.index(row, source_index.column()) if row >= 0 else QModelIndex()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        source = self.sourceModel()
        if source is None:
            return None
        if orientation == Qt.Orientation.Vertical:
            if not 0 <= section < self.rowCount():
                return None
            section = self.source_row(section)
        return source.headerData(section, orientation, role)

"""Step 2, Match your columns: which column of the sheet holds each detail, with examples and how sure.

Office staff do not think in "mappings", so the step shows one line per detail (ID number, names, date of
birth...), a drop-down of the sheet's own column headings pre-filled by the matcher (or by saved
settings), a few values from the chosen column so a wrong guess is obvious, and how sure the guess is in
words. Only matched columns are ever sent; the step says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.checking.rules import unsure_identifier
from core.profile import PROFILE_SUFFIX, SupplyProfile
from gui.steps.match_details import (
    DATE_ORDERS,
    DETAILS,
    GENDER_CODES_SHOWN,
    GENDER_MEANINGS,
    ID_KINDS,
    NOT_IN_SHEET,
    SURE_AT,
    DetailRow,
    MatchChoices,
    examples,
    service_counts,
    services_sentence,
)
from gui.steps.open_step import SETTINGS_FILTER
from gui.widgets import MessagePanel, label, page, scroll_page

if TYPE_CHECKING:  # pandas and numpy are loaded by the first read, before this page shows any column
    from core.checking.matching import MappingSuggestion
    from core.reading.table import SourceColumn, SourceTable


class MatchStep(QWidget):
    """One row per detail; emits `changed` whenever a choice changes and `save_requested` to save them."""

    title = "Match columns"
    changed = Signal()
    save_requested = Signal(Path)
    header_row_chosen = Signal(int)  # read the sheet again with its headings on this row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        body, layout = page(
            "Match your columns",
            "IDI Share has worked out which column of your sheet holds each detail. Check each one against "
            "the examples beside it and change any that are wrong. Only the columns matched here are sent; "
            "every other column (such as notes) stays on this computer.",
        )
        self.table: SourceTable | None = None
        self._suggestion: MappingSuggestion | None = None
        self.rows: dict[str, DetailRow] = {}
        layout.addLayout(self._header_row_line())
        layout.addWidget(self._grid())
        self.services = label("", "subtle")  # the services that will be sent, when one is matched
        self.services.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.services.hide()
        layout.addWidget(self.services)
        layout.addWidget(self._gender_codes_box())
        self.problem = MessagePanel("problemPanel")
        self.advice = MessagePanel("warningPanel")
        layout.addWidget(self.problem)
        layout.addWidget(self.advice)
        layout.addLayout(self._save_row())
        layout.addStretch(1)
        scroll_page(self, body)

    def _header_row_line(self) -> QHBoxLayout:
        """'The column headings are on row N': notes typed above a list can hide its headings from the finder,
        so the row is shown and can be changed; it is saved with the settings (source.header_row)."""
        text = QLabel("The &column headings are on row")
        self.header_row = QSpinBox()
        self.header_row.setObjectName("headerRow")
        self.header_row.setRange(1, 1_048_576)
        self.header_row.setAccessibleName("Row that holds the column headings")
        text.setBuddy(self.header_row)
        self.reread_button = QPushButton("Read the sheet &again from that row")
        self.reread_button.setToolTip(
            "If the drop-downs list notes or values instead of your column headings, type the row number your "
            "spreadsheet shows beside the headings and read the sheet again."
        )
        self.reread_button.clicked.connect(lambda: self.header_row_chosen.emit(self.header_row.value()))
        line = QHBoxLayout()
        line.addWidget(text)
        line.addWidget(self.header_row)
        line.addWidget(self.reread_button)
        line.addStretch(1)
        return line

    def _grid(self) -> QWidget:
        holder = QWidget()
        grid = QGridLayout(holder)
        grid.setContentsMargins(0, 6, 0, 6)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(8)
        for column, title in enumerate(
            ("Detail", "Column in your sheet", "Examples from that column", "How sure")
        ):
            grid.addWidget(label(title, "subtle"), 0, column)
        line = 1
        for field, text, hint in DETAILS:
            row = DetailRow(field, text, hint)
            row.combo.activated.connect(lambda _index, r=row: self._on_user_choice(r))
            self.rows[field] = row
            grid.addWidget(row.label, line, 0)
            grid.addWidget(row.combo, line, 1)
            grid.addWidget(row.examples, line, 2)
            grid.addWidget(row.sureness, line, 3)
            line += 1
            if field == "identifier":
                line = self._add_id_kind(grid, line)
        line = self._add_date_order(grid, line)
        grid.setColumnStretch(2, 1)
        return holder

    def _add_id_kind(self, grid: QGridLayout, line: int) -> int:
        kind_label = QLabel("&Kind of ID number")
        self.id_kind = QComboBox()
        self.id_kind.setAccessibleName("Kind of ID number")
        for text, code in ID_KINDS:
            self.id_kind.addItem(text, code)
        kind_label.setBuddy(self.id_kind)
        self.id_kind.activated.connect(lambda _index: self.changed.emit())
        grid.addWidget(kind_label, line, 0)
        grid.addWidget(self.id_kind, line, 1)
        return line + 1

    def _add_date_order(self, grid: QGridLayout, line: int) -> int:
        order_label = QLabel("Dates typed as text are &written")
        self.date_order = QComboBox()
        self.date_order.setAccessibleName("How dates typed as text are written")
        for text, code in DATE_ORDERS:
            self.date_order.addItem(text, code)
        order_label.setBuddy(self.date_order)
        self.date_order.activated.connect(lambda _index: self.changed.emit())
        grid.addWidget(order_label, line, 0)
        grid.addWidget(self.date_order, line, 1, 1, 2, Qt.AlignmentFlag.AlignLeft)
        return line + 1

    def _gender_codes_box(self) -> QFrame:
        self.gender_box = QFrame()
        self.gender_box.setObjectName("notePanel")
        self.gender_codes_title = label("What do these gender codes mean?", "sectionTitle")
        intro = label(
            "Your gender column has codes IDI Share does not know. Say what each one means. If you leave "
            "one, its rows are shown as problems to check.",
            "subtle",
        )
        self.gender_grid = QGridLayout()
        self.gender_grid.setHorizontalSpacing(16)
        self.gender_combos: dict[str, QComboBox] = {}
        layout = QVBoxLayout(self.gender_box)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(self.gender_codes_title)
        layout.addWidget(intro)
        layout.addLayout(self.gender_grid)
        self.gender_box.hide()
        self._saved_gender_values: dict[str, str] = {}
        return self.gender_box

    def _refresh_gender_codes(self) -> None:
        """One drop-down per unknown code in the chosen gender column, preset from saved settings."""
        while self.gender_grid.count():
            item = self.gender_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.gender_combos = {}
        header = self.rows["gender"].combo.currentData()
        column = self.table.find_column(header) if (self.table and header) else None
        codes = self._gender_codes_of(column) if column is not None else []
        saved = {key.strip().casefold(): value for key, value in self._saved_gender_values.items()}
        for line, (code, count) in enumerate(codes):
            combo = QComboBox()
            combo.setAccessibleName(f'What the gender code "{code}" means')
            for text, meaning in GENDER_MEANINGS:
                combo.addItem(text, meaning)
            combo.setCurrentIndex(max(combo.findData(saved.get(code.casefold())), 0))
            combo.activated.connect(lambda _index: self.changed.emit())
            self.gender_grid.addWidget(label(f'"{code}"', "columnTitle", wrap=False), line, 0)
            self.gender_grid.addWidget(
                label(f"on {count:,} row{'s' if count != 1 else ''}", "subtle", wrap=False), line, 1
            )
            self.gender_grid.addWidget(combo, line, 2)
            self.gender_combos[code] = combo
        self.gender_grid.setColumnStretch(3, 1)
        self.gender_box.setVisible(bool(codes))

    def _save_row(self) -> QHBoxLayout:
        self.save_button = QPushButton("Sa&ve these matches for next time…")
        self.save_button.setToolTip(
            "Save your matches as a settings file. Next time, open it on the first step and your columns "
            "are matched the same way."
        )
        self.save_button.clicked.connect(self.browse_save)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addStretch(1)
        return row

    # Filling the step ------------------------------------------------------------------------------------

    def populate(
        self,
        table: SourceTable,
        suggestion: MappingSuggestion,
        profile: SupplyProfile | None,
        gender_codes: dict[str, list[tuple[str, int]]] | None = None,
    ) -> None:
        """Fill every drop-down with the sheet's columns and pick the saved or suggested one.

        `gender_codes` are the unknown codes of the columns the reading job already looked at (header ->
        codes), so a long column is not counted again on the window's thread.
        """
        self.table = table
        self._gender_codes = dict(gender_codes or {})
        self._suggestion = suggestion
        self.header_row.setValue(table.header_row)
        notes = []
        for field, row in self.rows.items():
            row.combo.clear()
            row.combo.addItem(NOT_IN_SHEET, None)
            for column in table.columns:
                hidden = ", hidden" if column.hidden else ""
                row.combo.addItem(f"{column.header}   (column {column.letter}{hidden})", column.header)
            header, state = self._initial_choice(field, table, suggestion, profile, notes)
            self._select(row, header)
            row.set_state(state)
        id_type = (profile.identifier_type if profile and "identifier" in profile.mapping else None) or (
            suggestion.identifier_type
        )
        self.id_kind.setCurrentIndex(max(self.id_kind.findData(id_type or "NHI"), 0))
        self._saved_gender_values = dict(profile.gender_values) if profile else {}
        order = profile.date_order if profile else "day_first"
        self.date_order.setCurrentIndex(max(self.date_order.findData(order), 0))
        self._refresh()
        if notes:
            self.advice.say(" ".join(notes))

    def _gender_codes_of(self, column: SourceColumn) -> list[tuple[str, int]]:
        if column.header not in self._gender_codes:  # a column the user chose: counted once, here
            from core.checking.genders import unrecognised_gender_codes

            self._gender_codes[column.header] = unrecognised_gender_codes(column, GENDER_CODES_SHOWN)
        return self._gender_codes[column.header]

    def _initial_choice(
        self,
        field: str,
        table: SourceTable,
        suggestion: MappingSuggestion,
        profile: SupplyProfile | None,
        notes: list[str],
    ) -> tuple[str | None, str]:
        suggested = suggestion.mapping.get(field)
        if profile is not None and field in profile.mapping:
            column = table.find_column(profile.mapping[field])
            if column is not None:
                return column.header, "saved"
            detail = self.rows[field].label.text().replace("&", "")
            notes.append(
                f'Your saved settings match {detail.lower()} to a column "{profile.mapping[field]}", but this '
                "sheet has no such column. Pick the right column for it."
            )
            return suggested, "check" if suggested else "missing"
        if profile is not None:
            return None, "saved"  # the saved settings leave this detail out: respect that
        if suggested is None:
            return None, "missing"
        return suggested, "sure" if suggestion.confidence.get(field, 0.0) >= SURE_AT else "check"

    def _select(self, row: DetailRow, header: str | None) -> None:
        index = row.combo.findData(header) if header is not None else 0
        row.combo.setCurrentIndex(max(index, 0))

    def _on_user_choice(self, row: DetailRow) -> None:
        row.set_state("chosen" if row.combo.currentData() is not None else "missing")
        self._refresh(gender_changed=row.field == "gender")
        self.changed.emit()

    def _refresh(self, gender_changed: bool = True) -> None:
        """Update the examples, the kind-of-ID drop-down, the gender codes and the sentences under the grid."""
        if gender_changed:
            self._refresh_gender_codes()
        for row in self.rows.values():
            header = row.combo.currentData()
            column = self.table.find_column(header) if (self.table and header) else None
            row.examples.setText(examples(column) if column else "")
        self.id_kind.setEnabled(self.rows["identifier"].combo.currentData() is not None)
        self._refresh_services()
        self._mark_names_not_needed()
        self.problem.say(self.problem_text() or "")
        self.advice.say(self.advice_text() or "")

    def _refresh_services(self) -> None:
        header = self.rows["service"].combo.currentData()
        column = self.table.find_column(header) if (self.table and header) else None
        self.services.setText(services_sentence(header, service_counts(column)) if column else "")
        self.services.setVisible(column is not None)

    def _mark_names_not_needed(self) -> None:
        """An empty full name beside first and last names (or the other way round) is not a gap."""
        chosen = {f for f, r in self.rows.items() if r.combo.currentData() is not None}
        unneeded = {"full_name"} if {"first_name", "last_name"} <= chosen else set()
        if "full_name" in chosen:
            unneeded = {"first_name", "last_name"}
        for field_name in ("first_name", "last_name", "full_name"):
            row = self.rows[field_name]
            if field_name in chosen:
                continue
            if field_name in unneeded and row.state in ("missing", "not_needed"):
                row.set_state("not_needed")
            elif row.state == "not_needed":
                row.set_state("missing")

    # What the main window asks -------------------------------------------------------------------------

    def combo_for(self, field: str) -> QComboBox:
        return self.rows[field].combo

    def choices(self) -> MatchChoices:
        mapping = {
            f: r.combo.currentData() for f, r in self.rows.items() if r.combo.currentData() is not None
        }
        id_type = self.id_kind.currentData() if "identifier" in mapping else None
        genders = dict(
            self._saved_gender_values
        )  # codes saved earlier stay, whether or not this sheet has them
        for code, combo in self.gender_combos.items():
            genders.pop(code, None)
            if combo.currentData() is not None:
                genders[code] = combo.currentData()
        return MatchChoices(
            mapping=mapping,
            identifier_type=id_type,
            date_order=self.date_order.currentData(),
            gender_values=genders if "gender" in mapping else dict(self._saved_gender_values),
        )

    def problem_text(self) -> str | None:
        """Why these matches cannot be used yet, in a sentence that says what to change; None when fine."""
        mapping = self.choices().mapping
        if not mapping:
            return "Match at least one column to a detail, so there is something to check."
        if "full_name" in mapping and ("first_name" in mapping or "last_name" in mapping):
            return (
                "Full name is matched as well as first or last name. Match either Full name, or First name "
                'and Last name, and set the other to "(not in this sheet)".'
            )
        used: dict[str, str] = {}
        for field, header in mapping.items():
            if header in used:
                first, second = (self._plain_label(f) for f in (used[header], field))
                return (
                    f'The column "{header}" is matched to both {first} and {second}. Pick each column once.'
                )
            used[header] = field
        return None

    def advice_text(self) -> str | None:
        """A gap that does not stop the check but will stop people being linked, or an ID number column that
        was only guessed (from its values, not its heading): that one is put to the person to confirm."""
        mapping = self.choices().mapping
        if "identifier" in mapping:
            row = self.rows["identifier"]
            if row.state == "check" and self._suggestion is not None:
                confidence = self._suggestion.confidence.get("identifier", 0.0)
                return unsure_identifier(mapping["identifier"], self.id_kind.currentData(), confidence)
            return None
        missing = [self._plain_label(f) for f in ("date_of_birth", "gender") if f not in mapping]
        if not ({"first_name", "last_name"} <= set(mapping) or "full_name" in mapping):
            missing.insert(0, "names")
        if not missing:
            return None
        return (
            "No ID number is matched, so Stats NZ can only link people by name, date of birth and gender. "
            f"This sheet has nothing matched for: {', '.join(missing)}. Match them if your sheet has them."
        )

    def _plain_label(self, field: str) -> str:
        return self.rows[field].label.text().replace("&", "").lower()

    def browse_save(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save your matches", f"my-supply{PROFILE_SUFFIX}", SETTINGS_FILTER
        )
        if chosen:
            path = Path(chosen)
            if not path.name.endswith(PROFILE_SUFFIX):
                path = path.with_name(path.name.removesuffix(".json") + PROFILE_SUFFIX)
            self.save_requested.emit(path)

    def set_focus_to_first(self) -> None:
        self.rows["identifier"].combo.setFocus(Qt.FocusReason.OtherFocusReason)

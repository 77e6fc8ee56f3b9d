"""Setup page 4: what happens to rows that must be fixed (stop, the default, or leave them out)."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QRadioButton

from core.profile import SupplyProfile
from gui.setup.base import SetupPage
from gui.widgets import label


class RowsPage(SetupPage):
    title = "Rows to fix"
    name = "rows"

    def __init__(self) -> None:
        super().__init__(
            "Rows that must be fixed",
            "Some rows may have a problem Stats NZ cannot link past, such as a missing date of birth. "
            "Choose what IDI Share does when it finds them. You can change this on the Send page each time.",
        )
        self.block = QRadioButton("St&op and let me fix them first (recommended)")
        self.exclude = QRadioButton("&Leave them out and send the rest (they are counted in the receipt)")
        self.group = QButtonGroup(self)
        self.group.addButton(self.block)
        self.group.addButton(self.exclude)
        self.block.setChecked(True)
        self.layout_.addWidget(self.block)
        self.layout_.addWidget(self.exclude)
        self.layout_.addWidget(
            label(
                "Rows left out are not sent at all. Stats NZ may then miss people you worked with, so fix "
                "them in your spreadsheet when you can.",
                "subtle",
            )
        )
        self.finish_layout()

    def load(self, profile: SupplyProfile) -> None:
        (self.exclude if profile.output.rows_with_errors == "exclude" else self.block).setChecked(True)

    def store(self, profile: SupplyProfile) -> None:
        profile.output.rows_with_errors = "exclude" if self.exclude.isChecked() else "block"

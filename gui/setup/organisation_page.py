"""Setup page 1: who sends, what the supply is called, how often it goes and when it is first due."""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QFormLayout, QLineEdit

from core.profile import SupplyProfile
from core.sending.supplies import FREQUENCIES, first_due, set_first_due
from gui.setup.base import SetupPage
from gui.widgets import label

CODE_PATTERN = re.compile(r"^[A-Za-z0-9]{2,12}$")


class OrganisationPage(SetupPage):
    title = "Your organisation"
    name = "organisation"

    def __init__(self) -> None:
        super().__init__(
            "Your organisation and this supply",
            "These come from your agreement with Stats NZ. The organisation code is the short code Stats NZ "
            "gave you; it starts the name of every file you send.",
        )
        self.organisation = QLineEdit()
        self.organisation.setPlaceholderText("for example: Kōwhai Whānau Trust")
        self.code = QLineEdit()
        self.code.setPlaceholderText("for example: KWT")
        self.code.setMaxLength(12)
        self.supply_name = QLineEdit()
        self.supply_name.setPlaceholderText("for example: Participants, quarterly")
        self.frequency = QComboBox()
        for value, words in FREQUENCIES.items():
            self.frequency.addItem(words, value)
        self.frequency.setCurrentIndex(self.frequency.findData("quarterly"))
        self.due = QDateEdit()
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("d MMMM yyyy")
        self.due.setDate(QDate.currentDate().addMonths(1))
        form = QFormLayout()
        form.addRow("&Organisation name:", self.organisation)
        form.addRow("Or&ganisation code:", self.code)
        form.addRow("Na&me of this supply:", self.supply_name)
        form.addRow("How often it is sen&t:", self.frequency)
        form.addRow("First &due date:", self.due)
        self.layout_.addLayout(form)
        self.layout_.addWidget(
            label(
                "The name of the supply is for you: it is shown on the home page and in the history. "
                "The due date is when Stats NZ expects the first list; IDI Share works out the next ones.",
                "subtle",
            )
        )
        self.finish_layout()

    def load(self, profile: SupplyProfile) -> None:
        self.organisation.setText(str(profile.raw.get("organisation") or ""))
        self.code.setText(profile.organisation_code)
        self.supply_name.setText(profile.name if profile.mapping or profile.name != "New supply" else "")
        index = self.frequency.findData(profile.frequency or "quarterly")
        self.frequency.setCurrentIndex(max(index, 0))
        due = first_due(profile)
        if due is not None:
            self.due.setDate(QDate(due.year, due.month, due.day))

    def problem(self) -> str | None:
        if not self.organisation.text().strip():
            return "Type your organisation's name."
        if not CODE_PATTERN.match(self.code.text().strip()):
            return "Type the organisation code Stats NZ gave you: 2 to 12 letters or numbers, no spaces."
        return None

    def store(self, profile: SupplyProfile) -> None:
        organisation = self.organisation.text().strip()
        profile.raw["organisation"] = organisation
        profile.organisation_code = self.code.text().strip().upper()
        profile.name = self.supply_name.text().strip() or f"{organisation} supply"
        profile.frequency = self.frequency.currentData()
        when = self.due.date()
        set_first_due(profile, dt.date(when.year(), when.month(), when.day()))

"""The home view: each saved supply with its last receipt, when the next is due, and one button to prepare it.

What the window opens on once a supply is saved. Each supply is a card; its buttons ask the window to act
(prepare, settings, history), so the card holds no logic but the words. The row of actions under the cards
is where further views (readiness, data specification, change summary) can hang their buttons.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from core.checking.rules import plural
from core.sending.history import Receipt
from core.sending.supplies import (
    FREQUENCIES,
    SavedSupply,
    long_date,
    next_due,
    receipt_date,
    receipts_for,
    supply_state,
)
from gui.widgets import MessagePanel, enter_presses_buttons, label, page, scroll_page

OUTCOME_WORDS = {
    "sent": "sent",
    "saved": "saved as a file",
    "failed": "did not arrive",
    "cancelled": "stopped",
}


def last_receipt_sentence(receipt: Receipt | None) -> str:
    if receipt is None:
        return "Not sent yet."
    when = receipt_date(receipt)
    day = long_date(when) if when else receipt.time
    left_out = f", {plural(receipt.rows_left_out, 'row')} left out" if receipt.rows_left_out else ""
    return (
        f"Last time: {day}, {receipt.file_name}, {plural(receipt.rows_sent, 'row')} of people{left_out}: "
        f"{OUTCOME_WORDS.get(receipt.outcome, receipt.outcome)}."
    )


def due_sentence(supply: SavedSupply, receipts: list[Receipt], today: dt.date) -> tuple[str, bool]:
    """When the next supply is due, and whether it is overdue."""
    due = next_due(supply.profile, receipts)
    words = FREQUENCIES.get(supply.profile.frequency or "", "When Stats NZ asks").split(" (")[0]
    if due is None:
        return f"{words}: nothing is due now.", False
    if due < today:
        return f"Overdue: the next supply was due on {long_date(due)}.", True
    return f"Next due: {long_date(due)}. Sent {words[0].lower()}{words[1:]}.", False


class SupplyCard(QFrame):
    """One saved supply: its words and its buttons."""

    def __init__(self, supply: SavedSupply, receipts: list[Receipt], today: dt.date) -> None:
        super().__init__()
        self.setObjectName("notePanel")
        self.supply = supply
        own = receipts_for(supply.profile, receipts)
        self.last_text = last_receipt_sentence(own[-1] if own else None)
        self.due_text, self.overdue = due_sentence(supply, receipts, today)
        last_file = supply_state(supply.key).get("last_file")
        self.file_text = (
            f"Spreadsheet used last time: {Path(last_file).name} (in {Path(last_file).parent})"
            if last_file
            else "No spreadsheet used yet."
        )
        self.prepare_button = QPushButton("&Prepare this period's supply")
        self.prepare_button.setObjectName("primary")
        self.settings_button = QPushButton("Se&ttings")
        self.history_button = QPushButton("Hist&ory")
        self.readiness_button = QPushButton("Is our &data ready?")
        self.readiness_button.setToolTip(
            "Stats NZ's questions before a first supply, answered from your data"
        )
        self.specification_button = QPushButton("Export data spe&cification…")
        self.specification_button.setToolTip(
            "Export the data specification: a Word document, no personal data"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(label(supply.profile.name, "sectionTitle"))
        self.due_label = label(self.due_text, "overdue" if self.overdue else None)
        for text in (self.last_text, self.file_text):
            layout.addWidget(label(text))
        layout.addWidget(self.due_label)
        buttons = QHBoxLayout()
        for button in (self.prepare_button, self.settings_button, self.history_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        paperwork = QHBoxLayout()  # a second row: five buttons in one do not fit 1280 pixels at 150%
        paperwork.addWidget(self.readiness_button)
        paperwork.addWidget(self.specification_button)
        paperwork.addStretch(1)
        layout.addLayout(paperwork)
        enter_presses_buttons(self)  # made after the window's own buttons: Enter presses these too


class HomeView(QWidget):
    """The list of supplies. Signals carry the SavedSupply the person chose."""

    prepare_requested = Signal(object)
    settings_requested = Signal(object)
    history_requested = Signal()
    new_supply_requested = Signal()
    import_requested = Signal()
    readiness_requested = Signal(object)
    specification_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        body, self.layout_ = page(
            "Your supplies to Stats NZ",
            "Each period, press Prepare: IDI Share opens the spreadsheet you used last time, matches its "
            "columns as before, checks it and shows you what will be sent.",
        )
        self.notes = MessagePanel("warningPanel")
        self.layout_.addWidget(self.notes)
        self.saved_note = MessagePanel("successPanel")  # where an exported data specification was saved
        self.layout_.addWidget(self.saved_note)
        self.cards_box = QVBoxLayout()
        self.layout_.addLayout(self.cards_box)
        self.actions = QHBoxLayout()  # more views (readiness, data specification...) add their buttons here
        new_button = QPushButton("Set up &another supply…")
        new_button.clicked.connect(self.new_supply_requested)
        import_button = QPushButton("&Import supply settings…")
        import_button.clicked.connect(self.import_requested)
        history_button = QPushButton("All &receipts…")
        history_button.clicked.connect(self.history_requested)
        for button in (new_button, import_button, history_button):
            self.actions.addWidget(button)
        self.actions.addStretch(1)
        self.layout_.addLayout(self.actions)
        self.layout_.addStretch(1)
        self.cards: list[SupplyCard] = []
        scroll_page(self, body)

    def show_supplies(
        self, supplies: list[SavedSupply], receipts: list[Receipt], today: dt.date, problems: list[str]
    ) -> None:
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        for supply in supplies:
            card = SupplyCard(supply, receipts, today)
            card.prepare_button.clicked.connect(lambda _=False, s=supply: self.prepare_requested.emit(s))
            card.settings_button.clicked.connect(lambda _=False, s=supply: self.settings_requested.emit(s))
            card.history_button.clicked.connect(self.history_requested)
            card.readiness_button.clicked.connect(lambda _=False, s=supply: self.readiness_requested.emit(s))
            card.specification_button.clicked.connect(
                lambda _=False, s=supply: self.specification_requested.emit(s)
            )
            self.cards_box.addWidget(card)
            self.cards.append(card)
        self.notes.say(" ".join(problems))
        self.saved_note.clear()

    def set_focus_to_first(self) -> None:
        if self.cards:
            self.cards[0].prepare_button.setFocus()

"""The setup view: the setup pages one at a time, for a new supply (Back/Next) or its Settings (any page, Save).

It edits a copy of the supply's profile; nothing is saved until the window is told `finished`/`saved`.
A page with something missing cannot be left forwards: its sentence says what to do. The navigation bar
sits below the scrolling pages, so Next is always on screen.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.profile import SupplyProfile
from gui.setup.base import SetupPage
from gui.setup.key_page import KeyPage
from gui.setup.organisation_page import OrganisationPage
from gui.setup.rows_page import RowsPage
from gui.setup.server_page import ServerPage
from gui.widgets import label

NEW_SUPPLY_NAME = "New supply"


def new_profile() -> SupplyProfile:
    return SupplyProfile(name=NEW_SUPPLY_NAME, mapping={})


class SetupView(QWidget):
    """Emits `finished(profile, password)` (new supply), `saved(profile, password)` (settings), `cancelled`."""

    finished = Signal(object, str)
    page_done = Signal(object)  # a new supply's page filled in: the profile so far, to keep as a draft
    saved = Signal(object, str)
    cancelled = Signal()
    remove_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.organisation_page = OrganisationPage()
        self.key_page = KeyPage()
        self.server_page = ServerPage()
        self.rows_page = RowsPage()
        self.pages: list[SetupPage] = [
            self.organisation_page,
            self.key_page,
            self.server_page,
            self.rows_page,
        ]
        self.profile = new_profile()
        self.editing = False
        self.title = label("", "heading")
        self.page_list = QListWidget()
        self.page_list.setObjectName("setupPages")
        self.page_list.setMaximumWidth(220)
        self.page_list.currentRowChanged.connect(self._on_page_picked)
        self.stack = QStackedWidget()
        for number, setup_page in enumerate(self.pages, start=1):
            self.stack.addWidget(setup_page)
            self.page_list.addItem(f"{number}. {setup_page.title}")
        self.page_list.addItem(f"{len(self.pages) + 1}. Your spreadsheet")
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.page_list)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = QHBoxLayout()
        header.setContentsMargins(24, 12, 24, 4)
        header.addWidget(self.title)
        layout.addLayout(header)
        layout.addLayout(body, 1)
        layout.addWidget(self._navigation())
        for field in self.stack.findChildren(QLineEdit):  # Enter in a box: Next (Settings: Save changes)
            field.returnPressed.connect(lambda: self.save() if self.editing else self.go_next())

    def _navigation(self) -> QFrame:
        bar = QFrame()
        bar.setObjectName("navigation")
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.clicked.connect(self.cancelled)
        self.remove_button = QPushButton("&Remove this supply…")
        self.remove_button.clicked.connect(self.remove_requested)
        self.back_button = QPushButton("←  &Back")
        self.back_button.clicked.connect(self.go_back)
        self.save_button = QPushButton("Save ch&anges")
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        self.next_button = QPushButton()
        self.next_button.setObjectName("primary")
        self.next_button.clicked.connect(self.go_next)
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(24, 10, 24, 10)
        for button in (self.cancel_button, self.remove_button):
            layout.addWidget(button)
        layout.addStretch(1)
        for button in (self.back_button, self.save_button, self.next_button):
            layout.addWidget(button)
        return bar

    # Starting ----------------------------------------------------------------------------------------------

    def start_new(self, first_run: bool, draft: SupplyProfile | None = None) -> None:
        self.editing = False
        self.profile = draft or new_profile()
        self.title.setText("Welcome to IDI Share: set up your supply" if first_run else "Set up a new supply")
        self.cancel_button.setVisible(not first_run)
        self._load_pages()
        self.go_to(0)

    def start_settings(self, profile: SupplyProfile, page_name: str = "organisation") -> None:
        self.editing = True
        self.profile = copy.deepcopy(profile)
        self.profile.path = profile.path
        self.title.setText(f"Settings: {profile.name}")
        self.cancel_button.setVisible(True)
        self._load_pages()
        self.go_to(self.page_index(page_name))

    def _load_pages(self) -> None:
        for setup_page in self.pages:
            setup_page.problem_panel.clear()
            setup_page.load(self.profile)
        self.server_page.password.clear()
        self.server_page.password.setPlaceholderText(
            "leave empty to keep the password you gave before" if self.editing else ""
        )
        self.server_page.results.setText("")
        self.server_page.report = None
        self.page_list.item(len(self.pages)).setHidden(self.editing)
        self.cancel_button.setText("&Close" if self.editing else "&Cancel")

    def page_index(self, name: str) -> int:
        return next((i for i, setup_page in enumerate(self.pages) if setup_page.name == name), 0)

    # Moving ------------------------------------------------------------------------------------------------

    @property
    def current(self) -> int:
        return self.stack.currentIndex()

    def go_to(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self.page_list.blockSignals(True)
        self.page_list.setCurrentRow(index)
        self.page_list.blockSignals(False)
        last = index == len(self.pages) - 1
        self.back_button.setVisible(index > 0 and not self.editing)  # Settings: the list on the left moves
        self.remove_button.setVisible(self.editing)
        self.save_button.setVisible(self.editing)
        self.next_button.setVisible(not self.editing)
        self.next_button.setText("&Next: your spreadsheet  →" if last else "&Next  →")
        self.page_list.setEnabled(self.editing)
        self.pages[index].focus_first_field()

    def _on_page_picked(self, row: int) -> None:
        if self.editing and 0 <= row < len(self.pages):
            self.go_to(row)

    def go_next(self) -> None:
        setup_page = self.pages[self.current]
        problem = setup_page.problem()
        setup_page.say_problem(problem)
        if problem:
            return
        setup_page.store(self.profile)
        if not self.editing:
            self.page_done.emit(self.profile)
        if self.current < len(self.pages) - 1:
            self.go_to(self.current + 1)
            return
        self.finished.emit(self.profile, self.server_page.password.text())

    def go_back(self) -> None:
        if self.current > 0:
            self.go_to(self.current - 1)

    def save(self) -> None:
        """Settings: every page must be complete; the first one that is not is shown with its sentence."""
        for index, setup_page in enumerate(self.pages):
            problem = setup_page.problem()
            if problem:
                self.go_to(index)
                setup_page.say_problem(problem)
                return
            setup_page.store(self.profile)
        self.saved.emit(self.profile, self.server_page.password.text())

"""What every setup page shares: a heading and introduction, a scrolling body, and a problem panel.

A page reads its fields from the supply's profile (`load`), says what is still missing in one sentence
(`problem`, None when the page is complete), and writes its fields back (`store`). The setup view moves
between pages and never lets a page with a problem be left forwards.
"""

from __future__ import annotations

from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from core.profile import SupplyProfile
from gui.widgets import MessagePanel, page


class SetupPage(QWidget):
    """A page of the setup: subclasses fill `self.layout_` and implement load/problem/store."""

    title = ""
    name = ""

    def __init__(self, heading: str, intro: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body, self.layout_ = page(heading, intro)
        self.problem_panel = MessagePanel("problemPanel")
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        scroller.setWidget(self.body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroller)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.problem_panel)
        self.layout_.addStretch(1)

    def load(self, profile: SupplyProfile) -> None:
        raise NotImplementedError

    def problem(self) -> str | None:
        return None

    def store(self, profile: SupplyProfile) -> None:
        raise NotImplementedError

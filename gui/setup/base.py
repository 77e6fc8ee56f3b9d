"""What every setup page shares: a heading and introduction, a scrolling body, and a problem panel.

A page reads its fields from the supply's profile (`load`), says what is still missing in one sentence
(`problem`, None when the page is complete), and writes its fields back (`store`). The setup view moves
between pages and never lets a page with a problem be left forwards.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QWidget

from core.profile import SupplyProfile
from gui.widgets import MessagePanel, page, scroll_page


class SetupPage(QWidget):
    """A page of the setup: subclasses fill `self.layout_` and implement load/problem/store."""

    title = ""
    name = ""

    def __init__(self, heading: str, intro: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body, self.layout_ = page(heading, intro)
        self.problem_panel = MessagePanel("problemPanel")
        self.scroller = scroll_page(self, self.body)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.problem_panel)
        self.layout_.addStretch(1)

    def say_problem(self, problem: str | None) -> None:
        """Show the sentence, scrolled into view: on a small screen it may sit below the fold."""
        self.problem_panel.say(problem or "")
        if problem:
            self.scroll_into_view(self.problem_panel)

    def scroll_into_view(self, *widgets: QWidget) -> None:
        """Once laid out, scroll so these show (the last one wins where all cannot)."""

        def scroll() -> None:
            for widget in widgets:
                self.scroller.ensureWidgetVisible(widget)

        QTimer.singleShot(0, scroll)

    def focus_first_field(self) -> None:
        """Keyboard users start typing in the page's first box, not in the list of pages or the menu."""
        widget = self.body.nextInFocusChain()
        while widget is not None and widget is not self.body:
            focusable = widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isEnabled()
            if focusable and self.body.isAncestorOf(widget) and widget.isVisibleTo(self.body):
                widget.setFocus(Qt.FocusReason.TabFocusReason)
                return
            widget = widget.nextInFocusChain()

    def load(self, profile: SupplyProfile) -> None:
        raise NotImplementedError

    def problem(self) -> str | None:
        return None

    def store(self, profile: SupplyProfile) -> None:
        raise NotImplementedError

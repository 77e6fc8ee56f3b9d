"""Small building blocks the steps share: headings, a panel with an icon and a sentence, a page frame."""

from __future__ import annotations

import functools

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

PANEL_ICONS = {
    "problemPanel": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "successPanel": QStyle.StandardPixmap.SP_DialogApplyButton,
    "notePanel": QStyle.StandardPixmap.SP_MessageBoxInformation,
    "warningPanel": QStyle.StandardPixmap.SP_MessageBoxWarning,
}


@functools.cache
def panel_pixmap(kind: str) -> QPixmap:
    """A panel's icon, drawn once per kind: the window has some 20 panels and, under Windows' style in Wine,
    each standardIcon() call took ~9 ms, a fifth of a second before the window could show."""
    return QApplication.style().standardIcon(PANEL_ICONS[kind]).pixmap(24, 24)


def label(text: str, name: str | None = None, *, wrap: bool = True, rich: bool = False) -> QLabel:
    """A label that wraps and reads as plain text unless told otherwise (cell values are never markup)."""
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    widget.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    if name:
        widget.setObjectName(name)
    return widget


class StatusLine(QLabel):
    """The status bar's sentence: it wraps onto a second line at the width it is given rather than being cut
    off at the window's edge (a status bar lays out by size hints alone, so the hints follow the width)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setObjectName("status")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def sizeHint(self) -> QSize:
        width = self.width()
        if width < 100:  # not laid out yet: one line, so the window is not made taller before it is shown
            width = 100_000
        return QSize(1, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def hasHeightForWidth(self) -> bool:
        return False  # the hints already follow the width; the bar's layout must not guess one of its own

    def setText(self, text: str) -> None:
        super().setText(text)
        self.updateGeometry()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()


class MessagePanel(QFrame):
    """An icon and a sentence: a problem to fix, a success, or a note. Hidden until it has something to say."""

    def __init__(self, kind: str = "notePanel", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notePanel" if kind == "warningPanel" else kind)
        self.icon = QLabel(self)
        self.icon.setPixmap(panel_pixmap(kind))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = label("", "panelText")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(10)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        self.hide()

    def say(self, text: str) -> None:
        self.text.setText(text)
        self.text.setAccessibleName(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.say("")


def page(heading: str, intro: str) -> tuple[QWidget, QVBoxLayout]:
    """A step page: heading and one-paragraph introduction; callers add the rest to the layout."""
    widget = QWidget()
    widget.setObjectName("page")
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(24, 18, 24, 12)
    layout.setSpacing(10)
    layout.addWidget(label(heading, "heading"))
    layout.addWidget(label(intro, "intro"))
    return widget, layout


class PageScroller(QScrollArea):
    """A page's scroll area that keeps the focused control in view however the focus got there: Qt scrolls
    for Tab only, so Alt+letter left the box it moved to out of sight, above or below the fold."""

    def __init__(self) -> None:
        super().__init__()
        QApplication.instance().focusChanged.connect(self._follow_focus)

    def _follow_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        body = self.widget()
        if new is not None and body is not None and body.isAncestorOf(new):
            self.ensureWidgetVisible(new)


def scroll_page(owner: QWidget, body: QWidget) -> QScrollArea:
    """Fill `owner` with `body` in a frameless scroll area: at 150% on a small screen a page scrolls, while
    the bars around it (navigation, status) stay put. More may be added to `owner`'s layout below it."""
    scroller = PageScroller()
    scroller.setWidgetResizable(True)
    scroller.setFrameShape(QScrollArea.Shape.NoFrame)
    scroller.setWidget(body)
    outer = QVBoxLayout(owner)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroller, 1)
    return scroller


def enter_presses_buttons(widget: QWidget) -> None:
    """Enter presses the focused button, as Space does, for every button under `widget` (Qt does it only in
    dialogs). Widgets made later, such as the home page's cards, call this for their own buttons."""
    for button in widget.findChildren(QPushButton):
        button.setAutoDefault(True)

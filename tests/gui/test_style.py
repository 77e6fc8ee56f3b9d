"""The window's look: the stylesheet reaches every widget once the window is built (gui.style)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from gui.main_window import MATCH, OPEN, REVIEW, SEND
from gui.style import STYLESHEET, stylesheet_held_back

CURRENT_STEP_PADDING = 2 * 14  # QLabel[stepState="current"]: padding 8px 14px


@pytest.mark.parametrize("step", [OPEN, MATCH, REVIEW, SEND])
def test_the_current_step_is_drawn_as_a_padded_pill(window, qtbot, step: int) -> None:
    """Before the window was built with the stylesheet held back, the step names lost their padding: the
    highlighted step was exactly as wide as its text, its colour touching the letters."""
    window.go_to(step)
    qtbot.wait(1)
    current = window.indicator.labels[step]
    text_width = current.fontMetrics().horizontalAdvance(current.text())
    assert current.property("stepState") == "current"
    assert current.width() >= text_width + CURRENT_STEP_PADDING


def test_the_window_keeps_the_applications_stylesheet(window) -> None:
    assert QApplication.instance().styleSheet() == STYLESHEET
    heading = next(label for label in window.findChildren(QLabel) if label.objectName() == "heading")
    assert heading.font().pointSizeF() == 17


def test_the_stylesheet_comes_back_when_building_fails(qapp) -> None:
    with pytest.raises(RuntimeError), stylesheet_held_back():
        assert QApplication.instance().styleSheet() == ""
        raise RuntimeError("a page could not be built")
    assert QApplication.instance().styleSheet() == STYLESHEET

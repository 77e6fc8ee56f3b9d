"""The readiness view: "Is our data ready?", Stats NZ's questions before a first supply, in plain words.

The questions the list itself can answer (ID numbers, dates, services) come from the latest check of the
supply's spreadsheet, each with what it means and what to do next (core.checking.readiness); the window
runs that check in a worker and hands the answers here. The questions only people can answer are asked
with their choices; every answer is handed to the window (`answers_changed`) to be saved with the supply
at once, so there is no Save button to forget. The view holds no rule: only words and controls.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.checking.readiness import Readiness
from core.checking.readiness_questions import ASKED, Choice, Finding, Question
from gui.widgets import MessagePanel, label, page, scroll_page

TEXT_SAVE_DELAY_MS = 800  # a written answer is saved once typing pauses


def meaning_text(choice: Choice) -> str:
    return f"What this means: {choice.meaning}\nWhat to do next: {choice.next_step}"


class FindingPanel(QFrame):
    """One question the list answers: the question, what the list shows, what it means, what to do."""

    def __init__(self, finding: Finding) -> None:
        super().__init__()
        self.setObjectName("notePanel")
        self.finding = finding
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(label(finding.text, "sectionTitle"))
        self.short_answer = label(f"In short: {finding.choice.answer}.", "columnTitle")
        self.answer = label(f"From your spreadsheet: {finding.answer}")
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.short_answer)
        layout.addWidget(self.answer)
        layout.addWidget(label(meaning_text(finding.choice), "subtle"))


class QuestionBox(QFrame):
    """One question people answer: choices as radio buttons, or a box for a few sentences."""

    def __init__(self, question: Question, on_answer) -> None:
        super().__init__()
        self.setObjectName("notePanel")
        self.question = question
        self.buttons = QButtonGroup(self)
        self.text_box: QPlainTextEdit | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(label(question.step, "subtle"))
        title = label(question.text, "sectionTitle")
        layout.addWidget(title)
        layout.addWidget(label(question.hint, "subtle"))
        for choice in question.choices:
            button = QRadioButton(choice.answer)
            button.setProperty("choice", choice.id)
            button.setAccessibleDescription(question.text)
            self.buttons.addButton(button)
            layout.addWidget(button)
        self.meaning = label("", "subtle")
        self.meaning.hide()
        layout.addWidget(self.meaning)
        if question.choices:
            self.buttons.buttonToggled.connect(
                lambda button, on: on and on_answer(question.id, button.property("choice"))
            )
        else:
            self.text_box = QPlainTextEdit()
            self.text_box.setTabChangesFocus(True)  # Tab moves on, as everywhere else
            self.text_box.setAccessibleName(question.text)
            self.text_box.setPlaceholderText("Type your answer here.")
            self.text_box.setFixedHeight(self.text_box.fontMetrics().lineSpacing() * 4 + 12)
            title.setBuddy(self.text_box)
            layout.addWidget(self.text_box)

    def show_answer(self, answer: str | None) -> None:
        """Put a saved answer in place without saving it again."""
        self.buttons.blockSignals(True)
        if self.text_box is not None:
            self.text_box.blockSignals(True)
            self.text_box.setPlainText(answer or "")
            self.text_box.blockSignals(False)
        self.buttons.setExclusive(False)
        for button in self.buttons.buttons():
            button.setChecked(button.property("choice") == answer)
        self.buttons.setExclusive(True)
        self.buttons.blockSignals(False)
        self.show_meaning(answer)

    def show_meaning(self, answer: str | None) -> None:
        choice = self.question.choice(answer) if answer and self.question.choices else None
        self.meaning.setText(meaning_text(choice) if choice else "")
        self.meaning.setVisible(choice is not None)

    def chosen(self) -> str | None:
        if self.text_box is not None:
            return self.text_box.toPlainText()
        button = self.buttons.checkedButton()
        return button.property("choice") if button else None


class ReadinessView(QWidget):
    """Emits `answers_changed({question id: answer})` as people answer; the window saves them."""

    answers_changed = Signal(dict)
    export_requested = Signal()
    home_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        body, layout = page(
            "Is our data ready?",
            "Before your first supply, Stats NZ asks how you record the people you work with. IDI Share "
            "answers what it can from your spreadsheet; the questions further down are for you. Your answers are "
            "saved with this supply as you go, and go into the data specification, a Word document for the "
            "data sharing agreement.",
        )
        self.heading = body.findChild(QLabel, "heading")
        self.status = MessagePanel("notePanel")
        self.problem = MessagePanel("problemPanel")
        self.saved_note = MessagePanel("successPanel")
        layout.addLayout(self._buttons())
        for panel in (self.saved_note, self.problem, self.status):
            layout.addWidget(panel)
        layout.addWidget(label("What your spreadsheet shows", "heading"))
        self.findings_box = QVBoxLayout()
        layout.addLayout(self.findings_box)
        layout.addWidget(label("Questions only you can answer", "heading"))
        self.question_boxes: dict[str, QuestionBox] = {}
        for question in ASKED:
            box = QuestionBox(question, self._on_answer)
            if box.text_box is not None:
                box.text_box.textChanged.connect(self._text_timer_start)
            self.question_boxes[question.id] = box
            layout.addWidget(box)
        layout.addStretch(1)
        self.finding_panels: list[FindingPanel] = []
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(TEXT_SAVE_DELAY_MS)
        self._text_timer.timeout.connect(self.save_written_answers)
        self._written: dict[str, str] = {}
        scroll_page(self, body)

    def _buttons(self) -> QHBoxLayout:
        self.export_button = QPushButton("&Export data specification…")
        self.export_button.setObjectName("primary")
        self.export_button.setToolTip(
            "A Word document describing your supply for the data sharing agreement. It holds no personal data."
        )
        self.export_button.clicked.connect(self.export_requested)
        self.home_button = QPushButton("⌂  Back to h&ome")
        self.home_button.clicked.connect(self.home_requested)
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addWidget(self.home_button)
        row.addStretch(1)
        return row

    # What the window shows ---------------------------------------------------------------------------------

    def show_supply(self, name: str, answers: dict[str, str]) -> None:
        """A supply's saved answers in place; the list's answers follow once its check is done."""
        self._text_timer.stop()
        self.heading.setText(f"Is our data ready? {name}")
        for panel in (self.saved_note, self.problem, self.status):
            panel.clear()
        self._clear_findings()
        for question_id, box in self.question_boxes.items():
            box.show_answer(answers.get(question_id))
        self._written = {q: box.chosen() or "" for q, box in self.question_boxes.items() if box.text_box}

    def show_checking(self, file_name: str) -> None:
        self.status.say(f"Checking {file_name} to answer the first questions…")

    def show_no_data(self, text: str) -> None:
        self._clear_findings()
        self.status.say(text)

    def show_findings(self, readiness: Readiness, source: str) -> None:
        self._clear_findings()
        self.status.say(source)
        for finding in readiness.findings:
            panel = FindingPanel(finding)
            self.findings_box.addWidget(panel)
            self.finding_panels.append(panel)

    def _clear_findings(self) -> None:
        for panel in self.finding_panels:
            panel.setParent(None)
            panel.deleteLater()
        self.finding_panels = []

    def set_focus_to_first(self) -> None:
        self.export_button.setFocus(Qt.FocusReason.OtherFocusReason)

    # Answers -------------------------------------------------------------------------------------------------

    def _on_answer(self, question_id: str, answer: str) -> None:
        self.question_boxes[question_id].show_meaning(answer)
        self.answers_changed.emit({question_id: answer})

    def _text_timer_start(self) -> None:
        self._text_timer.start()

    def save_written_answers(self) -> None:
        """Hand over the written answers that changed since they were last handed over."""
        self._text_timer.stop()
        changed = {}
        for question_id, box in self.question_boxes.items():
            if box.text_box is not None and box.chosen() != self._written.get(question_id, ""):
                changed[question_id] = box.chosen() or ""
        if changed:
            self._written.update(changed)
            self.answers_changed.emit(changed)

    def hideEvent(self, event: QHideEvent) -> None:
        self.save_written_answers()  # leaving the view never loses a sentence still being typed
        super().hideEvent(event)

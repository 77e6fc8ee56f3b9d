"""The row of step names above the supply steps: done steps ticked, the current one highlighted."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget


class StepIndicator(QFrame):
    """The row of step names at the top: done steps ticked, the current one highlighted."""

    def __init__(self, titles: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepIndicator")
        self.titles = titles
        self.labels = [QLabel() for _ in titles]
        layout = QHBoxLayout(self)
        layout.setContentsMargins(20, 8, 20, 8)
        layout.setSpacing(4)
        for number, step_label in enumerate(self.labels):
            if number:
                arrow = QLabel("›")
                arrow.setObjectName("subtle")
                layout.addWidget(arrow)
            layout.addWidget(step_label)
        layout.addStretch(1)

    def set_current(self, current: int) -> None:
        for number, (step_label, title) in enumerate(zip(self.labels, self.titles, strict=True)):
            state = "done" if number < current else "current" if number == current else "todo"
            mark = "✓" if state == "done" else str(number + 1)
            step_label.setText(f"{mark}  {title}")
            step_label.setAccessibleName(f"Step {number + 1} of {len(self.titles)}: {title}, {state}")
            step_label.setProperty("stepState", state)
            step_label.style().unpolish(step_label)
            step_label.style().polish(step_label)

"""What the Match step is made of: the details it asks for, their choices, and one detail's row of widgets.

Split from gui/steps/match_step.py (which lays the step out and reacts to choices) so each stays small.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QComboBox, QLabel

from core.checking.matching import SURE
from core.reading.table import CellKind
from gui.table_model import cell_text
from gui.widgets import label

if TYPE_CHECKING:  # pandas and numpy are loaded by the first read, before the step shows any column
    from core.reading.table import SourceColumn

NOT_IN_SHEET = "(not in this sheet)"
SURE_AT = SURE  # the matcher's "sure": below it a match is shown as "Check this"
EXAMPLES_SHOWN = 3
EXAMPLE_LENGTH = 28

# field, label with its keyboard letter, what it means
DETAILS = (
    ("identifier", "&ID number", "The person's NHI, SWN (MSD client number) or IRD number."),
    ("first_name", "Fi&rst name", "Given name or names."),
    ("last_name", "&Last name", "Surname or family name."),
    ("full_name", "F&ull name", "Only if first and last name are together in one column."),
    ("date_of_birth", "&Date of birth", ""),
    ("gender", "&Gender", ""),
    ("start_date", "Service s&tart date", "When the person started with your service (enrolled, referred)."),
    ("end_date", "Service &end date", "When they left or their case closed, if they have."),
    (
        "service",
        "Service or progra&mme",
        "Optional: which of your services or programmes each person is in. Sent only if you choose a column.",
    ),
)
ID_KINDS = (
    ("NHI number", "NHI"),
    ("SWN (MSD client number)", "SWN"),
    ("IRD number", "IRD"),
    ("Another kind of ID", "OTHER"),
)
DATE_ORDERS = (
    ("Day first, like 25/12/2001 (usual in New Zealand)", "day_first"),
    ("Month first, like 12/25/2001", "month_first"),
)
SURENESS = {
    "sure": "✓ Sure",
    "check": "? Check this",
    "missing": "Not found",
    "chosen": "Your choice",
    "saved": "From your saved settings",
    "not_needed": "Not needed",
}


GENDER_MEANINGS = (
    ("Not sure: leave it to check", None),
    ("Male", "male"),
    ("Female", "female"),
    ("Another gender", "another"),
    ("Unknown or not stated", "unknown"),
)
GENDER_CODES_SHOWN = 12
SERVICES_SHOWN = 12


@dataclass
class MatchChoices:
    """What the user settled on in this step."""

    mapping: dict[str, str]
    identifier_type: str | None
    date_order: str
    gender_values: dict[str, str] = dataclasses.field(default_factory=dict)


def service_counts(column: SourceColumn) -> list[tuple[str, int]]:
    """The distinct services or programmes in the column, most common first, with how many rows hold each."""
    import pandas as pd

    from core.checking.cells import cell_texts

    texts = pd.Series(cell_texts(column.values, column.kinds)[column.kinds != CellKind.EMPTY], dtype=object)
    counts = texts.str.strip().loc[lambda t: t.ne("")].value_counts()
    return sorted(((str(name), int(count)) for name, count in counts.items()), key=lambda nc: (-nc[1], nc[0]))


def services_sentence(header: str, counts: list[tuple[str, int]]) -> str:
    if not counts:
        return f'The column "{header}" is empty, so no service or programme would be sent.'
    listed = ", ".join(f"{name} ({count:,})" for name, count in counts[:SERVICES_SHOWN])
    more = f", and {len(counts) - SERVICES_SHOWN:,} more" if len(counts) > SERVICES_SHOWN else ""
    return (
        f'Services or programmes in "{header}", sent with each person because you chose this column: '
        f'{listed}{more}. If they should not be sent, set Service or programme to "{NOT_IN_SHEET}".'
    )


def examples(column: SourceColumn, count: int = EXAMPLES_SHOWN) -> str:
    """A few different values from the column, so the user can see at a glance whether it is the right one."""
    import numpy as np

    filled = np.flatnonzero(column.kinds != CellKind.EMPTY)[:200]
    seen: list[str] = []
    for row in filled:
        text = cell_text(column.values[row], int(column.kinds[row])).strip()
        if text and text not in seen:
            seen.append(text if len(text) <= EXAMPLE_LENGTH else text[: EXAMPLE_LENGTH - 1] + "…")
        if len(seen) == count:
            break
    return ",  ".join(seen) if seen else "(this column is empty)"


class DetailRow:
    """The widgets of one detail: the drop-down of columns, its examples, and how sure the guess is."""

    def __init__(self, field: str, text: str, hint: str) -> None:
        self.field = field
        self.label = QLabel(text)
        self.label.setObjectName("columnTitle")
        self.combo = QComboBox()
        self.combo.setObjectName(f"column_{field}")
        self.combo.setAccessibleName(text.replace("&", ""))
        self.combo.setAccessibleDescription(hint)
        self.combo.setToolTip(hint)
        self.combo.setMinimumContentsLength(22)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.label.setBuddy(self.combo)
        self.examples = label("", "subtle")
        self.sureness = label("", "sureness")
        self.state = "missing"

    def set_state(self, state: str) -> None:
        self.state = state
        self.sureness.setText(SURENESS[state])
        self.sureness.setAccessibleName(SURENESS[state])

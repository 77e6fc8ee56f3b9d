"""The window's side of readiness and the data specification: open the view, check, save answers, export.

A mixin of MainWindow (it uses the window's views, runner and state). The check behind the answers runs
through the one TaskRunner; answers are saved with the supply through core.sending.supplies, as Settings
saves; the .docx is written by core.sending.specification in a job.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from core.checking.readiness_answers import PROFILE_KEY, record_answers, saved_answers
from core.errors import InputError
from core.sending import supplies
from gui import dialogs
from gui.jobs import Assessed, readiness_job, specification_job

if TYPE_CHECKING:
    from core.checking.check import CheckResult
    from core.profile import SupplyProfile
    from core.sending.supplies import SavedSupply

NO_SPREADSHEET = (
    "IDI Share has not checked a spreadsheet for this supply yet, so it cannot answer the first questions. "
    "Press “Prepare this period's supply” on the home page, then come back here."
)


def spec_saved_sentence(path: Path) -> str:
    return (
        f"The data specification was saved as {path.name} in {path.parent}. It describes your supply "
        "(columns, codes, counts and your answers) and holds no personal data: no names, dates of birth or ID "
        "numbers. Open it in Word or LibreOffice, fill in the lines marked “To fill in”, and send it to Stats NZ."
    )


def forget_answers(profile: SupplyProfile, question_ids: list[str]) -> None:
    """A written answer cleared by the person is taken out of the profile, not kept as it was."""
    stored = profile.raw.get(PROFILE_KEY)
    if isinstance(stored, dict) and isinstance(stored.get("answers"), dict):
        for question_id in question_ids:
            stored["answers"].pop(question_id, None)


class ReadinessFlow:
    """Readiness view and data specification coordination for MainWindow."""

    readiness_supply: SavedSupply | None = None
    readiness_result: CheckResult | None = None

    def _supply_source(self, supply: SavedSupply) -> Path | None:
        last = supplies.supply_state(supply.key).get("last_file")
        return Path(last) if last and Path(last).is_file() else None

    def _latest_result(self, supply: SavedSupply) -> CheckResult | None:
        """The check already in hand for this supply (the readiness view's, or the window's), if any."""
        readiness_supply = self.readiness_supply
        if (
            self.readiness_result is not None
            and readiness_supply is not None
            and readiness_supply.key == supply.key
        ):
            return self.readiness_result
        if self.result is not None and self.supply is not None and self.supply.key == supply.key:
            return self.result
        return None

    def show_readiness(self, supply: SavedSupply | None = None) -> None:
        """The view at once with the saved answers; the list's answers when its check is done."""
        supply = supply or self.supply
        if supply is None:
            dialogs.show_problem(self, "Set up a supply first: the readiness questions belong to a supply.")
            return
        latest = self._latest_result(supply)
        self.readiness_supply, self.readiness_result = supply, None
        view = self.readiness_view
        view.show_supply(supply.profile.name, saved_answers(supply.profile))
        self.show_view(view)
        view.set_focus_to_first()
        source = self._supply_source(supply)
        if latest is None and source is None:
            view.show_no_data(NO_SPREADSHEET)
            self._say("Answer the questions you can; they are saved as you go.")
            return
        name = latest.table.path.name if latest is not None else source.name
        view.show_checking(name)
        self._say(f"Checking {name} for the readiness questions…")
        as_of = self.as_of or dt.date.today()
        self.runner.start(
            f"checking {name}",
            readiness_job(supply.profile, source, latest, as_of),
            self._on_readiness_assessed,
            self._on_readiness_failed,
        )

    def _on_readiness_assessed(self, assessed: Assessed) -> None:
        self.readiness_result = assessed.result
        table = assessed.result.table
        self.readiness_view.show_findings(
            assessed.readiness,
            f"These answers come from {table.path.name} ({assessed.result.rows:,} people), checked just now. "
            "The rows to fix are marked on the Review page when you prepare this period's supply.",
        )
        self._say("Answered from your spreadsheet. Now answer the questions only you can.")
        self.readiness_checked.emit()

    def _on_readiness_failed(self, message: str) -> None:
        self.readiness_view.show_no_data(message)
        self._say("The spreadsheet could not be checked.")
        self.task_failed.emit(message)

    def save_readiness_answers(self, changes: dict[str, str]) -> None:
        """Each answer is saved with the supply at once, as Settings saves it."""
        supply = self.readiness_supply
        if supply is None:
            return
        profile = supply.profile
        cleared = [question for question, answer in changes.items() if not answer.strip()]
        try:
            record_answers(profile, {q: a for q, a in changes.items() if q not in cleared})
            forget_answers(profile, cleared)
            saved = supplies.save_supply(profile)
        except InputError as error:
            self.readiness_view.problem.say(error.message)
            return
        self.readiness_view.problem.clear()
        self.readiness_supply = saved
        if self.supply is not None and self.supply.key == saved.key:
            self.supply, self.profile = saved, saved.profile
        self._say("Your answer is saved with this supply.")
        self.readiness_saved.emit()

    # The data specification ----------------------------------------------------------------------------

    def _supply_for_export(self) -> SavedSupply | None:
        if self.views.currentWidget() is self.readiness_view and self.readiness_supply is not None:
            return self.readiness_supply
        return self.supply

    def export_specification(self, supply: SavedSupply | None = None, target: Path | None = None) -> None:
        """Ask where (starting in the last folder used), then write the .docx in a job."""
        supply = supply or self._supply_for_export()
        if supply is None:
            dialogs.show_problem(self, "Open a supply first: the data specification describes one supply.")
            return
        result, source = self._latest_result(supply), self._supply_source(supply)
        if result is None and source is None:
            dialogs.show_problem(self, NO_SPREADSHEET)
            return
        if target is None:
            start = Path(supplies.last_folder() or Path.home()) / supplies.specification_file_name(
                supply.profile
            )
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Export data specification", str(start), "Word document (*.docx)"
            )
            if not chosen:
                return
            target = Path(chosen) if chosen.lower().endswith(".docx") else Path(chosen + ".docx")
        supplies.remember_folder(target.parent)
        self._say("Writing the data specification…")
        self.runner.start(
            "writing the data specification",
            specification_job(supply.profile, source, result, target, self.as_of or dt.date.today()),
            self._on_specification_written,
            self._on_specification_failed,
        )

    def _specification_panel(self):
        if self.views.currentWidget() is self.readiness_view:
            return self.readiness_view.saved_note
        return self.home_view.saved_note

    def _on_specification_written(self, path: Path) -> None:
        self._specification_panel().say(spec_saved_sentence(path))
        self._say(f"Saved the data specification to {path}.")
        self.file_saved.emit(Path(path))

    def _on_specification_failed(self, message: str) -> None:
        panel = (
            self.readiness_view.problem
            if self.views.currentWidget() is self.readiness_view
            else self.home_view.notes
        )
        panel.say(message)
        self._say("The data specification was not saved.")
        self.task_failed.emit(message)

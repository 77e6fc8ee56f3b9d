"""The window's side of files that are not a supply's spreadsheet: settings files, the demo, the quality report.

A mixin of MainWindow (it uses the window's runner, steps and state), kept apart so each file reads at once.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import InputError
from core.profile import load_profile, save_profile
from gui.resources import demo_profile, demo_spreadsheet
from gui.workers import TaskContext

DEMO_TITLE = "IDI Share (demo)"


class FilesFlow:
    """Saved settings files, the demo and the quality report, for MainWindow."""

    def use_settings(self, path: Path) -> None:
        """Use saved settings (a profile): its matches, sheet and sending details."""
        try:
            profile = load_profile(Path(path))
        except InputError as error:
            self.go_to(self.OPEN)
            self.open_step.show_problem(error.message)
            self.task_failed.emit(error.message)
            return
        if self.demo:
            self._leave_demo()
        self.profile = profile
        self.supply = self.new_profile = None  # a settings file is used as it is, not saved as a supply
        self.open_step.show_settings(profile.name, Path(path).name)
        self._say(f'Using your saved settings "{profile.name}".')
        if self.path is not None:
            self._read(self.path, None)

    def open_demo(self, go_to_review: bool = True, with_settings: bool = True) -> None:
        """The bundled sample register with its sample settings, straight to Review; nothing is sent.

        `with_settings=False` lets the columns be matched automatically, as on a first run (screenshots).
        """
        self.demo = True
        self.supply = self.new_profile = None
        self.profile = load_profile(demo_profile()) if with_settings else None
        self.demo_banner.show()
        self.setWindowTitle(DEMO_TITLE)
        if self.profile is not None:
            self.open_step.show_settings(self.profile.name, demo_profile().name)
        self._continue_to_review = go_to_review
        self._read(demo_spreadsheet(), None)

    def _leave_demo(self) -> None:
        self.demo = False
        self.profile = self.supply = self.new_profile = None
        self.open_step.show_settings(None)
        self.demo_banner.hide()
        self.setWindowTitle("IDI Share")

    def save_settings(self, path: Path) -> None:
        """Save the matches as a profile; a small file, written atomically by core.profile."""
        problem = self.match_step.problem_text()
        if problem or self.table is None:
            self.match_step.problem.say(problem or "Open a spreadsheet first.")
            return
        profile = self.profile_from_choices(self.match_step.choices())
        try:
            save_profile(profile, Path(path))
        except InputError as error:
            self.match_step.problem.say(error.message)
            self.task_failed.emit(error.message)
            return
        except OSError as error:
            message = f"The settings could not be saved to {Path(path).name} ({error.strerror}). Choose another folder."
            self.match_step.problem.say(message)
            self.task_failed.emit(message)
            return
        self.profile = profile
        self.open_step.show_settings(profile.name, Path(path).name)
        self._say(f"Saved your matches in {Path(path).name}. Next time, open them with “Use saved settings”.")
        self.file_saved.emit(Path(path))

    def save_report(self, path: Path) -> None:
        if self.result is None:
            return
        result = self.result

        def job(_context: TaskContext) -> Path:
            from core.checking.report import write_report

            return write_report(result, path)

        self._say("Saving the quality report…")
        self.runner.start("saving the quality report", job, self._on_report_saved, self._on_report_failed)

    def _on_report_saved(self, path: Path) -> None:
        self.review_step.report_note.setText(
            f"The quality report was saved as {Path(path).name}. It holds people's details: keep it safe."
        )
        self._say(f"Saved the quality report to {path}.")
        self.file_saved.emit(Path(path))

    def _on_report_failed(self, message: str) -> None:
        self.review_step.report_note.setText(message)
        self._say("The quality report was not saved.")
        self.task_failed.emit(message)

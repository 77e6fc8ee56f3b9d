"""The window's side of saved supplies: start on setup or home, prepare a period, settings, history, import.

A mixin of MainWindow (it uses the window's views, runner and steps). Every file it reads or writes goes
through core.sending.supplies; the password only through core.sending.credentials.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from core.errors import InputError
from core.profile import SupplyProfile
from core.sending import supplies
from core.sending.history import load_receipts
from core.sending.supplies import SavedSupply
from gui import dialogs
from gui.jobs import connection_test_job

log = logging.getLogger("idi_share.gui")

SETUP_STATUS = "Setting up a supply: fill in each page, then press Next."


class SupplyFlow:
    """Home, setup, settings and history coordination for MainWindow."""

    # Which view -------------------------------------------------------------------------------------------

    def show_start_view(self) -> None:
        """Home when a supply is saved, otherwise the first-run setup."""
        saved, _problems = supplies.list_supplies()
        self.saved_count = len(saved)
        if saved:
            self.show_home()
        else:
            self.start_setup(first_run=True, draft=supplies.load_draft())

    def show_home(self) -> None:
        saved, problems = supplies.list_supplies()
        self.saved_count = len(saved)
        if not saved:
            self.start_setup(first_run=True, draft=supplies.load_draft())
            return
        log_ = load_receipts()
        self.home_view.show_supplies(saved, log_.receipts, dt.date.today(), problems)
        self.show_view(self.home_view)
        self.home_view.set_focus_to_first()
        self._say("Choose a supply to prepare.")

    def start_setup(self, first_run: bool = False, draft: SupplyProfile | None = None) -> None:
        """The setup pages for a new supply; `draft`: one set up before and not finished, its pages filled in."""
        self.setup_view.start_new(first_run, draft)
        self.show_view(self.setup_view)
        self._say(
            "Welcome back: check each page and press Next to carry on." if draft is not None else SETUP_STATUS
        )

    def show_history(self) -> None:
        log_ = load_receipts()
        self.history_view.show_receipts(log_.receipts, log_.skipped_lines)
        self.show_view(self.history_view)
        self._say("The history of your supplies: what was sent or saved, and when.")

    def open_settings(self, supply: SavedSupply | None = None, page_name: str = "organisation") -> None:
        """The setup pages again for a saved supply, opened at the page a message pointed to."""
        supply = supply or self.supply
        if supply is None:
            saved, _ = supplies.list_supplies()
            supply = saved[0] if saved else None
        if supply is None:
            self.start_setup(first_run=True)
            return
        self.settings_supply = supply
        self.setup_view.start_settings(supply.profile, page_name)
        self.show_view(self.setup_view)
        self._say("Change what you need on any page (the list on the left), then press Save changes.")

    # Setup and settings ----------------------------------------------------------------------------------

    def _on_setup_finished(self, profile: SupplyProfile, password: str) -> None:
        """A new supply: keep the password, then the spreadsheet (Open, Match); saved once its columns are matched."""
        note = self._keep_password(profile, password)
        supplies.save_draft(profile)
        self.supply = None
        self.new_profile = self.profile = profile
        self.open_step.show_note(
            f'Setting up "{profile.name}": open the spreadsheet you keep, then check which column holds which '
            "detail. IDI Share remembers both for next time."
        )
        self.go_to(self.OPEN)
        self._say(f"Now open the spreadsheet you keep for {profile.name}.{note}")

    def _on_settings_saved(self, profile: SupplyProfile, password: str) -> None:
        note = self._keep_password(profile, password)
        try:
            saved = supplies.save_supply(profile)
        except InputError as error:
            self.setup_view.pages[self.setup_view.current].problem_panel.say(error.message)
            return
        if self.supply is not None and self.supply.key == saved.key:
            self.supply, self.profile = saved, saved.profile
        self.show_home()
        self._say(f'Saved the settings of "{profile.name}".{note}')

    def _keep_draft(self, profile: SupplyProfile) -> None:
        """After each setup page, so a window that is closed, crashes or loses power loses no typing.

        The status line says again what setup asks: the last page's outcome ("The connection works.") is
        old news on the next page."""
        supplies.save_draft(profile)
        self._say(SETUP_STATUS)

    def _on_setup_cancelled(self) -> None:
        self.show_home()

    def _keep_password(self, profile: SupplyProfile, password: str) -> str:
        """Into the credential store when there is one; otherwise kept only until the window closes."""
        from core.sending.credentials import CredentialStoreError, secure_backend_available, store_secret

        sftp = profile.sftp
        if not password or sftp is None:
            return ""
        self.session_secret = password
        if not secure_backend_available():
            return (
                " This computer has no secure store for the password, so IDI Share keeps it only until it "
                "closes; after that it asks for it when you send."
            )
        try:
            store_secret(sftp.username, sftp.host, sftp.port, password)
        except (CredentialStoreError, InputError) as error:
            return f" {error.message}"
        return " The password is kept in this computer's credential store."

    def test_connection(self, target, fingerprint: str, password: str) -> None:
        from core.sending.credentials import secret_for_send

        secret = password or self.session_secret or secret_for_send(target.username, target.host, target.port)
        self._say(f"Testing the connection to {target.server}…")
        self.runner.start(
            "testing the connection",
            connection_test_job(target, fingerprint, secret),
            self._on_connection_tested,
            self._on_connection_test_failed,
        )

    def _on_connection_tested(self, report) -> None:
        self.setup_view.server_page.show_report(report)
        failed = next((step.title for step in report.steps if not step.ok), "a step")
        self._say(
            "The connection works."
            if report.ok
            else f"The connection test stopped at “{failed}”: the page says what to do."
        )
        self.connection_tested.emit(report)

    def _on_connection_test_failed(self, message: str) -> None:
        self.setup_view.server_page.show_test_failure(message)
        self.task_failed.emit(message)

    def remove_settings_supply(self) -> None:
        supply = getattr(self, "settings_supply", None)
        if supply is None or not dialogs.confirm_removal(self, supply.profile.name):
            return
        sentence = supplies.remove_supply(supply)
        if self.supply is not None and self.supply.key == supply.key:
            self.supply = None
            self.profile = None
        self.show_start_view()
        self._say(sentence)

    # Each period ---------------------------------------------------------------------------------------

    def prepare(self, supply: SavedSupply) -> None:
        """Open last time's spreadsheet (or ask, in its folder), apply the saved matches, check, go to Review."""
        if not supplies.supply_state(supply.key).get("confirmed", True):
            if not dialogs.confirm_imported(self, supply.profile):
                self._say("Nothing was prepared: the imported settings were not confirmed.")
                return
            supplies.set_supply_state(supply.key, confirmed=True)
        if self.demo:
            self._leave_demo()
        self.supply, self.profile, self.new_profile = supply, supply.profile, None
        self.open_step.show_settings(supply.profile.name, None)
        last = supplies.supply_state(supply.key).get("last_file")
        if last and Path(last).is_file():
            self._continue_to_review = True
            self._read(Path(last), None)
            return
        self.go_to(self.OPEN)
        folder = str(Path(last).parent) if last and Path(last).parent.is_dir() else supplies.last_folder()
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            f"Choose this period's spreadsheet for {supply.profile.name}",
            folder,
            dialogs.SPREADSHEET_FILTER,
        )
        if chosen:
            self._continue_to_review = True
            self._read(Path(chosen), None)

    def _save_checked_supply(self, profile: SupplyProfile) -> SupplyProfile:
        """A new or saved supply keeps the matches just used, and the spreadsheet, for next time."""
        if self.demo or (self.supply is None and self.new_profile is None):
            return profile
        try:
            saved = supplies.save_supply(profile)
        except InputError as error:
            self._say(error.message)
            return profile
        self.supply, self.profile, self.new_profile = saved, saved.profile, None
        self.saved_count = max(self.saved_count, 1)
        supplies.forget_draft()
        if self.path is not None:
            supplies.set_supply_state(saved.key, last_file=str(self.path))
        return saved.profile

    # Import and export -------------------------------------------------------------------------------------

    def import_settings(self, path: Path | None = None) -> None:
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self,
                "Import supply settings",
                supplies.last_folder(),
                "Supply settings (*.idiprofile.json *.json)",
            )
            if not chosen:
                return
            path = Path(chosen)
        try:
            saved = supplies.import_supply(path)
        except InputError as error:
            dialogs.show_problem(self, error.message)
            self.task_failed.emit(error.message)
            return
        if dialogs.confirm_imported(self, saved.profile):
            supplies.set_supply_state(saved.key, confirmed=True)
        self.show_home()
        self._say(f'Imported "{saved.profile.name}".')

    def export_settings(self, target: Path | None = None) -> None:
        supply = self.supply or next(iter(supplies.list_supplies()[0]), None)
        if supply is None:
            dialogs.show_problem(self, "There is no saved supply to export yet: set one up first.")
            return
        if target is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                "Export supply settings",
                str(Path(supplies.last_folder() or Path.home()) / supply.path.name),
                "Supply settings (*.idiprofile.json)",
            )
            if not chosen:
                return
            target = Path(chosen)
        try:
            written = supplies.export_supply(supply, target)
        except InputError as error:
            dialogs.show_problem(self, error.message)
            return
        self._say(f"Exported the settings to {written} (no password is in them).")
        self.file_saved.emit(written)

"""The Send step's side of the window: what blocks sending, the send or save job, and how it ended.

A mixin of MainWindow (it uses the window's runner, steps and state), kept apart so each file reads at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from core.errors import InputError
from core.profile import save_profile
from core.sending import supplies
from core.sending.history import read_receipts
from gui.dialogs import ask_secret, confirm_host_key
from gui.jobs import SupplyOutcome, outcome_sentence, save_job, send_job
from gui.steps.send_step import ENCRYPTED_SUFFIX, file_name_for

log = logging.getLogger("idi_share.gui")

DEMO_REASON = "This is the demo: nothing is ever sent from it. Open your own spreadsheet to send a real list."
NO_ROWS_REASON = (
    "This list has no rows of people, so nothing is sent or saved: check that you opened this period's "
    "spreadsheet and chose the sheet with the people on it."
)
ALL_ROWS_TO_FIX_REASON = "Every row has a problem that must be fixed, so nothing would be sent: fix them in your spreadsheet first."
CONFIRM_CHANGES_REASON = "Tick the box above once Stats NZ has confirmed the changes, then send."


def free_file_name(default: str, taken: set[str]) -> str:
    """The default name, or the same with _2, _3… before the extension when that name was already sent."""
    if default not in taken:
        return default
    stem, dot, rest = default.partition(".")
    number = 2
    while f"{stem}_{number}{dot}{rest}" in taken:
        number += 1
    return f"{stem}_{number}{dot}{rest}"


class SendingFlow:
    """Send-step coordination for MainWindow."""

    # Step 4: send ------------------------------------------------------------------------------------------

    def _prepare_send_step(self) -> None:
        if self.result is None:
            return
        self.send_step.show_result(
            self.result, dt.date.today(), demo=self.demo, changes=self.review_step.changes
        )
        self._recipient_problem = None
        if not self.demo:
            self._show_recipient_and_changes()
        self.send_step.allow(*self.send_blockers())

    def _show_recipient_and_changes(self) -> None:
        """The key as read from the key file, changes since the last supply, and a free file name."""
        from core.sending.supply import recipient_for

        result = self.result
        profile = result.profile
        recipient_fingerprint = ""
        if profile.encryption is not None and profile.encryption.recipient_key_file is not None:
            try:
                recipient = recipient_for(profile)
            except InputError as error:
                self._recipient_problem = error.message
                self.send_step.missing.say(error.message)
                self.send_step.show_settings_button(True, "key")
            else:
                recipient_fingerprint = recipient.fingerprint  # the page shows it (send_step.recipient_lines)
        receipts = read_receipts()
        self.send_step.show_changes(
            supplies.changes_since_last_send(profile, receipts, recipient_fingerprint)
        )
        default = file_name_for(result, dt.date.today()) + ENCRYPTED_SUFFIX
        taken = {r.file_name for r in receipts if r.outcome == "sent"}
        if default in taken:
            self.send_step.offer_file_name(free_file_name(default, taken))

    def choose_rows_with_errors(self, choice: str) -> None:
        """The Send page's visible choice: stop for rows to fix, or leave them out; kept for next time."""
        if self.result is None:
            return
        self.result.profile.output.rows_with_errors = choice
        if self.supply is not None:
            try:
                self.supply = supplies.save_supply(self.result.profile)
            except InputError as error:
                self._say(error.message)
        self._prepare_send_step()

    def send_blockers(self) -> tuple[str | None, str | None]:
        """Why 'Send now' and 'Save encrypted file' cannot be used now (None: they can)."""
        if self.demo:
            return DEMO_REASON, DEMO_REASON
        result = self.result
        if result is None:
            return "Check a list first.", "Check a list first."
        if result is self.sent_result:
            return "This list has been sent. To send another, open it on the first step.", None
        if result.rows == 0:
            return NO_ROWS_REASON, NO_ROWS_REASON
        if result.has_error.any() and result.profile.output.rows_with_errors == "block":
            reason = (
                "Fix the rows with a problem that must be fixed first, or choose to leave them out above."
            )
            return reason, reason
        if int(result.has_error.sum()) == result.rows:
            return ALL_ROWS_TO_FIX_REASON, ALL_ROWS_TO_FIX_REASON
        if getattr(self, "_recipient_problem", None):
            return self._recipient_problem, self._recipient_problem
        if (
            not self.send_step.changes_confirmed.isHidden()
            and not self.send_step.changes_confirmed.isChecked()
        ):
            return CONFIRM_CHANGES_REASON, CONFIRM_CHANGES_REASON
        encryption = result.profile.encryption
        if encryption is None or encryption.recipient_key_file is None:
            reason = (
                "Sending and saving an encrypted file both need Stats NZ's encryption key in your settings."
            )
            return reason, reason
        if result.profile.sftp is None:
            return "Sending needs the server details in your settings; you can save the encrypted file.", None
        return None, None

    def save_encrypted_file(self, folder: Path) -> None:
        """Check, extract and encrypt in memory (worker), then write only the encrypted file into `folder`."""
        _send_reason, save_reason = self.send_blockers()
        if save_reason or self.result is None or self.table is None:
            self.send_step.show_failure(save_reason or "Check a list first.")
            return
        self._say("Encrypting…")
        job = save_job(self.result, Path(folder))
        self.runner.start("encrypting the file", job, self._on_supply_done, self._on_send_failed)

    def send_now(self, secret: str | None = None, remember: bool = False) -> None:
        """Check, extract, encrypt and upload (worker); asks for the password or the server's key on the way."""
        send_reason, _save_reason = self.send_blockers()
        if send_reason or self.result is None or self.table is None:
            self.send_step.show_failure(send_reason or "Check a list first.")
            return
        self._say("Sending…")
        secret = secret if secret is not None else self.session_secret
        job = send_job(self.result, secret, self.send_step.chosen_file_name())
        self.runner.start(
            "sending to Stats NZ",
            job,
            lambda outcome: self._on_supply_done(outcome, secret, remember),
            self._on_send_failed,
            wait_after_cancel=True,
        )

    def _on_supply_done(
        self, outcome: SupplyOutcome, secret: str | None = None, remember: bool = False
    ) -> None:
        sftp = self.result.profile.sftp if self.result else None
        if outcome.needs_secret and sftp is not None:
            answer = ask_secret(self, sftp, outcome.note)
            if answer is None:
                self.send_step.show_failure("Nothing was sent: sending was stopped at the password.")
                self._say("Nothing was sent.")
                return
            self.send_now(*answer)
            return
        if outcome.host_key and sftp is not None:
            if not confirm_host_key(self, f"{sftp.host}:{sftp.port}", outcome.host_key):
                self.send_step.show_failure(
                    "Nothing was sent: the server's fingerprint was not confirmed. Ask Stats NZ for their "
                    "server's fingerprint, and send again when you can compare it."
                )
                self._say("Nothing was sent.")
                return
            self._pin_host_key(outcome.host_key)
            self.send_now(secret, remember)
            return
        notes = self._remember_secret(secret) if remember else ""
        self.send_step.show_outcome(outcome_sentence(outcome) + notes)
        self._say(outcome_sentence(outcome))
        if outcome.saved_to is not None:
            self.file_saved.emit(outcome.saved_to)
            return
        self.sent_result = self.result
        self.send_step.allow(*self.send_blockers())
        self.supply_sent.emit(outcome.receipt)

    def _pin_host_key(self, fingerprint: str) -> None:
        """Keep the confirmed server key in the settings (and their file), so a changed key is caught next time."""
        profile = self.result.profile if self.result else None
        if profile is None or profile.sftp is None:
            return
        profile.sftp.host_key_sha256 = fingerprint  # shared with the saved settings this profile came from
        if self.profile is not None and self.profile.path is not None:
            try:
                save_profile(self.profile, self.profile.path)
            except (InputError, OSError):
                log.warning("The confirmed server key could not be saved in the settings file.")

    def _remember_secret(self, secret: str | None) -> str:
        sftp = self.result.profile.sftp if self.result else None
        if not secret or sftp is None:
            return ""
        from core.sending.credentials import store_secret

        try:
            store_secret(sftp.username, sftp.host, sftp.port, secret)
        except InputError as error:
            return f" The password was not remembered: {error.message}"
        return " The password is kept in this computer's credential store for next time."

    def _on_send_failed(self, message: str) -> None:
        self.send_step.show_failure(message)
        if "Settings" in message or "fingerprint" in message:
            self.send_step.show_settings_button(True, "key" if "recipient key" in message else "server")
        if "is already in" in message and self.result is not None:
            taken = {receipt.file_name for receipt in read_receipts()} | {self.send_step.chosen_file_name()}
            self.send_step.offer_file_name(free_file_name(self.send_step.chosen_file_name(), taken))
        self._say("Nothing was sent or saved.")
        self.task_failed.emit(message)

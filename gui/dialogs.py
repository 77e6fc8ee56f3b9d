"""Questions the window asks: the server password, a first server's fingerprint, removing a supply, and
confirming an imported supply's server and keys before its first use. Tests replace these functions."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from core.profile import SftpSettings, SupplyProfile
from core.sending.crypto import format_fingerprint
from gui.steps.open_step import SPREADSHEET_FILTER
from gui.widgets import label

__all__ = ["SPREADSHEET_FILTER", "ask_secret", "confirm_host_key", "confirm_imported", "confirm_removal"]


def show_problem(parent: QWidget, message: str) -> None:
    QMessageBox.warning(parent, "IDI Share", message)


def confirm_removal(parent: QWidget, name: str) -> bool:
    """Removing a supply deletes its settings and stored password (receipts stay): ask first."""
    answer = QMessageBox.question(
        parent,
        "Remove this supply?",
        f'Remove "{name}" from this computer? Its settings and its saved password are deleted; the history '
        "of what was sent stays.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def imported_details(profile: SupplyProfile) -> str:
    """What an imported supply would send to, for the person to check with Stats NZ before first use."""
    sftp, encryption = profile.sftp, profile.encryption
    lines = [f"Supply: {profile.name}"]
    lines.append(
        f"Server: {sftp.host} (port {sftp.port}), folder {sftp.remote_dir}" if sftp else "Server: none"
    )
    lines.append(f"Server's fingerprint: {sftp.host_key_sha256 or 'none given'}" if sftp else "")
    fingerprint = encryption.recipient_fingerprint if encryption else None
    lines.append(
        f"Stats NZ's key fingerprint: {format_fingerprint(fingerprint) if fingerprint else 'none given'}"
    )
    return "\n".join(line for line in lines if line)


def confirm_imported(parent: QWidget, profile: SupplyProfile) -> bool:
    """An imported supply is used only once its server and keys were compared with what Stats NZ gave."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Check the imported settings")
    box.setText("Before first use, compare these with what Stats NZ gave your organisation:")
    box.setInformativeText(imported_details(profile) + "\n\nUse them only if every detail matches.")
    use = box.addButton("They &match: use them", QMessageBox.ButtonRole.AcceptRole)
    later = box.addButton("&Not now", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(later)
    box.exec()
    return box.clickedButton() is use


def ask_secret(parent: QWidget, sftp: SftpSettings, note: str = "") -> tuple[str, bool] | None:
    """Ask for the server password (or key passphrase); (secret, remember it) or None when cancelled."""
    from core.sending.credentials import secure_backend_available

    dialog = SecretDialog(parent, sftp, can_remember=secure_backend_available(), note=note)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.secret.text(), dialog.remember.isChecked()


def confirm_host_key(parent: QWidget, server: str, fingerprint: str) -> bool:
    """First connection to a server: the person compares its fingerprint with the one Stats NZ gave them."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Check the server")
    box.setText(f"IDI Share has not sent to {server} before.")
    box.setInformativeText(
        "Compare this fingerprint, character by character, with the one Stats NZ gave you:\n\n"
        f"{fingerprint}\n\nSend only if they match exactly. If they do not, someone may be pretending to be "
        "the server: stop and call Stats NZ."
    )
    match = box.addButton("They &match: send", QMessageBox.ButtonRole.AcceptRole)
    stop = box.addButton("They do &not match: stop", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(stop)
    box.exec()
    return box.clickedButton() is match


class SecretDialog(QDialog):
    """The server password (or key passphrase), typed hidden; optionally kept in the credential store."""

    def __init__(self, parent: QWidget, sftp: SftpSettings, can_remember: bool, note: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to the server")
        what = "password" if sftp.auth == "password" else "passphrase of your key file"
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setAccessibleName(f"The {what}")
        prompt = QLabel(f"The &{what} for {sftp.username} at {sftp.host}:")
        prompt.setBuddy(self.secret)
        self.remember = QCheckBox("&Remember it in this computer's credential store")
        self.remember.setChecked(can_remember)
        self.remember.setVisible(can_remember)
        # said in the dialog, not in a tooltip on a greyed-out box that the keyboard cannot reach
        self.no_store = label(
            f"This computer has no secure credential store, so IDI Share does not keep the {what}: "
            "it asks for it each time you send.",
            "subtle",
        )
        self.no_store.setVisible(not can_remember)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if note:
            layout.addWidget(label(note, "subtle"))
        layout.addWidget(prompt)
        layout.addWidget(self.secret)
        layout.addWidget(self.remember)
        layout.addWidget(self.no_store)
        layout.addWidget(buttons)

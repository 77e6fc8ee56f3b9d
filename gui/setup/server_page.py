"""Setup page 3: the secure transfer service (SFTP): server, sign-in, folder, the server's fingerprint, a test.

The password goes to the credential store (core.sending.credentials), never into the settings; the page
says which store, or plainly that there is none and the password will be asked for each time.
"Test connection" runs in the window's TaskRunner (the page only asks for it) and each step's outcome is
listed here in words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QSpinBox

from core.profile import SftpSettings, SupplyProfile
from core.sending.sftp_target import SftpTarget, matching_host_key, normalise_host_key_fingerprint
from gui.setup.base import SetupPage
from gui.setup.key_page import fingerprint_font
from gui.widgets import MessagePanel, label

if TYPE_CHECKING:  # the test itself runs in a job: paramiko is loaded there, not when the window opens
    from core.sending.connection_test import ConnectionReport


def password_note() -> str:
    from core.sending.credentials import describe_backend, secure_backend_available

    if secure_backend_available():
        return f"The password is kept in this computer's credential store ({describe_backend()}), not in the settings."
    return (
        "This computer has no secure credential store, so IDI Share will not keep the password: it will ask "
        "for it each time you send."
    )


class ServerPage(SetupPage):
    title = "Transfer service"
    name = "server"
    test_requested = Signal(object, str, str)  # SftpTarget, fingerprint typed, password

    def __init__(self) -> None:
        super().__init__(
            "Stats NZ's secure transfer service",
            "Stats NZ gives you these when your organisation is set up to supply: the server's name, your "
            "user name and password, the folder to put files in, and the server's fingerprint (a code that "
            "starts with SHA256:).",
        )
        self.host = QLineEdit()
        self.host.setPlaceholderText("for example: sftp.stats.govt.nz")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(22)
        self.username = QLineEdit()
        self.folder = QLineEdit("/")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.host_key = QLineEdit()
        self.host_key.setFont(fingerprint_font())
        self.host_key.setPlaceholderText("SHA256:…")
        form = QFormLayout()
        form.addRow("Ser&ver:", self.host)
        form.addRow("&Port:", self.port)
        form.addRow("&User name:", self.username)
        form.addRow("F&older on the server:", self.folder)
        form.addRow("Pass&word:", self.password)
        form.addRow("Server's fin&gerprint:", self.host_key)
        self.layout_.addLayout(form)
        self.store_note = label("", "subtle")  # said when first shown: keyring takes a moment to load
        self.layout_.addWidget(self.store_note)
        self.test_button = QPushButton("&Test connection")
        self.test_button.clicked.connect(self.request_test)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(
            label(
                "Signs in, finds the folder, writes and removes a small file. Nothing else is sent.", "subtle"
            ),
            1,
        )
        self.layout_.addLayout(row)
        self.results = label("")
        self.results.setObjectName("testResults")
        self.layout_.addWidget(self.results)
        self.report_panel = MessagePanel("notePanel")
        self.layout_.addWidget(self.report_panel)
        self.report: ConnectionReport | None = None
        self.finish_layout()

    def showEvent(self, event: QShowEvent) -> None:
        """Say where the password is kept once the page is first seen, not while the window opens: asking
        keyring for its store loads it and its backends (a third of a second here, more under Wine)."""
        if not self.store_note.text():
            self.store_note.setText(password_note())
        super().showEvent(event)

    def target(self) -> SftpTarget:
        return SftpTarget(
            host=self.host.text().strip(),
            port=self.port.value(),
            username=self.username.text().strip(),
            remote_dir=self.folder.text().strip() or "/",
        )

    def request_test(self) -> None:
        missing = self._missing_details()
        if missing:
            self.problem_panel.say(missing)
            return
        self.problem_panel.clear()
        self.results.setText("Testing the connection…")
        self.report_panel.clear()
        self.test_requested.emit(self.target(), self.host_key.text().strip(), self.password.text())

    def show_report(self, report: ConnectionReport) -> None:
        """List each step tried, ✓ or ✗, with its sentence; the fingerprints offered then decide whether Next may go on."""
        self.report = report
        lines = [f"{'✓' if step.ok else '✗'}  {step.title}: {step.sentence}" for step in report.steps]
        self.results.setText("\n".join(lines))
        if report.ok:
            self.report_panel.say("The connection works: you are ready to send.")
        else:
            self.report_panel.say("The test stopped at the step marked ✗: do what it says, then test again.")
        self.scroll_into_view(self.results, self.report_panel)

    def show_test_failure(self, message: str) -> None:
        self.results.setText(f"✗  {message}")
        self.scroll_into_view(self.results)

    def _missing_details(self) -> str | None:
        if not self.host.text().strip():
            return "Type the server's name Stats NZ gave you."
        if not self.username.text().strip():
            return "Type the user name Stats NZ gave you."
        return None

    def load(self, profile: SupplyProfile) -> None:
        sftp = profile.sftp
        if sftp is None:
            return
        self.host.setText(sftp.host)
        self.port.setValue(sftp.port)
        self.username.setText(sftp.username)
        self.folder.setText(sftp.remote_dir)
        self.host_key.setText(sftp.host_key_sha256 or "")

    def problem(self) -> str | None:
        missing = self._missing_details()
        if missing:
            return missing
        if not self.host_key.text().strip():
            return (
                "Paste the server's fingerprint Stats NZ gave you. If you do not have it, press Test "
                "connection to see the server's fingerprints, and compare them with Stats NZ."
            )
        offered = self.report.offered if self.report is not None else {}
        if offered and matching_host_key(offered, self.host_key.text()) is None:
            return (
                "The server did not show the fingerprint you typed: do not go on until Stats NZ confirms "
                "their server's fingerprint."
            )
        return None

    def store(self, profile: SupplyProfile) -> None:
        target = self.target()
        pinned = (
            self.report.host_key if self.report and self.report.host_key else self.host_key.text().strip()
        )
        profile.sftp = SftpSettings(
            host=target.host,
            port=target.port,
            username=target.username,
            remote_dir=target.remote_dir,
            auth="password",
            host_key_sha256=normalise_host_key_fingerprint(pinned),
        )

"""Setup page 2: Stats NZ's encryption key, checked, and its fingerprint compared with the one they gave.

The fingerprint is shown in groups of four in a typewriter font (I, l and 1 look different), and the page
will not go on until what the person typed or pasted matches it (spaces and case do not matter): a key
swapped in an email is the one attack the encryption itself cannot catch.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton

from core.errors import InputError
from core.profile import EncryptionSettings, SupplyProfile
from core.sending.crypto import RecipientKey, format_fingerprint, load_recipient_key, normalise_fingerprint
from gui.setup.base import SetupPage
from gui.widgets import MessagePanel, label


def fingerprint_font() -> QFont:
    """A fixed-width font, where I, l and 1 (and O and 0) can be told apart."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(font.pointSizeF() * 1.25)
    return font


def describe_key(key: RecipientKey) -> str:
    names = "; ".join(key.user_ids) or "(no name in the key)"
    expiry = f"expires on {key.expires.day} {key.expires:%B %Y}" if key.expires else "does not expire"
    return f"Key of: {names}. It {expiry}."


class KeyPage(SetupPage):
    title = "Stats NZ's key"
    name = "key"
    folder_used = Signal(Path)

    def __init__(self) -> None:
        super().__init__(
            "Stats NZ's encryption key",
            "Stats NZ sends you a public key file (it ends in .asc or .gpg) and, separately, its "
            "fingerprint: a long code, often read out on the phone or sent in another email. IDI Share "
            "encrypts your list so that only the holder of this key can open it.",
        )
        self.key: RecipientKey | None = None
        self.key_file: Path | None = None
        self.start_folder = ""
        choose = QPushButton("Choose the &key file…")
        choose.clicked.connect(self.browse)
        self.file_text = label("No key file chosen yet.", "subtle")
        row = QHBoxLayout()
        row.addWidget(choose)
        row.addWidget(self.file_text, 1)
        self.layout_.addLayout(row)
        self.key_text = label("")
        self.fingerprint = label("")
        self.fingerprint.setFont(fingerprint_font())
        self.fingerprint.setAccessibleName("The key's fingerprint")
        self.layout_.addWidget(self.key_text)
        self.layout_.addWidget(self.fingerprint)
        self.layout_.addWidget(
            label("&The fingerprint Stats NZ gave you (type or paste it):", "sectionTitle")
        )
        self.given = QLineEdit()
        self.given.setFont(fingerprint_font())
        self.given.setPlaceholderText("for example: 0123 4567 89AB CDEF …")
        self.layout_.itemAt(self.layout_.count() - 1).widget().setBuddy(self.given)
        self.given.textChanged.connect(self._compare)
        self.layout_.addWidget(self.given)
        self.verdict = MessagePanel("successPanel")
        self.differs = MessagePanel("problemPanel")
        self.layout_.addWidget(self.verdict)
        self.layout_.addWidget(self.differs)
        self.finish_layout()

    def browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            "Choose Stats NZ's public key file",
            self.start_folder,
            "Key files (*.asc *.gpg *.pgp *.key);;All files (*)",
        )
        if chosen:
            self.folder_used.emit(Path(chosen).parent)
            self.choose_key_file(Path(chosen))

    def choose_key_file(self, path: Path) -> None:
        """Read and check the key; a weak, expired, revoked or private key is refused in one sentence."""
        self.key, self.key_file = None, None
        self.key_text.setText("")
        self.fingerprint.setText("")
        self.file_text.setText(path.name)
        refusal = None
        try:
            self.key = load_recipient_key(path, None)
            self.key_file = path
        except InputError as error:
            refusal = error.message
        except RuntimeError:  # the OpenPGP library's policy refused the key (old, unsafe algorithms)
            refusal = (
                f"The key in {path.name} uses methods that are no longer safe, so it cannot be used: ask "
                "Stats NZ for their current public key."
            )
        self.problem_panel.say(refusal or "")
        if self.key is not None:
            self.key_text.setText(describe_key(self.key))
            self.fingerprint.setText(format_fingerprint(self.key.fingerprint))
        self._compare()

    def matches(self) -> bool:
        given = normalise_fingerprint(self.given.text())
        return self.key is not None and given == normalise_fingerprint(self.key.fingerprint)

    def _compare(self) -> None:
        """Live: a tick when they match, a warning while they differ (the Next refusal says it once more)."""
        if self.key is not None:
            self.problem_panel.clear()
        typed = self.key is not None and bool(self.given.text().strip())
        self.verdict.say(
            "The fingerprints match: this is the key Stats NZ gave you." if typed and self.matches() else ""
        )
        self.differs.say(
            "The fingerprints do not match. Check each group of four; if they really differ, do not use this "
            "key: call Stats NZ."
            if typed and not self.matches()
            else ""
        )

    def load(self, profile: SupplyProfile) -> None:
        encryption = profile.encryption
        if encryption and encryption.recipient_key_file and encryption.recipient_key_file.is_file():
            self.choose_key_file(encryption.recipient_key_file)
            self.given.setText(format_fingerprint(encryption.recipient_fingerprint or ""))

    def problem(self) -> str | None:
        if self.key is None:
            return self.problem_panel.text.text() or "Choose the key file Stats NZ sent you."
        if not self.given.text().strip():
            return "Type or paste the fingerprint Stats NZ gave you, to compare it with the key's."
        if not self.matches():
            self.differs.clear()  # the refusal below says it
            return (
                "The fingerprint you typed does not match the key's, so this key cannot be used: check each "
                "group of four, or ask Stats NZ."
            )
        return None

    def store(self, profile: SupplyProfile) -> None:
        if self.key is None or self.key_file is None:
            return
        profile.encryption = EncryptionSettings(
            recipient_key_file=self.key_file, recipient_fingerprint=self.key.fingerprint
        )

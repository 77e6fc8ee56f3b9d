"""What a supply profile holds (docs/profile.md): its dataclasses, and the values each key may take.

Kept apart from the file so that the validation (core.profile_validation) can fill these in without importing
core.profile, which reads and writes the file around that validation. The rest of IDI Share imports them from
core.profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROFILE_FORMAT = 1
PROFILE_SUFFIX = ".idiprofile.json"
FIELDS = (
    "identifier",
    "first_name",
    "last_name",
    "full_name",
    "date_of_birth",
    "gender",
    "start_date",
    "end_date",
    "record_id",
    "service",
)
IDENTIFIER_TYPES = ("NHI", "SWN", "IRD", "OTHER")
DATE_ORDERS = ("day_first", "month_first")
GENDER_CODES = ("male", "female", "another", "unknown")
ROWS_WITH_ERRORS = ("block", "exclude")
SFTP_AUTH = ("password", "key")
SECRET_KEYS = ("password", "passphrase", "secret", "private_key", "token")
FINGERPRINT_LENGTHS = (40, 64)  # OpenPGP v4 and v6 fingerprints, in hex digits

DEFAULT_OUTPUT_COLUMNS = {
    "identifier": "identifier",
    "first_name": "given_name",
    "last_name": "family_name",
    "full_name": "full_name",
    "date_of_birth": "dob",
    "gender": "gender",
    "start_date": "start_date",
    "end_date": "end_date",
    "record_id": "record_id",
    "service": "service",
}
DEFAULT_GENDER_CODES = {"male": "M", "female": "F", "another": "X", "unknown": ""}


@dataclass
class OutputSettings:
    file_name: str = "{organisation_code}_{date:%Y%m%d}.csv"
    columns: dict[str, str] = field(default_factory=dict)
    date_format: str = "%Y-%m-%d"
    gender_codes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_GENDER_CODES))
    rows_with_errors: str = "block"


@dataclass
class EncryptionSettings:
    method: str = "openpgp"
    recipient_key_file: Path | None = None
    recipient_fingerprint: str | None = None


@dataclass
class SftpSettings:
    host: str
    port: int = 22
    username: str = ""
    remote_dir: str = "/"
    auth: str = "password"
    key_file: Path | None = None
    host_key_sha256: str | None = None
    drop_box: bool = False  # an upload-only folder that refuses renames: write straight to the final name
    step_timeout: float | None = None  # "timeout_seconds": how long a step may wait for the server


@dataclass
class SupplyProfile:
    """A validated profile. `raw` keeps every key as read, so saving never drops what we do not know."""

    name: str
    mapping: dict[str, str]
    identifier_type: str | None = None
    organisation_code: str = ""
    sheet: str | None = None
    header_row: int | None = None
    date_order: str = "day_first"
    gender_values: dict[str, str] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)
    output: OutputSettings = field(default_factory=OutputSettings)
    encryption: EncryptionSettings | None = None
    sftp: SftpSettings | None = None
    frequency: str | None = None
    path: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def output_column_name(self, field_name: str) -> str:
        return self.output.columns.get(field_name) or DEFAULT_OUTPUT_COLUMNS[field_name]

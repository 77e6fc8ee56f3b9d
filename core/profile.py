"""The supply profile (docs/profile.md): what an organisation agreed to send, loaded, validated and saved.

The profile is the contract for what leaves the building, so a bad file is refused with a sentence that
names the key and what to put there, never guessed at. Unknown keys are kept and written back unchanged
so that a newer colleague's or a privacy officer's additions are never lost.

This module reads and writes the file, and the rest of IDI Share imports the profile from here: the
dataclasses and the values each key allows are core.profile_model's, the key-by-key validation is
core.profile_validation's and the output file-name rules are core.file_names'.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.errors import InputError
from core.profile_model import (
    PROFILE_FORMAT,
    PROFILE_SUFFIX,
    EncryptionSettings,
    OutputSettings,
    SftpSettings,
    SupplyProfile,
)
from core.profile_validation import profile_from_dict

__all__ = [  # the dataclasses and the validation live apart; callers take them from here with the rest
    "PROFILE_SUFFIX",
    "EncryptionSettings",
    "OutputSettings",
    "SftpSettings",
    "SupplyProfile",
    "load_profile",
    "profile_from_dict",
    "profile_to_dict",
    "save_profile",
]


def load_profile(path: Path) -> SupplyProfile:
    """Read and validate a profile file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f'The supply profile "{path}" was not found. Check the file name and folder.')
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f'The supply profile "{path.name}" is not UTF-8 text. Save it again as UTF-8 JSON.'
        ) from error
    except OSError as error:
        raise InputError(f'The supply profile "{path.name}" could not be read ({error.strerror}).') from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f'The supply profile "{path.name}" is not valid JSON (line {error.lineno}, column {error.colno}: '
            f"{error.msg}). Fix it in a text editor or save the profile again from IDI Share."
        ) from error
    return profile_from_dict(data, path=path)


def profile_to_dict(profile: SupplyProfile) -> dict[str, Any]:
    """The profile as JSON data: the raw keys as read, overlaid with the current settings."""
    data: dict[str, Any] = dict(profile.raw)
    data["format"] = PROFILE_FORMAT
    data["name"] = profile.name
    if profile.organisation_code:
        data["organisation_code"] = profile.organisation_code
    source = dict(data.get("source") or {})
    if profile.sheet is not None:
        source["sheet"] = profile.sheet
    if profile.header_row is not None:
        source["header_row"] = profile.header_row
    if source:
        data["source"] = source
    data["mapping"] = dict(profile.mapping)
    if profile.identifier_type:
        data["identifier_type"] = profile.identifier_type
    data["date_order"] = profile.date_order
    if profile.gender_values:
        data["gender_values"] = dict(profile.gender_values)
    if profile.extra_columns:
        data["extra_columns"] = list(profile.extra_columns)
    output = dict(data.get("output") or {})
    output.update(
        file_name=profile.output.file_name,
        date_format=profile.output.date_format,
        gender_codes=dict(profile.output.gender_codes),
        rows_with_errors=profile.output.rows_with_errors,
    )
    if profile.output.columns:
        output["columns"] = dict(profile.output.columns)
    data["output"] = output
    base = profile.path.parent if profile.path else None
    if profile.encryption:
        encryption = dict(data.get("encryption") or {})
        encryption.update(
            method=profile.encryption.method,
            recipient_key_file=_relative(profile.encryption.recipient_key_file, base),
            recipient_fingerprint=profile.encryption.recipient_fingerprint,
        )
        data["encryption"] = encryption
    if profile.sftp:
        sftp = dict(data.get("sftp") or {})
        s = profile.sftp
        sftp.update(
            host=s.host,
            port=s.port,
            username=s.username,
            remote_dir=s.remote_dir,
            auth=s.auth,
            key_file=_relative(s.key_file, base),
            host_key_sha256=s.host_key_sha256,
        )
        if s.drop_box or "drop_box" in sftp:
            sftp["drop_box"] = s.drop_box
        if s.step_timeout is not None:
            sftp["timeout_seconds"] = s.step_timeout
        data["sftp"] = sftp
    if profile.frequency:
        data["frequency"] = profile.frequency
    return data


def _relative(path: Path | None, base: Path | None) -> str | None:
    if path is None:
        return None
    if base is not None:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            pass
    return str(path)


def save_profile(profile: SupplyProfile, path: Path) -> None:
    """Write the profile as UTF-8 JSON, atomically (a crash mid-write never leaves half a profile)."""
    path = Path(path)
    profile.path = path
    data = profile_to_dict(profile)
    profile_from_dict(data, path=path)  # never write what we could not read back
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)

"""A profile's JSON object checked key by key into a `SupplyProfile` (docs/profile.md): `profile_from_dict`.

Every problem is an `InputError` whose sentence names the key and what to put there, and a password or key in
the object is refused, as a profile is shared by email. Apart from core.profile, which reads and writes the
file around this check, and from core.profile_model, whose dataclasses it fills in.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from core.errors import InputError
from core.file_names import file_name_template_problem
from core.profile_model import (
    DATE_ORDERS,
    DEFAULT_GENDER_CODES,
    FIELDS,
    FINGERPRINT_LENGTHS,
    GENDER_CODES,
    IDENTIFIER_TYPES,
    PROFILE_FORMAT,
    ROWS_WITH_ERRORS,
    SECRET_KEYS,
    SFTP_AUTH,
    EncryptionSettings,
    OutputSettings,
    SftpSettings,
    SupplyProfile,
)


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise InputError(f"The supply profile {where}: {message}")


def _text(value: Any, key: str, where: str) -> str:
    _require(isinstance(value, str) and value.strip() != "", where, f'"{key}" must be a non-empty text.')
    return value


def _optional_path(value: Any, key: str, where: str, base: Path | None) -> Path | None:
    if value is None:
        return None
    _text(value, key, where)
    path = Path(value)
    if not path.is_absolute() and base is not None:
        path = base / path
    return path


def _refuse_secrets(data: Any, where: str, trail: str = "") -> None:
    """A profile is shared by email; a secret in it would leak, so refuse rather than carry it."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and key.lower() in SECRET_KEYS and value not in (None, ""):
                raise InputError(
                    f'The supply profile {where} holds a "{trail}{key}". Remove it: passwords and keys are '
                    "kept in the Windows credential store, never in the profile."
                )
            _refuse_secrets(value, where, f"{trail}{key}.")


def profile_from_dict(data: Any, *, where: str = "", path: Path | None = None) -> SupplyProfile:
    """Validate a profile's JSON object; every problem is an InputError naming the key and the fix."""
    where = where or (f'"{path.name}"' if path else "")
    where = where or "given"
    _require(isinstance(data, dict), where, "it must be a JSON object ({...}).")
    _refuse_secrets(data, where)
    fmt = data.get("format")
    _require(fmt is not None, where, 'the "format" key is missing (it should be 1).')
    _require(isinstance(fmt, int) and not isinstance(fmt, bool), where, '"format" must be a whole number.')
    if fmt > PROFILE_FORMAT:
        raise InputError(
            f"The supply profile {where} was made by a newer IDI Share (format {fmt}; this version reads "
            f"format {PROFILE_FORMAT}). Update IDI Share to use it."
        )
    _require(fmt >= 1, where, '"format" must be 1.')
    name = _text(data.get("name"), "name", where)
    mapping = data.get("mapping")
    _require(
        isinstance(mapping, dict) and mapping, where, '"mapping" must list which column holds each field.'
    )
    for key, column in mapping.items():
        _require(
            key in FIELDS, where, f'"mapping" has an unknown field "{key}" (known: {", ".join(FIELDS)}).'
        )
        _text(column, f"mapping.{key}", where)
    has_split_name = "first_name" in mapping or "last_name" in mapping
    _require(
        not ("full_name" in mapping and has_split_name),
        where,
        '"mapping" has both "full_name" and first/last name: map one or the other.',
    )
    id_type = data.get("identifier_type")
    if "identifier" in mapping:
        id_type = id_type or "OTHER"
    _require(
        id_type is None or id_type in IDENTIFIER_TYPES,
        where,
        f'"identifier_type" must be one of {", ".join(IDENTIFIER_TYPES)}.',
    )
    date_order = data.get("date_order", "day_first")
    _require(date_order in DATE_ORDERS, where, '"date_order" must be "day_first" or "month_first".')
    gender_values = data.get("gender_values") or {}
    _require(isinstance(gender_values, dict), where, '"gender_values" must map codes to genders.')
    for code, gender in gender_values.items():
        _require(
            gender in GENDER_CODES,
            where,
            f'"gender_values" maps "{code}" to "{gender}"; use one of {", ".join(GENDER_CODES)}.',
        )
    extra = data.get("extra_columns") or []
    _require(
        isinstance(extra, list) and all(isinstance(c, str) and c for c in extra),
        where,
        '"extra_columns" must be a list of column headers.',
    )
    source = data.get("source") or {}
    _require(isinstance(source, dict), where, '"source" must be an object with "sheet" and "header_row".')
    header_row = source.get("header_row")
    _require(
        header_row is None or (isinstance(header_row, int) and header_row >= 1),
        where,
        '"source.header_row" must be a row number (1 or more).',
    )
    base = path.parent if path else None
    return SupplyProfile(
        name=name,
        mapping=dict(mapping),
        identifier_type=id_type,
        organisation_code=str(data.get("organisation_code") or ""),
        sheet=source.get("sheet"),
        header_row=header_row,
        date_order=date_order,
        gender_values=dict(gender_values),
        extra_columns=list(extra),
        output=_output_from(data.get("output") or {}, where),
        encryption=_encryption_from(data.get("encryption"), where, base),
        sftp=_sftp_from(data.get("sftp"), where, base),
        frequency=data.get("frequency"),
        path=path,
        raw=data,
    )


def _output_from(data: Any, where: str) -> OutputSettings:
    _require(isinstance(data, dict), where, '"output" must be an object.')
    out = OutputSettings()
    if "file_name" in data:
        out.file_name = _text(data["file_name"], "output.file_name", where)
        problem = file_name_template_problem(out.file_name)
        _require(problem is None, where, f'"output.file_name" {problem}')
    columns = data.get("columns") or {}
    _require(isinstance(columns, dict), where, '"output.columns" must map fields to column names.')
    for key, name in columns.items():
        _require(key in FIELDS, where, f'"output.columns" has an unknown field "{key}".')
        _text(name, f"output.columns.{key}", where)
    out.columns = dict(columns)
    if "date_format" in data:
        out.date_format = _text(data["date_format"], "output.date_format", where)
    codes = data.get("gender_codes")
    if codes is not None:
        _require(
            isinstance(codes, dict) and set(codes) <= set(GENDER_CODES),
            where,
            '"output.gender_codes" must give a code for male, female, another and unknown.',
        )
        out.gender_codes = {**DEFAULT_GENDER_CODES, **{k: str(v) for k, v in codes.items()}}
    rows = data.get("rows_with_errors", "block")
    _require(rows in ROWS_WITH_ERRORS, where, '"output.rows_with_errors" must be "block" or "exclude".')
    out.rows_with_errors = rows
    return out


def _encryption_from(data: Any, where: str, base: Path | None) -> EncryptionSettings | None:
    if data is None:
        return None
    _require(isinstance(data, dict), where, '"encryption" must be an object.')
    method = data.get("method", "openpgp")
    _require(method == "openpgp", where, '"encryption.method" must be "openpgp".')
    fingerprint = data.get("recipient_fingerprint") or None
    _require(
        fingerprint is None or isinstance(fingerprint, str),
        where,
        '"encryption.recipient_fingerprint" must be text.',
    )
    key_file = _optional_path(data.get("recipient_key_file"), "encryption.recipient_key_file", where, base)
    # Without the fingerprint, anyone who could swap the key file would receive the data unnoticed.
    _require(
        key_file is None or fingerprint is not None,
        where,
        '"encryption.recipient_fingerprint" is needed with a key file: copy the fingerprint Stats NZ gave '
        "you for their key, so a different key file is never used without a word.",
    )
    if fingerprint is not None:
        cleaned = "".join(fingerprint.split()).upper().removeprefix("0X")
        _require(
            len(cleaned) in FINGERPRINT_LENGTHS and all(char in string.hexdigits for char in cleaned),
            where,
            '"encryption.recipient_fingerprint" must be the key\'s full fingerprint (40 or 64 letters A-F and '
            "digits, spaces allowed), as Stats NZ gave it.",
        )
    return EncryptionSettings(method=method, recipient_key_file=key_file, recipient_fingerprint=fingerprint)


def _sftp_from(data: Any, where: str, base: Path | None) -> SftpSettings | None:
    if data is None:
        return None
    _require(isinstance(data, dict), where, '"sftp" must be an object.')
    host = _text(data.get("host"), "sftp.host", where)
    port = data.get("port", 22)
    _require(
        isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536,
        where,
        '"sftp.port" must be a port number from 1 to 65535.',
    )
    auth = data.get("auth", "password")
    _require(auth in SFTP_AUTH, where, '"sftp.auth" must be "password" or "key".')
    key_file = _optional_path(data.get("key_file"), "sftp.key_file", where, base)
    _require(auth != "key" or key_file is not None, where, '"sftp.key_file" is needed when "auth" is "key".')
    drop_box = data.get("drop_box", False)
    _require(isinstance(drop_box, bool), where, '"sftp.drop_box" must be true or false.')
    step_timeout = data.get("timeout_seconds")
    _require(
        step_timeout is None
        or (
            isinstance(step_timeout, int | float)
            and not isinstance(step_timeout, bool)
            and 0 < step_timeout <= 300
        ),
        where,
        '"sftp.timeout_seconds" must be a number of seconds from 1 to 300 (leave it out for the default, 12).',
    )
    return SftpSettings(
        host=host,
        port=port,
        username=_text(data.get("username"), "sftp.username", where),
        remote_dir=str(data.get("remote_dir") or "/"),
        auth=auth,
        key_file=key_file,
        host_key_sha256=data.get("host_key_sha256") or None,
        drop_box=drop_box,
        step_timeout=step_timeout,
    )

"""The supply profile (docs/profile.md): what an organisation agreed to send, loaded, validated and saved.

The profile is the contract for what leaves the building, so a bad file is refused with a sentence that
names the key and what to put there, never guessed at. Unknown keys are kept and written back unchanged
so that a newer colleague's or a privacy officer's additions are never lost.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import string
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import InputError

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
# The file-name pattern: only these strftime codes (no locale words that could hold odd characters).
DATE_CODES = re.compile(r"(?:%[YmdyjHMSUW%])*")
UNSAFE_NAME_CHARS = re.compile(r'[\\/:*?"<>|]')
WINDOWS_DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{device}{number}" for device in ("COM", "LPT") for number in (*"123456789", "¹", "²", "³")
}
MAX_FILE_NAME_LENGTH = 200

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


def file_name_template_problem(pattern: str) -> str | None:
    """Why a file-name pattern cannot be used (words to follow the key's name), or None when it can.

    Only `{organisation_code}` and `{date:...}` with plain strftime codes are filled in: `str.format` would
    otherwise reach attributes (`{date.__class__}`) or pad with any character.
    """
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError:
        return "has an unmatched { or }: use {organisation_code} and {date:%Y%m%d} only."
    for literal, name, spec, conversion in parts:
        if _has_unsafe_characters(literal):
            return (
                "holds a folder separator, a control character or an invisible formatting character: use "
                "letters, digits, dashes and underscores around {organisation_code} and {date:%Y%m%d}."
            )
        if name is None:
            continue
        if conversion or name not in ("organisation_code", "date"):
            return f"names {{{name}}}: use only {{organisation_code}} and {{date:%Y%m%d}}."
        if name == "organisation_code" and spec:
            return "may not format {organisation_code}: write it as {organisation_code}."
        if name == "date" and (not spec or DATE_CODES.fullmatch(spec) is None):
            return (
                "formats the date with codes other than %Y, %m, %d, %y, %j, %H, %M, %S, %U and %W, for "
                "example {date:%Y%m%d}."
            )
    return None


def file_name_problem(name: str) -> str | None:
    """Why a filled-in file name is unsafe on Windows or a server, or None when it is a plain name."""
    if not name or name.startswith("."):
        return "is empty or starts with a dot"
    if len(name) > MAX_FILE_NAME_LENGTH:
        return f"is longer than {MAX_FILE_NAME_LENGTH} characters"
    if _has_unsafe_characters(name):
        return "holds a folder separator, a control character or an invisible formatting character"
    if name[-1] in ". ":
        return "ends with a dot or a space, which Windows drops"
    if name.split(".")[0].rstrip(" ").upper() in WINDOWS_DEVICE_NAMES:
        return "is a name Windows keeps for a device (such as CON or NUL)"
    return None


def _has_unsafe_characters(text: str) -> bool:
    """Separators and characters Windows refuses, control characters, and invisible ones (bidi overrides)."""
    return UNSAFE_NAME_CHARS.search(text) is not None or any(
        unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in text
    )


def fill_file_name(pattern: str, organisation_code: str, today: dt.date) -> str:
    """The pattern filled in and checked; an `InputError` that says what to change otherwise."""
    problem = file_name_template_problem(pattern)
    if problem is not None:
        raise InputError(f'The profile\'s output file name "{pattern}" {problem}')
    name = pattern.format(organisation_code=organisation_code or "supply", date=today)
    problem = file_name_problem(name)
    if problem is not None:
        raise InputError(
            f'The output file name "{name}" {problem}: use letters, digits, dashes and underscores in the '
            "organisation code and the profile's file name, for example {organisation_code}_{date:%Y%m%d}.csv."
        )
    return name


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

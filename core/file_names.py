"""The output file's name (docs/profile.md, `output.file_name`): the patterns allowed, and the name filled in.

A name that reaches Windows or a server unchecked could leave its folder, name a device or hide characters, so
only `{organisation_code}` and plain date codes are filled in and the result must be a plain name. Apart from
the profile's validation (core.profile_validation), which checks the pattern, because sending
(core.sending.extract) fills the name in for each supply.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import unicodedata

from core.errors import InputError

# The file-name pattern: only these strftime codes (no locale words that could hold odd characters).
DATE_CODES = re.compile(r"(?:%[YmdyjHMSUW%])*")
UNSAFE_NAME_CHARS = re.compile(r'[\\/:*?"<>|]')
WINDOWS_DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{device}{number}" for device in ("COM", "LPT") for number in (*"123456789", "¹", "²", "³")
}
MAX_FILE_NAME_LENGTH = 200


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

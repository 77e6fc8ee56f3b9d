"""The supplies saved on this computer: one profile file each in the user's settings folder, plus local state.

A person sets a supply up once in the window and never sees these files: each is an ordinary profile
(docs/profile.md) in `config_dir()/supplies`, with Stats NZ's key file copied beside it so the settings
keep working when the original download is deleted. What belongs to this computer only (the spreadsheet
used last time, recent files, whether an imported supply's server and keys were confirmed) lives in
`config_dir()/window.json`, never in a profile that may be emailed. Due dates come from the profile's
`frequency` and `first_due` and the receipts: a send counts for the due date nearest to it.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import paths
from core.errors import InputError
from core.profile import PROFILE_SUFFIX, SupplyProfile, load_profile, save_profile
from core.sending.history import Receipt

SUPPLIES_FOLDER = "supplies"
STATE_FILE = "window.json"
RECENT_FILES_KEPT = 8
FREQUENCIES = {  # profile value (as the data specification reads it too): the words the window shows
    "weekly": "Every week",
    "fortnightly": "Every fortnight",
    "monthly": "Every month",
    "quarterly": "Every three months (quarterly)",
    "six-monthly": "Every six months",
    "annually": "Every year",
    "on-request": "When Stats NZ asks",
}
PERIOD_MONTHS = {
    "monthly": 1,
    "quarterly": 3,
    "six-monthly": 6,
    "half-yearly": 6,
    "annually": 12,
    "yearly": 12,
}
PERIOD_DAYS = {"weekly": 7, "fortnightly": 14}
DONE_OUTCOMES = ("sent", "saved")


@dataclass
class SavedSupply:
    """One saved supply: its profile and the file it lives in (the file's name is its key)."""

    profile: SupplyProfile
    path: Path

    @property
    def key(self) -> str:
        return self.path.name


def supplies_dir() -> Path:
    folder = paths.config_dir() / SUPPLIES_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def list_supplies() -> tuple[list[SavedSupply], list[str]]:
    """Every saved supply that can be read, by name; and a sentence for each one that cannot."""
    supplies, problems = [], []
    for path in sorted(supplies_dir().glob(f"*{PROFILE_SUFFIX}")):
        try:
            supplies.append(SavedSupply(load_profile(path), path))
        except InputError as error:
            problems.append(error.message)
    supplies.sort(key=lambda supply: supply.profile.name.lower())
    return supplies, problems


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return slug[:40] or "supply"


def _free_path(folder: Path, stem: str, suffix: str) -> Path:
    candidate = folder / f"{stem}{suffix}"
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{number}{suffix}"
        number += 1
    return candidate


def save_supply(profile: SupplyProfile) -> SavedSupply:
    """Save (or update) a supply in the settings folder, copying Stats NZ's key file in beside it."""
    folder = supplies_dir()
    path = profile.path if profile.path is not None and profile.path.parent == folder else None
    path = path or _free_path(folder, _slug(profile.name), PROFILE_SUFFIX)
    encryption = profile.encryption
    if encryption is not None and encryption.recipient_key_file is not None:
        source = Path(encryption.recipient_key_file)
        if source.parent != folder:
            stem = path.name.removesuffix(PROFILE_SUFFIX)
            target = folder / f"{stem}-statsnz-key{source.suffix or '.asc'}"
            _copy_key(source, target)
            encryption.recipient_key_file = target
    try:
        save_profile(profile, path)
    except OSError as error:
        raise InputError(
            f"The settings could not be saved in {folder} ({error.strerror}). Check that this folder can be "
            "written to, or ask your IT support."
        ) from None
    return SavedSupply(profile, path)


def _copy_key(source: Path, target: Path) -> None:
    try:
        shutil.copyfile(source, target)
    except OSError as error:
        raise InputError(
            f"Stats NZ's key file {source.name} could not be copied into the settings ({error.strerror}). "
            "Choose the key file again."
        ) from None


def remove_supply(supply: SavedSupply) -> str:
    """Delete the supply's settings, its copy of the key and its stored password; one sentence of what was done."""
    from core.sending.credentials import CredentialStoreError, delete_secret

    encryption = supply.profile.encryption
    if (
        encryption
        and encryption.recipient_key_file
        and encryption.recipient_key_file.parent == supplies_dir()
    ):
        encryption.recipient_key_file.unlink(missing_ok=True)
    supply.path.unlink(missing_ok=True)
    forget_supply_state(supply.key)
    sftp = supply.profile.sftp
    if sftp is None:
        return f'"{supply.profile.name}" was removed.'
    try:
        removed = delete_secret(sftp.username, sftp.host, sftp.port)
    except CredentialStoreError:
        removed = False
    password = "and its saved password were" if removed else "was"
    return f'"{supply.profile.name}" {password} removed. Earlier receipts stay in the history.'


def import_supply(source: Path) -> SavedSupply:
    """Bring in a profile prepared elsewhere; it must be confirmed (server and keys) before first use."""
    profile = load_profile(Path(source))
    encryption = profile.encryption
    if encryption and encryption.recipient_key_file and not encryption.recipient_key_file.is_file():
        raise InputError(
            f"The settings {Path(source).name} name Stats NZ's key file "
            f'"{encryption.recipient_key_file.name}", which is not beside them. Put the key file in the same '
            "folder as the settings file and import again."
        )
    profile.path = None
    profile.raw = copy.deepcopy(profile.raw)
    saved = save_supply(profile)
    set_supply_state(saved.key, confirmed=False)
    return saved


def export_supply(supply: SavedSupply, target: Path) -> Path:
    """Write the supply's profile (and a copy of the key file beside it) for a colleague; no password."""
    target = Path(target)
    if not target.name.endswith(PROFILE_SUFFIX):
        target = target.with_name(target.name.removesuffix(".json") + PROFILE_SUFFIX)
    exported = copy.deepcopy(supply.profile)
    encryption = exported.encryption
    if encryption and encryption.recipient_key_file and encryption.recipient_key_file.is_file():
        copied = target.parent / encryption.recipient_key_file.name
        if copied != encryption.recipient_key_file:
            _copy_key(encryption.recipient_key_file, copied)
        encryption.recipient_key_file = copied
    try:
        save_profile(exported, target)
    except OSError as error:
        raise InputError(
            f"The settings could not be saved as {target.name} ({error.strerror}). Choose another folder."
        ) from None
    return target


def specification_file_name(profile: SupplyProfile) -> str:
    """The data specification's suggested file name; here, not in core.sending.specification, because the
    window offers it before that module (python-docx, pandas) is loaded."""
    base = re.sub(r"[^\w\-]+", "_", profile.organisation_code or profile.name).strip("_") or "supply"
    return f"{base}_data_specification.docx"


# Due dates ---------------------------------------------------------------------------------------------


def first_due(profile: SupplyProfile) -> dt.date | None:
    value = profile.raw.get("first_due")
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def set_first_due(profile: SupplyProfile, when: dt.date | None) -> None:
    if when is None:
        profile.raw.pop("first_due", None)
    else:
        profile.raw["first_due"] = when.isoformat()


def long_date(day: dt.date) -> str:
    """4 April 2027: the day without a leading zero (strftime's way to drop it differs on Windows)."""
    return f"{day.day} {day:%B %Y}"


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def receipt_time(receipt: Receipt) -> dt.datetime | None:
    """When the receipt was written, in this computer's time zone (receipts are kept in UTC)."""
    try:
        return dt.datetime.fromisoformat(receipt.time.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return None


def receipt_date(receipt: Receipt) -> dt.date | None:
    """The local day of a receipt: a send at 9 am in Auckland is on that day, not the UTC day before."""
    when = receipt_time(receipt)
    return when.date() if when else None


def receipts_for(profile: SupplyProfile, receipts: list[Receipt]) -> list[Receipt]:
    return [receipt for receipt in receipts if receipt.profile == profile.name]


def last_done(receipts: list[Receipt]) -> Receipt | None:
    """The newest receipt of a supply that was sent or saved (failed attempts do not count)."""
    return next((r for r in reversed(receipts) if r.outcome in DONE_OUTCOMES), None)


def due_date(start: dt.date, frequency: str, step: int) -> dt.date | None:
    """The `step`-th due date after `start` (0: `start` itself); None when the frequency has no period."""
    key = frequency.strip().lower()
    if key in PERIOD_DAYS:
        return start + dt.timedelta(days=PERIOD_DAYS[key] * step)
    if key in PERIOD_MONTHS:
        return add_months(start, PERIOD_MONTHS[key] * step)
    return None


def next_due(profile: SupplyProfile, receipts: list[Receipt]) -> dt.date | None:
    """When the next supply is due: None for "on request" or when no first due date was given."""
    start = first_due(profile)
    if start is None:
        return None
    done = last_done(receipts_for(profile, receipts))
    sent_on = receipt_date(done) if done else None
    frequency = profile.frequency or ""
    second = due_date(start, frequency, 1)
    if second is None:  # on request: the first date, until a supply near it was sent
        return None if sent_on and sent_on >= start - dt.timedelta(days=31) else start
    if sent_on is None:
        return start
    half_period = (second - start) / 2  # a send counts for the due date nearest to it
    step = 0
    while due_date(start, frequency, step) <= sent_on + half_period:
        step += 1
    return due_date(start, frequency, step)


# Changes against the last receipt ------------------------------------------------------------------------


def changes_since_last_send(profile: SupplyProfile, receipts: list[Receipt], recipient: str) -> list[str]:
    """Server, server key or Stats NZ key that differ from the last supply that arrived: each a sentence."""
    from core.sending.crypto import format_fingerprint, normalise_fingerprint

    last = next((r for r in reversed(receipts_for(profile, receipts)) if r.outcome == "sent"), None)
    if last is None:
        return []
    changes = []
    sftp = profile.sftp
    if sftp is not None and last.server and last.server != f"{sftp.host}:{sftp.port}":
        changes.append(f"The server is now {sftp.host}:{sftp.port}; last time it was {last.server}.")
    same_server = sftp is not None and last.server == f"{sftp.host}:{sftp.port}"
    if same_server and sftp.host_key_sha256 and last.host_key_sha256 not in ("", sftp.host_key_sha256):
        changes.append(
            f"The server's fingerprint is now {sftp.host_key_sha256}; last time it was {last.host_key_sha256}."
        )
    last_key = normalise_fingerprint(last.recipient_fingerprint or "")
    if recipient and last_key and normalise_fingerprint(recipient) != last_key:
        changes.append(
            f"Stats NZ's key is now {format_fingerprint(recipient)}; last time it was {format_fingerprint(last_key)}."
        )
    return changes


# Local state: this computer only -----------------------------------------------------------------------


def _state_path() -> Path:
    return paths.config_dir() / STATE_FILE


def load_state() -> dict[str, Any]:
    """The window's memory (recent files, last folder, per-supply notes); empty when missing or damaged."""
    try:
        data = json.loads(_state_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_state(state: dict[str, Any]) -> None:
    path = _state_path()
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(json.dumps(state, ensure_ascii=False, indent=2), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass  # losing the recent-files list is no reason to stop anyone's work


def supply_state(key: str) -> dict[str, Any]:
    entry = load_state().get("supplies", {}).get(key, {})
    return entry if isinstance(entry, dict) else {}


def set_supply_state(key: str, **values: Any) -> None:
    state = load_state()
    supplies = state.setdefault("supplies", {})
    supplies.setdefault(key, {}).update(values)
    save_state(state)


def forget_supply_state(key: str) -> None:
    state = load_state()
    state.get("supplies", {}).pop(key, None)
    save_state(state)


def save_draft(profile: SupplyProfile) -> None:
    """A supply set up but not yet matched to a spreadsheet, kept so closing the window loses no typing.

    Kept in this computer's state, not as a supply (a profile needs its column matches); no password.
    """
    from core.profile import profile_to_dict

    data = profile_to_dict(profile)
    data["mapping"] = {}
    state = load_state()
    state["draft"] = data
    save_state(state)


def load_draft() -> SupplyProfile | None:
    """The supply set up last time and not finished, or None."""
    from core.profile import profile_from_dict

    data = load_state().get("draft")
    if not isinstance(data, dict):
        return None
    try:
        profile = profile_from_dict({**data, "mapping": {"record_id": "draft"}}, where="(unfinished setup)")
    except InputError:
        return None
    profile.mapping, profile.raw = {}, {key: value for key, value in data.items() if key != "mapping"}
    return profile


def forget_draft() -> None:
    state = load_state()
    if state.pop("draft", None) is not None:
        save_state(state)


def remember_file(path: Path) -> None:
    """Put a spreadsheet at the top of the recent files and remember its folder for the next dialog."""
    state = load_state()
    text = str(Path(path))
    recent = [item for item in state.get("recent_files", []) if item != text]
    state["recent_files"] = [text, *recent][:RECENT_FILES_KEPT]
    state["last_folder"] = str(Path(path).parent)
    save_state(state)


def remember_folder(folder: Path) -> None:
    state = load_state()
    state["last_folder"] = str(folder)
    save_state(state)


def recent_files() -> list[Path]:
    return [Path(item) for item in load_state().get("recent_files", []) if isinstance(item, str)]


def last_folder() -> str:
    """Where file dialogs start: the folder used last, else Downloads (where Stats NZ's key arrives by
    e-mail), else the home folder; never the program's own folder, which is the working one on Windows."""
    folder = load_state().get("last_folder")
    if isinstance(folder, str) and Path(folder).is_dir():
        return folder
    downloads = Path.home() / "Downloads"
    return str(downloads if downloads.is_dir() else Path.home())

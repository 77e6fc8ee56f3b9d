"""Receipts of earlier supplies: one JSON line per send (or saved file) in the per-user data folder.

A receipt records what left, where to and whether it arrived, so an organisation can answer "did we send
the March list, and was it the right one?" without keeping the data. It holds counts, hashes,
fingerprints and names of files and servers, never a person's name, date of birth, identifier or a
secret. A damaged line (a crash mid-write, a hand edit) is skipped and reported, not fatal.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

from core import paths

RECEIPTS_FILE = "receipts.jsonl"
OUTCOMES = ("sent", "saved", "failed", "cancelled")
LIST_FIELDS = ("temporary_files", "left_on_server")

log = logging.getLogger("idi_share.history")


def utc_now() -> str:
    """The current time as ISO 8601 UTC to the second, e.g. 2026-11-01T09:30:00Z."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, kw_only=True)
class Receipt:
    """One supply attempt. `sha256` is of the bytes that left (the encrypted file), not the plaintext."""

    profile: str
    file_name: str
    rows_sent: int
    rows_left_out: int
    sha256: str
    recipient_fingerprint: str
    server: str
    host_key_sha256: str
    outcome: str
    message: str = ""
    time: str = field(default_factory=utc_now)
    # Every temporary file name the upload created on the server, and those it could not remove (the
    # local journal keeps those until the next connection removes them). Names, never contents.
    temporary_files: tuple[str, ...] = ()
    left_on_server: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, not {self.outcome!r}")
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in LIST_FIELDS:
                if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                    raise TypeError(f"{item.name} must be a list of names, not {value!r}")
                object.__setattr__(self, item.name, tuple(value))
            elif item.name.startswith("rows_"):
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise TypeError(f"{item.name} must be a count, not {value!r}")
            elif not isinstance(value, str):
                raise TypeError(f"{item.name} must be text, not {type(value).__name__}")

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> Receipt:
        """Build from a stored line, ignoring keys a newer version may have added."""
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True)
class ReceiptLog:
    """The readable receipts, oldest first, and the 1-based line numbers that could not be read."""

    receipts: list[Receipt]
    skipped_lines: list[int]


def receipts_path() -> Path:
    return paths.data_dir() / RECEIPTS_FILE


def append_receipt(receipt: Receipt) -> Path:
    """Add one line and flush it to disk, so a receipt survives a crash right after sending."""
    path = receipts_path()
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)  # its owner's eyes only
    if hasattr(os, "fchmod"):  # a file an older version created with the default permissions
        os.fchmod(descriptor, 0o600)
    with open(descriptor, "a", encoding="utf-8", newline="\n") as handle:
        handle.write(receipt.to_json() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path


def load_receipts() -> ReceiptLog:
    """All receipts that can be read, with the numbers of any damaged lines."""
    path = receipts_path()
    if not path.exists():
        return ReceiptLog([], [])
    receipts: list[Receipt] = []
    skipped: list[int] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            receipt = _parse_line(line)
            if receipt is None:
                skipped.append(number)
            else:
                receipts.append(receipt)
    if skipped:
        log.warning("Skipped %d damaged line(s) in %s: %s", len(skipped), path.name, skipped)
    return ReceiptLog(receipts, skipped)


def read_receipts() -> list[Receipt]:
    """The readable receipts, oldest first (damaged lines are skipped and logged)."""
    return load_receipts().receipts


def _parse_line(line: str) -> Receipt | None:
    try:
        data = json.loads(line)
        return Receipt.from_dict(data) if isinstance(data, dict) else None
    except (ValueError, TypeError):
        return None

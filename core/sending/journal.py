"""A small local record of the temporary files an upload put on a server, so none is forgotten there.

An upload writes to `.NAME.part-<random>` and renames it when complete. When the connection drops, the
server stops answering or Cancel is pressed, that temporary (encrypted) file cannot always be removed at
once. Each one is recorded here before it is created and forgotten once it is renamed or removed; the
next connection to the same server and folder removes what is still listed. The record holds server
names, folder paths and the temporary files' names (organisation code and date), never personal data.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from core import paths
from core.sending.history import utc_now

JOURNAL_FILE = "temporary-files.json"

log = logging.getLogger("idi_share.journal")


@dataclass(frozen=True)
class TemporaryFile:
    """One temporary file on one server: `server` is host:port, `path` the full remote path."""

    server: str
    folder: str
    path: str
    created: str


def journal_path() -> Path:
    return paths.data_dir() / JOURNAL_FILE


def pending(server: str, folder: str) -> list[str]:
    """Temporary files recorded for this server and folder that may still be there."""
    return [entry.path for entry in _load() if entry.server == server and entry.folder == folder]


def record(server: str, folder: str, path: str) -> None:
    """Note a temporary file before it is created, so a crash right after still leaves a record."""
    entries = [entry for entry in _load() if not (entry.server == server and entry.path == path)]
    _save([*entries, TemporaryFile(server, folder, path, utc_now())])


def forget(server: str, path: str) -> None:
    """The temporary file was renamed or removed: nothing is left to clean up."""
    entries = _load()
    kept = [entry for entry in entries if not (entry.server == server and entry.path == path)]
    if len(kept) != len(entries):
        _save(kept)


def _load() -> list[TemporaryFile]:
    try:
        data = json.loads(journal_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as error:
        log.warning("The temporary-file record could not be read (%s).", type(error).__name__)
        return []
    if not isinstance(data, list):
        return []
    entries = []
    for item in data:
        try:
            entries.append(TemporaryFile(**item))
        except TypeError:
            continue
    return entries


def _save(entries: list[TemporaryFile]) -> None:
    """Replace the record atomically, readable by its owner only; a failure is logged, not fatal."""
    path = journal_path()
    spare = path.with_name(path.name + ".new")
    try:
        descriptor = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8") as handle:
            json.dump([asdict(entry) for entry in entries], handle, indent=1)
        os.replace(spare, path)
    except OSError as error:
        log.warning("The temporary-file record could not be saved (%s).", type(error).__name__)

"""The fingerprints of the last list sent for a supply, kept in the per-user data folder (no personal data).

One file per supply: a (5, people) array of 64-bit keyed fingerprints (core.checking.fingerprints), one
entry per person, sorted by the person's fingerprint as the comparison needs, and a small JSON beside it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core import paths
from core.checking.fingerprints import DETAILS, STORE_VERSION, Fingerprints

STORE_FOLDER = "fingerprints"

log = logging.getLogger("idi_share.changes")


STORED_ROWS = ("person", "combined", *DETAILS)


def store_path(supply: str, suffix: str = ".npy") -> Path:
    return paths.data_dir() / STORE_FOLDER / f"{supply}{suffix}"


def save_fingerprints(supply: str, prints: Fingerprints, sent_at: str) -> Path:
    """Keep one person per entry, sorted, as a (5, people) array of fingerprints and a small JSON beside it.

    Each file is written to a temporary name and moved, so neither is ever half there.
    """
    people = prints.unique_people()
    table = np.stack([people.person, people.combined, *(people.details[k] for k in DETAILS)]).astype("<u8")
    meta = {"version": STORE_VERSION, "identifier_type": prints.identifier_type, "sent_at": sent_at}
    target, about = store_path(supply), store_path(supply, ".json")
    target.parent.mkdir(parents=True, exist_ok=True)
    for path, write in (
        (target, lambda handle: np.save(handle, table, allow_pickle=False)),
        (about, lambda handle: handle.write(json.dumps(meta).encode("utf-8"))),
    ):
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("wb") as handle:
            write(handle)
        os.replace(temporary, path)
    return target


@dataclass
class Stored:
    prints: Fingerprints
    sent_at: str


def load_fingerprints(supply: str) -> Stored | None:
    """The fingerprints kept at the last send of this supply; None when there are none (or they are damaged).

    The file is memory-mapped: a comparison reads the people and their combined details, and only the few
    single details it needs. The people are saved sorted, as the comparison needs them; a file that is not
    (none written by this app) is sorted here.
    """
    target, about = store_path(supply), store_path(supply, ".json")
    if not (target.exists() and about.exists()):
        return None
    try:
        meta = json.loads(about.read_text(encoding="utf-8"))
        table = np.load(target, mmap_mode="r", allow_pickle=False)
        if meta.get("version") != STORE_VERSION or table.ndim != 2 or table.shape[0] != len(STORED_ROWS):
            return None
    except (OSError, ValueError) as error:
        log.warning("The fingerprints of the last supply could not be read (%s).", type(error).__name__)
        return None
    details = {name: table[2 + i] for i, name in enumerate(DETAILS)}
    person, combined = np.array(table[0]), np.array(table[1])  # in memory: read whole, searched at once
    if len(person) > 1 and not bool(np.all(person[1:] > person[:-1])):
        kept = np.unique(person, return_index=True)[1]  # each person's first entry, in order
        person, combined = person[kept], combined[kept]
        details = {name: np.asarray(values[kept]) for name, values in details.items()}
    prints = Fingerprints(person, combined, details, meta.get("identifier_type"))
    return Stored(prints, str(meta.get("sent_at", "")))

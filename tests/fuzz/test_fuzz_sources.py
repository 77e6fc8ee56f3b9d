"""Thousands of damaged versions of real files: each is read as a table or refused with an InputError.

A seeded loop (repeatable: a failure names its case number and keeps the file) truncates files, flips,
inserts and deletes bytes, and, inside workbooks, damages one XML part and zips it up again, so the damage
gets past the zip layer into calamine's parsing, the error-cell pass and header finding. CSVs get quotes,
separators, line breaks, NULs and bytes from other encodings.
"""

from __future__ import annotations

import io
import random
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from core.errors import InputError
from core.reading.sources import list_sheets, read_table
from core.reading.table import SourceTable
from core.reading.workbook import read_ahead

DATA = Path(__file__).resolve().parents[1] / "data"
SOURCES = {
    "whanau_register.xlsx": 1500,
    "referrals_export.csv": 1500,
    "layouts/cover_sheet.ods": 1000,
    "layouts/cover_sheet.xls": 1000,
    "layouts/protected.xlsx": 200,
}
CSV_NOISE = [
    b'"',
    b",",
    b";",
    b"\t",
    b"\r\n",
    b"\n",
    b"\r",
    b"\x00",
    b"\xff\xfe",
    b"\xe2\x80",
    b"\x92",
    b'""',
    b" ",
]


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    mutable = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        mutable[rng.randrange(len(mutable))] = rng.randrange(256)
    return bytes(mutable)


def splice(rng: random.Random, data: bytes) -> bytes:
    """Delete a run of bytes, or repeat one somewhere else."""
    start = rng.randrange(len(data))
    length = rng.randint(1, 64)
    if rng.random() < 0.5:
        return data[:start] + data[start + length :]
    insert_at = rng.randrange(len(data))
    return data[:insert_at] + data[start : start + length] + data[insert_at:]


def damage_a_part(rng: random.Random, data: bytes) -> bytes:
    """Damage one member of a zip and write a valid zip around it, so calamine gets to parse the damage."""
    try:
        original = zipfile.ZipFile(io.BytesIO(data))
        items = original.infolist()
    except zipfile.BadZipFile:
        return flip_bytes(rng, data)
    victim = rng.choice([item for item in items if item.filename.endswith(".xml")] or items)
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in items:
            content = original.read(item)
            if item.filename == victim.filename and content:
                content = rng.choice([truncate, flip_bytes, splice, splice])(rng, content)
            copy.writestr(item, content)
    return output.getvalue()


def csv_noise(rng: random.Random, data: bytes) -> bytes:
    mutable = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        at = rng.randrange(len(mutable) + 1)
        mutable[at:at] = rng.choice(CSV_NOISE)
    return bytes(mutable)


MUTATIONS: dict[str, list[Callable[[random.Random, bytes], bytes]]] = {
    "zip": [truncate, flip_bytes, splice, damage_a_part, damage_a_part, damage_a_part],
    "other": [truncate, flip_bytes, splice],
    "csv": [truncate, flip_bytes, splice, csv_noise, csv_noise, csv_noise],
}


def mutations_for(name: str, data: bytes) -> list[Callable[[random.Random, bytes], bytes]]:
    if name.endswith(".csv"):
        return MUTATIONS["csv"]
    return MUTATIONS["zip"] if data.startswith(b"PK") else MUTATIONS["other"]


def read(case: int, path: Path) -> SourceTable | list[str]:
    """Every fifth case lists the sheets, every fifth reads ahead in a worker thread as `main.py` does."""
    if case % 5 == 0:
        return list_sheets(path)
    if case % 5 == 1:
        return read_table(path, opened=read_ahead(path))
    return read_table(path)


@pytest.mark.parametrize("name", list(SOURCES))
def test_damaged_files_are_read_or_refused_with_an_input_error(tmp_path: Path, name: str) -> None:
    original = (DATA / name).read_bytes()
    mutations = mutations_for(name, original)
    rng = random.Random(f"idi-share-fuzz-{name}")
    target = tmp_path / Path(name).name
    outcomes = {"table": 0, "refused": 0}
    for case in range(SOURCES[name]):
        mutation = rng.choice(mutations)
        target.write_bytes(mutation(rng, original) or original[:1])
        try:
            result = read(case, target)
        except InputError as error:
            assert error.message and "\n" not in error.message
            outcomes["refused"] += 1
            continue
        except BaseException as error:
            kept = tmp_path / f"failing-case-{case}{target.suffix}"
            shutil.copyfile(target, kept)
            raise AssertionError(
                f"case {case} ({mutation.__name__}) of {name} raised {error!r}; kept {kept}"
            ) from error
        assert isinstance(result, SourceTable | list)
        outcomes["table"] += 1
    print(f"{name}: {outcomes}")
    assert sum(outcomes.values()) == SOURCES[name]
    if name != "layouts/protected.xlsx":
        assert outcomes["table"] and outcomes["refused"]  # the damage both spared and broke some files

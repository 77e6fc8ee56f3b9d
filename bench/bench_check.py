"""Speed of `run_check` and of `main.py check`, against the time of merely reading and against frictionless.

Targets (issue 3): check of 1,000,000 rows already in memory under 2 s on a 2-core machine (printed as
rows per second beside the time of reading the file); end to end, `main.py check` on a 100,000-row .xlsx
within 1.5x of python-calamine's bare read of the same file (whole processes both); on a 1,000,000-row CSV
at least 2x faster than `frictionless validate` (which only checks types) on the same file, in the same
run. Peak memory of the in-memory check is printed too.

frictionless is installed into its own environment (bench/out/frictionless-venv, pinned by
requirements/bench-frictionless.txt) so the app's pinned environment never changes.

The inputs are registers like the sample (bench/out/check_*), mostly clean with the sample's kinds of
problem on a few per cent of rows, as real registers are.

Run: .venv/bin/python bench/bench_check.py [--quick] [--repeats N] [--no-frictionless]
"""

from __future__ import annotations

import argparse
import compileall
import csv
import os
import random
import subprocess
import sys
import time
import venv
from pathlib import Path

from _common import (
    REPO_ROOT,
    Timing,
    ensure_repo_on_path,
    machine_line,
    megabytes,
    out_dir,
    peak_memory,
    ratio_line,
    speedup_line,
    time_side_by_side,
)
from bench_read import ensure

ensure_repo_on_path()

import datetime as dt  # noqa: E402

from core.checking.check import run_check  # noqa: E402
from core.checking.matching import suggest_mapping  # noqa: E402
from core.profile import SupplyProfile  # noqa: E402
from core.reading.sources import read_table  # noqa: E402

AS_OF = dt.date(2026, 11, 1)
E2E_REPEATS = 9  # whole processes of about a second each: more turns, so one slow moment weighs less
SHEET = "Register"
HEADERS = [
    "Client ID", "NHI Number", "First Name", "Surname", "Date of Birth", "Gender", "Programme",
    "Start Date", "End Date", "Notes",
]  # fmt: skip
FIRST = [
    "Aroha",
    "Mere",
    "Wiremu",
    "Hēmi",
    "Ngāio",
    "Tama",
    "Priya",
    "Oliver",
    "Wei",
    "Sione",
    "Ana",
    "Rāwiri",
]
LAST = ["Ngata", "Te Kanawa", "Smith", "Parata", "Singh", "Wang", "Tūhoe", "Walker", "Fifita", "O'Neill"]
GENDERS = ["F", "M", "Female", "Male", "female", "male", "Wahine", "Tāne", "X", "Gender diverse"]
PROGRAMMES = ["Whānau Ora", "Youth mentoring", "Parenting"]
NOTES = ["", "", "", "Lives with nan", "Court date pending", "Referred by GP", "Phone: 021 555 0199"]
NHI_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"


def realistic_rows(count: int, text_dates: bool):
    """A register like the sample: mostly clean, with the sample's kinds of problem on a few % of rows."""
    from core.checking.identifiers import nhi_check_character

    rng = random.Random(2026)
    for i in range(count):
        letters = "".join(NHI_LETTERS[(i // 23**k) % 23] for k in range(3))  # one NHI per person
        digits = (i // 23**3) * 7 % 1000
        while nhi_check_character(f"{letters}{digits:03d}") is None:
            digits = (digits + 1) % 1000
        body = f"{letters}{digits:03d}"
        nhi = body + nhi_check_character(body)
        birth = dt.date(1935, 1, 1) + dt.timedelta(days=rng.randrange(30000))
        start = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(5000))
        end = start + dt.timedelta(days=rng.randrange(900)) if rng.random() < 0.3 else None
        roll = rng.random()
        if roll < 0.01:
            nhi = nhi[:6] + ("0" if nhi[6] != "0" else "1")  # a typo in the check digit
        elif roll < 0.02:
            nhi = ""
        dob: object = birth
        if text_dates or rng.random() < 0.1:
            dob = birth.strftime("%d/%m/%Y") if rng.random() < 0.99 else birth.strftime("%m/%d/%Y")
        first = rng.choice(FIRST) + (f" {rng.choice(FIRST)}" if rng.random() < 0.5 else "")
        last = rng.choice(LAST) + (f"-{rng.choice(LAST)}" if rng.random() < 0.3 else "")
        yield [
            f"W{i:06d}", nhi, first, last, dob, rng.choice(GENDERS),
            rng.choice(PROGRAMMES), start.isoformat() if text_dates else start,
            (end.isoformat() if text_dates else end) if end else "", rng.choice(NOTES),
        ]  # fmt: skip


def make_xlsx(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append(HEADERS)
    for row in realistic_rows(rows, text_dates=False):
        sheet.append(row)
    book.save(path)


def make_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows(realistic_rows(rows, text_dates=True))


def automatic_profile(table) -> SupplyProfile:
    suggestion = suggest_mapping(table)
    return SupplyProfile(name="bench", mapping=suggestion.mapping, identifier_type=suggestion.identifier_type)


def bench_in_memory(csv: Path, repeats: int) -> None:
    start = time.perf_counter()
    table = read_table(csv)
    reading = time.perf_counter() - start
    profile = automatic_profile(table)
    timings = time_side_by_side({"check": lambda: run_check(table, profile, AS_OF)}, repeats)
    best = timings["check"].best
    print(
        f"check of {table.row_count:,} rows in memory ({len(profile.mapping)} fields): {best:.3f}s "
        f"(median {timings['check'].median:.3f}s) = {table.row_count / best:,.0f} rows/s; reading the file "
        f"took {reading:.3f}s; target < 2 s for 1,000,000 rows"
    )
    grown = peak_memory(
        "result = run_check(table, profile, AS_OF)",
        setup=(
            "import datetime as dt\n"
            "from core.reading.sources import read_table\nfrom core.checking.check import run_check\n"
            "from core.checking.matching import suggest_mapping\nfrom core.profile import SupplyProfile\n"
            f"table = read_table({str(csv)!r})\ns = suggest_mapping(table)\n"
            "profile = SupplyProfile(name='bench', mapping=s.mapping, identifier_type=s.identifier_type)\n"
            "AS_OF = dt.date(2026, 11, 1)"
        ),
    )
    print(f"check peak memory: +{megabytes(grown)} for {table.row_count:,} rows (table already in memory)")


def byte_compile_the_app() -> None:
    """Compile the app's modules to bytecode first, as an installed copy ships them (PyInstaller, pip).

    Otherwise, where PYTHONDONTWRITEBYTECODE is set (as on some CI machines), every run would compile them
    again, and the bare read's own libraries are compiled already.
    """
    compileall.compile_dir(REPO_ROOT / "core", quiet=1)


def alternate(commands: dict[str, list[str]], repeats: int) -> dict[str, Timing]:
    """Whole processes, taking turns, so a busy machine slows both alike; one untimed run of each first."""
    timings = {name: Timing(name, []) for name in commands}
    for argv in commands.values():
        subprocess.run(argv, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    for _ in range(repeats):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(
                argv, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
            )
            timings[name].seconds.append(time.perf_counter() - start)
    return timings


def bench_end_to_end_xlsx(xlsx: Path, repeats: int) -> None:
    bare = (
        "import python_calamine as c; "
        f"c.CalamineWorkbook.from_path({str(xlsx)!r}).get_sheet_by_name({SHEET!r}).to_python()"
    )
    byte_compile_the_app()
    timings = alternate(
        {
            "main.py check": [
                sys.executable,
                "main.py",
                "check",
                str(xlsx),
                "--json",
                "--as-of",
                "2026-11-01",
            ],
            "bare calamine read (process)": [sys.executable, "-c", bare],
        },
        repeats,
    )
    print(
        ratio_line(
            "xlsx end to end: main.py check vs bare calamine read",
            timings["main.py check"],
            timings["bare calamine read (process)"],
            "<= 1.5x",
        )
    )


def frictionless_command() -> list[str] | None:
    folder = out_dir() / "frictionless-venv"
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        print("installing frictionless into bench/out/frictionless-venv (once) ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(folder)
        requirements = REPO_ROOT / "requirements" / "bench-frictionless.txt"
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-r", str(requirements)], check=False
        )
        if installed.returncode != 0:
            return None
    return [str(python), "-m", "frictionless", "validate"]


def bench_against_frictionless(csv: Path, repeats: int) -> None:
    command = frictionless_command()
    if command is None:
        print("frictionless could not be installed; the comparison with it was not run")
        return
    timings = alternate(
        {
            "main.py check": [
                sys.executable,
                "main.py",
                "check",
                str(csv),
                "--json",
                "--as-of",
                "2026-11-01",
            ],
            # frictionless refuses absolute paths ("not safe"), so both get the path relative to the repo.
            "frictionless validate": [*command, str(csv.relative_to(REPO_ROOT))],
        },
        repeats,
    )
    print(
        speedup_line(
            "1M-row CSV: main.py check vs frictionless validate",
            timings["main.py check"],
            timings["frictionless validate"],
            ">= 2x faster",
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a fifth of the rows, fewer repeats")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs of each side (default 3)")
    parser.add_argument("--no-frictionless", action="store_true", help="skip the frictionless comparison")
    args = parser.parse_args(argv)
    scale = 5 if args.quick else 1
    repeats = args.repeats or (2 if args.quick else 3)
    folder = out_dir()
    xlsx = ensure(folder / f"check2_{100_000 // scale}x10.xlsx", make_xlsx, 100_000 // scale)
    csv = ensure(folder / f"check2_{1_000_000 // scale}x10.csv", make_csv, 1_000_000 // scale)
    print(f"machine: {machine_line()}")
    # Whole processes first, while this process is small: the in-memory check leaves a big heap behind.
    bench_end_to_end_xlsx(xlsx, max(repeats, E2E_REPEATS))
    bench_in_memory(csv, repeats)
    if not args.no_frictionless:
        bench_against_frictionless(csv, repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Reading speed and memory of `core.reading.sources.read_table`, against the bare libraries underneath it.

Targets (issue 2): a 100,000-row x 10-column .xlsx within 1.3x of python-calamine's own bare read and at
least 4x faster than pandas.read_excel(engine="openpyxl"); a 1,000,000-row CSV within 1.5x of a bare
pandas.read_csv (C engine, every column as text); peak memory for the .xlsx under 10x its size on disk.
The inputs are generated once into bench/out/ (git-ignored). `--quick` uses a fifth of the rows.

Run: .venv/bin/python bench/bench_read.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Callable
from pathlib import Path

from _common import (
    ensure_repo_on_path,
    machine_line,
    megabytes,
    out_dir,
    peak_memory,
    ratio_line,
    speedup_line,
    time_side_by_side,
)

ensure_repo_on_path()

import pandas as pd  # noqa: E402
import python_calamine  # noqa: E402

from core.reading.sources import read_table  # noqa: E402

SHEET = "Participants"
HEADERS = [
    "Client ID",
    "NHI",
    "First Name",
    "Surname",
    "Date of Birth",
    "Gender",
    "Hours",
    "Start Date",
    "Notes",
    "Visits",
]
NAMES = ["Aroha", "Mere", "John", "Wei", "Priya", "Tama", "Hine", "Oliver", "Ngāio", "Ōtaki"]
GENDERS = ["F", "M", "female", "Male", "", "X"]
NOTES = ["", "", "Lives with whānau", "Call before visiting", "Moved to Hamilton"]


def _row(rng: random.Random, i: int) -> list[object]:
    """One register row: text, numbers, real date cells, a date typed as text now and then, blanks."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(30000))
    start = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(5000))
    return [
        f"W{i:06d}",
        f"{''.join(rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ') for _ in range(3))}{rng.randrange(10000):04d}",
        rng.choice(NAMES),
        rng.choice(NAMES) + "son",
        birth if i % 20 else birth.strftime("%d/%m/%Y"),
        "#N/A" if i % 10_000 == 7 else rng.choice(GENDERS),
        round(rng.random() * 40, 2),
        start,
        rng.choice(NOTES),
        rng.randrange(60),
    ]


def make_xlsx(path: Path, rows: int) -> None:
    """Write the .xlsx with openpyxl's write-only mode (dates get a date format, "#N/A" an error cell)."""
    from openpyxl import Workbook

    rng = random.Random(2026)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append(HEADERS)
    for i in range(rows):
        sheet.append(_row(rng, i))
    book.save(path)


def make_csv(path: Path, rows: int) -> None:
    """Write the CSV as Excel's "CSV UTF-8" does: BOM, CRLF, dates as text."""
    rng = random.Random(2026)
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        stream.write(",".join(HEADERS) + "\r\n")
        for i in range(rows):
            cells = _row(rng, i)
            cells[4] = cells[4] if isinstance(cells[4], str) else cells[4].strftime("%d/%m/%Y")
            cells[7] = cells[7].isoformat()
            stream.write(",".join(str(c) for c in cells) + "\r\n")


def ensure(path: Path, make: Callable[[Path, int], None], rows: int) -> Path:
    if not path.exists():
        print(f"generating {path.name} ({rows:,} rows) ...", flush=True)
        partial = path.with_name(path.name + ".partial" + path.suffix)
        make(partial, rows)
        partial.replace(path)
    return path


def bench_xlsx(path: Path, repeats: int, openpyxl_repeats: int) -> None:
    def ours() -> object:
        return read_table(path)

    def bare_calamine() -> object:
        return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python()

    timings = time_side_by_side({"ours": ours, "calamine": bare_calamine}, repeats)
    print(ratio_line("xlsx read_table vs bare calamine", timings["ours"], timings["calamine"], "<= 1.3x"))

    def openpyxl() -> object:
        return pd.read_excel(path, engine="openpyxl")

    slow = time_side_by_side({"ours": ours, "pandas+openpyxl": openpyxl}, openpyxl_repeats, warmup=False)
    print(
        speedup_line(
            "xlsx read_table vs pandas.read_excel(openpyxl)", slow["ours"], slow["pandas+openpyxl"], ">= 4x"
        )
    )


def bench_csv(path: Path, repeats: int) -> None:
    def ours() -> object:
        return read_table(path)

    def bare_pandas() -> object:
        return pd.read_csv(path, dtype=str, keep_default_na=False)

    timings = time_side_by_side({"ours": ours, "pandas.read_csv": bare_pandas}, repeats)
    print(
        ratio_line(
            "csv read_table vs bare pandas.read_csv", timings["ours"], timings["pandas.read_csv"], "<= 1.5x"
        )
    )


def bench_memory(path: Path) -> None:
    """Peak memory of our read, of calamine's bare read, and of calamine's parse alone (no Python cells)."""
    size = path.stat().st_size
    ours = peak_memory(
        f"table = read_table({str(path)!r})", setup="from core.reading.sources import read_table"
    )
    sheet = f"CalamineWorkbook.from_path({str(path)!r}).get_sheet_by_name({SHEET!r})"
    bare = peak_memory(f"rows = {sheet}.to_python()", setup="from python_calamine import CalamineWorkbook")
    parse = peak_memory(f"parsed = {sheet}", setup="from python_calamine import CalamineWorkbook")
    print(
        f"xlsx peak memory: +{megabytes(ours)} for a {megabytes(size)} file -> {ours / size:.1f}x its size "
        f"(bare calamine read: +{megabytes(bare)}, {bare / size:.1f}x; ours/bare {ours / bare:.2f}x; "
        f"calamine's parse alone, before any Python object: +{megabytes(parse)}, {parse / size:.1f}x); "
        "target < 10x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a fifth of the rows, fewer repeats")
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed runs of each side (default 5, quick 3)"
    )
    args = parser.parse_args(argv)
    scale = 5 if args.quick else 1
    repeats = args.repeats or (3 if args.quick else 5)
    xlsx_rows, csv_rows = 100_000 // scale, 1_000_000 // scale
    folder = out_dir()
    xlsx = ensure(folder / f"read_{xlsx_rows}x10.xlsx", make_xlsx, xlsx_rows)
    csv = ensure(folder / f"read_{csv_rows}x10.csv", make_csv, csv_rows)
    print(f"machine: {machine_line()}")
    sizes = {path.name: megabytes(path.stat().st_size) for path in (xlsx, csv)}
    print("inputs: " + ", ".join(f"{name} ({size})" for name, size in sizes.items()))
    bench_xlsx(xlsx, repeats, 1 if args.quick else 2)
    bench_csv(csv, repeats)
    bench_memory(xlsx)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Wide and huge (issue 13): a 9,074-column CSV, and `check --json` / the report at 1,000,000 issues.

1. A CSV export of 9,074 columns (half of them called "Value") took 51 s to inspect, its header names made
   unique in quadratic time. Times read_table + suggest_mapping (what `inspect` does) beside a bare
   pandas.read_csv of the same file, and unique_headers beside the old quadratic version. Target: under 2 s.
2. Peak memory of `check --json` at 1,000,000 issues: the streamed writer beside the old way (the whole
   object made into dicts and one string). Target: under 500 MB. Then the quality report workbook at the
   same size (reported).

Run: .venv/bin/python bench/bench_wide.py [--repeats N] [--issues N]
"""

from __future__ import annotations

import argparse
import random
import sys
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

from core.checking.matching import suggest_mapping  # noqa: E402
from core.reading.grid import unique_headers  # noqa: E402
from core.reading.sources import read_table  # noqa: E402

WIDE_COLUMNS = 9_074
WIDE_ROWS = 300


def make_wide_csv(path: Path) -> None:
    random.seed(13)
    headers = ["ID", "Name"] + ["Value" if i % 2 else f"Q{i}" for i in range(WIDE_COLUMNS - 2)]
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(headers) + "\n")
        for row in range(WIDE_ROWS):
            cells = [str(row), f"Person {row}"] + [
                str(random.randint(0, 99)) for _ in range(WIDE_COLUMNS - 2)
            ]
            out.write(",".join(cells) + "\n")


def quadratic_unique_headers(headers: list[str]) -> list[str]:
    """The version the issue measured: each repeat searches for its number from 2 again."""
    taken = {h.strip().casefold() for h in headers}
    seen: set[str] = set()
    result = []
    for header in headers:
        key = header.strip().casefold()
        if key not in seen:
            seen.add(key)
            result.append(header)
            continue
        number = 2
        while f"{key} ({number})" in taken or f"{key} ({number})" in seen:
            number += 1
        renamed = f"{header.strip()} ({number})"
        seen.add(renamed.casefold())
        result.append(renamed)
    return result


def bench_wide(repeats: int) -> None:
    path = out_dir() / "wide_9074.csv"
    if not path.exists():
        make_wide_csv(path)
    timings = time_side_by_side(
        {
            "inspect": lambda: suggest_mapping(read_table(path)),
            "pandas.read_csv": lambda: pd.read_csv(path, dtype=str, keep_default_na=False),
        },
        repeats,
    )
    print(
        ratio_line(
            f"read + match {WIDE_COLUMNS:,} columns x {WIDE_ROWS} rows",
            timings["inspect"],
            timings["pandas.read_csv"],
            "< 2 s",
        )
    )
    headers = ["ID", "Name"] + ["Value"] * (WIDE_COLUMNS - 2)
    names = time_side_by_side(
        {"linear": lambda: unique_headers(headers), "quadratic": lambda: quadratic_unique_headers(headers)},
        max(1, repeats // 2),
    )
    print(
        speedup_line(
            f"unique_headers, {WIDE_COLUMNS:,} 'Value' columns", names["linear"], names["quadratic"], "linear"
        )
    )


SETUP = """
import io, datetime as dt, json
import numpy as np
from pathlib import Path
from core.checking.check import run_check
from core.cli import commands
from core.profile import SupplyProfile
from core.reading.table import CellKind, SourceColumn, SourceTable
rows = {rows}
values = np.array([f"X{{n}}" for n in range(rows)], dtype=object)  # each an invalid ID: 2 errors a row
column = SourceColumn("NHI", "A", values, np.full(rows, np.uint8(CellKind.TEXT)))
table = SourceTable(Path("huge.csv"), "csv", ["huge"], "huge", 1, [column], np.arange(2, rows + 2))
profile = SupplyProfile(name="b", mapping={{"identifier": "NHI"}}, identifier_type="NHI")
class Sink(io.TextIOBase):
    def write(self, text):
        return len(text)
"""
CHECK = """
result = run_check(table, profile, dt.date(2026, 11, 1))
assert len(result.issues) == 2 * rows
"""
STREAMED = CHECK + "commands.write_check_json(result, None, Sink())"
WHOLE = (
    CHECK
    + """
data = commands.check_json(result, None)
keys = list(commands.ISSUE_KEYS)
columns = [result.issues[key].tolist() for key in keys]
data.update(issues=[dict(zip(keys, values)) for values in zip(*columns)], summary=result.summary())
Sink().write(json.dumps(data, ensure_ascii=False, default=str) + "\\n")
"""
)
REPORT = (
    CHECK
    + """
from core.checking.report import write_report
write_report(result, Path({path!r}))
"""
)


def bench_memory(issues: int) -> None:
    setup = SETUP.format(rows=issues // 2)
    streamed = peak_memory(STREAMED, setup)
    whole = peak_memory(WHOLE, setup)
    checked = peak_memory(CHECK, setup)
    print(
        f"check --json at {issues:,} issues (run_check and the output; the table already in memory): "
        f"streamed +{megabytes(streamed)}, one json.dumps +{megabytes(whole)} ({streamed / whole:.2f}x); "
        f"run_check alone +{megabytes(checked)}; target < 500 MB"
    )
    report = out_dir() / "huge_report.xlsx"
    grown = peak_memory(REPORT.format(path=str(report)), setup)
    print(f"quality report at {issues:,} issues: +{megabytes(grown)} while writing (reported)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--issues", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    print(machine_line())
    bench_wide(args.repeats)
    bench_memory(args.issues)
    return 0


if __name__ == "__main__":
    sys.exit(main())

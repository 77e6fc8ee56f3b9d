"""What "what changed since the last supply" adds to a check of 1,000,000 rows.

Target (issue 14): the change summary adds under 10% to `run_check` on 1,000,000 rows. Timed side by side:
`run_check` alone, and `run_check` followed by `changes_since_last_supply` against the fingerprints kept
when the same list was sent before (the comparison does the same work whatever changed). The summary's own time is printed too, and the
time of keeping the fingerprints at send time (not part of a check).

The credential store is an in-memory keyring and the per-user folder is bench/out/changes-home, so
nothing touches the machine's own store or folders.

Run: .venv/bin/python bench/bench_changes.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from _common import Timing, ensure_repo_on_path, machine_line, out_dir, ratio_line, time_side_by_side
from bench_check import AS_OF, automatic_profile, make_csv
from bench_read import ensure

ensure_repo_on_path()

import keyring  # noqa: E402

from core.checking.check import run_check  # noqa: E402
from core.reading.sources import read_table  # noqa: E402
from tests.keyrings import MemoryKeyring  # noqa: E402 - the tests' in-memory store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a fifth of the rows, fewer repeats")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs of each side (default 5)")
    args = parser.parse_args(argv)
    rows = 1_000_000 // (5 if args.quick else 1)
    repeats = args.repeats or (3 if args.quick else 5)
    folder = out_dir()
    os.environ["IDI_SHARE_HOME"] = str(folder / "changes-home")
    keyring.set_keyring(MemoryKeyring())
    from core.sending.last_supply import changes_since_last_supply, remember_sent_supply

    csv = ensure(folder / f"check2_{rows}x10.csv", make_csv, rows)
    print(f"machine: {machine_line()}")
    table = read_table(csv)
    profile = automatic_profile(table)
    result = run_check(table, profile, AS_OF)
    start = time.perf_counter()
    remember_sent_supply(result)
    print(
        f"keeping the fingerprints of {table.row_count:,} rows at send time: {time.perf_counter() - start:.3f}s"
    )
    del result

    checked = run_check(table, profile, AS_OF)

    def check_alone() -> object:
        return run_check(table, profile, AS_OF)

    def check_and_changes() -> object:
        result = run_check(table, profile, AS_OF)
        return result, changes_since_last_supply(result)

    def changes_alone() -> object:
        return changes_since_last_supply(checked)

    timings = time_side_by_side(
        {"check": check_alone, "check + changes": check_and_changes, "changes": changes_alone}, repeats
    )
    baseline = Timing("run_check alone", timings["check"].seconds)
    print(
        ratio_line(
            f"check of {table.row_count:,} rows with the change summary vs without",
            timings["check + changes"],
            baseline,
            "< 1.10x",
        )
    )
    alone = timings["changes"]
    print(
        f"the change summary alone: {alone.best:.3f}s (median {alone.median:.3f}s) = "
        f"{100 * alone.best / baseline.best:.1f}% of the check's best (median {100 * alone.median / baseline.median:.1f}%)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

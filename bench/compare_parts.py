"""This working tree against another version of the code (default: main), part by part, side by side in one run.

For a change on the hot path (find_header_index runs on every read, the matcher on every automatic check):
the other version is exported with `git archive` into bench/out/, then whole `main.py check` processes and
in-process `read_table` + `suggest_mapping` + `run_check` are timed, taking turns between the two trees so a
busy machine slows both alike. Inputs are bench_check.py's registers (100,000 rows .xlsx, 200,000 rows CSV).
compare_revision.py times whole processes only; this splits them into the parts. Not run by `dev.py bench`
(it needs a revision to compare with).

Run: .venv/bin/python bench/compare_parts.py [--ref main] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from _common import REPO_ROOT, Timing, ensure_repo_on_path, machine_line, out_dir, ratio_line

ensure_repo_on_path()

from bench_check import make_csv, make_xlsx  # noqa: E402

IN_PROCESS = """
import json, sys, time, datetime as dt
sys.path.insert(0, {root!r})
from core.reading.sources import read_table
from core.checking.matching import suggest_mapping
from core.checking.check import run_check
from core.profile import SupplyProfile
start = time.perf_counter()
table = read_table({path!r})
read = time.perf_counter()
suggestion = suggest_mapping(table)
matched = time.perf_counter()
profile = SupplyProfile(name="b", mapping=dict(suggestion.mapping), identifier_type=suggestion.identifier_type)
run_check(table, profile, dt.date(2026, 11, 1))
checked = time.perf_counter()
print(json.dumps([read - start, matched - read, checked - matched]))
"""


def export(ref: str) -> Path:
    sha = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=REPO_ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    target = out_dir() / f"version-{sha}"
    if not target.exists():
        target.mkdir()
        archive = subprocess.run(["git", "archive", sha], cwd=REPO_ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def in_process(root: Path, path: Path) -> list[float]:
    script = IN_PROCESS.format(root=str(root), path=str(path))
    done = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def whole_process(root: Path, path: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(root / "main.py"), "check", str(path), "--as-of", "2026-11-01"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="main")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    other = export(args.ref)
    folder = out_dir()
    xlsx = folder / "versions_100000x10.xlsx"
    csv = folder / "versions_200000x10.csv"
    if not xlsx.exists():
        make_xlsx(xlsx, 100_000)
    if not csv.exists():
        make_csv(csv, 200_000)
    print(f"machine: {machine_line()}; this tree against {args.ref} ({other.name})")
    trees = {"ours": REPO_ROOT, args.ref: other}
    for path in (xlsx, csv):
        parts = {
            name: [Timing(f"{name} {part}", []) for part in ("read", "match", "check")] for name in trees
        }
        ends = {name: Timing(name, []) for name in trees}
        for _ in range(args.repeats):
            for name, root in trees.items():
                for timing, seconds in zip(parts[name], in_process(root, path), strict=True):
                    timing.seconds.append(seconds)
                ends[name].seconds.append(whole_process(root, path))
        for index, part in enumerate(("read_table", "suggest_mapping", "run_check")):
            print(ratio_line(f"{path.name} {part}", parts["ours"][index], parts[args.ref][index], "<= 1.0x"))
        print(ratio_line(f"{path.name} main.py check", ends["ours"], ends[args.ref], "<= 1.0x"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""This checkout's `main.py check` and `inspect` against another git revision's, whole processes, side by side.

For changes that must not move the speed (a move of modules, a refactoring): the other revision is checked
out into bench/out/ (a git worktree), both copies are byte-compiled, and the two take turns on the same
100,000-row .xlsx and 1,000,000-row CSV as bench_check.py, so a busy machine slows both alike.

Run: .venv/bin/python bench/compare_revision.py [REV] [--repeats N] [--quick]   (REV defaults to HEAD~1)
"""

from __future__ import annotations

import argparse
import compileall
import subprocess
import sys
from pathlib import Path

from _common import REPO_ROOT, machine_line, out_dir, ratio_line
from bench_check import alternate, ensure, make_csv, make_xlsx


def checkout(revision: str) -> Path:
    """The revision's tree in bench/out/rev-<sha>, made once; a detached worktree, so nothing else moves."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", revision], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    folder = out_dir() / f"rev-{sha}"
    if not (folder / "main.py").exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(folder), sha], cwd=REPO_ROOT, check=True)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("revision", nargs="?", default="HEAD~1")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="a fifth of the rows")
    args = parser.parse_args(argv)
    scale = 5 if args.quick else 1
    folder = out_dir()
    files = {
        "xlsx": ensure(folder / f"check2_{100_000 // scale}x10.xlsx", make_xlsx, 100_000 // scale),
        "csv": ensure(folder / f"check2_{1_000_000 // scale}x10.csv", make_csv, 1_000_000 // scale),
    }
    other = checkout(args.revision)
    for tree in (REPO_ROOT, other):
        compileall.compile_dir(tree / "core", quiet=1)
    print(f"machine: {machine_line()}")
    print(f"this checkout vs {args.revision} ({other.name})")
    for label, path in files.items():
        for command in ("check", "inspect"):
            argv_of = {
                tree: [sys.executable, str(tree / "main.py"), command, str(path), "--json"]
                for tree in (REPO_ROOT, other)
            }
            timings = alternate({"this": argv_of[REPO_ROOT], args.revision: argv_of[other]}, args.repeats)
            print(ratio_line(f"{label} {command}", timings["this"], timings[args.revision], "~1.00x"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

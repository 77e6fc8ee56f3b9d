"""Helpers shared by the bench scripts: side-by-side timing, ratios against a baseline, peak memory.

Benchmarks here never assert; they print how our code compares with a baseline run on the same machine in
the same process, interleaved (ours, baseline, ours, baseline, ...) so that a busy machine slows both
alike. Ratios use the minimum of several repeats (the least disturbed run) and show the median beside it.
Peak memory is measured in a child process, so one measurement cannot inherit another's heap.

Import from a bench script as `from _common import ...` (bench/ is on sys.path when a script there runs).
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"  # git-ignored: generated inputs and results


@dataclass
class Timing:
    """Wall-clock seconds of every repeat of one function."""

    name: str
    seconds: list[float]

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def out_dir() -> Path:
    """bench/out, created on first use."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUT_DIR


def ensure_repo_on_path() -> None:
    """Let a bench script import `core` when run as `python bench/bench_x.py` from anywhere."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))


def time_once(function: Callable[[], object]) -> float:
    """Seconds for one call, starting from a collected heap; the result is dropped before returning."""
    gc.collect()
    start = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - start
    del result
    return elapsed


def time_side_by_side(
    functions: dict[str, Callable[[], object]], repeats: int, warmup: bool = True
) -> dict[str, Timing]:
    """Time each function `repeats` times, taking turns, after one untimed warm-up call each."""
    if warmup:
        for function in functions.values():
            time_once(function)
    timings = {name: Timing(name, []) for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            timings[name].seconds.append(time_once(function))
    return timings


def time_command(argv: Sequence[str], repeats: int, cwd: Path | None = None) -> Timing:
    """Time a command line (a fresh process each run), e.g. the CLI against a bare script."""
    timing = Timing(" ".join(argv), [])
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(list(argv), cwd=cwd, check=True, stdout=subprocess.DEVNULL)
        timing.seconds.append(time.perf_counter() - start)
    return timing


def ratio_line(label: str, ours: Timing, baseline: Timing, target: str) -> str:
    """One line: our time, the baseline's, their ratio (min and median) and the target it is judged by."""
    best = ours.best / baseline.best
    median = ours.median / baseline.median
    return (
        f"{label}: ours {ours.best:.3f}s (median {ours.median:.3f}s), {baseline.name} {baseline.best:.3f}s "
        f"(median {baseline.median:.3f}s) -> ratio {best:.2f}x (median {median:.2f}x); target {target}"
    )


def speedup_line(label: str, ours: Timing, baseline: Timing, target: str) -> str:
    """Like `ratio_line`, but stated as how many times faster ours is."""
    return (
        f"{label}: ours {ours.best:.3f}s, {baseline.name} {baseline.best:.3f}s -> "
        f"{baseline.best / ours.best:.1f}x faster; target {target}"
    )


_MEMORY_CHILD = r"""
import json, sys
sys.path.insert(0, {root!r})
{setup}
def _status_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)
def _current():
    try:
        return _status_kb("VmRSS")
    except (OSError, LookupError):
        import psutil
        return psutil.Process().memory_info().rss
def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # resets VmHWM, the peak resident size, to the current size
    except OSError:
        pass
def _peak():
    try:
        return _status_kb("VmHWM")
    except (OSError, LookupError):
        pass
    try:
        import psutil
        info = psutil.Process().memory_info()
        if hasattr(info, "peak_wset"):
            return info.peak_wset
    except ImportError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
_reset_peak()
before = _current()
{code}
print(json.dumps({{"before": before, "after_peak": _peak()}}))
"""


def peak_memory(code: str, setup: str = "") -> int:
    """Bytes the peak resident memory of a fresh Python process grows by while running `code`.

    `setup` (imports, paths) runs first and is not counted. Measured as the peak resident set size after
    `code` minus the resident size before it: on Linux VmHWM, reset first through /proc/self/clear_refs
    (ru_maxrss would carry the parent's size over the fork), psutil's peak working set on Windows, and
    ru_maxrss elsewhere.
    """
    script = _MEMORY_CHILD.format(root=str(REPO_ROOT), setup=setup, code=code)
    completed = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True, cwd=REPO_ROOT
    )
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    return int(figures["after_peak"] - figures["before"])


def machine_line() -> str:
    """Which machine the figures came from, for quoting them."""
    cpus = os.cpu_count() or 0
    memory = ""
    try:
        import psutil

        memory = f", {psutil.virtual_memory().total / 2**30:.0f} GB RAM"
    except ImportError:
        pass
    return (
        f"{platform.system()} {platform.release()}, {platform.machine()}, {cpus} CPUs{memory}, "
        f"Python {platform.python_version()}"
    )


def megabytes(byte_count: float) -> str:
    return f"{byte_count / 2**20:,.1f} MB"

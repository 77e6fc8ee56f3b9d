"""Run `main.py COMMAND FILE --json` for many files in one process, for the corpus test.

Interpreter start-up and imports take ~0.3 s of the ~0.35 s a small file costs in its own process; run in
one process, the corpus's ~170 runs take seconds instead of minutes on a busy 2-core machine. Each run goes
through `core.cli.main`, as `main.py` does, with its stdout and stderr caught. Input: one JSON list of
[command, path] pairs as the only argument. Output: one JSON line per pair, in order, as each ends.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from core.cli.main import main as cli_main

    for command, path in json.loads(argv[0]):
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = cli_main([command, path, "--json"])
        line = {
            "command": command,
            "path": path,
            "returncode": status,
            "stdout": out.getvalue(),
            "stderr": err.getvalue(),
            "seconds": round(time.perf_counter() - started, 3),
        }
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

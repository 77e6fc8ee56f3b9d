"""Set up and run IDI Share from a fresh clone, on Windows or Linux, with nothing but Python 3.11+.

    python dev.py demo    create .venv, install the pinned dependencies, open the app on the demo data
    python dev.py test    create .venv, install the pinned test dependencies, run ruff and the test suite
    python dev.py bench   run the benchmark scripts in bench/ (slow; prints ratios)
    python dev.py installer  build the Windows installer under Wine and smoke-test it (Linux, as root;
                          see installers/README.md; on Windows follow the steps written there)

Only the standard library is used here, because this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def ensure_environment(requirements: str) -> Path:
    """Create .venv once and install the pinned requirements when they changed since the last install."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs before anything is installed, on any Python
        sys.exit(f"IDI Share needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    python = venv_python()
    if not python.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    req_file = ROOT / "requirements" / requirements
    digest = hashlib.sha256()
    for part in sorted((ROOT / "requirements").glob("*.txt")):
        digest.update(part.read_bytes())
    stamp = VENV / f".installed-{requirements}"
    if not stamp.exists() or stamp.read_text() != digest.hexdigest():
        print(f"Installing pinned dependencies from requirements/{requirements} ...", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", str(req_file)],
            check=True,
        )
        stamp.write_text(digest.hexdigest())
    return python


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "demo"
    extra = argv[1:]
    if command == "demo":
        python = ensure_environment("app.txt")
        return subprocess.call([str(python), str(ROOT / "main.py"), "--demo", *extra], cwd=ROOT)
    if command == "test":
        python = ensure_environment("test.txt")
        env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
        lint = subprocess.call([str(python), "-m", "ruff", "check", "."], cwd=ROOT, env=env)
        fmt = subprocess.call([str(python), "-m", "ruff", "format", "--check", "."], cwd=ROOT, env=env)
        tests = subprocess.call([str(python), "-m", "pytest", *extra], cwd=ROOT, env=env)
        return tests or lint or fmt
    if command == "bench":
        python = ensure_environment("test.txt")
        status = 0
        for script in sorted((ROOT / "bench").glob("bench_*.py")):
            print(f"== {script.name}", flush=True)
            status |= subprocess.call([str(python), str(script), *extra], cwd=ROOT)
        return status
    if command == "installer":
        python = ensure_environment("test.txt")  # the Linux CLI, whose answers the Windows one must give
        script = ROOT / "installers" / "build_windows.py"
        return subprocess.call([sys.executable, str(script), "--linux-python", str(python), *extra], cwd=ROOT)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

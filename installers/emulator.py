"""Where Wine runs: the host's Wine 10 or a Debian 13 chroot, its virtual screen, and shared helpers.

Part of the Windows build (installers/build_windows.py; installers/README.md).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("IDI_SHARE_BUILD_CACHE") or Path.home() / ".cache" / "idi-share-build")
CHROOT = CACHE / "trixie"
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

"""The smoke test of the installer just built, under Wine as a normal user; each step prints ok or FAIL.

Part of the Windows build (installers/build_windows.py; installers/README.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import time
import zlib
from pathlib import Path

from emulator import ROOT, UID, USER, BuildError, Emulator, run, say

UNINSTALL_KEY = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\IDI Share"


# The smoke test's "previous version": the same bundle plus this file, numbered lower (build_windows.py).
PREVIOUS_VERSION = "0.0.1"
PREVIOUS_ONLY_FILE = "_internal/only-in-the-previous-version.txt"
SMOKE_PROFILE = "smoke-supply.idiprofile.json"
SMOKE_KEY_USER = "IDI Share smoke test <smoke-test@example.invalid>"
EXIT_ROWS_LEFT_OUT = 1  # `send` saved the file, leaving out the demo's rows that must be fixed

OPENING_WINDOW_TITLE = "^IDI Share is starting$"
# Issue 15's goal for the main window under Wine: reported, not failed (Wine's own start varies by machine).
WINDOW_GOAL_S = 3.0
# The main window (not the small "IDI Share is starting" one shown while it loads); the demo's says so.
MAIN_WINDOW_TITLE = r"^IDI Share( \(demo\))?$"

MACRON_NAME = "Rōpū whānau — Mātātoa.csv"
MACRON_CSV = (
    "Ingoa tuatahi,Ingoa whānau,Rā whānau,Ira tangata,NHI,Tīmatanga,Mutunga,Kaupapa\n"
    "Aroha,Ngāta,12/03/1985,F,ZZZ0016,01/02/2024,,Whānau ora\n"
    "Tāne,Pōtae,1979-11-30,M,ZZZ0024,15/01/2024,30/06/2024,Kōrero\n"
    "Mere,Tūhoe,31/02/1990,X,ABC1234,01/03/2024,,Whānau ora\n"
)


class Smoke:
    """The smoke steps on the installer just built; each prints ok or FAIL."""

    def __init__(
        self, emulator: Emulator, installer: Path, previous: Path, linux_python: Path | None
    ) -> None:
        self.emulator = emulator
        self.installer = installer
        self.previous = previous
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
        for folder in (self.local / "IDI Share", self.roaming / "IDI Share"):
            shutil.rmtree(
                folder, ignore_errors=True
            )  # the cached Wine user starts with no earlier run's data
        if self.emulator.in_chroot:
            run(["chown", "-R", f"{UID}:{UID}", str(self.scratch)])
        self.install_previous()
        if not (self.install_dir / "idi-share-cli.exe").exists():
            return
        self.previous_version_records()
        self.upgrade()
        if not (self.install_dir / "idi-share-cli.exe").exists():
            return
        self.records_after_upgrade()
        self.command_line()
        self.diagnostics()
        self.screenshots()
        self.window()
        self.uninstall()
        self.uninstall_in_shared_folder()

    def installer_run(self, installer: Path) -> int:
        code = self.windows_run([self.emulator.windows(installer), "/S"])
        self.wait_for_wine()
        return code

    def display_version(self) -> str:
        """The version in the Apps & features entry, or "" when there is none."""
        result = self.emulator.wine(
            ["reg", "query", UNINSTALL_KEY, "/v", "DisplayVersion"],
            check=False,
            capture_output=True,
            text=True,
        )
        found = re.search(r"DisplayVersion\s+REG_SZ\s+(\S+)", result.stdout)
        return found.group(1) if found else ""

    def install_previous(self) -> None:
        """The previous version, installed silently as a normal user: the starting point of the upgrade."""
        started = time.monotonic()
        code = self.installer_run(self.previous)
        version = self.display_version()
        self.step(
            f"silent install of the previous version ({version}) as a normal user into "
            f"%LOCALAPPDATA%\\Programs\\IDI Share, listed in Apps & features ({time.monotonic() - started:.0f} s)",
            code == 0 and (self.install_dir / PREVIOUS_ONLY_FILE).exists() and version == PREVIOUS_VERSION,
            f"exit {code}, Apps & features version {version or 'missing'}",
        )

    def previous_version_records(self) -> None:
        """What a user of the previous version has: a saved supply, a real receipt and the file it sent."""
        problem = self.make_recipient_key()
        demo = self.install_dir / "_internal" / "resources" / "demo" / "whanau_register.xlsx"
        profile, out = self.scratch / SMOKE_PROFILE, self.scratch / "sent"
        out.mkdir()
        self.emulator.own(self.scratch)
        windows = self.emulator.windows
        code = self.cli(
            ["send", windows(demo), "--profile", windows(profile), "--output-only", windows(out)], "send.txt"
        )
        saved = problem or self.save_supply_as_the_window_does(profile)
        sent = sorted(path.name for path in out.glob("*.gpg"))
        receipts = self.local / "IDI Share" / "receipts.jsonl"
        self.step(
            f"the previous version's CLI saved an encrypted supply ({', '.join(sent) or 'none'}) and its receipt; "
            "a saved supply in its settings",
            code == EXIT_ROWS_LEFT_OUT and bool(sent) and receipts.exists() and not saved,
            f"send exit {code} (expected {EXIT_ROWS_LEFT_OUT}), receipt {'written' if receipts.exists() else 'missing'}"
            f"{', ' + saved if saved else ''}: {self.tail('send.txt.err')}",
        )

    def make_recipient_key(self) -> str:
        """A throwaway OpenPGP key (the host's gpg) and a profile that encrypts the demo for it; "" or why not."""
        home = self.scratch / "gnupg"
        home.mkdir(mode=0o700)
        env = dict(os.environ, GNUPGHOME=str(home))
        try:
            run(
                [
                    "gpg",
                    "--batch",
                    "--passphrase",
                    "",
                    "--quick-gen-key",
                    SMOKE_KEY_USER,
                    "default",
                    "default",
                    "1d",
                ],
                env=env,
                capture_output=True,
            )
            key = run(["gpg", "--armor", "--export"], env=env, capture_output=True).stdout
            listing = run(
                ["gpg", "--with-colons", "--list-keys"], env=env, capture_output=True, text=True
            ).stdout
        except (OSError, subprocess.CalledProcessError) as error:
            return f"no throwaway key (gpg: {error})"
        finally:
            run(["gpgconf", "--kill", "gpg-agent"], env=env, check=False, capture_output=True)
        fingerprint = re.search(r"^fpr:+([0-9A-F]{40,64}):", listing, re.M)
        (self.scratch / "statsnz-test.asc").write_bytes(key)
        profile = json.loads((ROOT / "resources" / "demo" / "demo.idiprofile.json").read_text("utf-8"))
        profile["encryption"] = {
            "method": "openpgp",
            "recipient_key_file": "statsnz-test.asc",
            "recipient_fingerprint": fingerprint.group(1) if fingerprint else "",
        }
        profile["output"] = {"rows_with_errors": "exclude"}
        (self.scratch / SMOKE_PROFILE).write_text(json.dumps(profile, ensure_ascii=False), "utf-8")
        return ""

    def save_supply_as_the_window_does(self, profile: Path) -> str:
        """The window saves a supply with core.sending.supplies; the CLI cannot, so the project's own code
        does it here (into a Linux folder) and the result goes where Windows keeps settings. "" or why not."""
        if self.linux_python is None:
            return "no Linux Python to save a supply with"
        home = self.scratch / "linux-supply"
        script = (
            "import sys; from pathlib import Path; from core.profile import load_profile; "
            "from core.sending.supplies import save_supply; save_supply(load_profile(Path(sys.argv[1])))"
        )
        result = subprocess.run(
            [str(self.linux_python), "-c", script, str(profile)],
            cwd=ROOT,
            env=dict(os.environ, IDI_SHARE_HOME=str(home)),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            return f"saving the supply failed: {result.stderr[-300:]}"
        shutil.copytree(
            home / "config" / "supplies", self.roaming / "IDI Share" / "supplies", dirs_exist_ok=True
        )
        self.emulator.own(self.roaming / "IDI Share")
        return ""

    def upgrade(self) -> None:
        """The new version over the previous one: the old files go, the user's files stay byte for byte."""
        before = self.user_file_hashes()
        started = time.monotonic()
        code = self.installer_run(self.installer)
        after = self.user_file_hashes()
        version = self.display_version()
        changed = sorted(name for name in before if after.get(name) != before[name])
        leftover = (self.install_dir / PREVIOUS_ONLY_FILE).exists()
        self.step(
            f"silent upgrade from {PREVIOUS_VERSION} to {version}: the previous version's own file removed, all "
            f"{len(before)} files of settings, receipts and logs unchanged ({time.monotonic() - started:.0f} s)",
            code == 0
            and (self.install_dir / "IDI Share.exe").exists()
            and not leftover
            and version != PREVIOUS_VERSION
            and bool(before)
            and not changed,
            f"exit {code}, version {version or 'missing'}, previous version's file left: {leftover}, "
            f"changed or lost: {changed[:5]}",
        )

    def records_after_upgrade(self) -> None:
        """The upgraded app reads what the previous version kept: its receipt and its saved supply."""
        history = self.cli(["history", "--json"], "history.json")
        try:
            receipts = json.loads((self.scratch / "history.json").read_text("utf-8"))["receipts"]
        except (OSError, ValueError, KeyError):
            receipts = []
        found = [receipt.get("file_name", "") for receipt in receipts if receipt.get("outcome") == "saved"]
        code = self.cli(["--diagnostics"], "diagnostics-after-upgrade.txt")
        counts = (self.scratch / "diagnostics-after-upgrade.txt").read_text("utf-8", "replace")
        supplies = re.search(r"^Found: (\d+) saved suppl", counts, re.M)
        self.step(
            f"after the upgrade, history --json lists the previous version's receipt ({', '.join(found)}) and "
            f"--diagnostics counts {supplies.group(1) if supplies else 'no'} saved supply",
            history == 0
            and len(found) == 1
            and code == 0
            and supplies is not None
            and supplies.group(1) == "1",
            f"history exit {history} with {len(receipts)} receipts, diagnostics exit {code}: {counts[-300:]}",
        )

    def tail(self, name: str) -> str:
        path = self.scratch / name
        return path.read_bytes().decode("utf-8", "replace").strip()[-300:] if path.exists() else ""

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
        seen = self.watch_for_windows(
            {"opening": OPENING_WINDOW_TITLE, "main": MAIN_WINDOW_TITLE}, "main", 120
        )
        opening, shown = "opening" in seen, "main" in seen
        opening_after, shown_after = seen.get("opening", 0.0) - started, seen.get("main", 0.0) - started
        reached = self.wait_for_log("Step: Review", 120, after=log_before)
        time.sleep(2)
        shot = self.scratch / "window-review.png"
        grabbed = grab_screen(self.emulator, shot)
        self.step(
            f"the window under Xvfb: {'opening window shown after ' + format(opening_after, '.1f') + ' s, ' if opening else ''}"
            f"main window after {shown_after:.1f} s ({'within' if shown_after < WINDOW_GOAL_S else 'NOT within'} "
            f"the {WINDOW_GOAL_S:.0f} s goal), opened the demo and reached Review "
            f"({time.monotonic() - started:.1f} s; screenshot {shot.name})",
            shown and reached and shot.exists(),
            f"shown: {shown}, reached Review: {reached}, screenshot: {grabbed or 'ok'}",
        )
        self.emulator.run(["wineserver", "-k"], check=False)
        app.wait(timeout=60)

    def watch_for_windows(self, titles: dict[str, str], last: str, seconds: float) -> dict[str, float]:
        """When (time.monotonic()) a visible window with each title pattern was first seen, looking every
        0.1 s until the `last` one appears or `seconds` pass; a short-lived window is caught too."""
        seen: dict[str, float] = {}
        deadline = time.monotonic() + seconds
        while last not in seen and time.monotonic() < deadline:
            for name, pattern in titles.items():
                if name not in seen:
                    found = self.emulator.run(
                        ["xdotool", "search", "--onlyvisible", "--name", pattern],
                        check=False,
                        capture_output=True,
                    )
                    if found.returncode == 0 and found.stdout.strip():
                        seen[name] = time.monotonic()
            time.sleep(0.1)
        return seen

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

    def user_file_hashes(self) -> dict[str, str]:
        """Each file of settings, receipts and logs (by its path under the profile) and its SHA-256."""
        profile = self.local.parent.parent
        return {
            str(path.relative_to(profile)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in self.user_files()
        }

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

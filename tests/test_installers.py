"""The Windows installer's inputs that can be checked on any machine: the uninstall list and the pins."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "installers"))

from uninstall_list import uninstall_lines  # noqa: E402


def pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text()
    found = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", text, re.M)
    return {package.lower().replace("_", "-").replace(".", "-"): version for package, version in found}


def test_the_uninstaller_deletes_each_installed_file_and_then_only_empty_folders(tmp_path: Path) -> None:
    bundle = tmp_path / "IDI Share"
    (bundle / "_internal" / "PySide6" / "plugins").mkdir(parents=True)
    (bundle / "IDI Share.exe").write_bytes(b"MZ")
    (bundle / "_internal" / "PySide6" / "plugins" / "qwindows.dll").write_bytes(b"MZ")
    lines = uninstall_lines(bundle)
    assert lines == [
        'Delete "$INSTDIR\\IDI Share.exe"',
        'Delete "$INSTDIR\\_internal\\PySide6\\plugins\\qwindows.dll"',
        'RMDir "$INSTDIR\\_internal\\PySide6\\plugins"',
        'RMDir "$INSTDIR\\_internal\\PySide6"',
        'RMDir "$INSTDIR\\_internal"',
    ]
    assert not any("/r" in line for line in lines)


def test_a_dollar_in_a_file_name_is_not_taken_for_an_nsis_variable(tmp_path: Path) -> None:
    (tmp_path / "a$INSTDIR.txt").write_text("")
    assert uninstall_lines(tmp_path) == ['Delete "$INSTDIR\\a$$INSTDIR.txt"']


def test_the_nsis_script_never_removes_a_folder_recursively() -> None:
    script = (ROOT / "installers" / "idi_share.nsi").read_text()
    assert not re.search(r"^\s*RMDir\s+/r", script, re.M | re.I)


def test_the_windows_build_pins_the_apps_packages_at_the_same_versions() -> None:
    app, windows = pins("app.txt"), pins("windows.txt")
    linux_only = {"jeepney", "secretstorage"}
    assert {name: app[name] for name in app if name not in linux_only} == {
        name: windows[name] for name in app if name not in linux_only
    }


def test_every_windows_pin_has_a_hash() -> None:
    text = (ROOT / "requirements" / "windows.txt").read_text()
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    requirements = re.split(r"\n(?=[A-Za-z])", "\n".join(lines))
    assert requirements and all("--hash=sha256:" in requirement for requirement in requirements)
    assert {"pyinstaller", "pywin32-ctypes", "pip"} <= set(pins("windows.txt"))


def test_the_signing_step_signs_the_installer_with_the_configured_certificate(
    tmp_path: Path, monkeypatch
) -> None:
    """`IDI_SHARE_SIGN_PFX` set: the build's own signing step, with a throwaway self-signed certificate, on a
    real Windows program (pip's launcher stands in for the installer); osslsigncode then verifies it."""
    import shutil
    import subprocess

    import pip

    from tests.services import missing_service

    if not (shutil.which("osslsigncode") and shutil.which("openssl")):
        missing_service("osslsigncode and openssl are needed to sign and verify")
    from build_windows import sign_if_configured

    password = tmp_path / "password.txt"
    password.write_text("throwaway-pass\n")
    key, cert, pfx = tmp_path / "key.pem", tmp_path / "cert.pem", tmp_path / "cert.pfx"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", str(key),
         "-out", str(cert), "-subj", "/CN=IDI Share test signing", "-addext", "extendedKeyUsage=codeSigning"],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["openssl", "pkcs12", "-export", "-out", str(pfx), "-inkey", str(key), "-in", str(cert),
         "-passout", f"file:{password}"],
        check=True, capture_output=True,
    )  # fmt: skip
    installer = tmp_path / "IDI-Share-setup.exe"
    shutil.copy(Path(pip.__file__).parent / "_vendor" / "distlib" / "t64.exe", installer)

    def verify() -> subprocess.CompletedProcess:
        command = ["osslsigncode", "verify", "-in", str(installer), "-CAfile", str(cert)]
        return subprocess.run(command, capture_output=True, text=True)

    assert verify().returncode != 0  # not signed yet
    monkeypatch.setenv("IDI_SHARE_SIGN_PFX", str(pfx))
    monkeypatch.setenv("IDI_SHARE_SIGN_PASSWORD_FILE", str(password))
    monkeypatch.delenv("IDI_SHARE_SIGN_TIMESTAMP_URL", raising=False)
    sign_if_configured(None, installer)
    verified = verify()
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Signature verification: ok" in verified.stdout and "CN=IDI Share test signing" in verified.stdout
    assert not installer.with_suffix(".signed.exe").exists()

"""The per-user folders: where settings, receipts and logs go on Windows, without the doubled name."""

from __future__ import annotations

from pathlib import Path

import platformdirs.windows
import pytest

from core import paths


@pytest.fixture
def windows_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """platformdirs' Windows rules, reading the folders from the environment as Windows sets them."""
    monkeypatch.delenv("IDI_SHARE_HOME", raising=False)
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    monkeypatch.setattr(
        platformdirs.windows, "get_win_folder", platformdirs.windows.get_win_folder_from_env_vars
    )
    monkeypatch.setattr(paths.platformdirs, "PlatformDirs", platformdirs.windows.Windows)
    return tmp_path


def test_settings_roam_in_appdata_under_the_app_name_once(windows_profile: Path) -> None:
    assert paths.config_dir() == windows_profile / "Roaming" / "IDI Share"


def test_receipts_stay_in_localappdata_under_the_app_name_once(windows_profile: Path) -> None:
    assert paths.data_dir() == windows_profile / "Local" / "IDI Share"


def test_logs_go_in_a_logs_folder_beside_the_receipts(windows_profile: Path) -> None:
    assert paths.log_dir() == windows_profile / "Local" / "IDI Share" / "Logs"


def test_idi_share_home_puts_all_three_under_one_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDI_SHARE_HOME", str(tmp_path))
    assert [paths.config_dir(), paths.data_dir(), paths.log_dir()] == [
        tmp_path / "config",
        tmp_path / "data",
        tmp_path / "logs",
    ]

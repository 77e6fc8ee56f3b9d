"""Per-user folders for settings, receipts and logs (platformdirs), overridable for tests and portable use.

On Windows: settings in `%APPDATA%\\IDI Share` (they roam with the user), receipts in
`%LOCALAPPDATA%\\IDI Share`, logs in `%LOCALAPPDATA%\\IDI Share\\Logs` (installers/README.md). The
name is not doubled (`IDI Share\\IDI Share`): platformdirs is told there is no separate author folder.
On Linux: `~/.config/IDI Share`, `~/.local/share/IDI Share`, `~/.local/state/IDI Share/log`.

`IDI_SHARE_HOME`, when set, puts all three under one folder; tests set it so nothing touches the real
profile of the person running them.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "IDI Share"


def _override() -> Path | None:
    home = os.environ.get("IDI_SHARE_HOME")
    return Path(home) if home else None


def _platform(roaming: bool = False) -> platformdirs.PlatformDirs:
    return platformdirs.PlatformDirs(APP_NAME, appauthor=False, roaming=roaming)


def config_dir() -> Path:
    base = _override()
    path = base / "config" if base else Path(_platform(roaming=True).user_config_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    base = _override()
    path = base / "data" if base else Path(_platform().user_data_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    base = _override()
    path = base / "logs" if base else Path(_platform().user_log_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path

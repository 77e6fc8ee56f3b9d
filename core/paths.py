"""Per-user folders for settings, receipts and logs (platformdirs), overridable for tests and portable use.

`IDI_SHARE_HOME`, when set, puts all three under one folder; tests set it so nothing touches the real
profile of the person running them.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "IDI Share"
APP_AUTHOR = "IDI Share"


def _override() -> Path | None:
    home = os.environ.get("IDI_SHARE_HOME")
    return Path(home) if home else None


def config_dir() -> Path:
    base = _override()
    path = base / "config" if base else Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    base = _override()
    path = base / "data" if base else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    base = _override()
    path = base / "logs" if base else Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path

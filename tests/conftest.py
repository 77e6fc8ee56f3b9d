"""Shared fixtures: sample files, an isolated per-user folder, and a keyring that never touches the real store."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def expected() -> dict:
    """The samples' planted problems: sheet, header row, mapping and (row, rule) pairs per file."""
    return json.loads((DATA / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def sample_copy(tmp_path: Path):
    """Copy a file from tests/data into tmp_path, so a test may hash, rename or mutate it freely."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copyfile(DATA / name, target)
        return target

    return copy


@pytest.fixture(autouse=True)
def isolated_user_folders(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app's per-user config/data/log folders at a temporary folder for every test."""
    home = tmp_path_factory.mktemp("user-home")
    monkeypatch.setenv("IDI_SHARE_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def memory_keyring():
    """Replace whatever keyring backend this machine has with an in-memory one for every test."""
    import keyring

    from tests.keyrings import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)

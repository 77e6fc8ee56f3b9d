"""Key files are read only when they are ordinary files under 1 MB: never a device, a pipe or a folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.errors import InputError
from core.sending.key_files import MAX_KEY_FILE_BYTES, read_key_file
from core.sending.transfer import SftpTarget, upload


def test_a_small_ordinary_file_is_read() -> None:
    assert read_key_file(Path(__file__), "test") == Path(__file__).read_bytes()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    pipe = tmp_path / "key.asc"
    os.mkfifo(pipe)

    with pytest.raises(InputError, match="not an ordinary file"):
        read_key_file(pipe, "recipient key")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_is_refused() -> None:
    with pytest.raises(InputError, match="not an ordinary file"):
        read_key_file(Path("/dev/zero"), "SSH private key")


def test_a_file_over_1_mb_and_a_folder_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.asc"
    big.write_bytes(b"x" * (MAX_KEY_FILE_BYTES + 1))

    with pytest.raises(InputError, match="too large"):
        read_key_file(big, "recipient key")
    with pytest.raises(InputError, match="folder"):
        read_key_file(tmp_path, "recipient key")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_the_ssh_private_key_file_is_checked_before_any_connection() -> None:
    target = SftpTarget("127.0.0.1", 9, "u", auth="key", key_file=Path("/dev/zero"))

    with pytest.raises(InputError, match="SSH private key"):
        upload(target, None, b"data", "KWT.csv.gpg")

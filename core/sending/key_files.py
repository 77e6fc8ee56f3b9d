"""Reading a key file (Stats NZ's public key, the SSH private key) safely: a small regular file only.

A key file is named in a profile that may come from someone else. Read blindly, `/dev/zero` would fill
memory and a FIFO would block forever, so anything that is not a regular file under 1 MB is refused
before it is opened for reading, and the read itself stops at the limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from core.errors import InputError

MAX_KEY_FILE_BYTES = 1024 * 1024


def read_key_file(path: Path, what: str) -> bytes:
    """The bytes of a key file; an `InputError` naming `what` (e.g. "recipient key") for anything else."""
    path = Path(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{path} is a folder, not a key file: choose the {what} file.")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                f"{path} is not an ordinary file (it is a device or a pipe): choose the {what} file."
            )
        if info.st_size > MAX_KEY_FILE_BYTES:
            raise InputError(
                f"{path.name} is too large to be a key file (over 1 MB): choose the {what} file."
            )
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        descriptor = os.open(path, flags)
        with open(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # replaced since the check above
                raise InputError(f"{path} is not an ordinary file: choose the {what} file.")
            data = handle.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(
            f"The {what} file {path} does not exist: check the file named in the profile."
        ) from None
    except OSError as error:
        raise InputError(
            f"The {what} file {path} could not be read ({error.strerror or error}): check that it exists and "
            "that you may open it."
        ) from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise InputError(f"{path.name} is too large to be a key file (over 1 MB): choose the {what} file.")
    return data

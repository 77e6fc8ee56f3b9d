"""Rotating log files that never hold personal data or secrets.

Log lines are written by our own code, which logs counts, rule ids and file names only. Exceptions are
the risk: their messages often quote a cell value ("could not convert 'Aroha'"). So tracebacks are logged
as the exception's type and the code locations only, never its message.

Third-party libraries that log their own failures (paramiko's "Socket exception", "Incompatible ssh
peer") log into the same file and never to the console, where the command line promises one plain line.
The log files are created readable by their owner only.
"""

from __future__ import annotations

import logging
import os
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

from core.paths import log_dir

LOG_NAME = "idi-share.log"
LOGGERS = ("idi_share", "paramiko")  # ours, and the third-party ones that log failures of their own
LOG_FILE_MODE = 0o600
_handler: RotatingFileHandler | None = None


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating log whose files (the current one and each new one after a rotation) only the owner reads."""

    def _open(self):
        def opener(path: str, flags: int) -> int:
            descriptor = os.open(path, flags, LOG_FILE_MODE)
            if hasattr(os, "fchmod"):  # a file an older version created with the default permissions
                os.fchmod(descriptor, LOG_FILE_MODE)
            return descriptor

        return open(self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors, opener=opener)


class ValueFreeFormatter(logging.Formatter):
    """Formats exceptions as type + code locations, dropping the message that may quote personal data."""

    def format(self, record: logging.LogRecord) -> str:
        """Never reuse a traceback text another handler cached on the record: it may hold the message."""
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei) -> str:
        exc_type, _value, tb = ei
        frames = traceback.extract_tb(tb)
        where = "".join(f"\n  {Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames)
        return f"{exc_type.__name__ if exc_type else 'Exception'} (message withheld){where}"


def log_file() -> Path:
    return log_dir() / LOG_NAME


def setup_logging(level: int = logging.INFO) -> Path:
    """Attach one rotating file handler (1 MB x 3) to the app's loggers; safe to call more than once."""
    global _handler
    path = log_file()
    if _handler is None or Path(_handler.baseFilename) != path:
        if _handler is not None:
            for name in LOGGERS:
                logging.getLogger(name).removeHandler(_handler)
        _handler = PrivateRotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        _handler.setFormatter(ValueFreeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        for name in LOGGERS:
            logging.getLogger(name).addHandler(_handler)
    logging.getLogger("idi_share").setLevel(level)
    logging.getLogger("paramiko").setLevel(max(level, logging.INFO))
    return path

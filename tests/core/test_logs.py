"""Log files never hold what an exception message may quote (a cell value)."""

from __future__ import annotations

import logging

from core.logs import ValueFreeFormatter, log_file, setup_logging


def test_a_logged_exception_keeps_its_type_and_place_but_not_its_message() -> None:
    setup_logging()
    logger = logging.getLogger("idi_share.test")
    try:
        raise ValueError("could not convert 'Aroha Ngata' born 1985-04-03")
    except ValueError:
        logger.exception("Reading failed")
    for handler in logging.getLogger("idi_share").handlers:
        handler.flush()
    text = log_file().read_text(encoding="utf-8")
    assert "Reading failed" in text and "ValueError (message withheld)" in text
    assert "test_logs.py" in text
    assert "Aroha" not in text and "1985" not in text


def test_a_traceback_cached_by_another_handler_is_not_reused() -> None:
    try:
        raise KeyError("Mere Walker")
    except KeyError:
        import sys

        record = logging.LogRecord("idi_share", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    logging.Formatter().format(record)  # a plain handler caches the full traceback, message included
    assert "Mere Walker" in record.exc_text
    assert "Mere Walker" not in ValueFreeFormatter().format(record)


def test_the_log_file_is_for_its_owner_only_and_takes_paramikos_failures(capfd) -> None:
    import os
    import stat

    path = setup_logging()
    logging.getLogger("paramiko.transport").error("Socket exception: Connection reset by peer (104)")
    for handler in logging.getLogger("idi_share").handlers:
        handler.flush()

    assert "Socket exception" in path.read_text(encoding="utf-8")
    assert capfd.readouterr().err == ""
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

"""The deadline of each step of an upload, and Cancel: a thread that closes the connection when either comes.

No paramiko call can then hold a send: a closed transport makes the waiting call fail at once."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time

import paramiko

from core.sending.transfer_errors import SendCancelled

log = logging.getLogger("idi_share.transfer")
WATCHDOG_TICK = 0.2  # how often the watchdog looks whether its attempt has finished


class Watchdog:
    """Closes the attempt's connection from its own thread when a step overruns or Cancel is pressed.

    paramiko blocks in many places (banner, key exchange, channel open, SFTP version, each reply), some
    without any time-out of their own. Closing the socket and transport from outside ends every one of
    them at once; the step that was running then turns the resulting error into `TimedOut` or
    `SendCancelled` (see `run_stage`). `arm` starts a step's clock again.
    """

    def __init__(self, step_timeout: float, cancel: threading.Event | None) -> None:
        self.step_timeout = step_timeout
        self.cancel = cancel or threading.Event()
        self.step = "connect"
        self.fired: str | None = None  # "timeout" or "cancel"
        self.transport: paramiko.Transport | None = None  # the latest one watched, for classifying errors
        self._deadline = time.monotonic() + step_timeout
        self._lock = threading.Lock()
        self._closeables: list[socket.socket | paramiko.Transport] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="idi-share-sftp-watchdog", daemon=True)

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()

    def arm(self, step: str) -> None:
        """A new step, or progress within one: it has `step_timeout` seconds from now."""
        with self._lock:
            self.step = step
            self._deadline = time.monotonic() + self.step_timeout

    def watch(self, closeable: socket.socket | paramiko.Transport) -> None:
        """Close this (a socket or a transport) when the watchdog fires; at once if it has already."""
        with self._lock:
            self._closeables.append(closeable)
            if isinstance(closeable, paramiko.Transport):
                self.transport = closeable
            fired = self.fired is not None
        if fired:
            close_quietly(closeable)

    def _run(self) -> None:
        while not self._done.is_set():
            with self._lock:
                remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                self._fire("timeout")
                return
            if self.cancel.wait(min(remaining, WATCHDOG_TICK)):
                if not self._done.is_set():
                    self._fire("cancel")
                return

    def _fire(self, why: str) -> None:
        with self._lock:
            self.fired = why
            closeables = list(self._closeables)
        log.info("Closing the connection (%s at step %s).", why, self.step)
        for closeable in closeables:
            close_quietly(closeable)


def close_quietly(closeable: socket.socket | paramiko.Transport) -> None:
    """Shut a socket down (which wakes a thread blocked reading it) or close a transport; never raise."""
    try:
        if isinstance(closeable, socket.socket):
            with contextlib.suppress(OSError):
                closeable.shutdown(socket.SHUT_RDWR)
            closeable.close()
        else:
            closeable.close()
    except Exception:  # closing from another thread races with paramiko's own close; nothing to report
        log.debug("Closing after a watchdog stop raised.", exc_info=True)


def raise_if_cancelled(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise SendCancelled()

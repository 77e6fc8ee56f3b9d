"""The steps of an SFTP session that a send and Test connection share: connect, check the host key, sign in,
open SFTP, check the folder. Each runs under the attempt's watchdog (core.sending.watchdog), so a silent
server, a hung name lookup or Cancel stops it; failures come out as the plain `SendError`s of
core.sending.transfer_failures. The upload itself is core.sending.transfer.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import socket
import stat
import threading
from collections.abc import Callable

import paramiko

from core.sending.sftp_target import SftpTarget, normalise_host_key_fingerprint
from core.sending.transfer_errors import (
    AuthenticationFailed,
    HostKeyChanged,
    HostKeyUnknown,
)
from core.sending.transfer_failures import NotAPasswordPrompt, folder_missing, run_stage, stage_error
from core.sending.watchdog import Watchdog

# paramiko logs its own failures ("Socket exception", "Incompatible ssh peer") with tracebacks. With no
# handler anywhere, Python prints warnings on stderr; this keeps them off the console (core.logs sends
# them to the log file). Every connection is opened here, for a send and for Test connection alike.
logging.getLogger("paramiko").addHandler(logging.NullHandler())

# aes-gcm first: one pass for cipher and integrity is the fastest paramiko offers (design.md: ~0.9x of
# OpenSSH's sftp with it, 0.68x with paramiko's defaults). CBC and 3DES are left out on purpose.
PREFERRED_CIPHERS = (
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-ctr",
    "aes256-ctr",
    "aes192-ctr",
)
PREFERRED_MACS = (
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha2-256",
    "hmac-sha2-512",
)
# Host key algorithm families, tried one by one when the default one does not match the pin: the
# fingerprint Stats NZ gave may be of their RSA key while paramiko would negotiate Ed25519 first.
HOST_KEY_FAMILIES = (
    ("ssh-ed25519",),
    ("ecdsa-sha2-nistp256",),
    ("ecdsa-sha2-nistp384",),
    ("ecdsa-sha2-nistp521",),
    ("rsa-sha2-512", "rsa-sha2-256"),
)
KEEPALIVE_SECONDS = 15
WATCHDOG_TICK = 0.2  # how often the watchdog looks whether its attempt has finished
CONNECT_IN_PROGRESS = {
    errno.EINPROGRESS,
    errno.EWOULDBLOCK,
    errno.EALREADY,
    getattr(errno, "WSAEWOULDBLOCK", -1),
}


def fetch_host_key_fingerprint(host: str, port: int, timeout: float = 20) -> str:
    """Connect, read the server's host key fingerprint ("SHA256:..."), disconnect without signing in."""
    target = SftpTarget(host=host, port=port, step_timeout=timeout)
    with Watchdog(timeout, None) as watchdog:
        transport = run_stage("connect", target, watchdog, lambda: open_transport(target, watchdog))
        try:
            return transport.get_remote_server_key().fingerprint
        finally:
            transport.close()


def fetch_host_key_fingerprints(host: str, port: int, timeout: float = 20) -> dict[str, str]:
    """Every host key the server offers, by algorithm family, for a confirmation that shows them all.

    Stats NZ may publish the fingerprint of their RSA key while `fetch_host_key_fingerprint` reports the
    Ed25519 one paramiko prefers; the pin may be any of these.
    """
    target = SftpTarget(host=host, port=port, step_timeout=timeout)
    found: dict[str, str] = {}
    with Watchdog(timeout, None) as watchdog:
        for family in HOST_KEY_FAMILIES:
            transport = _transport_offering(target, watchdog, family)
            if transport is not None:
                key = transport.get_remote_server_key()
                found[key.get_name()] = key.fingerprint
                transport.close()
    return found


def verified_transport(target: SftpTarget, watchdog: Watchdog) -> tuple[paramiko.Transport, str]:
    """A connected transport whose host key matches the pin; otherwise the matching `HostKey*` error."""
    transport = run_stage("connect", target, watchdog, lambda: open_transport(target, watchdog))
    presented = transport.get_remote_server_key().fingerprint
    if target.host_key_sha256 is None:
        transport.close()
        raise HostKeyUnknown(target.server, presented)
    pinned = normalise_host_key_fingerprint(target.host_key_sha256)
    if presented == pinned:
        return transport, presented
    negotiated = transport.host_key_type
    transport.close()
    for family in HOST_KEY_FAMILIES:
        if negotiated in family:
            continue
        other = _transport_offering(target, watchdog, family)
        if other is not None and other.get_remote_server_key().fingerprint == pinned:
            return other, pinned
        if other is not None:
            other.close()
    raise HostKeyChanged(target.server, pinned, presented)


def _transport_offering(
    target: SftpTarget, watchdog: Watchdog, family: tuple[str, ...]
) -> paramiko.Transport | None:
    """A transport that negotiated a host key of this family, or None when the server has no such key.

    Only "no acceptable host key" means None: a network failure here must not pass for a changed key.
    """
    try:
        return open_transport(target, watchdog, host_key_types=family)
    except paramiko.IncompatiblePeer:
        if watchdog.fired:
            raise stage_error("connect", paramiko.SSHException("stopped"), target, watchdog, None) from None
        return None
    except (OSError, EOFError, paramiko.SSHException) as error:
        raise stage_error("connect", error, target, watchdog, None) from None


def _resolve(target: SftpTarget, watchdog: Watchdog) -> list[tuple]:
    """The server's addresses, within the connect step's deadline and stopped by Cancel.

    The system's resolver cannot be interrupted and, with a name server that does not answer, takes half
    a minute or more; so it runs on a daemon thread of its own, which is left to finish when given up.
    """
    answer: list[tuple] = []
    failure: list[OSError] = []
    done = threading.Event()

    def look_up() -> None:
        try:
            answer.extend(socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM))
        except OSError as error:
            failure.append(error)
        finally:
            done.set()

    threading.Thread(target=look_up, name="idi-share-resolve", daemon=True).start()
    while not done.wait(WATCHDOG_TICK):
        if watchdog.fired:
            raise TimeoutError(errno.ETIMEDOUT, "the server name was not looked up in time")
    if failure:
        raise failure[0]
    return answer


def _connect_socket(target: SftpTarget, watchdog: Watchdog) -> socket.socket:
    """A TCP connection, made without blocking so that the watchdog's deadline and Cancel both stop it."""
    last_error: OSError | None = None
    for family, kind, protocol, _, address in _resolve(target, watchdog):
        sock = socket.socket(family, kind, protocol)
        watchdog.watch(sock)
        try:
            sock.setblocking(False)
            code = sock.connect_ex(address)
            while code in CONNECT_IN_PROGRESS:
                if watchdog.fired:
                    raise TimeoutError(errno.ETIMEDOUT, "no answer")
                _, writable, failed = select.select([], [sock], [sock], WATCHDOG_TICK)
                if writable or failed:
                    code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                raise OSError(code, os.strerror(code))
            sock.setblocking(True)
            return sock
        except OSError as error:
            sock.close()
            last_error = error
            if watchdog.fired:
                raise
    raise last_error or OSError(errno.EHOSTUNREACH, "no address")


def open_transport(
    target: SftpTarget, watchdog: Watchdog, host_key_types: tuple[str, ...] | None = None
) -> paramiko.Transport:
    watchdog.arm("connect")
    sock = _connect_socket(target, watchdog)
    watchdog.arm("banner")
    try:
        transport = paramiko.Transport(sock)
    except BaseException:
        sock.close()
        raise
    watchdog.watch(transport)
    # paramiko's own time-outs are a backstop only: the watchdog's deadline comes first.
    backstop = 2 * target.step_timeout + 5
    transport.banner_timeout = transport.handshake_timeout = transport.auth_timeout = backstop
    options = transport.get_security_options()
    options.ciphers = [name for name in PREFERRED_CIPHERS if name in options.ciphers]
    options.digests = [name for name in PREFERRED_MACS if name in options.digests]
    if host_key_types:
        options.key_types = [name for name in host_key_types if name in options.key_types]
    try:
        transport.start_client(event=(started := threading.Event()))
        _wait_for_handshake(transport, started, watchdog)
        transport.get_remote_server_key()  # raises when the handshake failed
    except BaseException:
        transport.close()
        raise
    transport.set_keepalive(KEEPALIVE_SECONDS)
    return transport


def _wait_for_handshake(transport: paramiko.Transport, started: threading.Event, watchdog: Watchdog) -> None:
    """Wait for banner and key exchange, moving the step from "banner" to "handshake" when the banner came."""
    while not started.wait(WATCHDOG_TICK / 2):
        if watchdog.step == "banner" and transport.remote_version:
            watchdog.arm("handshake")
        if not transport.is_active():
            break
    error = transport.get_exception()
    if error is not None:
        raise error
    if not transport.is_active():
        raise paramiko.SSHException("the server closed the connection during the handshake")


def authenticate(
    transport: paramiko.Transport, target: SftpTarget, secret: str | None, key: paramiko.PKey | None
) -> None:
    if key is not None:
        remaining = transport.auth_publickey(target.username, key)
    elif secret:
        remaining = _authenticate_with_password(transport, target.username, secret)
    else:
        raise AuthenticationFailed(
            f"No password is saved for {target.username} on {target.server}: enter it in Settings "
            "(scheduled runs can set IDI_SHARE_SFTP_SECRET)."
        )
    if remaining or not transport.is_authenticated():
        raise AuthenticationFailed(
            f"The server {target.server} asks for a further sign-in step ({', '.join(remaining or [])}) "
            "that IDI Share does not support: ask Stats NZ for a password-only or key-only account."
        )


def answer_password_prompt(secret: str) -> Callable[[str, str, list[tuple[str, bool]]], list[str]]:
    """A keyboard-interactive handler that gives the password only to one hidden prompt that asks for it.

    paramiko's own fallback answers any single prompt with the password, which would hand it to a
    question such as "Verification code:"; this one refuses instead.
    """

    def handler(title: str, instructions: str, prompts: list[tuple[str, bool]]) -> list[str]:
        if not prompts:
            return []
        if len(prompts) == 1:
            text, echo = prompts[0]
            if "password" in text.lower() and not echo:
                return [secret]
        raise NotAPasswordPrompt("the server asked for more than the password")

    return handler


def _authenticate_with_password(transport: paramiko.Transport, username: str, secret: str) -> list[str]:
    try:
        return transport.auth_password(username, secret, fallback=False)
    except paramiko.BadAuthenticationType as refused:
        if "keyboard-interactive" not in refused.allowed_types:
            raise
    return transport.auth_interactive(username, answer_password_prompt(secret))


def open_sftp(transport: paramiko.Transport, target: SftpTarget) -> paramiko.SFTPClient:
    sftp = paramiko.SFTPClient.from_transport(transport)
    if sftp is None:
        raise paramiko.SSHException("the server refused the SFTP subsystem")
    sftp.get_channel().settimeout(2 * target.step_timeout + 5)  # a backstop: the watchdog comes first
    return sftp


def require_folder(sftp: paramiko.SFTPClient, target: SftpTarget) -> None:
    """The remote folder exists and is a folder (a drop box may refuse to say: that is let through)."""
    try:
        attributes = sftp.stat(target.remote_dir)
    except FileNotFoundError:
        raise folder_missing(target) from None
    except PermissionError:
        if target.drop_box:
            return  # a drop box may refuse stat; the exclusive create still never replaces a file
        raise
    if not stat.S_ISDIR(attributes.st_mode or 0):
        raise folder_missing(target)

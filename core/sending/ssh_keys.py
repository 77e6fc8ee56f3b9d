"""The SSH private key for key sign-in: read from a small regular file, its passphrase from the credential store."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import paramiko
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from core.errors import InputError
from core.sending.key_files import read_key_file
from core.sending.transfer_errors import AuthenticationFailed


def load_private_key(path: Path | None, passphrase: str | None) -> paramiko.PKey:
    """Load an OpenSSH-format (or PEM) Ed25519, ECDSA or RSA key, telling a wrong passphrase from a bad file."""
    if path is None:
        raise InputError("Signing in with a key needs a key file: choose one in Settings.")
    data = _read_key_file(path)
    loader = (
        serialization.load_ssh_private_key
        if b"BEGIN OPENSSH PRIVATE KEY" in data
        else serialization.load_pem_private_key
    )
    password = passphrase.encode("utf-8") if passphrase else None
    try:
        loaded = loader(data, password)
    except TypeError:  # encrypted with no passphrase given, or a passphrase given for a plain key
        if password is None:
            raise _passphrase_problem(path, "is protected by a passphrase but none is saved") from None
        loaded, password = loader(data, None), None
    except ValueError:
        if password is not None and _is_encrypted(loader, data):
            raise _passphrase_problem(path, "could not be unlocked with the saved passphrase") from None
        raise _not_a_private_key(path) from None
    except UnsupportedAlgorithm:
        raise _not_a_private_key(path) from None
    key_class = _paramiko_key_class(loaded, path)
    return key_class.from_private_key(io.StringIO(data.decode("ascii")), password=password)


def _read_key_file(path: Path) -> bytes:
    data = read_key_file(path, "SSH private key")
    if data.startswith(b"PuTTY-User-Key-File"):
        raise InputError(
            f"{path.name} is a PuTTY key: convert it in PuTTYgen (Conversions > Export OpenSSH key) and "
            "choose the exported file."
        )
    return data


def _is_encrypted(loader: Callable, data: bytes) -> bool:
    try:
        loader(data, None)
    except TypeError:
        return True
    except (ValueError, UnsupportedAlgorithm):
        return False
    return False


def _paramiko_key_class(loaded: object, path: Path) -> type[paramiko.PKey]:
    if isinstance(loaded, ed25519.Ed25519PrivateKey):
        return paramiko.Ed25519Key
    if isinstance(loaded, ec.EllipticCurvePrivateKey):
        return paramiko.ECDSAKey
    if isinstance(loaded, rsa.RSAPrivateKey):
        return paramiko.RSAKey
    raise InputError(
        f"{path.name} is not an Ed25519, ECDSA or RSA key: ask Stats NZ which key types they accept."
    )


def _passphrase_problem(path: Path, what: str) -> AuthenticationFailed:
    return AuthenticationFailed(
        f"The key file {path.name} {what}: save the key's passphrase in Settings (or IDI_SHARE_SFTP_SECRET)."
    )


def _not_a_private_key(path: Path) -> InputError:
    return InputError(
        f"{path.name} is not an SSH private key in OpenSSH format: choose the private key file (for example "
        "id_ed25519), not the .pub file."
    )

"""OpenPGP encryption of the extract to Stats NZ's public key, in memory (pysequoia).

The recipient key is checked before anything is encrypted to it: the file must hold exactly one public
key (never a private one), that key must match the fingerprint the organisation agreed in its profile,
and it must be neither expired nor revoked and able to encrypt. pysequoia will encrypt to an expired or
revoked key if asked, so those checks are made here, from the key's own packets, and then confirmed by a
trial encryption that must address only the subkeys found usable.

The plaintext is handed to pysequoia as bytes and the binary OpenPGP message (what `gpg --decrypt`
reads) comes back as bytes: nothing is written to disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pysequoia
from pysequoia.packet import PacketPile, SignatureType, Tag

from core.errors import InputError
from core.sending.key_files import read_key_file

SECRET_TAGS = (Tag.SecretKey, Tag.SecretSubkey)
SELF_CERTIFICATIONS = (
    SignatureType.PositiveCertification,
    SignatureType.GenericCertification,
    SignatureType.CasualCertification,
    SignatureType.PersonaCertification,
    SignatureType.DirectKey,
)


@dataclass(frozen=True)
class RecipientKey:
    """A checked public key to encrypt to; `cert` is the pysequoia handle (public parts only)."""

    fingerprint: str
    user_ids: list[str]
    expires: datetime | None
    encryption_subkeys: list[str] = field(default_factory=list)
    cert: pysequoia.Cert | None = field(default=None, repr=False, compare=False)

    @property
    def display_fingerprint(self) -> str:
        return format_fingerprint(self.fingerprint)

    @property
    def holder(self) -> str:
        """Whose key this is, as its first user id says ("Stats NZ IDI <idi@stats.govt.nz>")."""
        return self.user_ids[0] if self.user_ids else "no name or e-mail in the key"


@dataclass
class _Component:
    """What the self-signatures say about one key (primary or subkey), newest signature winning."""

    fingerprint: str
    created: datetime | None
    can_encrypt: bool = False
    validity: timedelta | None = None
    signed_at: datetime | None = None
    revoked: bool = False

    @property
    def key_id(self) -> str:
        return self.fingerprint[-16:]

    @property
    def expires(self) -> datetime | None:
        if self.validity is None or self.validity <= timedelta(0) or self.created is None:
            return None
        return self.created + self.validity


def normalise_fingerprint(value: str) -> str:
    """Upper-case hex without spaces (or a leading 0x), the form fingerprints are compared in."""
    cleaned = "".join(value.split()).upper()
    return cleaned[2:] if cleaned.startswith("0X") else cleaned


def format_fingerprint(fingerprint: str) -> str:
    """Groups of four hex digits, the way people read a fingerprint aloud to check it."""
    cleaned = normalise_fingerprint(fingerprint)
    return " ".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def load_recipient_key(path: Path, expected_fingerprint: str | None) -> RecipientKey:
    """Read and check the recipient's public key; refuse, in plain words, anything unsafe to encrypt to."""
    data = _read_key_file(path)
    packets = _parse_packets(data, path)
    if any(packet.tag in SECRET_TAGS for packet in packets):
        raise InputError(
            f"{path.name} is a private key: ask Stats NZ for their public key, and keep this file "
            "somewhere safe or delete it."
        )
    cert = _pick_certificate(data, path, expected_fingerprint)
    fingerprint = normalise_fingerprint(cert.fingerprint)
    if expected_fingerprint and normalise_fingerprint(expected_fingerprint) != fingerprint:
        raise InputError(
            f"The recipient key in {path.name} has fingerprint {format_fingerprint(fingerprint)}, but the "
            f"profile expects {format_fingerprint(expected_fingerprint)}: check with Stats NZ which key is "
            "current before changing either."
        )
    try:
        return _checked_recipient(cert, fingerprint, datetime.now(UTC))
    except RuntimeError as error:  # Sequoia's policy refuses weak algorithms (RSA-1024, SHA-1 bindings)
        raise InputError(
            f"The recipient key {format_fingerprint(fingerprint)} in {path.name} cannot be used safely "
            f"({_policy_reason(error)}): ask Stats NZ for their current public key."
        ) from None


def encrypt_for(recipient: RecipientKey, plaintext: bytes) -> bytes:
    """Encrypt to the recipient as a binary OpenPGP message (the `.gpg` file GnuPG decrypts)."""
    if recipient.cert is None:
        raise InputError("The recipient key was not loaded: choose Stats NZ's public key file again.")
    now = datetime.now(UTC)
    if recipient.expires is not None and recipient.expires <= now:
        raise InputError(_expired_message(recipient.fingerprint, recipient.expires))
    try:
        return bytes(pysequoia.encrypt(plaintext, [recipient.cert], armor=False))
    except RuntimeError as error:
        raise InputError(
            f"The file could not be encrypted to key {recipient.display_fingerprint} "
            f"({_first_line(error)}): ask Stats NZ for their current public key."
        ) from None


def _read_key_file(path: Path) -> bytes:
    return read_key_file(path, "recipient key")


def _not_a_key(path: Path) -> InputError:
    return InputError(
        f"{path.name} is not an OpenPGP public key: ask Stats NZ for their public key file (.asc or .gpg)."
    )


def _parse_packets(data: bytes, path: Path) -> list:
    try:
        packets = list(PacketPile.from_bytes(data))
    except (RuntimeError, ValueError):
        raise _not_a_key(path) from None
    if not packets:
        raise _not_a_key(path)
    return packets


def _pick_certificate(data: bytes, path: Path, expected_fingerprint: str | None) -> pysequoia.Cert:
    """The one key in the file, or the one matching the profile when the file is a small keyring."""
    try:
        certs = pysequoia.Cert.split_bytes(data)
    except (RuntimeError, ValueError):
        raise _not_a_key(path) from None
    if not certs:
        raise _not_a_key(path)
    if len(certs) == 1:
        return certs[0]
    if expected_fingerprint:
        wanted = normalise_fingerprint(expected_fingerprint)
        for cert in certs:
            if normalise_fingerprint(cert.fingerprint) == wanted:
                return cert
    raise InputError(
        f"{path.name} holds {len(certs)} keys and none is the one the profile names: save Stats NZ's "
        "public key on its own and choose that file."
    )


def _checked_recipient(cert: pysequoia.Cert, fingerprint: str, now: datetime) -> RecipientKey:
    if cert.is_revoked:
        raise InputError(
            f"The recipient key {format_fingerprint(fingerprint)} has been revoked by its owner: ask Stats NZ "
            "for their current public key."
        )
    primary_expires = cert.expiration
    if primary_expires is not None and primary_expires <= now:
        raise InputError(_expired_message(fingerprint, primary_expires))
    primary, subkeys = _components(cert)
    capable = [key for key in [primary, *subkeys] if key.can_encrypt]
    if not capable:
        raise InputError(
            f"The key {format_fingerprint(fingerprint)} can only sign, not encrypt (it has no encryption "
            "subkey): ask Stats NZ for their encryption public key."
        )
    usable = [key for key in capable if not key.revoked and not _expired(key, now)]
    if not usable:
        _refuse_unusable(fingerprint, capable)
    usable_ids = {key.key_id for key in usable} | {key.fingerprint for key in usable}
    _confirm_trial_encryption(cert, fingerprint, usable_ids)
    return RecipientKey(
        fingerprint=fingerprint,
        user_ids=[str(user_id) for user_id in cert.user_ids],
        expires=_effective_expiry(primary_expires, usable),
        encryption_subkeys=[key.fingerprint for key in usable],
        cert=cert,
    )


def _components(cert: pysequoia.Cert) -> tuple[_Component, list[_Component]]:
    """Read key flags, expiry and revocation of the primary key and each subkey from self-signatures."""
    primary: _Component | None = None
    subkeys: list[_Component] = []
    current: _Component | None = None
    for packet in PacketPile.from_bytes(bytes(cert)):
        if packet.tag == Tag.PublicKey:
            primary = current = _Component(normalise_fingerprint(packet.fingerprint), packet.key_created)
        elif packet.tag == Tag.PublicSubkey:
            current = _Component(normalise_fingerprint(packet.fingerprint), packet.key_created)
            subkeys.append(current)
        elif packet.tag in (Tag.UserID, Tag.UserAttribute):
            current = primary
        elif packet.tag == Tag.Signature and primary is not None and _is_self_signature(packet, primary):
            _apply_signature(packet, primary, current)
    if primary is None:
        raise InputError("The key file holds no primary key: ask Stats NZ for their public key file.")
    return primary, subkeys


def _is_self_signature(packet, primary: _Component) -> bool:
    issuer = packet.issuer_fingerprint or packet.issuer_key_id
    return issuer is not None and primary.fingerprint.endswith(normalise_fingerprint(issuer))


def _apply_signature(packet, primary: _Component, current: _Component | None) -> None:
    kind = packet.signature_type
    if kind == SignatureType.KeyRevocation:
        primary.revoked = True
    elif kind == SignatureType.SubkeyRevocation and current is not None and current is not primary:
        current.revoked = True
    elif kind == SignatureType.SubkeyBinding and current is not None and current is not primary:
        _take_newer(current, packet)
    elif kind in SELF_CERTIFICATIONS:
        _take_newer(primary, packet)


def _take_newer(component: _Component, packet) -> None:
    created = packet.signature_created
    if component.signed_at is not None and created is not None and created < component.signed_at:
        return
    flags = packet.key_flags
    component.signed_at = created
    component.validity = packet.key_validity_period
    component.can_encrypt = bool(flags and (flags.storage_encryption or flags.transport_encryption))


def _expired(key: _Component, now: datetime) -> bool:
    return key.expires is not None and key.expires <= now


def _refuse_unusable(fingerprint: str, capable: list[_Component]) -> None:
    if all(key.revoked for key in capable):
        raise InputError(
            f"The encryption subkey of {format_fingerprint(fingerprint)} has been revoked: ask Stats NZ for "
            "their current public key."
        )
    latest = max((key.expires for key in capable if key.expires is not None), default=None)
    raise InputError(_expired_message(fingerprint, latest))


def _expired_message(fingerprint: str, when: datetime | None) -> str:
    date = f" on {when:%d %B %Y}" if when is not None else ""
    return (
        f"The recipient key {format_fingerprint(fingerprint)} expired{date}: ask Stats NZ for their current "
        "public key (or an updated copy of this one)."
    )


def _effective_expiry(primary_expires: datetime | None, usable: list[_Component]) -> datetime | None:
    """When encryption to this key stops working: the primary's expiry or the last usable subkey's."""
    subkey_expiry = None if any(key.expires is None for key in usable) else max(key.expires for key in usable)
    candidates = [when for when in (primary_expires, subkey_expiry) if when is not None]
    return min(candidates) if candidates else None


def _confirm_trial_encryption(cert: pysequoia.Cert, fingerprint: str, usable_ids: set[str]) -> None:
    """Encrypt nothing and check pysequoia addressed only keys found usable (it falls back to expired ones)."""
    try:
        message = pysequoia.encrypt(b"", [cert], armor=False)
    except RuntimeError:
        raise InputError(
            f"The key {format_fingerprint(fingerprint)} has no usable encryption subkey: ask Stats NZ for "
            "their current public key."
        ) from None
    addressed = {
        _recipient_key_id(packet.body) for packet in PacketPile.from_bytes(message) if packet.tag == Tag.PKESK
    }
    if not addressed or None in addressed or not addressed <= usable_ids:
        raise InputError(
            f"The key {format_fingerprint(fingerprint)} has no valid encryption subkey (it may be expired "
            "or badly signed): ask Stats NZ for their current public key."
        )


def _recipient_key_id(body: bytes | None) -> str | None:
    """Whom a PKESK packet is addressed to: a v4 key id (version 3 packets) or a fingerprint (version 6)."""
    if not body:
        return None
    if body[0] == 3 and len(body) >= 9:
        return body[1:9].hex().upper()
    if body[0] == 6 and len(body) >= 3 and body[1] > 1:
        return body[3 : 2 + body[1]].hex().upper()
    return None


def _policy_reason(error: Exception) -> str:
    """The sentence that says why, from Sequoia's "Caused by:" chain, without its stack trace."""
    lines = [line.strip() for line in str(error).splitlines()]
    if "Caused by:" in lines:
        cause = lines[lines.index("Caused by:") + 1 :]
        if cause and cause[0]:
            return cause[0].removeprefix("0: ")
    return _first_line(error)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__

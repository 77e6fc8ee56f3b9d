"""Refuse a recipient key too weak to protect the list (RSA, DSA or ElGamal under 2048 bits), in one sentence.

Checked from the key's own packets before the key is used: the OpenPGP library refuses such keys too, but
with a technical error rather than a sentence a person can act on.
"""

from __future__ import annotations

from pathlib import Path

from pysequoia.packet import PacketPile, PublicKeyAlgorithm, Tag

from core.sending.crypto import format_fingerprint

MINIMUM_BITS = 2048
BIT_LENGTH_ALGORITHMS = (  # pysequoia's algorithm values compare but do not hash
    (PublicKeyAlgorithm.RSAEncryptSign, "RSA"),
    (PublicKeyAlgorithm.RSAEncrypt, "RSA"),
    (PublicKeyAlgorithm.RSASign, "RSA"),
    (PublicKeyAlgorithm.DSA, "DSA"),
    (PublicKeyAlgorithm.ElGamalEncrypt, "ElGamal"),
)
KEY_TAGS = (Tag.PublicKey, Tag.PublicSubkey, Tag.SecretKey, Tag.SecretSubkey)


def key_bits(body: bytes) -> int | None:
    """The first number's bit length in a version 4 key packet (the RSA modulus, the DSA/ElGamal prime)."""
    if len(body) < 8 or body[0] != 4:
        return None
    return int.from_bytes(body[6:8], "big")


def weak_key_sentence(path: Path) -> str | None:
    """A sentence when the file's key (or a subkey) is too short to be safe; None otherwise or unreadable."""
    try:
        packets = list(PacketPile.from_bytes(Path(path).read_bytes()))
    except (OSError, RuntimeError, ValueError):
        return None  # load_recipient_key says what is wrong with an unreadable file
    for packet in packets:
        if packet.tag not in KEY_TAGS:
            continue
        kind = next((name for value, name in BIT_LENGTH_ALGORITHMS if value == packet.key_algorithm), None)
        bits = key_bits(bytes(packet.body or b"")) if kind else None
        if bits is not None and bits < MINIMUM_BITS:
            return (
                f"The key {format_fingerprint(str(packet.fingerprint))} is too weak to protect your list "
                f"({kind}, {bits} bits; at least {MINIMUM_BITS} are needed): ask Stats NZ for their current "
                "public key."
            )
    return None

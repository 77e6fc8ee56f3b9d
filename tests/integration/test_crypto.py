"""OpenPGP encryption against real GnuPG: what the app encrypts, gpg decrypts; unsafe keys are refused."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.errors import InputError
from core.sending.crypto import encrypt_for, format_fingerprint, load_recipient_key
from tests.integration.conftest import (
    EXPIRED,
    EXPIRED_SUBKEY,
    EXPIRING,
    RECIPIENT,
    REVOKED,
    REVOKED_SUBKEY,
    RSA_RECIPIENT,
    SIGN_ONLY,
    GpgKeys,
)
from tests.services import missing_service

pytestmark = pytest.mark.service

EXTRACT = (
    "nhi,given_name,family_name,dob,gender,start_date,end_date\r\n"
    "ZZZ0016,Aroha,Ngata-Pōmare,1987-02-14,F,2024-07-01,\r\n"
    "ZZZ0024,Sione,Fa'amausili,2001-11-30,M,2025-01-15,2025-06-30\r\n"
).encode()


def test_gnupg_decrypts_what_is_encrypted_to_an_ed25519_key(gpg_keys: GpgKeys) -> None:
    recipient = load_recipient_key(
        gpg_keys.export("recipient.asc", RECIPIENT), gpg_keys.fingerprints[RECIPIENT]
    )

    message = encrypt_for(recipient, EXTRACT)

    assert EXTRACT not in message
    assert gpg_keys.decrypt(message) == EXTRACT


def test_gnupg_decrypts_what_is_encrypted_to_an_rsa_3072_key(gpg_keys: GpgKeys) -> None:
    path = gpg_keys.export("rsa.gpg", RSA_RECIPIENT, armor=False)
    recipient = load_recipient_key(path, None)

    assert gpg_keys.decrypt(encrypt_for(recipient, EXTRACT)) == EXTRACT


def test_a_megabyte_of_binary_data_survives_the_round_trip(gpg_keys: GpgKeys) -> None:
    recipient = load_recipient_key(gpg_keys.export("recipient.asc", RECIPIENT), None)
    data = os.urandom(1024 * 1024)

    assert gpg_keys.decrypt(encrypt_for(recipient, data)) == data


def test_the_message_is_binary_openpgp_addressed_to_the_encryption_subkey(gpg_keys: GpgKeys) -> None:
    recipient = load_recipient_key(gpg_keys.export("recipient.asc", RECIPIENT), None)
    message = encrypt_for(recipient, EXTRACT)

    packets = gpg_keys.run("--list-packets", "--list-only", stdin=message).stdout.decode()
    key_ids = [
        line.split("keyid")[1].split()[0].upper()
        for line in packets.splitlines()
        if "pubkey enc packet" in line
    ]
    assert not message.startswith(b"-----BEGIN")
    assert key_ids == [fingerprint[-16:] for fingerprint in recipient.encryption_subkeys]
    assert recipient.encryption_subkeys[0] != recipient.fingerprint


def test_the_key_reports_gnupgs_fingerprint_user_id_and_no_expiry(gpg_keys: GpgKeys) -> None:
    recipient = load_recipient_key(gpg_keys.export("recipient.gpg", RECIPIENT, armor=False), None)

    assert recipient.fingerprint == gpg_keys.fingerprints[RECIPIENT]
    assert recipient.user_ids == [RECIPIENT]
    assert recipient.expires is None
    assert recipient.display_fingerprint == format_fingerprint(gpg_keys.fingerprints[RECIPIENT])


def test_an_expiring_key_reports_when_it_expires(gpg_keys: GpgKeys) -> None:
    recipient = load_recipient_key(gpg_keys.export("expiring.asc", EXPIRING), None)

    assert recipient.expires is not None
    now = datetime.now(UTC)
    assert now + timedelta(days=600) < recipient.expires < now + timedelta(days=800)


def test_the_profile_fingerprint_may_be_written_in_groups_and_lower_case(gpg_keys: GpgKeys) -> None:
    written = format_fingerprint(gpg_keys.fingerprints[RECIPIENT]).lower()

    recipient = load_recipient_key(gpg_keys.export("recipient.asc", RECIPIENT), written)

    assert recipient.fingerprint == gpg_keys.fingerprints[RECIPIENT]


def test_a_key_other_than_the_profiles_is_refused_showing_both_fingerprints(gpg_keys: GpgKeys) -> None:
    path = gpg_keys.export("rsa.asc", RSA_RECIPIENT)

    with pytest.raises(InputError) as refusal:
        load_recipient_key(path, gpg_keys.fingerprints[RECIPIENT])

    assert format_fingerprint(gpg_keys.fingerprints[RSA_RECIPIENT]) in str(refusal.value)
    assert format_fingerprint(gpg_keys.fingerprints[RECIPIENT]) in str(refusal.value)


def test_a_file_of_several_keys_gives_the_one_the_profile_names(gpg_keys: GpgKeys) -> None:
    both = gpg_keys.folder / "both.asc"
    both.write_bytes(gpg_keys.run("--armor", "--export", RSA_RECIPIENT, RECIPIENT).stdout)

    chosen = load_recipient_key(both, gpg_keys.fingerprints[RECIPIENT])
    with pytest.raises(InputError, match="holds 2 keys"):
        load_recipient_key(both, None)

    assert chosen.fingerprint == gpg_keys.fingerprints[RECIPIENT]


@pytest.mark.parametrize("armor", [True, False], ids=["armored", "binary"])
def test_a_private_key_is_refused_and_not_used(gpg_keys: GpgKeys, armor: bool) -> None:
    path = gpg_keys.export(f"secret-{armor}.key", RECIPIENT, armor=armor, secret=True)

    with pytest.raises(InputError, match="is a private key: ask Stats NZ for their public key"):
        load_recipient_key(path, gpg_keys.fingerprints[RECIPIENT])


def test_an_expired_key_is_refused_with_its_expiry_date(gpg_keys: GpgKeys) -> None:
    path = gpg_keys.export("expired.asc", EXPIRED)

    with pytest.raises(InputError, match=r"expired on 31 December 2020: ask Stats NZ"):
        load_recipient_key(path, gpg_keys.fingerprints[EXPIRED])


def test_a_key_whose_only_encryption_subkey_expired_is_refused(gpg_keys: GpgKeys) -> None:
    path = gpg_keys.export("expired-subkey.asc", EXPIRED_SUBKEY)

    with pytest.raises(InputError, match="expired on 31 December 2020"):
        load_recipient_key(path, None)


def test_a_revoked_key_is_refused(gpg_keys: GpgKeys) -> None:
    path = gpg_keys.export("revoked.asc", REVOKED)

    with pytest.raises(InputError, match="has been revoked"):
        load_recipient_key(path, gpg_keys.fingerprints[REVOKED])


def test_a_key_whose_encryption_subkey_was_revoked_is_refused(gpg_keys: GpgKeys) -> None:
    path = gpg_keys.export("revoked-subkey.asc", REVOKED_SUBKEY)

    with pytest.raises(InputError, match=r"encryption subkey of .* has been revoked"):
        load_recipient_key(path, gpg_keys.fingerprints[REVOKED_SUBKEY])


def test_a_sign_only_key_is_refused_for_having_no_encryption_subkey(gpg_keys: GpgKeys) -> None:
    path = gpg_keys.export("sign-only.asc", SIGN_ONLY)

    with pytest.raises(InputError, match="no encryption subkey"):
        load_recipient_key(path, None)


def test_a_missing_key_file_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_recipient_key(tmp_path / "statsnz-public.asc", None)


def test_a_file_that_is_not_a_key_is_refused(data_dir: Path) -> None:
    with pytest.raises(InputError, match="is not an OpenPGP public key"):
        load_recipient_key(data_dir / "referrals_export.csv", None)


def test_a_folder_is_refused_as_a_key_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder"):
        load_recipient_key(tmp_path, None)


def test_an_ssh_public_key_is_not_mistaken_for_an_openpgp_key(ssh_public_key: Path) -> None:
    with pytest.raises(InputError, match="is not an OpenPGP public key"):
        load_recipient_key(ssh_public_key, None)


@pytest.fixture
def ssh_public_key(tmp_path: Path) -> Path:
    """An OpenSSH public key, a plausible wrong file for someone to pick."""
    if shutil.which("ssh-keygen") is None:
        missing_service("ssh-keygen is not installed (Debian: apt-get install openssh-client)")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "id")], check=True)
    return tmp_path / "id.pub"

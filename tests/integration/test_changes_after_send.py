"""A real send (and a saved file) leaves the fingerprints the next check compares with; a failed send does not."""

from __future__ import annotations

import json

from core.checking.fingerprint_store import store_path
from core.checking.fingerprints import supply_id
from core.cli.main import main
from core.profile import load_profile
from core.sending.credentials import store_secret
from tests.integration.test_send_cli import AS_OF, send, write_profile


def stored(profile_path) -> bool:
    return store_path(supply_id(load_profile(profile_path))).exists()


def test_a_sent_supply_is_compared_with_at_the_next_check(
    capsys, tmp_path, sample_copy, gpg_keys, sshd, remote_dir
):
    profile = write_profile(tmp_path, gpg_keys, sshd, remote_dir)
    store_secret(sshd.account.name, sshd.host, sshd.port, sshd.account.password)
    sheet = str(sample_copy("whanau_register.xlsx"))
    code, _, err = send(capsys, sheet, "--profile", str(profile), "--as-of", AS_OF, "--yes")
    assert code == 1, err  # sent, with the rows that have errors left out
    assert stored(profile)

    main(["check", sheet, "--profile", str(profile), "--as-of", AS_OF, "--json"])
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert changes["people_now"] == changes["people_before"] > 0
    assert changes["counts"]["new"] == changes["counts"]["gone"] == changes["counts"]["another_person"] == 0


def test_a_saved_file_counts_as_a_supply_too(
    capsys, tmp_path, sample_copy, gpg_keys, sshd, remote_dir
) -> None:
    profile = write_profile(tmp_path, gpg_keys, sshd, remote_dir)
    folder = tmp_path / "out"
    folder.mkdir()
    send(
        capsys,
        str(sample_copy("whanau_register.xlsx")),
        "--profile",
        str(profile),
        "--output-only",
        str(folder),
    )
    assert stored(profile)


def test_a_failed_send_is_not_remembered(capsys, tmp_path, sample_copy, gpg_keys, sshd, remote_dir) -> None:
    profile = write_profile(tmp_path, gpg_keys, sshd, remote_dir)
    store_secret(sshd.account.name, sshd.host, sshd.port, "not-the-password")
    code, _, _ = send(capsys, str(sample_copy("whanau_register.xlsx")), "--profile", str(profile), "--yes")
    assert code == 3
    assert not stored(profile)

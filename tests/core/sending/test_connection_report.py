"""Test connection's pieces that need no server: comparing fingerprints, and a server that cannot be reached."""

from __future__ import annotations

import socket

from core.sending.connection_test import matching_host_key, run_connection_test
from core.sending.transfer import SftpTarget

OFFERED = {"ssh-ed25519": "SHA256:abcDEF123", "rsa-sha2-512": "SHA256:xyz789"}


def test_the_fingerprint_given_is_found_whatever_its_spacing_and_padding() -> None:
    assert matching_host_key(OFFERED, "  sha256:abcDEF123= ") == "SHA256:abcDEF123"
    assert matching_host_key(OFFERED, "SHA256:xyz789") == "SHA256:xyz789"


def test_nothing_matches_an_empty_or_different_fingerprint() -> None:
    assert matching_host_key(OFFERED, "") is None
    assert matching_host_key(OFFERED, "SHA256:abcdef123") is None  # base64 is case-sensitive


def test_a_server_that_cannot_be_reached_stops_at_the_first_step_with_a_sentence() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    report = run_connection_test(SftpTarget(host="127.0.0.1", port=port, username="x"), "", "pw", timeout=2)
    assert not report.ok and len(report.steps) == 1 and not report.steps[0].ok
    assert "could not reach" in report.steps[0].sentence and report.steps[0].sentence.endswith(".")

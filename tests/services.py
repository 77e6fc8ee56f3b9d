"""Skip-or-fail for tests that need a local service (sshd, gpg).

Locally a missing service skips the test with the reason; in CI (`IDI_SHARE_REQUIRE_SERVICES=1`, set by
`.ci/run`) the same situation fails the test, so a green CI run always means the service was really used.
"""

from __future__ import annotations

import os

import pytest


def services_required() -> bool:
    return os.environ.get("IDI_SHARE_REQUIRE_SERVICES") == "1"


def missing_service(reason: str) -> None:
    """Skip (locally) or fail (in CI) because a service the test needs is not available."""
    if services_required():
        pytest.fail(f"{reason} (IDI_SHARE_REQUIRE_SERVICES=1 turns this skip into a failure)")
    pytest.skip(reason)

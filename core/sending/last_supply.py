"""The link between a check and the last supply sent with the same settings: compare, and remember.

`changes_since_last_supply` is asked after each check (Review, Send, `check --json`, the report);
`remember_sent_supply` runs when a supply has been sent or saved, so the next period compares with it.
The fingerprints are made in core.checking.fingerprints and kept by core.checking.fingerprint_store;
their key is in the credential store (credentials).
Remembered: every person of the list as checked, sent or left out, because the question is how the list
itself changed.
"""

from __future__ import annotations

import logging

from core.checking.changes import ChangeSummary, compare
from core.checking.check import CheckResult
from core.checking.fingerprint_store import load_fingerprints, save_fingerprints
from core.checking.fingerprints import fingerprints, supply_id
from core.sending.credentials import fingerprint_key
from core.sending.history import utc_now

log = logging.getLogger("idi_share.last_supply")


def changes_since_last_supply(result: CheckResult) -> ChangeSummary | None:
    """The summary against the last sent supply of this profile; None when there is none to compare with."""
    supply = supply_id(result.profile)
    stored = load_fingerprints(supply)
    if stored is None or stored.prints.identifier_type != result.identifier_type:
        return None
    key = fingerprint_key(supply, create=False)
    if key is None:
        return None
    row_numbers = result.table.row_numbers[result.positions]
    return compare(stored, fingerprints(result, key), row_numbers)


def remember_sent_supply(result: CheckResult) -> None:
    """Keep this list's fingerprints for the next comparison; a failure here never undoes a send."""
    supply = supply_id(result.profile)
    try:
        key = fingerprint_key(supply, create=True)
        if key is None:
            log.warning("No secure credential store: the list is not remembered for the next comparison.")
            return
        save_fingerprints(supply, fingerprints(result, key), utc_now())
    except OSError as error:
        log.warning("The list could not be remembered for the next comparison (%s).", type(error).__name__)

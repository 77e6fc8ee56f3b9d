"""`main.py --diagnostics [--self-test]`: what an IT helper needs to know about this copy of IDI Share.

It prints the version, how it runs (installed or from source), the folders for settings, receipts and logs,
how many saved supplies and receipts are in them (counts only: the names and contents are the organisation's),
and which credential store holds the SFTP password. `--self-test` also saves, reads back and deletes a
throwaway entry in that store (a random value under its own name, never a secret nor anything from a
spreadsheet), which proves the store works in this copy (a frozen app once lost keyring's backends).
Exit 0 when all is well; 1 when there is no secure credential store or the self-test failed.
"""

from __future__ import annotations

import platform
import secrets
import sys

from core import __version__, paths
from core.cli.exit_codes import EXIT_OK, EXIT_PROBLEMS
from core.errors import InputError

SELF_TEST_SERVICE = "IDI Share self-test"


def run_diagnostics(arguments: list[str]) -> int:
    if arguments not in ([], ["--self-test"]):
        raise InputError("--diagnostics takes only --self-test. Run `main.py --help` to see what it takes.")
    from core.sending import credentials

    how = "installed (frozen)" if getattr(sys, "frozen", False) else "from source"
    print(f"IDI Share {__version__}, {how}; Python {platform.python_version()} on {platform.platform()}")
    print(f"Settings: {paths.config_dir()}")
    print(f"Receipts: {paths.data_dir()}")
    print(f"Logs: {paths.log_dir()}")
    print(saved_counts())
    print(f"Credential store: {credentials.describe_backend()}")
    if not credentials.secure_backend_available():
        return EXIT_PROBLEMS
    if arguments == ["--self-test"]:
        outcome = self_test(credentials)
        print(f"Credential store self-test: {outcome}")
        return EXIT_OK if outcome.startswith("ok") else EXIT_PROBLEMS
    return EXIT_OK


def saved_counts() -> str:
    """How many supplies and receipts this copy finds, and how many it cannot read: a helper can tell a
    lost settings folder (0 supplies) from a damaged file without ever seeing a supply's name or a receipt."""
    from core.checking.rules import plural
    from core.sending import history, supplies

    found, unreadable = supplies.list_supplies()
    log = history.load_receipts()
    supplies_text = plural(len(found), "saved supply", "saved supplies")
    if unreadable:
        supplies_text += f" ({len(unreadable)} could not be read)"
    receipts_text = plural(len(log.receipts), "receipt")
    if log.skipped_lines:
        receipts_text += f" ({plural(len(log.skipped_lines), 'damaged line')} skipped)"
    return f"Found: {supplies_text}; {receipts_text}"


def self_test(credentials) -> str:
    """Save, read back and delete a throwaway entry; one line saying how it went (never the value)."""
    import keyring.errors

    store = credentials._secure_store()
    name = f"self-test-{secrets.token_hex(4)}"
    value = secrets.token_urlsafe(16)
    try:
        store.set_password(SELF_TEST_SERVICE, name, value)
        read_back = store.get_password(SELF_TEST_SERVICE, name)
        store.delete_password(SELF_TEST_SERVICE, name)
        gone = store.get_password(SELF_TEST_SERVICE, name) is None
    except keyring.errors.KeyringError as error:
        return f"FAILED: the store refused the throwaway entry ({type(error).__name__})"
    if read_back != value:
        return "FAILED: the throwaway entry read back differently"
    if not gone:
        return "FAILED: the throwaway entry was not deleted"
    return "ok (saved, read back and deleted a throwaway entry)"

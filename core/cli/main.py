"""The command line (docs/cli.md): a second front end over the same core calls the window uses.

Exit status: 0 done, no error-severity problem; 1 done, error-severity problems found; 2 the input could
not be used (one plain line on stderr says what and how to fix it); 3 sending failed. A bug prints one
line pointing at the log file and exits 4, so scripts can tell it from bad input.

This module stays light on purpose: it parses the arguments, starts python-calamine parsing the workbook
in a worker thread, and only then imports `commands` (pandas and the checks) while the parse runs.
`main.py` asks `main` to end the process when the command is done (`end_process`), while the command's
results are still held, which skips Python's object-by-object teardown of them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from core.cli.exit_codes import (
    EXIT_BAD_INPUT,
    EXIT_BUG,
    EXIT_READER_CLOSED,
)
from core.errors import InputError
from core.reading.workbook import OpenWorkbook, read_ahead

TYPE_CHECKING = False  # typing.TYPE_CHECKING without loading typing before the parse starts
if TYPE_CHECKING:
    from typing import NoReturn

    from core.profile import SupplyProfile

LOGGER_NAME = "idi_share.cli"


class PlainArgumentParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one plain line on stderr and exit 2, as for any bad input."""

    def error(self, message: str) -> NoReturn:
        raise InputError(f"{message[0].upper()}{message[1:]}. Run `{self.prog} --help` to see what it takes.")


def build_parser() -> argparse.ArgumentParser:
    parser = PlainArgumentParser(
        prog="main.py",
        description="IDI Share: check a people list for Stats NZ IDI linking and send the agreed extract.",
        epilog="`main.py --diagnostics [--self-test]` prints the version, the folders and the credential store "
        "(with --self-test it also saves, reads and deletes a throwaway entry there).",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=PlainArgumentParser)
    inspect = commands.add_parser(
        "inspect", help="list sheets, the header row found and the suggested column matches"
    )
    _add_sheet_options(
        inspect, sheet_help="the sheet to read (default: the one that holds the table)", as_of=False
    )
    inspect.add_argument("--json", action="store_true", help="print JSON for scripts")
    inspect.set_defaults(handler="run_inspect")

    check = commands.add_parser("check", help="run every data-quality rule and summarise the problems")
    _add_sheet_options(
        check,
        profile_help="the supply profile (*.idiprofile.json); default: match columns",
        sheet_help="the sheet to read (default: the profile's, or the one with the table)",
    )
    check.add_argument("--json", action="store_true", help="print JSON for scripts")
    check.add_argument("--report", metavar="OUT.xlsx", help="also save the quality report workbook here")
    check.set_defaults(handler="run_check_command")

    send = commands.add_parser("send", help="check, build the agreed extract, encrypt it and upload it")
    _add_sheet_options(
        send, profile_help="the supply profile: what is sent, how and where", profile_required=True
    )
    send.add_argument("--yes", action="store_true", help="send without asking for confirmation")
    send.add_argument(
        "--output-only", metavar="DIR", help="save the encrypted file in DIR instead of uploading it"
    )
    send.set_defaults(handler="run_send")

    ready = commands.add_parser(
        "readiness", help="the questions Stats NZ asks before a first supply, answered from the data"
    )
    _add_sheet_options(
        ready,
        file_help="the spreadsheet the supply is made from",
        profile_help="the supply profile; answers are saved in it",
        profile_required=True,
    )
    ready.add_argument(
        "--answer", action="append", default=[], metavar="QUESTION=ANSWER", help="save an answer (repeatable)"
    )
    ready.add_argument("--json", action="store_true", help="print JSON for scripts")
    ready.set_defaults(handler="run_readiness")

    spec = commands.add_parser("spec", help="write the data specification (.docx) for the supply")
    _add_sheet_options(
        spec,
        file_help="the spreadsheet the supply is made from (its latest check is described)",
        profile_help="the supply profile the specification describes",
        profile_required=True,
    )
    spec.add_argument(
        "--out", metavar="SPEC.docx", help="where to save it (default: CODE_data_specification.docx)"
    )
    spec.set_defaults(handler="run_spec")

    history = commands.add_parser("history", help="the receipts of earlier supplies")
    history.add_argument("--json", action="store_true", help="print JSON for scripts")
    history.set_defaults(handler="run_history")
    return parser


def _add_sheet_options(
    parser: argparse.ArgumentParser,
    *,
    file_help: str = "the spreadsheet (.xlsx, .xlsm, .xls, .ods, .csv, .tsv, .txt)",
    profile_help: str | None = None,
    profile_required: bool = False,
    sheet_help: str = "the sheet to read (default: the profile's)",
    as_of: bool = True,
) -> None:
    """The options every command that reads a spreadsheet takes, in the same words and order everywhere."""
    parser.add_argument("file", help=file_help)
    if profile_help is not None:
        parser.add_argument("--profile", required=profile_required, help=profile_help)
    parser.add_argument("--sheet", help=sheet_help)
    parser.add_argument(
        "--header-row",
        metavar="N",
        type=_row_number,
        help="the row that holds the column headings, as the spreadsheet shows it (for CSV: the line); "
        "default: found by itself (or the profile's)",
    )
    if as_of:
        parser.add_argument("--as-of", help="the day to check against, YYYY-MM-DD (default: today)")


def _row_number(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a row number (1 or more)")
    return int(text)


def _load_profile(args: argparse.Namespace) -> SupplyProfile | None:
    """The --profile file, loaded once here: the read-ahead needs its sheet, the command everything else."""
    if not getattr(args, "profile", None):
        return None
    from core.profile import load_profile

    return load_profile(Path(args.profile))


def _read_ahead(args: argparse.Namespace) -> OpenWorkbook | None:
    """Start parsing the workbook the command reads, on the sheet it will read if that is known."""
    if not getattr(args, "file", None):
        return None
    sheet = args.sheet or (args.loaded_profile.sheet if args.loaded_profile is not None else None)
    return read_ahead(args.file, sheet)


def _reader_went_away() -> int:
    """The program reading our output (`head`, `less`) closed it: stop quietly, as command-line tools do.

    stdout is pointed at the null device so that Python's own flush at exit does not fail a second time.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_READER_CLOSED


def main(argv: Sequence[str] | None = None, *, end_when_done: bool = False) -> int:
    """Run one command and return its exit status, or with `end_when_done` end the process with it.

    A command may put what it made in `args.kept` (a check keeps its million cells there): ended here, while
    that list is still alive, the process never frees them one by one.
    """
    use_utf8_output()
    kept: list[object] = []
    status = _run(argv, kept)
    if end_when_done:
        end_process(status)
    return status


def console_main() -> None:
    """The `idi-share` command that `pip install .` makes: the command line, ended with its status."""
    main(sys.argv[1:], end_when_done=True)


def use_utf8_output() -> None:
    """Write UTF-8 on every platform, to a console, a file or a pipe alike.

    On Windows, output to a file or a pipe is otherwise in the ANSI code page (cp1252): a macron in a file
    name or a header stopped the command with UnicodeEncodeError, and `--json` was not UTF-8.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):  # replaced or closed: leave it be
            stream.reconfigure(encoding="utf-8")


def _run(argv: Sequence[str] | None, kept: list[object]) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--diagnostics"]:
        from core.cli.diagnostics import run_diagnostics

        return run_diagnostics(arguments[1:])
    try:
        args = build_parser().parse_args(argv)
        args.kept = kept
        args.loaded_profile = _load_profile(args)
        args.opened = _read_ahead(args)
        from core.logs import setup_logging  # only now: logging and platformdirs take a while to load

        setup_logging()
        try:
            from core.cli import commands  # pandas and the checks load while the workbook is parsed

            status = int(getattr(commands, args.handler)(args))
            sys.stdout.flush()  # here, so that a reader that has gone away is noticed below
            return status
        finally:
            if args.opened is not None:
                args.opened.close()
    except InputError as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return _reader_went_away()
    except Exception:
        import logging

        from core.logs import log_file, setup_logging

        setup_logging()
        logging.getLogger(LOGGER_NAME).exception("Unexpected error in the command line")
        print(
            f"IDI Share hit an internal problem and stopped. Details (no personal data) are in {log_file()}.",
            file=sys.stderr,
        )
        return EXIT_BUG


def end_process(status: int) -> NoReturn:
    """End the command-line process at once, without Python freeing every object one by one first.

    A check leaves a million cells and their frames behind, and tearing them down took about a tenth of
    a second after the work was done (compilers skip the same step for the same reason). What must reach
    the disk is flushed first: the output and the log. No command returns with a file open for writing.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader gone away, a closed stream: nothing to do
            stream.flush()
    import logging  # loaded long since (concurrent.futures uses it); imported here, where it is needed

    logging.shutdown()
    os._exit(status)

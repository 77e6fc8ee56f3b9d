"""IDI Share: with no arguments (or --demo) open the window; with a sub-command run it headless."""

from __future__ import annotations

import sys

GUI_FLAGS = {"--demo", "--screenshots"}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in GUI_FLAGS:
        from gui.app import main as gui_main

        return gui_main(argv)
    from core.cli.main import main as cli_main

    return cli_main(argv, end_when_done=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

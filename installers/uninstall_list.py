"""Write the NSIS uninstall list for a PyInstaller folder: one `Delete` per file, one `RMDir` per folder.

The uninstaller removes exactly what the installer put there and nothing else: never `RMDir /r` of a
folder the user may have chosen (`...\\AppData\\Local\\Programs` once lost another program that way).
Folders are removed deepest first and only when empty (`RMDir` without `/r`), so a file the user or
another program left inside stays, with the folders that hold it.

    python installers/uninstall_list.py "dist/IDI Share" > "dist/uninstall_files.nsh"

Standard library only: the build runs it on Linux and on Windows alike.
"""

from __future__ import annotations

import sys
from pathlib import Path


def windows_path(relative: Path) -> str:
    """The path as NSIS reads it: backslashes, and `$` doubled (NSIS would take `$name` for a variable)."""
    return "\\".join(relative.parts).replace("$", "$$")


def uninstall_lines(folder: Path) -> list[str]:
    """The NSIS lines that remove every file of `folder` (as installed in $INSTDIR), then its folders."""
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    folders = sorted((path for path in folder.rglob("*") if path.is_dir()), key=lambda p: -len(p.parts))
    lines = [f'Delete "$INSTDIR\\{windows_path(path.relative_to(folder))}"' for path in files]
    lines += [f'RMDir "$INSTDIR\\{windows_path(path.relative_to(folder))}"' for path in folders]
    return lines


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.write("".join(line + "\n" for line in uninstall_lines(Path(argv[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

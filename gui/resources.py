"""Where the bundled files (the demo spreadsheet and profile) are, from source and from the frozen app."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """A file under resources/: beside the source tree, or inside the PyInstaller bundle when frozen."""
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else Path(__file__).resolve().parent.parent
    return base.joinpath("resources", *parts)


def demo_spreadsheet() -> Path:
    return resource_path("demo", "whanau_register.xlsx")


def demo_profile() -> Path:
    return resource_path("demo", "demo.idiprofile.json")

"""The kinds of file the readers take, by suffix: on their own so that the window's Open dialog can name them
without loading the readers (python-calamine and the .xls/.xlsx inspectors) before a file is chosen."""

from __future__ import annotations

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv", ".txt")

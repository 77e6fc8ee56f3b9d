"""The agreed extract: only the mapped fields and the profile's extra columns, cleaned, as UTF-8 CSV bytes.

Built in memory and handed straight to encryption, so the plaintext never lands on disk. Rows with an
error either block the whole supply (the default: fix them first) or are left out and counted, as the
profile says. Columns that are not mapped (case notes, key worker) are never read here at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.checking.check import CheckResult
from core.file_names import fill_file_name

FIELD_ORDER = (
    "identifier",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "start_date",
    "end_date",
    "record_id",
    "service",
)
DATE_FIELDS = ("date_of_birth", "start_date", "end_date")
ROWS_PER_WRITE = 5_000  # a few ms of csv writing at a time, so the window's thread gets the GIL between


class SupplyBlocked(Exception):
    """Rows with errors stop the supply (profile output.rows_with_errors = "block")."""

    def __init__(self, error_rows: int) -> None:
        people = "row has" if error_rows == 1 else "rows have"
        super().__init__(
            f"Nothing was sent: {error_rows} {people} errors. Fix them in your records and check again, "
            'or set the profile to leave rows with errors out ("rows_with_errors": "exclude").'
        )
        self.error_rows = error_rows


@dataclass
class Extract:
    data: bytes  # the CSV, UTF-8, header line first
    file_name: str  # what the file is called on the server, before ".gpg"
    columns: list[str]
    rows_sent: int
    rows_left_out: int
    left_out_rows: list[int] = field(default_factory=list)  # spreadsheet row numbers, never values


def extract_file_name(result: CheckResult, today: dt.date) -> str:
    """The profile's file name pattern filled in; anything unsafe on Windows or a server is refused."""
    return fill_file_name(result.profile.output.file_name, result.profile.organisation_code, today)


def extract_columns(result: CheckResult) -> list[tuple[str, str]]:
    """(canonical column, output header) in sending order: mapped fields, then the extra columns."""
    mapped = set(result.columns)
    if "full_name" in mapped:
        mapped |= {"first_name", "last_name"}  # a full name is sent split, as checked
    pairs = [(f, result.profile.output_column_name(f)) for f in FIELD_ORDER if f in mapped]
    pairs += [(header, header) for header in result.profile.extra_columns]
    return pairs


def _formatted(result: CheckResult, name: str, rows: np.ndarray) -> list[str]:
    values = result.canonical[name].to_numpy()[rows]
    output = result.profile.output
    if name in DATE_FIELDS:
        dates = pd.Series(values, dtype="datetime64[s]")
        return dates.dt.strftime(output.date_format).fillna("").tolist()
    if name == "gender":
        codes = output.gender_codes
        return [codes.get(v, codes.get("unknown", "")) if v else codes.get("unknown", "") for v in values]
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]


def build_extract(result: CheckResult, today: dt.date | None = None) -> Extract:
    """The CSV to send, or SupplyBlocked when errors must be fixed first."""
    today = today or dt.date.today()
    error_rows = int(result.has_error.sum())
    if error_rows and result.profile.output.rows_with_errors == "block":
        raise SupplyBlocked(error_rows)
    keep = np.flatnonzero(~result.has_error)
    pairs = extract_columns(result)
    columns = [_formatted(result, name, keep) for name, _ in pairs]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for _, header in pairs])
    rows = zip(*columns, strict=True)
    while block := list(itertools.islice(rows, ROWS_PER_WRITE)):  # each writerows holds the GIL throughout
        writer.writerows(block)
    return Extract(
        data=buffer.getvalue().encode("utf-8"),
        file_name=extract_file_name(result, today),
        columns=[header for _, header in pairs],
        rows_sent=len(keep),
        rows_left_out=error_rows,
        left_out_rows=[int(r) for r in result.canonical["row"].to_numpy()[result.has_error]],
    )

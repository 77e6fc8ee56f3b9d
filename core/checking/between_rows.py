"""The rules that compare rows with each other: id_conflict, person_duplicate and row_duplicate.

Rows are compared as integer codes (equal values, equal codes) rather than as values, so a million rows are
grouped with numpy and pandas' hashing, never a Python loop. Kept apart from `check`, which runs this after
the field rule groups (core.checking.field_checks) have left their codes of identifiers and names on the
`Check`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.checking.normalise import display_value
from core.reading.table import CellKind

if TYPE_CHECKING:
    from core.checking.check_state import Check


def check_between_rows(check: Check, well_formed: np.ndarray, dates: dict) -> None:
    """id_conflict, person_duplicate and row_duplicate: rows compared with each other, as integer codes."""
    folded, check.folded = check.folded, {}
    missing = np.full(check.count, -1, dtype=np.int64)
    first, last = folded.get("first_name", missing), folded.get("last_name", missing)
    date_codes = {f: _date_codes(values) for f, values in dates.items()}
    dob = date_codes.get("date_of_birth", missing)
    all_id_codes = check.id_codes  # None when no column is mapped to the identifier
    if all_id_codes is not None:
        id_codes = np.where(well_formed, all_id_codes, -1)
        differs = _groups_with_several(id_codes, dob) | _groups_with_several(id_codes, first)
        differs |= _groups_with_several(id_codes, last)
        check.report(differs, "id_conflict", "identifier")
        person = _combine([first, last, dob])
        check.report(_groups_with_several(person, id_codes), "person_duplicate", "identifier")
    keys = _row_keys(check, all_id_codes, folded, date_codes)
    check.report(_repeated(keys), "row_duplicate")


def _codes(values: np.ndarray) -> np.ndarray:
    """Integer codes (equal values, equal codes); -1 where there is no value."""
    return pd.factorize(values)[0].astype(np.int64)


def _date_codes(dates: np.ndarray) -> np.ndarray:
    """Days as codes from 0 (no hashing needed: equal dates, equal days); -1 where there is no date."""
    days = dates.astype("datetime64[D]").view(np.int64)
    present = ~np.isnat(dates)
    if not present.any():
        return np.full(len(dates), -1, dtype=np.int64)
    return np.where(present, days - days[present].min(), -1)


def _combine(columns: list[np.ndarray]) -> np.ndarray:
    """One code per distinct combination of the columns' codes; -1 where any of them is missing."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    absent = np.zeros(len(columns[0]), dtype=bool)
    for codes in columns:
        absent |= codes < 0
        combined = _codes(combined * (int(codes.max(initial=0)) + 2) + codes + 1)
    return np.where(absent, -1, combined)


def _groups_with_several(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Rows whose group (code >= 0) holds two or more distinct values (codes >= 0) among its rows."""
    present = (groups >= 0) & (values >= 0)
    if not present.any():
        return np.zeros(len(groups), dtype=bool)
    # Only a group of two or more rows can hold two values, and most groups (one person's id) have one row.
    rows = np.bincount(groups[present], minlength=int(groups.max()) + 1)
    present &= rows[np.maximum(groups, 0)] > 1
    pairs = pd.unique(groups[present] * (int(values.max()) + 1) + values[present])
    group_of_pair = pairs // (int(values.max()) + 1)
    several = np.bincount(group_of_pair, minlength=int(groups.max()) + 1) > 1
    return (groups >= 0) & several[np.maximum(groups, 0)]


def _with_raw_fallback(check: Check, field_name: str, codes: np.ndarray) -> np.ndarray:
    """Where cleaning gave nothing but the cell held something (unreadable, error), compare the raw text."""
    raw_rows = np.flatnonzero((codes == -1) & (check.kinds[field_name] != CellKind.EMPTY))
    if len(raw_rows):
        texts = [str(display_value(v)).strip().casefold() for v in check.values[field_name][raw_rows]]
        codes = codes.copy()
        codes[raw_rows] = -2 - _codes(np.asarray(texts, dtype=object))
    return codes


def _row_keys(check: Check, id_codes: np.ndarray | None, folded: dict, date_codes: dict) -> list[np.ndarray]:
    """Per mapped field, the codes row_duplicate compares: cleaned values, raw text where cleaning failed."""
    keys: list[np.ndarray] = []
    for field_name in check.columns:
        if field_name == "full_name":
            keys += [folded["first_name"], folded["last_name"]]
            continue
        if field_name in folded:
            codes = folded[field_name]
        elif field_name == "identifier" and id_codes is not None:
            codes = id_codes
        elif field_name in date_codes:
            codes = date_codes[field_name]
        elif field_name == "gender":
            codes = _codes(check.genders)
        else:
            codes = np.full(check.count, -1, dtype=np.int64)
        keys.append(_with_raw_fallback(check, field_name, codes))
    return keys


def _repeated(keys: list[np.ndarray]) -> np.ndarray:
    """Rows equal to an earlier row on every key. Narrowed key by key to rows that could still repeat
    (most rows differ on the first key), then compared in full."""
    candidates = np.arange(len(keys[0]))
    for codes in keys:
        if not len(candidates):
            break
        candidates = candidates[pd.Series(codes[candidates]).duplicated(keep=False).to_numpy()]
    repeated = np.zeros(len(keys[0]), dtype=bool)
    if len(candidates):
        subset = pd.DataFrame({i: codes[candidates] for i, codes in enumerate(keys)})
        repeated[candidates[subset.duplicated(keep="first").to_numpy()]] = True
    return repeated

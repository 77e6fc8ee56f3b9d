"""Reading a gender column: the built-in synonyms of docs/rules.md plus the organisation's own codes.

Values are compared trimmed, case-insensitively and with macrons optional ("TĀNE", "tane" and " Tāne " are the
same), once per distinct value. A profile's `gender_values` add codes or override the built-in ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.checking.cells import DistinctTexts, cell_texts, distinct_texts, fold_series, for_each_distinct
from core.errors import InputError
from core.reading.table import ERROR_CODES, CellKind, SourceColumn

GENDER_CODES = ("male", "female", "another", "unknown")

BUILT_IN_GENDERS: dict[str, tuple[str, ...]] = {
    "male": ("m", "male", "man", "boy", "tāne"),
    "female": ("f", "female", "woman", "girl", "wahine", "wāhine"),
    "another": ("x", "another gender", "gender diverse", "diverse", "non-binary", "nonbinary", "other"),
    "unknown": ("u", "unknown", "not stated", "prefer not to say", "unspecified"),
}


@dataclass(frozen=True)
class GenderColumn:
    """Per-row results of reading one gender column (every array has one element a row)."""

    codes: np.ndarray  # object: "male", "female", "another", "unknown"; None when empty or unrecognised
    missing: np.ndarray  # bool: gender_missing (empty, or a value meaning unknown)
    unrecognised: np.ndarray  # bool: gender_unrecognised
    numbers: np.ndarray | None = None  # uint8: 1 + the index of the code in GENDER_CODES; 0 where none


def gender_key(texts: pd.Series) -> pd.Series:
    """The form values are compared in: folded, hyphens and underscores as spaces ("Non-Binary" -> "non binary")."""
    return fold_series(texts.astype(object).str.replace(r"[-_]", " ", regex=True))


def gender_lookup(profile_values: Mapping[str, str] | None = None) -> dict[str, str]:
    """Compared form of each known value -> its code: the built-in synonyms, then the profile's codes over them."""
    pairs = [(value, code) for code, values in BUILT_IN_GENDERS.items() for value in values]
    for value, code in (profile_values or {}).items():
        if not isinstance(code, str) or code.strip().casefold() not in GENDER_CODES:
            raise InputError(
                f"The profile maps the gender value {value!r} to {code!r}: "
                "map each value to male, female, another or unknown."
            )
        pairs.append((str(value), code.strip().casefold()))
    keys = gender_key(pd.Series([value for value, _ in pairs], dtype=object))
    return dict(zip(keys, (code for _, code in pairs), strict=True))  # later pairs (the profile's) win


# What a cell with no text gives: an empty gender, neither known nor the code "unknown".
_NO_GENDER = {"codes": None, "blank": True, "known": False, "unknown": False, "numbers": 0}


def normalise_genders(
    values: np.ndarray,
    kinds: np.ndarray,
    profile_values: Mapping[str, str] | None = None,
    distinct: DistinctTexts | None = None,
) -> GenderColumn:
    """Map each gender cell to male/female/another/unknown; number cells match by their text ("7" for 7.0).

    `distinct` is the column's `distinct_texts` when the caller has made it already.
    """
    lookup = gender_lookup(profile_values)
    if distinct is None:
        distinct = distinct_texts(values, kinds)
    found = for_each_distinct(distinct, lambda texts: _classify(texts, lookup), _NO_GENDER)
    empty = found["blank"]
    return GenderColumn(
        codes=found["codes"],
        missing=empty | found["unknown"],
        unrecognised=~empty & ~found["known"],
        numbers=found["numbers"].astype(np.uint8),
    )


def _classify(distinct: pd.Series, lookup: dict[str, str]) -> dict[str, np.ndarray]:
    keys = gender_key(distinct)
    codes = keys.map(lookup)
    known = codes.notna().to_numpy(dtype=bool)
    return {
        "codes": np.where(known, codes.to_numpy(dtype=object), None),
        "blank": (keys == "").to_numpy(dtype=bool),
        "known": known,
        "unknown": (codes == "unknown").to_numpy(dtype=bool),
        "numbers": codes.map({code: i + 1 for i, code in enumerate(GENDER_CODES)})
        .fillna(0)
        .to_numpy(np.uint8),
    }


def unrecognised_gender_codes(column: SourceColumn, limit: int) -> list[tuple[str, int]]:
    """The gender values IDI Share does not know by itself, most common first, with how many rows hold each
    (the Match page offers a choice of meaning for each)."""
    read = normalise_genders(column.values, column.kinds)
    texts = cell_texts(column.values, column.kinds)[read.unrecognised & (column.kinds != CellKind.ERROR)]
    codes = pd.Series(texts, dtype=object).str.strip()
    codes = codes[codes.ne("") & ~codes.isin(ERROR_CODES)]
    return [(str(code), int(count)) for code, count in codes.value_counts().head(limit).items()]

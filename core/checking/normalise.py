"""Column normalisers: one column as read (values + kinds) in, per-row numpy arrays out, vectorised.

The work is split by subject into `normalise_dates` (with its numpy text scanner in `normalise_dates_scan`),
`normalise_genders` and `normalise_names`, with shared cell helpers in `normalise_cells`; identifiers live in
`core.checking.identifiers`. This module gathers the public names so callers need one import. Every function returns a
frozen dataclass of numpy arrays with one element a row; the costly work is done once per distinct value.
"""

from __future__ import annotations

from core.checking.cells import (
    DistinctTexts,
    cell_texts,
    display_value,
    distinct_texts,
    error_code_texts,
    row_of_each,
)
from core.checking.dates import DATE_ORDERS, DateColumn, parse_dates
from core.checking.genders import (
    BUILT_IN_GENDERS,
    GENDER_CODES,
    GenderColumn,
    gender_lookup,
    normalise_genders,
)
from core.checking.identifiers import ID_TYPES, LINKING_ID_TYPES, IdentifierColumn, check_identifiers
from core.checking.names import (
    NAME_PARTICLES,
    PLACEHOLDER_NAMES,
    FullNameSplit,
    NameColumn,
    clean_names,
    fold_for_comparison,
    split_full_names,
)

__all__ = [
    "BUILT_IN_GENDERS",
    "DATE_ORDERS",
    "GENDER_CODES",
    "ID_TYPES",
    "LINKING_ID_TYPES",
    "NAME_PARTICLES",
    "PLACEHOLDER_NAMES",
    "DateColumn",
    "DistinctTexts",
    "FullNameSplit",
    "GenderColumn",
    "IdentifierColumn",
    "NameColumn",
    "cell_texts",
    "check_identifiers",
    "clean_names",
    "display_value",
    "distinct_texts",
    "error_code_texts",
    "fold_for_comparison",
    "gender_lookup",
    "normalise_genders",
    "parse_dates",
    "row_of_each",
    "split_full_names",
]

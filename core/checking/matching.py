"""Suggest which column holds which field, from the header words and from the values under them.

Office staff do not think in "mappings", so the app proposes one and says how sure it is. Headers are
compared after folding case, macrons and punctuation ("D.O.B." = "dob", "Whānau name" = "whanau name"),
in English and te reo Māori. Values back the header up or stand on their own where the header says
little: a column of NHI-shaped values is the identifier even when headed "ID"; dates mostly from
1930-2020 look like dates of birth, recent ones like service dates. A column that matches nothing
(notes, key worker) is never mapped, so it can never be sent.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from core.profile_model import FIELDS
from core.reading.header_words import (
    EXCLUDING_WORDS,
    HEADER_PHRASES,
    HEADER_WORDS,
    NOT_A_PERSON_NAME_WORDS,
    NOT_AN_IDENTIFIER_WORDS,
    OTHER_EVENT_WORDS,
    fold_header,
    spelt_out,
)
from core.reading.table import CellKind, SourceColumn, SourceTable

__all__ = ["HEADER_PHRASES", "HEADER_WORDS", "MappingSuggestion", "fold_header", "suggest_mapping"]

# Every profile field but record_id and service: an organisation's own record number and its service or
# programme are never guessed, only chosen (what is sent beyond linking must be a person's decision).
CHOSEN_ONLY_FIELDS = ("record_id", "service")
MAPPABLE_FIELDS = tuple(field_name for field_name in FIELDS if field_name not in CHOSEN_ONLY_FIELDS)
MINIMUM_CONFIDENCE = 0.5
SAMPLE_SIZE = 500
SAMPLED_CELLS = (
    100_000  # values looked at over the whole sheet, at most (a sheet of up to 200 columns: all 500)
)
WIDE_SAMPLE_SIZE = 30

# Value-only evidence for an identifier: at least this many values pass the NHI or IRD check character, and
# this share of the column does. One random number in 11 passes an IRD check (1 in 11 or 23 for an NHI),
# so four passes at 80% happen by chance about once in ten thousand columns. An SWN has no check digit:
# nine digits (a ZIP+4 code, a club's member number) are never taken for one without a heading saying so.
ID_MIN_PASSES = 4
ID_MIN_PASS_SHARE = 0.8
# A match from the values alone is at most this sure: below SURE, so it is always asked about.
VALUES_ALONE_CAP = 0.8
SURE = 0.85  # from here on a match is "sure": the window shows it as such and `check` trusts it
YEAR_MIN = 1800  # a year of birth as typed: 1880 is a mistyped year, not a date serial
GENDER_MIN_VALUES = 3  # a gender column found from its values alone needs at least this many

DATE_TEXT = re.compile(
    r"^\s*(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}"
    r"|\d{1,2}[\s\-]+[A-Za-z]{3,9}[\s\-,]+\d{2,4})(\s.*)?$"
)
NAME_LIKE = re.compile(r"[^\d@#$%^&*_=+<>\[\]{}|\\/;:\"!?]{1,60}")
YEAR_IN_TEXT = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
GENDER_WORDS = {
    "m", "male", "man", "boy", "tane", "f", "female", "woman", "girl", "wahine", "x", "another gender",
    "gender diverse", "diverse", "non binary", "nonbinary", "other", "u", "unknown", "not stated",
    "prefer not to say", "unspecified",
}  # fmt: skip


@dataclass
class ColumnProfile:
    """What the sample values of one column look like, computed once per column."""

    non_empty: int = 0
    text_share: float = 0.0
    date_share: float = 0.0  # date cells, and text that reads as a date
    nhi_share: float = 0.0  # NHI-shaped
    nhi_valid_share: float = 0.0  # NHI-shaped and passing the check character
    nine_digit_share: float = 0.0
    ird_share: float = 0.0  # IRD numbers passing the check digit
    gender_share: float = 0.0
    name_like_share: float = 0.0
    birth_year_share: float = 0.0  # dates in 1920-2020
    recent_year_share: float = 0.0  # dates from 2005 on (service dates cluster in recent years)
    distinct_share: float = 0.0
    year_share: float = 0.0  # whole numbers from 1900 to this year (a year, not a date serial)
    small_number_share: float = (
        0.0  # whole numbers under 1800: counts, ages, made-up years; as serials, 1900-1904
    )
    multi_word_share: float = 0.0  # text of two words or more (a whole name, not a given name)
    year_span: int = 0  # latest minus earliest of those years

    def passes(self, share: float) -> int:
        return round(share * self.non_empty)


@dataclass
class MappingSuggestion:
    """The suggested mapping: field -> column header, with how sure we are of each."""

    mapping: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    identifier_type: str | None = None

    def unsure_fields(self) -> list[str]:
        """The matched fields below SURE: to be confirmed by a person before a check can be all clear."""
        return [f for f in self.mapping if self.confidence.get(f, 0.0) < SURE]

    @property
    def identifier_unsure(self) -> bool:
        """The ID number column was guessed from weak evidence (its values, or a heading that says little)."""
        return "identifier" in self.mapping and self.confidence.get("identifier", 0.0) < SURE


# Per field, every phrase with its spaces taken out ("dateofbirth"), so a header is looked up, not searched.
_SQUASHED_PHRASES = {
    field_name: {phrase.replace(" ", ""): score for phrase, score in reversed(phrases.items())}
    for field_name, phrases in HEADER_PHRASES.items()
}


@lru_cache(maxsize=16_384)
def _header_forms(header: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(folded header, its forms to look up as phrases, its words with abbreviations spelt out)."""
    folded = fold_header(header)
    spelt = spelt_out(folded)
    return folded, tuple(dict.fromkeys((folded, spelt))), tuple(spelt.split())


def header_score(header: str, field_name: str) -> float:
    """How strongly the header alone says this column holds this field (0 to 1)."""
    folded, forms, words = _header_forms(header)
    if not folded:
        return 0.0
    if field_name == "identifier" and any(word in NOT_AN_IDENTIFIER_WORDS for word in folded.split()):
        return 0.0
    phrases, squashed_phrases = HEADER_PHRASES[field_name], _SQUASHED_PHRASES[field_name]
    for form in forms:
        if form in phrases:
            return phrases[form]
        squashed = form.replace(" ", "")
        if squashed in squashed_phrases:
            return squashed_phrases[squashed]
    if any(word in EXCLUDING_WORDS for word in words):
        return 0.0
    best = 0.0
    squashed = "".join(words)
    for word, score in HEADER_WORDS.get(field_name, {}).items():
        if word in words or (len(word) > 4 and word in squashed):
            best = max(best, score)
    if field_name in ("first_name", "last_name", "full_name") and "name" in words and best:
        best = min(1.0, best + 0.15)
    if (
        field_name == "full_name"
        and not best
        and len(words) >= 2
        and words[-1] in ("name", "names")
        and not any(word in NOT_A_PERSON_NAME_WORDS for word in words)
    ):
        best = 0.85  # "Employee Name", "Member name", "Whānau member name": a person's whole name
    return best


def sample_size(column_count: int) -> int:
    """Values looked at per column: SAMPLE_SIZE, fewer on a very wide sheet (9,000 columns of 500 values
    each took seconds), never under WIDE_SAMPLE_SIZE."""
    return max(WIDE_SAMPLE_SIZE, min(SAMPLE_SIZE, SAMPLED_CELLS // max(column_count, 1)))


def _sample_texts(column: SourceColumn, size: int = SAMPLE_SIZE) -> tuple[list[object], list[str]]:
    import numpy as np  # here, not above: the window imports this module for its types before any read

    filled = np.flatnonzero(column.kinds != CellKind.EMPTY)[:size]
    values = list(column.values[filled])
    return values, [str(value).strip() for value in values]


def profile_column(column: SourceColumn, size: int = SAMPLE_SIZE) -> ColumnProfile:
    """Describe the sample values: shares of NHI-shaped, dates, genders, names, birth-era years."""
    # here, not above: identifiers loads pandas, which the window does not need until a file is read
    from core.checking.identifiers import (
        clean_identifier,
        ird_is_valid,
        nhi_is_valid,
        nhi_is_well_formed,
        swn_is_valid,
    )

    values, texts = _sample_texts(column, size)
    count = len(values)
    if count == 0:
        return ColumnProfile()
    # Only 7 to 10 characters can be an NHI, IRD number or SWN: the checks run on those alone.
    compact = [
        c for c in (_digits(clean_identifier(text)) for text in texts if len(text) < 16) if 7 <= len(c) <= 9
    ]
    years: list[int] = []
    dates = 0
    whole_years: list[int] = []
    small_numbers = 0
    for value, text in zip(values, texts, strict=True):
        if isinstance(value, dt.date):
            dates += 1
            years.append(value.year)
        elif isinstance(value, str) and DATE_TEXT.match(text):
            dates += 1
            found = YEAR_IN_TEXT.search(text)
            if found:
                years.append(int(found.group(1)))
        elif (isinstance(value, int) and not isinstance(value, bool)) or (len(text) <= 4 and text.isdigit()):
            number = int(value) if isinstance(value, int) else int(text)
            if YEAR_MIN <= number <= dt.date.today().year:
                whole_years.append(number)
            elif 0 <= number < YEAR_MIN:
                small_numbers += 1
    # Only text cells can be a gender or a name: a number or date shows digits, which no such word has.
    text_values = [t for v, t in zip(values, texts, strict=True) if isinstance(v, str)]
    genders = {t for t in set(text_values) if fold_header(t) in GENDER_WORDS}  # each distinct text once
    name_like = sum(1 for t in text_values if NAME_LIKE.fullmatch(t))
    return ColumnProfile(
        non_empty=count,
        text_share=len(text_values) / count,
        date_share=dates / count,
        nhi_share=sum(1 for c in compact if nhi_is_well_formed(c)) / count,
        nhi_valid_share=sum(1 for c in compact if nhi_is_valid(c)) / count,
        nine_digit_share=sum(1 for c in compact if swn_is_valid(c)) / count,
        ird_share=sum(1 for c in compact if ird_is_valid(c)) / count,
        gender_share=sum(1 for t in text_values if t in genders) / count,
        name_like_share=name_like / count,
        birth_year_share=(sum(1 for y in years if 1920 <= y <= 2020) / len(years)) if years else 0.0,
        recent_year_share=(sum(1 for y in years if y >= 2005) / len(years)) if years else 0.0,
        distinct_share=len(set(texts)) / count,
        year_share=len(whole_years) / count,
        year_span=(max(whole_years) - min(whole_years)) if whole_years else 0,
        small_number_share=small_numbers / count,
        multi_word_share=sum(1 for t in text_values if len(t.split()) >= 2) / count,
    )


def _digits(text: str) -> str:
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def _is_dates(values: ColumnProfile) -> bool:
    """Mostly date cells or date text: never an identifier, however its digits happen to add up."""
    return values.date_share >= 0.5


def _birth_years(values: ColumnProfile) -> bool:
    """Whole numbers that are years of birth: nearly all 1900 to now, spread over the generations."""
    return values.year_share >= 0.9 and values.year_span >= 15


def value_fit(field_name: str, values: ColumnProfile) -> float:
    """How well the values suit the field (0 to 1), whatever the header says."""
    if values.non_empty == 0:
        return 0.5  # an empty column neither confirms nor denies its header
    if field_name == "identifier":
        if _is_dates(values):
            return 0.0
        return max(values.nhi_share, values.nine_digit_share, values.ird_share, 0.6 * values.distinct_share)
    if field_name in ("first_name", "last_name", "full_name"):
        return values.name_like_share * (1.0 - values.date_share) * (1.0 - 0.8 * values.gender_share)
    if field_name == "gender":
        return values.gender_share if values.gender_share else 0.3 * (values.distinct_share < 0.1)
    if field_name == "date_of_birth":
        if values.small_number_share + values.year_share >= 0.5 and not _birth_years(values):
            return 0.0  # counts, ages, in-universe years: never days of 1900
        if values.year_share >= 0.9:
            return 0.9 if _birth_years(values) else 0.0
        return values.date_share * (0.6 + 0.4 * values.birth_year_share)
    if field_name in ("start_date", "end_date"):
        return values.date_share * (0.6 + 0.4 * values.recent_year_share)
    return 0.0


def values_alone_score(field_name: str, values: ColumnProfile) -> float:
    """Confidence from values only, for columns whose header says little ("ID", "Date", "Column F").

    Never SURE: a match made without a heading that says so is always put to a person.
    """
    if field_name == "identifier":
        if _is_dates(values):
            return 0.0
        share = max(values.nhi_valid_share, values.ird_share)
        if share < ID_MIN_PASS_SHARE or values.passes(share) < ID_MIN_PASSES:
            return 0.0
        return VALUES_ALONE_CAP * share
    if field_name == "gender":
        return 0.75 * values.gender_share**2 if values.non_empty >= GENDER_MIN_VALUES else 0.0
    if field_name == "date_of_birth" and values.date_share > 0.8:
        return 0.65 * values.birth_year_share * (1.0 - 0.6 * values.recent_year_share)
    return 0.0


def identifier_type_for(header: str, values: ColumnProfile) -> str:
    """NHI, SWN, IRD or OTHER: the header's word first, then the shape of the values."""
    words = spelt_out(fold_header(header)).split()
    for kind, hints in (
        ("NHI", ("nhi", "health")),
        ("SWN", ("swn", "msd", "welfare")),
        ("IRD", ("ird", "tax")),
    ):
        if any(hint in words for hint in hints):
            return kind
    if values.nhi_share >= 0.5:
        return "NHI"
    if values.ird_share >= 0.8:
        return "IRD"
    return "OTHER"  # nine digits alone are no SWN: only a heading says so


def suggest_mapping(table: SourceTable) -> MappingSuggestion:
    """Score every (field, column) pair and assign the best ones, one column per field and vice versa."""
    size = sample_size(len(table.columns))
    profiles = [profile_column(column, size) for column in table.columns]
    candidates: list[tuple[float, str, int]] = []
    for index, column in enumerate(table.columns):
        for field_name in MAPPABLE_FIELDS:
            by_header = header_score(column.header, field_name)
            score = by_header * (0.6 + 0.4 * value_fit(field_name, profiles[index])) if by_header else 0.0
            if field_name == "identifier" and _is_dates(profiles[index]):
                score = 0.0
            if field_name == "date_of_birth" and (
                _other_event(column.header) or value_fit(field_name, profiles[index]) == 0.0
            ):
                continue  # "Resignation date", or a DOB column of counts: no date of birth however headed
            if not _excluded(column.header, field_name):
                score = max(score, values_alone_score(field_name, profiles[index]))
            if score >= MINIMUM_CONFIDENCE:
                candidates.append((score, field_name, index))
    candidates.sort(key=lambda item: (-item[0], MAPPABLE_FIELDS.index(item[1]), item[2]))
    chosen: dict[str, tuple[float, int]] = {}
    used_columns: set[int] = set()
    for score, field_name, index in candidates:
        if field_name in chosen or index in used_columns or _conflicts(field_name, chosen):
            continue
        chosen[field_name] = (score, index)
        used_columns.add(index)
    chosen = _full_name_beside_last_name_is_first_name(chosen, profiles)
    suggestion = MappingSuggestion()
    for field_name in MAPPABLE_FIELDS:
        if field_name in chosen:
            score, index = chosen[field_name]
            suggestion.mapping[field_name] = table.columns[index].header
            suggestion.confidence[field_name] = round(min(score, 0.99), 2)
    if "identifier" in chosen:
        index = chosen["identifier"][1]
        suggestion.identifier_type = identifier_type_for(table.columns[index].header, profiles[index])
    return suggestion


def _other_event(header: str) -> bool:
    return any(word in OTHER_EVENT_WORDS for word in _header_forms(header)[2])


def _excluded(header: str, field_name: str) -> bool:
    """The header says the column is no person field, or (for the identifier) no person's ID number."""
    words = _header_forms(header)[2]
    vetoes = NOT_AN_IDENTIFIER_WORDS if field_name == "identifier" else ()
    return any(word in EXCLUDING_WORDS or word in vetoes for word in words)


def _conflicts(field_name: str, chosen: dict[str, tuple[float, int]]) -> bool:
    """A sheet has either one full-name column or first/last name columns, not both."""
    if field_name == "full_name":
        return "first_name" in chosen and "last_name" in chosen
    return False


def _full_name_beside_last_name_is_first_name(
    chosen: dict[str, tuple[float, int]], profiles: list[ColumnProfile]
) -> dict[str, tuple[float, int]]:
    """'Ingoa' or 'Name' next to a surname column holds the given names, not the whole name; unless its
    values are mostly two words or more ('Nikki Budzinski' beside 'Budzinski'): then it is the whole name,
    and the one column sent for the name."""
    if "full_name" in chosen and ("last_name" in chosen or "first_name" in chosen):
        if profiles[chosen["full_name"][1]].multi_word_share >= 0.8:
            chosen.pop("first_name", None)
            chosen.pop("last_name", None)
            return chosen
        missing = "first_name" if "first_name" not in chosen else "last_name"
        score, index = chosen.pop("full_name")
        chosen[missing] = (score * 0.9, index)
    return chosen

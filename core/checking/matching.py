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
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from core.checking.identifiers import clean_identifier, ird_is_valid, nhi_is_well_formed, swn_is_valid
from core.profile import FIELDS
from core.reading.table import CellKind, SourceColumn, SourceTable

# Every profile field but record_id and service: an organisation's own record number and its service or
# programme are never guessed, only chosen (what is sent beyond linking must be a person's decision).
CHOSEN_ONLY_FIELDS = ("record_id", "service")
MAPPABLE_FIELDS = tuple(field_name for field_name in FIELDS if field_name not in CHOSEN_ONLY_FIELDS)
MINIMUM_CONFIDENCE = 0.5
SAMPLE_SIZE = 500

# Whole-header phrases (folded: lower case, no accents, punctuation as spaces) and how sure each makes us.
HEADER_PHRASES: dict[str, dict[str, float]] = {
    "identifier": {
        "nhi": 1.0, "nhi number": 1.0, "nhi no": 1.0, "nhi num": 1.0, "nhi id": 1.0,
        "national health index": 1.0, "national health index number": 1.0, "client nhi": 1.0,
        "swn": 1.0, "client swn": 1.0, "swn number": 1.0, "msd number": 1.0, "msd client number": 1.0,
        "msd client no": 1.0, "social welfare number": 1.0, "msd swn": 1.0,
        "ird": 1.0, "ird number": 1.0, "ird no": 1.0, "tax number": 0.9, "tax file number": 0.9,
        "ird num": 1.0,
    },
    "first_name": {
        "first name": 1.0, "first names": 1.0, "firstname": 1.0, "given name": 1.0, "given names": 1.0,
        "given name s": 1.0, "forename": 1.0, "forenames": 1.0, "christian name": 0.9, "fname": 0.9,
        "ingoa tuatahi": 1.0, "first": 0.7, "given": 0.8, "client first name": 1.0,
    },
    "last_name": {
        "surname": 1.0, "last name": 1.0, "lastname": 1.0, "family name": 1.0, "whanau name": 1.0,
        "ingoa whanau": 1.0, "ingoa whakamutunga": 1.0, "lname": 0.9, "family": 0.7, "last": 0.6,
        "client surname": 1.0, "client last name": 1.0,
    },
    "full_name": {
        "name": 0.9, "full name": 1.0, "fullname": 1.0, "client name": 1.0, "participant name": 1.0,
        "person name": 1.0, "ingoa": 0.9, "ingoa katoa": 1.0, "client": 0.6, "participant": 0.6,
        "student name": 0.9, "patient name": 0.9, "tamariki name": 0.9,
    },
    "date_of_birth": {
        "dob": 1.0, "d o b": 1.0, "date of birth": 1.0, "birth date": 1.0, "birthdate": 1.0,
        "born": 0.9, "birthday": 0.9, "ra whanau": 1.0, "date born": 1.0, "birth": 0.8,
    },
    "gender": {
        "gender": 1.0, "sex": 1.0, "ira": 0.9, "ira tangata": 1.0, "gender identity": 1.0,
        "sex gender": 1.0, "gender sex": 1.0, "m f": 0.8,
    },
    "start_date": {
        "start date": 1.0, "start": 0.8, "date enrolled": 1.0, "enrolled": 0.9, "enrolment date": 1.0,
        "enrollment date": 1.0, "enrolled date": 1.0, "referral date": 1.0, "date referred": 1.0,
        "referred": 0.8, "intake date": 1.0, "entry date": 1.0, "admission date": 1.0, "admitted": 0.8,
        "date started": 1.0, "service start": 1.0, "service start date": 1.0, "programme start": 1.0,
        "program start": 1.0, "registration date": 1.0, "date registered": 1.0, "date joined": 1.0,
        "join date": 1.0, "joined": 0.8, "open date": 0.9, "date opened": 0.9, "commenced": 0.9,
        "commencement date": 1.0, "date of referral": 1.0, "date of entry": 1.0, "start of service": 1.0,
        "first contact": 0.8, "first contact date": 0.9, "ra timata": 1.0,
    },
    "end_date": {
        "end date": 1.0, "end": 0.8, "exit date": 1.0, "date exited": 1.0, "exited": 0.8,
        "closed date": 1.0, "date closed": 1.0, "closed": 0.8, "closure date": 1.0, "discharge date": 1.0,
        "date discharged": 1.0, "discharged": 0.8, "finish date": 1.0, "date finished": 1.0,
        "service end": 1.0, "service end date": 1.0, "programme end": 1.0, "program end": 1.0,
        "date left": 1.0, "leaving date": 1.0, "end of service": 1.0, "completion date": 0.9,
        "date completed": 0.9, "ra mutunga": 1.0, "exit": 0.8,
    },
}  # fmt: skip

# Words that, anywhere in a header, point at a field (weaker than a whole phrase).
HEADER_WORDS: dict[str, dict[str, float]] = {
    "identifier": {"nhi": 0.9, "swn": 0.9, "ird": 0.9, "msd": 0.7},
    "first_name": {"forename": 0.8, "given": 0.75, "first": 0.55},
    "last_name": {"surname": 0.85, "family": 0.6},
    "date_of_birth": {"dob": 0.85, "birth": 0.85, "born": 0.7},
    "gender": {"gender": 0.85, "sex": 0.8},
    "start_date": {"start": 0.7, "enrol": 0.7, "enrolled": 0.7, "referral": 0.7, "intake": 0.7, "entry": 0.6},
    "end_date": {"exit": 0.7, "closed": 0.7, "discharge": 0.7, "end": 0.65, "finish": 0.65},
}
# Words that mean a column is not a person field, whatever else it says ("Key worker name", "Next of kin").
EXCLUDING_WORDS = (
    "note", "notes", "comment", "comments", "worker", "staff", "kin", "contact", "phone", "email",
    "address", "school", "caregiver", "parent", "mother", "father", "referrer", "agency", "programme",
    "program", "reason", "outcome", "status", "ethnicity", "iwi", "age", "suburb", "doctor", "gp",
)  # fmt: skip

DATE_TEXT = re.compile(
    r"^\s*(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}"
    r"|\d{1,2}[\s\-]+[A-Za-z]{3,9}[\s\-,]+\d{2,4})(\s.*)?$"
)
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
    date_share: float = 0.0
    nhi_share: float = 0.0
    nine_digit_share: float = 0.0
    ird_share: float = 0.0
    gender_share: float = 0.0
    name_like_share: float = 0.0
    birth_year_share: float = 0.0  # dates in 1920-2020
    recent_year_share: float = 0.0  # dates from 2005 on (service dates cluster in recent years)
    distinct_share: float = 0.0


@dataclass
class MappingSuggestion:
    """The suggested mapping: field -> column header, with how sure we are of each."""

    mapping: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    identifier_type: str | None = None


def fold_header(text: str) -> str:
    """Lower case, no accents or macrons, punctuation as single spaces: 'D.O.B.' -> 'd o b'."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("ʻ", "").replace("'", "").replace("’", "")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", stripped.casefold()).split())


def header_score(header: str, field_name: str) -> float:
    """How strongly the header alone says this column holds this field (0 to 1)."""
    folded = fold_header(header)
    if not folded:
        return 0.0
    phrases = HEADER_PHRASES[field_name]
    squashed = folded.replace(" ", "")
    for candidate in (folded, squashed):
        if candidate in phrases:
            return phrases[candidate]
    for phrase, score in phrases.items():
        if phrase.replace(" ", "") == squashed:
            return score
    words = folded.split()
    if any(word in EXCLUDING_WORDS for word in words):
        return 0.0
    best = 0.0
    for word, score in HEADER_WORDS.get(field_name, {}).items():
        if word in words or (len(word) > 4 and word in squashed):
            best = max(best, score)
    if field_name in ("first_name", "last_name", "full_name") and "name" in words and best:
        best = min(1.0, best + 0.15)
    return best


def _sample_texts(column: SourceColumn) -> tuple[list[object], list[str]]:
    filled = np.flatnonzero(column.kinds != CellKind.EMPTY)[:SAMPLE_SIZE]
    values = list(column.values[filled])
    return values, [str(value).strip() for value in values]


def profile_column(column: SourceColumn) -> ColumnProfile:
    """Describe the sample values: shares of NHI-shaped, dates, genders, names, birth-era years."""
    values, texts = _sample_texts(column)
    count = len(values)
    if count == 0:
        return ColumnProfile()
    compact = [_digits(clean_identifier(text)) for text in texts]
    years: list[int] = []
    dates = 0
    for value, text in zip(values, texts, strict=True):
        if isinstance(value, dt.date):
            dates += 1
            years.append(value.year)
        elif isinstance(value, str) and DATE_TEXT.match(text):
            dates += 1
            found = YEAR_IN_TEXT.search(text)
            if found:
                years.append(int(found.group(1)))
    # Only text cells can be a gender or a name: a number or date shows digits, which no such word has.
    text_values = [t for v, t in zip(values, texts, strict=True) if isinstance(v, str)]
    genders = {t for t in set(text_values) if fold_header(t) in GENDER_WORDS}  # each distinct text once
    name_like = sum(1 for t in text_values if re.fullmatch(r"[^\d@#$%^&*_=+<>\[\]{}|\\/;:\"!?]{1,60}", t))
    return ColumnProfile(
        non_empty=count,
        text_share=len(text_values) / count,
        date_share=dates / count,
        nhi_share=sum(1 for c in compact if nhi_is_well_formed(c)) / count,
        nine_digit_share=sum(1 for c in compact if swn_is_valid(c)) / count,
        ird_share=sum(1 for c in compact if ird_is_valid(c)) / count,
        gender_share=sum(1 for t in text_values if t in genders) / count,
        name_like_share=name_like / count,
        birth_year_share=(sum(1 for y in years if 1920 <= y <= 2020) / len(years)) if years else 0.0,
        recent_year_share=(sum(1 for y in years if y >= 2005) / len(years)) if years else 0.0,
        distinct_share=len(set(texts)) / count,
    )


def _digits(text: str) -> str:
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def value_fit(field_name: str, values: ColumnProfile) -> float:
    """How well the values suit the field (0 to 1), whatever the header says."""
    if values.non_empty == 0:
        return 0.5  # an empty column neither confirms nor denies its header
    if field_name == "identifier":
        return max(values.nhi_share, values.nine_digit_share, values.ird_share, 0.6 * values.distinct_share)
    if field_name in ("first_name", "last_name", "full_name"):
        return values.name_like_share * (1.0 - values.date_share) * (1.0 - 0.8 * values.gender_share)
    if field_name == "gender":
        return values.gender_share if values.gender_share else 0.3 * (values.distinct_share < 0.1)
    if field_name == "date_of_birth":
        return values.date_share * (0.6 + 0.4 * values.birth_year_share)
    if field_name in ("start_date", "end_date"):
        return values.date_share * (0.6 + 0.4 * values.recent_year_share)
    return 0.0


def values_alone_score(field_name: str, values: ColumnProfile) -> float:
    """Confidence from values only, for columns whose header says little ("ID", "Date", "Column F")."""
    if field_name == "identifier":
        return 0.85 * max(values.nhi_share, values.ird_share, values.nine_digit_share) ** 2
    if field_name == "gender":
        return 0.75 * values.gender_share**2
    if field_name == "date_of_birth" and values.date_share > 0.8:
        return 0.65 * values.birth_year_share * (1.0 - 0.6 * values.recent_year_share)
    return 0.0


def identifier_type_for(header: str, values: ColumnProfile) -> str:
    """NHI, SWN, IRD or OTHER: the header's word first, then the shape of the values."""
    words = fold_header(header).split()
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
    if values.nine_digit_share >= 0.5:
        return "SWN"
    return "OTHER"


def suggest_mapping(table: SourceTable) -> MappingSuggestion:
    """Score every (field, column) pair and assign the best ones, one column per field and vice versa."""
    profiles = [profile_column(column) for column in table.columns]
    candidates: list[tuple[float, str, int]] = []
    for index, column in enumerate(table.columns):
        for field_name in MAPPABLE_FIELDS:
            by_header = header_score(column.header, field_name)
            score = by_header * (0.6 + 0.4 * value_fit(field_name, profiles[index])) if by_header else 0.0
            if not _excluded(column.header):
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
    chosen = _full_name_beside_last_name_is_first_name(chosen)
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


def _excluded(header: str) -> bool:
    return any(word in EXCLUDING_WORDS for word in fold_header(header).split())


def _conflicts(field_name: str, chosen: dict[str, tuple[float, int]]) -> bool:
    """A sheet has either one full-name column or first/last name columns, not both."""
    if field_name == "full_name":
        return "first_name" in chosen and "last_name" in chosen
    return False


def _full_name_beside_last_name_is_first_name(
    chosen: dict[str, tuple[float, int]],
) -> dict[str, tuple[float, int]]:
    """'Ingoa' or 'Name' next to a surname column holds the given names, not the whole name."""
    if "full_name" in chosen and ("last_name" in chosen or "first_name" in chosen):
        missing = "first_name" if "first_name" not in chosen else "last_name"
        score, index = chosen.pop("full_name")
        chosen[missing] = (score * 0.9, index)
    return chosen

"""The words people head their columns with: the matcher's vocabulary, and what the header finder looks for.

Kept in `reading` because both stages need it: the header finder scores a candidate row by how many of its
cells are headings people write ("Surname", "D.O.B.", "Ingoa whānau", "FRST_NM"), and the matcher in
`checking` scores each column against each field with the same words. Headers are compared folded: lower
case, no accents or macrons, camelCase and punctuation as single spaces, common abbreviations spelt out.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Whole-header phrases (folded) and how sure each makes us that the column holds the field.
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
        "ingoa tuatahi": 1.0, "first": 0.7, "given": 0.8, "client first name": 1.0, "preferred name": 0.8,
    },
    "last_name": {
        "surname": 1.0, "last name": 1.0, "lastname": 1.0, "family name": 1.0, "whanau name": 1.0,
        "ingoa whanau": 1.0, "ingoa whakamutunga": 1.0, "lname": 0.9, "family": 0.7, "last": 0.6,
        "client surname": 1.0, "client last name": 1.0, "sur name": 1.0,
    },
    "full_name": {
        "name": 0.9, "full name": 1.0, "fullname": 1.0, "client name": 1.0, "participant name": 1.0,
        "person name": 1.0, "ingoa": 0.9, "ingoa katoa": 1.0, "te ingoa": 0.9, "client": 0.6,
        "participant": 0.6, "student name": 0.9, "patient name": 0.9, "tamariki name": 0.9,
        "names": 0.9, "name of person": 1.0, "name alias": 0.9, "member": 0.6, "appointee": 0.6,
    },
    "date_of_birth": {
        "dob": 1.0, "d o b": 1.0, "date of birth": 1.0, "birth date": 1.0, "birthdate": 1.0,
        "born": 0.9, "birthday": 0.9, "ra whanau": 1.0, "te ra whanau": 1.0, "date born": 1.0,
        "birth": 0.8, "dob date": 1.0, "date dob": 1.0, "year of birth": 0.95, "birth year": 0.95,
        "yob": 0.95, "year born": 0.95, "tau whanau": 0.95,
    },
    "gender": {
        "gender": 1.0, "sex": 1.0, "ira": 0.9, "ira tangata": 1.0, "gender identity": 1.0,
        "sex gender": 1.0, "gender sex": 1.0, "m f": 0.8, "gender code": 1.0, "sex code": 1.0,
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
# Words that mean a column is not a person field, whatever else it says ("Key worker name", "Next of kin",
# "Team name", "File name").
EXCLUDING_WORDS = frozenset((
    "note", "notes", "comment", "comments", "worker", "staff", "kin", "contact", "phone", "email",
    "address", "school", "caregiver", "parent", "mother", "father", "referrer", "agency", "programme",
    "program", "reason", "outcome", "status", "ethnicity", "iwi", "age", "suburb", "doctor", "gp",
    "file", "team", "club", "company", "organisation", "organization", "business", "course", "street",
    "user", "account", "event", "venue", "site", "group", "product", "project", "activity",
    "location", "place", "town", "city", "region", "country", "provider", "facility", "centre", "center",
    "clinic", "hospital", "practice", "branch", "office", "sheet", "field", "item", "category",
    "department", "manager", "supervisor", "coach", "teacher", "nurse", "employer", "partner", "sponsor",
    "character", "role", "song", "film", "movie", "book", "show", "award", "prize", "party", "county",
    "district", "pet", "brand", "species", "breed", "variable",
))  # fmt: skip
# "<thing> name" that names no person: a column's, a screen's, a computer's.
NOT_A_PERSON_NAME_WORDS = frozenset(("column", "screen", "host", "domain", "display", "device", "table"))

# Header words that say a column is no person identifier, whatever its values look like: a ZIP+4 code or
# a phone number can pass for nine digits, an account number for an IRD number.
NOT_AN_IDENTIFIER_WORDS = frozenset((
    "zip", "zipcode", "postcode", "postal", "post", "phone", "mobile", "cell", "tel", "telephone", "fax",
    "account", "acct", "bank", "card", "invoice", "order", "receipt", "ticket", "licence", "license",
    "registration", "rego", "plate", "vehicle", "serial", "year", "date", "dob", "birth",
))  # fmt: skip
# Words that name another event than a birth: a date under them is never a date of birth, however old.
OTHER_EVENT_WORDS = frozenset((
    "resignation", "resigned", "death", "died", "deceased", "hire", "hired", "booking", "booked", "arrest",
    "arrested", "release", "released", "appointed", "appointment", "election", "elected", "visit", "payment",
    "paid", "invoice", "order", "created", "modified", "updated", "review", "assessment", "incident",
    "marriage", "married", "graduation", "expiry", "expires", "issued", "issue", "renewal", "due",
))  # fmt: skip

# More words people head columns with that are no field of ours: they tell a header row from a note.
OTHER_HEADING_WORDS = frozenset((
    "id", "no", "number", "code", "ref", "reference", "date", "name", "age", "year", "type", "title",
    "description", "amount", "total", "count", "address", "phone", "mobile", "email", "notes", "comments",
    "status", "ethnicity", "iwi", "suburb", "city", "town", "postcode", "zip", "region", "occupation",
    "profession", "job", "role", "team", "group", "programme", "program", "service", "school", "class",
    "member", "employee", "client", "customer", "participant", "height", "weight", "score", "level",
    "category", "location", "country", "state", "organisation", "company", "department", "salary",
))  # fmt: skip

# Abbreviations seen in database exports (FRST_NM, LAST_NM, DOB_DT, GNDR_CD), spelt out word by word.
ABBREVIATIONS = {
    "nm": "name", "nme": "name", "frst": "first", "fst": "first", "lst": "last", "gvn": "given", "dt": "date", "brth": "birth", "bth": "birth", "gndr": "gender",
    "gend": "gender", "sx": "sex", "cd": "code", "strt": "start", "enrl": "enrolment",
    "ext": "exit", "yr": "year", "fam": "family",
}  # fmt: skip

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=16_384)  # the matcher folds each header once per field
def fold_header(text: str) -> str:
    """Lower case, no accents or macrons, camelCase and punctuation as spaces: 'D.O.B.' -> 'd o b'."""
    decomposed = unicodedata.normalize("NFKD", _CAMEL.sub(" ", str(text)))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("ʻ", "").replace("'", "").replace("’", "")
    return " ".join(_NOT_ALPHANUMERIC.sub(" ", stripped.casefold()).split())


def spelt_out(folded: str) -> str:
    """The folded header with database abbreviations written in full: 'frst nm' -> 'first name'."""
    return " ".join(ABBREVIATIONS.get(word, word) for word in folded.split())


_ALL_PHRASES = frozenset(phrase for phrases in HEADER_PHRASES.values() for phrase in phrases)
_ALL_WORDS = frozenset(
    [word for words in HEADER_WORDS.values() for word in words]
    + list(OTHER_HEADING_WORDS)
    + list(EXCLUDING_WORDS)
)


def is_heading(text: str) -> bool:
    """True when a cell's text reads like a column heading people write, not like a note or a value."""
    folded = spelt_out(fold_header(text))
    if not folded or len(folded) > 60:
        return False
    if folded in _ALL_PHRASES or folded.replace(" ", "") in _ALL_PHRASES:
        return True
    words = folded.split()
    return len(words) <= 4 and any(word in _ALL_WORDS for word in words)

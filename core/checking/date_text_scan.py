"""A numpy reader for the common shapes of date text, so a million text dates need no regex per value.

Each text (already trimmed) is laid out as a fixed-width row of character codes and cut into runs of ASCII
digits or letters between separators (space / - . ,) with whole-array operations: where runs start, which run
each character belongs to, and each run's number (digits) or word key (letters) as a weighted sum. Up to three
runs make a date in one of the formats of `normalise_dates` ("03/04/1985", "1985-04-03", "3 Apr 1985",
"April 3, 1985", "1985 Apr 3", "35181"). A text this reader is not sure about (any other character, an ordinal
such as "3rd", more runs, a run too long, a time of day, longer than WIDTH) is left UNCLAIMED for the regex
formats, which are the reference: the tests check that both agree wherever this reader claims a text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The formats, in the order they are tried; a format's id is its index.
FORMAT_NAMES = (
    "digits",
    "year_month_day",
    "day_month_year",
    "day_name_year",
    "name_day_year",
    "year_name_day",
)
DIGITS, YEAR_MONTH_DAY, DAY_MONTH_YEAR, DAY_NAME_YEAR, NAME_DAY_YEAR, YEAR_NAME_DAY = range(len(FORMAT_NAMES))
UNCLAIMED = -1

MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

WIDTH = 24  # longer texts are left to the regex formats
MAX_TOKENS = 3
CHUNK = 100_000  # texts laid out at once (bounds the memory of the (texts x WIDTH) arrays)
_LONGEST_RUN = 9  # longer digit runs go to the regex formats; longer words name no month
_SPACE, _SLASH, _DASH, _DOT, _COMMA = (ord(c) for c in " /-.,")
_NOT_ASCII = 127


def _word_key(word: str) -> int:
    """A number unique to an ASCII word of up to 9 letters, case-insensitive (5 bits a letter)."""
    key = 0
    for char in word.lower():
        key = key * 32 + ord(char) - 96
    return key


_ORDINAL_KEYS = np.array([_word_key(suffix) for suffix in ("st", "nd", "rd", "th")], dtype=np.int64)
_MONTH_KEYS = np.array(sorted(_word_key(name) for name in MONTH_NUMBERS), dtype=np.int64)
_MONTH_BY_KEY = np.array([MONTH_NUMBERS[n] for n in sorted(MONTH_NUMBERS, key=_word_key)], dtype=np.int64)


@dataclass(frozen=True)
class Tokens:
    """Per text: the format it was read by (or UNCLAIMED) and its runs in order of appearance.

    A letter run holds its month number (-1 when it names no month); `lengths` count characters.
    """

    formats: np.ndarray  # int8
    values: np.ndarray  # int64, shape (MAX_TOKENS, n)
    lengths: np.ndarray  # int64, shape (MAX_TOKENS, n)


@dataclass(frozen=True)
class _Runs:
    """The runs of a batch of texts; arrays are (MAX_TOKENS + 1, n), the last slot holding any extra runs."""

    values: np.ndarray  # a digit run's number, a letter run's word key
    lengths: np.ndarray
    is_letters: np.ndarray
    first_two: np.ndarray  # word key of a letter run's first two letters (to spot "3rdApril")
    gap_marks: np.ndarray  # non-space separators in the gap after each run
    gap_length: np.ndarray  # separators of any kind in the gap after each run
    gap_char: np.ndarray  # the sum of the gap's non-space separators: the separator itself when there is one
    count: np.ndarray  # runs in the text
    usable: np.ndarray  # only characters this reader understands, nothing before the first run


def scan_date_texts(texts: np.ndarray) -> Tokens:
    """Classify and cut each text; rows with formats == UNCLAIMED must go to the regex formats."""
    texts = np.asarray(texts, dtype=object)
    parts = [_scan_chunk(texts[start : start + CHUNK]) for start in range(0, len(texts), CHUNK)]
    if not parts:
        empty = np.zeros((MAX_TOKENS, 0), dtype=np.int64)
        return Tokens(np.zeros(0, dtype=np.int8), empty, empty.copy())
    return Tokens(
        np.concatenate([p.formats for p in parts]),
        np.concatenate([p.values for p in parts], axis=1),
        np.concatenate([p.lengths for p in parts], axis=1),
    )


def _scan_chunk(texts: np.ndarray) -> Tokens:
    runs = _cut_into_runs(texts)
    n = len(runs.count)
    values, lengths = runs.values[:MAX_TOKENS], runs.lengths[:MAX_TOKENS]
    letters = runs.is_letters[:MAX_TOKENS]
    last = np.clip(runs.count - 1, 0, MAX_TOKENS)
    clean_end = runs.gap_length[last, np.arange(n)] == 0  # "1985." or "3/4/" are for the regex formats
    ok = runs.usable & clean_end & ((lengths <= _LONGEST_RUN) | letters).all(axis=0)
    ok &= ~(runs.is_letters & np.isin(runs.first_two, _ORDINAL_KEYS)).any(axis=0)  # "3rdApril": the regex's

    digit = ~letters
    three = ok & (runs.count == 3)
    numeric = three & digit.all(axis=0) & _numeric_gaps(runs)
    short = (lengths >= 1) & (lengths <= 2)
    year = (lengths == 2) | (lengths == 4)
    name_first = three & letters[0] & digit[1] & digit[2]
    name_middle = three & digit[0] & letters[1] & digit[2]

    formats = np.full(n, UNCLAIMED, dtype=np.int8)
    formats[ok & (runs.count == 1) & digit[0]] = DIGITS
    formats[numeric & (lengths[0] == 4) & short[1] & short[2]] = YEAR_MONTH_DAY
    formats[numeric & short[0] & short[1] & year[2]] = DAY_MONTH_YEAR
    formats[name_middle & short[0] & year[2]] = DAY_NAME_YEAR
    formats[name_first & short[1] & year[2]] = NAME_DAY_YEAR
    formats[name_middle & (lengths[0] == 4) & short[2]] = YEAR_NAME_DAY
    values = np.where(letters, _month_numbers(values, lengths), values)
    return Tokens(formats, values, lengths)


def _numeric_gaps(runs: _Runs) -> np.ndarray:
    """Both gaps hold one and the same separator of / - . (spaces around it allowed): 3/4/1985, 1985 - 04 - 03."""
    first, second = runs.gap_char[0], runs.gap_char[1]
    allowed = (first == _SLASH) | (first == _DASH) | (first == _DOT)
    return (runs.gap_marks[0] == 1) & (runs.gap_marks[1] == 1) & (first == second) & allowed


def _month_numbers(keys: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Month number for each word key (-1 for words that name no month)."""
    positions = np.clip(np.searchsorted(_MONTH_KEYS, keys), 0, len(_MONTH_KEYS) - 1)
    found = (_MONTH_KEYS[positions] == keys) & (lengths <= _LONGEST_RUN)
    return np.where(found, _MONTH_BY_KEY[positions], -1)


def _character_codes(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """((n, width) uint8 codes, 127 for non-ASCII and 0 past the end; rows that fit in WIDTH)."""
    n = len(texts)
    codes = texts.astype(f"U{WIDTH + 1}").view(np.uint32).reshape(n, WIDTH + 1)
    fits = codes[:, WIDTH] == 0
    width = int(np.count_nonzero(codes.any(axis=0)))  # columns in use (texts have no NUL inside)
    return np.minimum(codes[:, : min(width, WIDTH)], _NOT_ASCII).astype(np.uint8), fits


def _cut_into_runs(texts: np.ndarray) -> _Runs:
    codes, fits = _character_codes(texts)
    n, width = codes.shape
    lower = codes | 32
    digit = (codes >= ord("0")) & (codes <= ord("9"))
    letter = (lower >= ord("a")) & (lower <= ord("z"))
    space = codes == _SPACE
    mark = (codes == _SLASH) | (codes == _DASH) | (codes == _DOT) | (codes == _COMMA)
    usable = fits & (digit | letter | space | mark | (codes == 0)).all(axis=1)

    kind = digit.astype(np.int8) + 2 * letter.astype(np.int8)  # 0 separator or end, 1 digit, 2 letter
    previous = np.zeros_like(kind)
    previous[:, 1:] = kind[:, :-1]
    starts = (kind != 0) & (kind != previous)
    run_number = np.cumsum(starts, axis=1, dtype=np.int16)  # 1 for the first run, 0 before it
    count = run_number[:, -1].astype(np.int64) if width else np.zeros(n, dtype=np.int64)
    separator = space | mark
    usable &= ~(separator & (run_number == 0)).any(axis=1)  # texts come trimmed: anything before is odd
    # Where each character's run is counted: (run - 1) * n + text, runs past MAX_TOKENS in the last slot.
    # (np.minimum/np.maximum rather than np.clip, which is several times slower on integer arrays.)
    slot = (
        np.maximum(np.minimum(run_number, MAX_TOKENS + 1) - 1, 0).astype(np.int64) * n + np.arange(n)[:, None]
    )

    columns = np.arange(width, dtype=np.int16)
    run_start = np.maximum.accumulate(np.where(starts, columns, 0), axis=1)
    in_run = kind != 0
    return _Runs(
        *_run_values(codes, lower, digit, in_run, slot, columns - run_start, n),
        gap_marks=_per_slot(slot[mark], n),
        gap_length=_per_slot(slot[separator], n),
        gap_char=_per_slot(slot[mark], n, weights=codes[mark]),
        count=count,
        usable=usable,
    )


def _per_slot(slots: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Count (or sum `weights`) per (slot, text), as a (MAX_TOKENS + 1, n) int64 array."""
    totals = np.bincount(slots, weights=weights, minlength=(MAX_TOKENS + 1) * n)
    return totals.astype(np.int64).reshape(MAX_TOKENS + 1, n)


def _run_values(codes, lower, digit, in_run, slot, index_in_run, n: int) -> tuple[np.ndarray, ...]:
    """(values, lengths, is_letters, first_two) per run.

    A run's characters are summed with place weights counted from a fixed top place (base**(_LONGEST_RUN - 1)
    for the first character), which stays exact in float64 for runs of up to _LONGEST_RUN characters; dividing
    by base**(_LONGEST_RUN - length) then gives the run's number or word key.
    """
    slots = slot[in_run]
    is_digit = digit[in_run]
    place = np.maximum(_LONGEST_RUN - 1 - index_in_run[in_run], -1)  # -1: beyond the places counted
    weights = np.where(
        is_digit,
        (codes[in_run] - np.uint8(ord("0"))) * _POWERS_OF_10[place],
        (lower[in_run] - np.uint8(96)) * _POWERS_OF_32[place],
    )
    lengths = _per_slot(slots, n)
    is_letters = np.zeros(lengths.shape, dtype=bool)
    is_letters.flat[slots] = ~is_digit  # a run is all digits or all letters
    scaled = np.bincount(slots, weights=weights, minlength=(MAX_TOKENS + 1) * n).reshape(MAX_TOKENS + 1, n)
    shift = np.maximum(_LONGEST_RUN - lengths, 0)
    values = np.round(scaled / np.where(is_letters, _POWERS_OF_32[shift], _POWERS_OF_10[shift]))
    first_two = np.where(is_letters, scaled // _POWERS_OF_32[_LONGEST_RUN - 2], 0)
    return values.astype(np.int64), lengths, is_letters, first_two.astype(np.int64)


# Place weights by place number; the last entry (index -1) is 0, for characters beyond the places counted.
_POWERS_OF_10 = np.array([10.0**p for p in range(_LONGEST_RUN + 1)] + [0.0])
_POWERS_OF_32 = np.array([32.0**p for p in range(_LONGEST_RUN + 1)] + [0.0])

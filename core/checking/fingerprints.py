"""Keyed fingerprints of the people in a list, which "what changed since last time" compares.

When a supply is sent, each person is stored only as keyed fingerprints, one for who they are (their ID
number, or name and date of birth where there is none) and one each for their name, date of birth and
gender. The key is random per supply and lives in the credential store, never beside the fingerprints, so
the fingerprint file alone says nothing about anyone, and a detail's fingerprint is tied to its person
(two people born on the same day do not share one).

Keyed hashing: the key's HMAC-SHA256 derives an AES-128 key and an HMAC key; AES encrypts one 16-byte
block per person and one per detail (the values packed in; names as a hash, over-long IDs as their
keyed HMAC-SHA256), keeping 8 bytes of each. AES runs over whole arrays in one call, where HMAC-SHA256 per value
would take ~2 s per million rows and the summary must cost under a tenth of a check.

The summary is made in core.checking.changes; the fingerprints are kept by core.checking.fingerprint_store.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.checking.check import CheckResult, Identity
from core.profile import SupplyProfile

DETAILS = ("name", "date_of_birth", "gender")
EPOCH = np.datetime64("1800-01-01", "D")
# Rows fingerprinted at a time: their blocks stay in cache, and no temporary array is a million rows long.
PART_ROWS = 1 << 15
# The fingerprints' format: part of their keys' derivation and of the stored file.
STORE_VERSION = 1


def supply_id(profile: SupplyProfile) -> str:
    """Which supply a fingerprint file and its key belong to: same name and organisation, same supply."""
    text = f"{profile.organisation_code}\n{profile.name}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


# The top byte of a block's second half says what the block is, so no two kinds of block can be equal.
TAG_ID, TAG_ID_HASHED, TAG_DETAILS = 1, 2, 3  # a person, keyed by the ID / its hash / name and birth date
# (a single detail's block is tagged 1 + its index in DETAILS; the details together are not tagged)
MASK40, MASK56 = np.uint64((1 << 40) - 1), np.uint64((1 << 56) - 1)
MIX = np.uint64(0x9E3779B97F4A7C15)  # spreads a small number over 64 bits before it is combined
TOP = np.uint64(56)


@dataclass
class Fingerprints:
    """Per row (current sheet) or per person (stored): who, and their details, as 64-bit keyed hashes.

    `person` is 0 where a row has neither a well-formed ID nor a name and date of birth to key it by.
    `combined` covers name, date of birth and gender at once, so that a comparison looks at each detail
    only for the few people whose combined fingerprint differs.
    """

    person: np.ndarray
    combined: np.ndarray
    details: dict[str, np.ndarray] = field(default_factory=dict)  # per detail; made on demand for a sheet
    identifier_type: str | None = None
    who: np.ndarray | None = field(default=None, repr=False)  # never stored: ties details to their person
    # never stored: a detail's values at some rows, as packed into its block
    values: Callable[[str, np.ndarray], np.ndarray] | None = field(default=None, repr=False)
    key: bytes = field(default=b"", repr=False)
    # A sheet's (rows, 2) array that `person` and `combined` are the columns of: one gather fetches both.
    pairs: np.ndarray | None = field(default=None, repr=False)

    def detail(self, name: str, rows: np.ndarray) -> np.ndarray:
        """One detail's fingerprints at `rows` (stored ones are all there; a sheet's are made now)."""
        if name in self.details:
            return np.asarray(self.details[name][rows])
        tag = np.uint64(1 + DETAILS.index(name)) << TOP
        return _encrypt(self.key, self.who[rows], (self.values(name, rows) & MASK56) | tag)[:, 0]

    def unique_people(self) -> Fingerprints:
        """One entry per person (the first row of each), sorted, every detail made, rows without a key dropped.

        Sorted as a comparison sorts a sheet (by_person), the people in order of fingerprint: what
        compare() relies on in a stored list.
        """
        order, people, combined = by_person(self)
        first = firsts(people)
        first &= people != 0
        rows = order[first]
        details = {name: self.detail(name, rows) for name in DETAILS}
        return Fingerprints(people[first], combined[first], details, self.identifier_type)


class _Keys:
    """The AES and HMAC keys derived from one supply's key."""

    def __init__(self, key: bytes) -> None:
        def derive(label: str) -> bytes:
            return hmac.digest(key, f"IDI Share fingerprints v{STORE_VERSION}: {label}".encode(), "sha256")

        self.blocks = derive("people")[:16]
        self.details = derive("details")[:16]
        self.value = derive("value")

    def value_hash(self, text: str) -> int:
        """A keyed 48-bit hash of one text, for values that are not packed into a block as they are."""
        return int.from_bytes(hmac.digest(self.value, text.encode("utf-8"), "sha256")[:6], "little")


def _encrypt(key: bytes, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """AES-128 of one 16-byte block per row (`low` then `high`, little-endian), as (n, 2) uint64."""
    if not len(low):
        return np.empty((0, 2), dtype="<u8")
    blocks = np.empty((len(low), 2), dtype="<u8")
    blocks[:, 0] = low
    blocks[:, 1] = high
    return _encrypt_blocks(key, blocks)


def _encrypt_blocks(key: bytes, blocks: np.ndarray) -> np.ndarray:
    out = np.empty((len(blocks) + 1, 2), dtype="<u8")  # update_into wants a block of room to spare
    written = _encryptor(key)(blocks, out)
    return out[: written // 16]


def _encryptor(key: bytes) -> Callable[[np.ndarray, np.ndarray], int]:
    """AES-128-ECB under `key`, from (n, 2) blocks into an array of at least n + 1 blocks; bytes written.

    ECB keeps nothing between calls, so a sheet can be encrypted a part at a time with one encryptor.
    """
    # imported here: a check with nothing to compare with never loads cryptography
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()

    def encrypt(blocks: np.ndarray, out: np.ndarray) -> int:
        return encryptor.update_into(memoryview(blocks).cast("B"), memoryview(out).cast("B"))

    return encrypt


class _Rows:
    """The values of a check that go into fingerprints, made for any part or selection of its rows."""

    def __init__(self, result: CheckResult) -> None:
        self.identity = result.identity
        self.count = result.rows
        self.names = {name: _name_table(result, name) for name in ("first_name", "last_name")}

    def size(self, rows: slice | np.ndarray) -> int:
        return len(range(self.count)[rows]) if isinstance(rows, slice) else len(rows)

    def name_hashes(self, field_name: str, rows: slice | np.ndarray) -> np.ndarray:
        """A 48-bit hash (+1) per row of the name compared case- and accent-insensitively; 0 where none."""
        table = self.names[field_name]
        if table is None:
            return np.zeros(self.size(rows), dtype=np.uint64)
        hashed, codes = table
        return hashed[codes[rows]]  # code -1 (no name) takes the 0 at the end

    def days(self, rows: slice | np.ndarray) -> np.ndarray:
        """Days from 1800 (1 = 1 January 1800) per row, as uint64; 0 where there is no date of birth."""
        dob = self.identity.date_of_birth
        if dob is None:
            return np.zeros(self.size(rows), dtype=np.uint64)
        dob = dob[rows]
        days = (dob if dob.dtype == "datetime64[D]" else dob.astype("datetime64[D]")).view(np.int64)
        since = days - (EPOCH.astype(np.int64) - 1)  # NaT, a huge negative number, stays negative
        unusable = since <= 0
        unusable |= since >= 1 << 24  # 24 bits: to the year 47,000
        since[unusable] = 0
        return since.view(np.uint64)

    def genders(self, rows: slice | np.ndarray) -> np.ndarray:
        genders = self.identity.genders
        return np.zeros(self.size(rows), np.uint8) if genders is None else genders[rows]

    def values(self, name: str, rows: np.ndarray) -> np.ndarray:
        """One detail's values at `rows`, as packed into its block (the name's two hashes in one word)."""
        if name == "name":
            return self.name_hashes("first_name", rows) * np.uint64(3) + self.name_hashes("last_name", rows)
        if name == "date_of_birth":
            return self.days(rows)
        return self.genders(rows).astype(np.uint64)


def _name_table(result: CheckResult, field_name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The hash of each distinct name (+1, with a 0 at the end for code -1, no name), and each row's code.

    Made once per distinct name, by pandas' SipHash over whole arrays (a register of a million people has
    tens of thousands of surnames). It needs no key of its own: it only ever goes into an AES block.
    """
    identity = result.identity
    codes = identity.folded.get(field_name)
    folded = identity.folded_names.get(field_name)
    if codes is None or folded is None or not len(folded):
        return None
    texts = np.asarray([str(text) for text in folded], dtype=object)  # distinct already: no grouping
    hashed = (pd.util.hash_array(texts, categorize=False) >> np.uint64(16)) + np.uint64(1)
    return np.append(hashed, np.uint64(0)), codes


def _person_blocks(
    keys: _Keys,
    identity: Identity,
    rows: slice,
    first: np.ndarray,
    last: np.ndarray,
    days: np.ndarray,
    blocks: np.ndarray,
) -> np.ndarray:
    """Write the 16-byte block saying who each of `rows` is into `blocks`; returns whether the row has one.

    The ID where well-formed, else name and date of birth; the block is all 0 where the row has neither.
    Most rows have an ID, so those are laid down whole and only the others are looked at one field at a time.
    """
    low, high = blocks[:, 0], blocks[:, 1]
    if identity.identifiers is not None:
        by_id = identity.well_formed[rows]
        whole = by_id & identity.packed_whole[rows]
        np.copyto(low, identity.packed[rows].view(np.uint64))
        high.fill(np.uint64(TAG_ID) << TOP)
        identifiers = identity.identifiers[rows]
        for row in np.flatnonzero(by_id & ~whole):  # longer than nine characters, or not ASCII: rare
            low[row] = keys.value_hash(str(identifiers[row]))
            high[row] = np.uint64(TAG_ID_HASHED) << TOP
        others = np.flatnonzero(~by_id)
    else:
        by_id = np.zeros(len(low), dtype=bool)
        others = np.arange(len(low))
    f, la, d = first[others], last[others], days[others]
    by_details = ((f | la) != 0) & (d != 0)
    low[others] = np.where(by_details, (f & MASK40) | (d << np.uint64(40)), np.uint64(0))
    high[others] = np.where(by_details, (la & MASK40) | (np.uint64(TAG_DETAILS) << TOP), np.uint64(0))
    keyed = by_id.copy()
    keyed[others] = by_details
    return keyed


def fingerprints(result: CheckResult, key: bytes) -> Fingerprints:
    """The keyed fingerprints of every checked row of this check (single details are made on demand).

    Two blocks a row, each kind under its own key: who the person is, and their details together with `who`
    (the person block folded to 64 bits), so that equal details of two people never look alike. The two
    fingerprints of a row are kept side by side, so that a comparison fetches both in one random access.
    Made PART_ROWS rows at a time: the blocks stay in cache, and the summary that follows a check does not
    wait for the system to hand it (and zero) hundreds of megabytes of fresh memory.
    """
    keys = _Keys(key)
    sheet = _Rows(result)
    n = result.rows
    # The person in each first half, the details beside it; one row more, as update_into wants room to spare.
    pairs = np.empty((n + 1, 2), dtype="<u8")
    who = np.empty(n, dtype=np.uint64)
    keyed = np.empty(n, dtype=bool)
    # Two keys: who people are, and their details, so that no block of one kind can equal one of the other.
    people_aes, details_aes = _encryptor(keys.blocks), _encryptor(keys.details)
    blocks = np.empty((PART_ROWS, 2), dtype="<u8")
    details = np.empty((PART_ROWS, 2), dtype="<u8")
    out = np.empty((PART_ROWS + 1, 2), dtype="<u8")
    for start in range(0, n, PART_ROWS):
        rows = slice(start, min(start + PART_ROWS, n))
        size = rows.stop - start
        first, last = sheet.name_hashes("first_name", rows), sheet.name_hashes("last_name", rows)
        days = sheet.days(rows)
        person = blocks[:size]
        keyed[rows] = _person_blocks(keys, sheet.identity, rows, first, last, days, person)
        part_who = who[rows]
        np.multiply(person[:, 1], MIX, out=part_who)
        part_who ^= person[:, 0]
        name = first
        name *= np.uint64(3)
        name += last
        together = np.left_shift(days, np.uint64(3), out=last)
        together |= sheet.genders(rows)
        together *= MIX
        together ^= name
        details[:size, 0] = part_who
        details[:size, 1] = together
        people_aes(person, pairs[start : rows.stop + 1])
        details_aes(details[:size], out)
        pairs[rows, 1] = out[:size, 0]
    pairs = pairs[:n]
    pairs[np.flatnonzero(~keyed), 0] = 0
    return Fingerprints(
        pairs[:, 0],
        pairs[:, 1],
        identifier_type=result.identifier_type,
        who=who,
        values=sheet.values,
        key=keys.details,
        pairs=pairs,
    )


def by_person(prints: Fingerprints) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows in order of their person fingerprint, each person's rows in sheet order; and, in that order,
    their person and combined fingerprints.

    Sorted as one array of fingerprints with the row number in their low bits: np.sort of that is several
    times faster than an argsort. A fingerprint is uniformly random, so its high bits alone order all but a
    rare pair of people, and a stable argsort of the nearly sorted result puts that pair right.
    """
    person = prints.person
    rows = len(person)
    low = np.uint64((1 << (max(rows, 1) - 1).bit_length()) - 1)
    keys = np.empty(rows, dtype=np.uint64)
    for start in range(0, rows, PART_ROWS):  # a part at a time: no temporary array of a million
        part = slice(start, min(start + PART_ROWS, rows))
        np.bitwise_and(person[part], ~low, out=keys[part])
        keys[part] |= np.arange(start, part.stop, dtype=np.uint64)
    keys.sort()
    keys &= low
    order = keys.view(np.int64)
    if prints.pairs is not None:  # both fingerprints in one gather: the rows are in random order
        people, combined = np.take(prints.pairs, order, axis=0).T
    else:
        people, combined = person[order], prints.combined[order]
    if rows > 1 and not bool(np.all(people[1:] >= people[:-1])):
        again = np.argsort(people, kind="stable")
        order, people, combined = order[again], people[again], combined[again]
    return order, people, combined


def firsts(people: np.ndarray) -> np.ndarray:
    """Whether each of the sorted `people` is the first of its run of equal fingerprints."""
    first = np.ones(len(people), dtype=bool)
    np.not_equal(people[1:], people[:-1], out=first[1:])
    return first

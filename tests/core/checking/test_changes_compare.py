"""The comparison's sorted matching gives exactly what a plain hash join of the same fingerprints gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.checking.changes import ROWS_LISTED, ChangeSummary, _match, compare
from core.checking.fingerprint_store import Stored
from core.checking.fingerprints import DETAILS, Fingerprints, by_person

TOP_BITS = np.uint64(0xFFFF_0000_0000_0000)


def reference_compare(previous: Stored, current: Fingerprints, row_numbers: np.ndarray) -> ChangeSummary:
    """The comparison as first written, by pandas' hash join: what the sorted one must equal."""
    before = previous.prints
    index = pd.Index(before.person).get_indexer(current.person)
    matched = index >= 0
    times = np.bincount(index[matched], minlength=len(before.person))
    later = np.flatnonzero(matched)[pd.Series(index[matched]).duplicated().to_numpy()]
    index[later], matched[later] = -1, False
    unkeyed = np.flatnonzero(current.person == 0)
    new = np.setdiff1d(np.flatnonzero(~matched), np.union1d(unkeyed, later))
    new = new[~pd.Series(current.person[new]).duplicated().to_numpy()]
    differs = np.flatnonzero(matched)
    differs = differs[before.combined[index[differs]] != current.combined[differs]]
    changed = {name: before.detail(name, index[differs]) != current.detail(name, differs) for name in DETAILS}
    another = changed["name"] & changed["date_of_birth"]
    found = {
        "new": new,
        **{name: differs[changed[name] & ~another] for name in DETAILS},
        "another_person": differs[another],
        "not_compared": unkeyed,
    }
    counts = {key: len(rows) for key, rows in found.items()}
    counts["gone"] = int(np.count_nonzero(times == 0))
    rows = {key: [int(r) for r in row_numbers[found_rows[:ROWS_LISTED]]] for key, found_rows in found.items()}
    people_now = int(np.count_nonzero(times)) + len(new)
    return ChangeSummary(previous.sent_at, len(before.person), people_now, counts, rows)


def random_case(rng: np.random.Generator, ties: bool) -> tuple[Stored, Fingerprints]:
    """A stored list and a sheet drawn from one small pool of people: repeats, unkeyed rows, changed details.

    With `ties` the people differ only in their lowest bits, where the sort keeps the row number.
    """
    pool = rng.integers(1, 2**64 - 1, 40, dtype=np.uint64)
    if ties:
        pool = np.unique((pool & TOP_BITS) | rng.integers(1, 8, len(pool)).astype(np.uint64))
    rows = int(rng.integers(0, 120))
    stored = np.unique(rng.choice(pool, int(rng.integers(1, 40))))
    person = rng.choice(np.append(pool, np.uint64(0)), rows)
    details = {int(p): rng.integers(0, 2, 4).astype(np.uint64) for p in np.append(pool, np.uint64(0))}

    def prints(people: np.ndarray, changes: float) -> Fingerprints:
        own = np.array([details[int(p)] for p in people], dtype=np.uint64).reshape(-1, 4)
        own[:, 1:] ^= (rng.random((len(people), 3)) < changes).astype(np.uint64)
        combined = own[:, 0] + own[:, 1] * np.uint64(2) + own[:, 2] * np.uint64(4) + own[:, 3] * np.uint64(8)
        return Fingerprints(people, combined, {name: own[:, 1 + i].copy() for i, name in enumerate(DETAILS)})

    return Stored(prints(stored, 0.0), "2026-11-01"), prints(person, 0.2)


@pytest.mark.parametrize("ties", [False, True])
def test_the_sorted_comparison_equals_the_hash_join(ties: bool) -> None:
    rng = np.random.default_rng(14)
    for case in range(400):
        previous, current = random_case(rng, ties)
        if case % 2:  # as fingerprints() makes them: the two fingerprints of a row side by side
            pairs = np.stack([current.person, current.combined], axis=1)
            current = Fingerprints(pairs[:, 0], pairs[:, 1], current.details, pairs=pairs)
        row_numbers = np.arange(len(current.person)) + 2
        got = compare(previous, current, row_numbers)
        want = reference_compare(previous, current, row_numbers)
        assert (got.people_before, got.people_now, got.counts, got.rows) == (
            want.people_before, want.people_now, want.counts, want.rows
        )  # fmt: skip


def test_an_empty_sheet_or_an_empty_store_compares() -> None:
    nothing = np.zeros(0, dtype=np.uint64)
    some = np.array([5, 9], dtype=np.uint64)
    empty = Fingerprints(nothing, nothing, {name: nothing for name in DETAILS})
    two = Fingerprints(some, some, {name: some for name in DETAILS})
    assert compare(Stored(two, ""), empty, np.zeros(0, dtype=np.int64)).counts["gone"] == 2
    summary = compare(Stored(empty, ""), two, np.array([2, 3]))
    assert summary.counts["new"] == 2 and summary.rows["new"] == [2, 3] and summary.people_now == 2


def test_rows_are_ordered_by_person_and_each_persons_rows_by_sheet_order() -> None:
    rng = np.random.default_rng(3)
    for ties in (False, True):
        people = rng.integers(0, 2**64 - 1, 12, dtype=np.uint64)
        if ties:  # equal high bits: only the low bits, under the row number, tell these apart
            people = (people & TOP_BITS) | rng.integers(0, 4, len(people)).astype(np.uint64)
        person = rng.choice(people, 500)
        combined = rng.integers(0, 2**64 - 1, len(person), dtype=np.uint64)
        pairs = np.stack([person, combined], axis=1)
        for prints in (Fingerprints(person, combined), Fingerprints(pairs[:, 0], pairs[:, 1], pairs=pairs)):
            order, ordered, combined_ordered = by_person(prints)
            assert np.array_equal(order, np.argsort(person, kind="stable"))
            assert np.array_equal(ordered, person[order])
            assert np.array_equal(combined_ordered, combined[order])
    nobody = np.zeros(0, dtype=np.uint64)
    assert [len(part) for part in by_person(Fingerprints(nobody, nobody))] == [0, 0, 0]


def test_match_finds_each_person_among_the_stored_ones() -> None:
    rng = np.random.default_rng(5)
    small = np.unique(rng.integers(0, 1000, 300).astype(np.uint64))
    few = np.sort(rng.integers(0, 1100, 700).astype(np.uint64))
    # a sheet large enough to be searched part by part, with values on and around the parts' bounds
    edges = np.arange(256, dtype=np.uint64) << np.uint64(56)
    edges = np.concatenate([edges, edges - np.uint64(1), [np.uint64(2**64 - 1)]])
    stored = np.unique(np.concatenate([rng.integers(0, 2**64 - 1, 30_000, dtype=np.uint64), edges[::2]]))
    people = np.concatenate([rng.integers(0, 2**64 - 1, 20_000, dtype=np.uint64), rng.choice(stored, 20_000)])
    people = np.sort(np.concatenate([people, edges, np.zeros(50, dtype=np.uint64)]))
    sparse = stored[stored >= np.uint64(200 << 56)]  # the first parts' slices of the store are empty
    for stored_people, sheet in ((small, few), (stored, people), (sparse, people), (stored[:0], people)):
        details = rng.integers(0, 3, len(stored_people)).astype(np.uint64)
        combined = rng.integers(0, 3, len(sheet)).astype(np.uint64)
        matched, differs = _match(Fingerprints(stored_people, details), sheet, combined)
        at = np.minimum(np.searchsorted(stored_people, sheet), max(len(stored_people) - 1, 0))
        hit = stored_people[at] == sheet if len(stored_people) else np.zeros(len(sheet), dtype=bool)
        assert np.array_equal(matched, hit)
        assert np.array_equal(differs, hit & (details[at] != combined)) if len(details) else not differs.any()

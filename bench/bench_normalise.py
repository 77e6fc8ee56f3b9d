"""Rows per second of each column normaliser on 1,000,000 rows, side by side with a pandas baseline.

Target (issue 3): `check` of 1,000,000 rows x ~7 fields in under 2 s, so each normaliser should take well under
~0.3 s for a 1M-row column. The baseline for each column is the cheapest pandas pass that still looks at every
value (`pd.factorize`, which the normalisers themselves start with); for text dates it is one
`pd.to_datetime(format="%d/%m/%Y", errors="coerce")`, which reads a single format only. `--mixed` also times the
parser the design rejects (`format="mixed", dayfirst=True`) on the text dates.

Columns repeat the way real registers do (a few thousand first names, ~30,000 birth dates in six text formats),
except identifiers and full names, which are nearly all different.

Run: .venv/bin/python bench/bench_normalise.py [--rows N] [--repeats N] [--mixed]
"""

from __future__ import annotations

import argparse
import datetime
from collections.abc import Callable

import numpy as np
import pandas as pd
from _common import ensure_repo_on_path, machine_line, time_side_by_side

ensure_repo_on_path()

from core.checking.identifiers import NHI_LETTERS, check_identifiers, nhi_check_character  # noqa: E402
from core.checking.normalise import (  # noqa: E402
    clean_names,
    fold_for_comparison,
    normalise_genders,
    parse_dates,
    split_full_names,
)
from core.reading.table import CellKind  # noqa: E402

AS_OF = datetime.date(2026, 11, 1)


def text_kinds(values: np.ndarray) -> np.ndarray:
    return np.where(np.equal(values, None), CellKind.EMPTY, CellKind.TEXT).astype(np.uint8)


def nhi_column(rows: int, rng: np.random.Generator) -> np.ndarray:
    """Nearly all different old-format NHIs; 1 in 10 typed with lower case and a space, 1 in 20 empty."""
    letters = np.array(list(NHI_LETTERS))
    prefixes = ["".join(p) for p in letters[rng.integers(0, 24, (rows, 3))]]
    bodies = [f"{p}{n:03d}" for p, n in zip(prefixes, rng.integers(0, 1000, rows), strict=True)]
    checks = {body: nhi_check_character(body) or "0" for body in set(bodies)}
    values = np.array([body + checks[body] for body in bodies], dtype=object)
    untidy = rng.random(rows) < 0.1
    values[untidy] = [v[:3].lower() + " " + v[3:] for v in values[untidy]]
    values[rng.random(rows) < 0.05] = None
    return values


def ird_number_column(rows: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(10_000_000, 150_000_000, rows).astype(float).astype(object)


def date_cell_column(rows: int, rng: np.random.Generator) -> np.ndarray:
    start = datetime.date(1930, 1, 1)
    distinct = np.array([start + datetime.timedelta(days=d) for d in range(30_000)], dtype=object)
    return distinct[rng.integers(0, len(distinct), rows)]


def date_text_column(rows: int, rng: np.random.Generator) -> np.ndarray:
    """Text dates as a CSV export holds them: day-first, ISO, month names, two-digit years, a few bad ones."""
    days = pd.date_range("1930-01-01", periods=30_000, freq="D")
    formats = ["%d/%m/%Y", "%Y-%m-%d", "%d %b %Y", "%d %B %Y", "%d-%m-%y", "%d.%m.%Y"]
    distinct = np.concatenate([days.strftime(f).to_numpy() for f in formats])
    distinct = np.concatenate([distinct, ["", "abc", "31/02/1990", "11/14/1984"]]).astype(object)
    return distinct[rng.integers(0, len(distinct), rows)]


def one_format_date_column(rows: int, rng: np.random.Generator) -> np.ndarray:
    """Text dates of one export: dd/mm/yyyy over ~30,000 days."""
    days = (
        pd.date_range("1930-01-01", periods=30_000, freq="D").strftime("%d/%m/%Y").to_numpy().astype(object)
    )
    return days[rng.integers(0, len(days), rows)]


def gender_column(rows: int, rng: np.random.Generator) -> np.ndarray:
    distinct = np.array(
        ["M", "F", "Male", "female", "Tāne", "Wahine", "X", "Gender diverse", "U", "", "7"], object
    )
    return distinct[rng.integers(0, len(distinct), rows)]


def name_column(rows: int, rng: np.random.Generator, distinct_count: int) -> np.ndarray:
    syllables = np.array(
        ["ka", "ri", "mā", "to", "ne", "hō", "pa", "wi", "ru", "le", "ʻa", "so"], dtype=object
    )
    parts = syllables[rng.integers(0, len(syllables), (distinct_count, 3))]
    distinct = np.array([("".join(p)).capitalize() for p in parts], dtype=object)
    values = distinct[rng.integers(0, distinct_count, rows)]
    values[rng.random(rows) < 0.01] = "  Test "
    return values


def cases(rows: int) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    """(name, normaliser call, baseline call) for each column."""
    rng = np.random.default_rng(20261101)
    nhi, ird = nhi_column(rows, rng), ird_number_column(rows, rng)
    date_cells, date_texts = date_cell_column(rows, rng), date_text_column(rows, rng)
    one_format = one_format_date_column(rows, rng)
    genders = gender_column(rows, rng)
    first, last = name_column(rows, rng, 3_000), name_column(rows, rng, 8_000)
    full = np.array([f"{a} {b}" for a, b in zip(first, last, strict=True)], dtype=object)
    nhi_kinds, text_date_kinds, one_format_kinds = (
        text_kinds(nhi),
        text_kinds(date_texts),
        text_kinds(one_format),
    )
    gender_kinds, first_kinds, last_kinds, full_kinds = (text_kinds(c) for c in (genders, first, last, full))
    number_kinds = np.full(rows, CellKind.NUMBER, dtype=np.uint8)
    date_kinds = np.full(rows, CellKind.DATE, dtype=np.uint8)

    def factorize(values: np.ndarray) -> Callable[[], object]:
        return lambda: pd.factorize(values)

    return [
        ("check_identifiers NHI text", lambda: check_identifiers(nhi, nhi_kinds, "NHI"), factorize(nhi)),
        (
            "check_identifiers IRD numbers",
            lambda: check_identifiers(ird, number_kinds, "IRD"),
            factorize(ird),
        ),
        (
            "parse_dates date cells",
            lambda: parse_dates(date_cells, date_kinds, as_of=AS_OF),
            factorize(date_cells),
        ),
        (
            "parse_dates text (6 formats)",
            lambda: parse_dates(date_texts, text_date_kinds, as_of=AS_OF),
            lambda: pd.to_datetime(pd.Series(date_texts), format="%d/%m/%Y", errors="coerce"),
        ),
        (
            "parse_dates text (dd/mm/yyyy)",
            lambda: parse_dates(one_format, one_format_kinds, as_of=AS_OF),
            lambda: pd.to_datetime(pd.Series(one_format), format="%d/%m/%Y", errors="coerce"),
        ),
        (
            "normalise_genders",
            lambda: normalise_genders(genders, gender_kinds, {"7": "unknown"}),
            factorize(genders),
        ),
        ("clean_names first", lambda: clean_names(first, first_kinds), factorize(first)),
        ("clean_names last", lambda: clean_names(last, last_kinds), factorize(last)),
        ("split_full_names (all distinct)", lambda: split_full_names(full, full_kinds), factorize(full)),
        ("fold_for_comparison last", lambda: fold_for_comparison(last), factorize(last)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--mixed", action="store_true", help="also time pandas format='mixed' on the text dates"
    )
    args = parser.parse_args()
    print(machine_line())
    print(f"{args.rows:,} rows a column; best of {args.repeats}, taking turns with the baseline")
    print(f"{'normaliser':34} {'seconds':>8} {'rows/s':>12} {'baseline':>9} {'ratio':>6}")
    total = 0.0
    for name, ours, baseline in cases(args.rows):
        timings = time_side_by_side({"ours": ours, "baseline": baseline}, args.repeats)
        best, base = timings["ours"].best, timings["baseline"].best
        total += best
        print(f"{name:34} {best:8.3f} {args.rows / best:12,.0f} {base:9.3f} {best / base:6.2f}")
    print(f"{'all of the above':34} {total:8.3f}")
    if args.mixed:
        texts = date_text_column(args.rows, np.random.default_rng(1))
        timings = time_side_by_side(
            {
                "ours": lambda: parse_dates(texts, text_kinds(texts), as_of=AS_OF),
                "mixed": lambda: pd.to_datetime(
                    pd.Series(texts), format="mixed", dayfirst=True, errors="coerce"
                ),
            },
            1,
            warmup=False,
        )
        ours, mixed = timings["ours"].best, timings["mixed"].best
        print(
            f"text dates: parse_dates {ours:.3f} s, pandas format='mixed' {mixed:.3f} s ({mixed / ours:.1f}x slower)"
        )


if __name__ == "__main__":
    main()

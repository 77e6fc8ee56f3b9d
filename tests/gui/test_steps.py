"""Match, Review and Send in detail: choices that cannot work, saved settings, the report, the encrypted file."""

from __future__ import annotations

import json

import numpy as np
import pytest
from openpyxl import load_workbook

from core.errors import InputError
from core.profile import PROFILE_SUFFIX, load_profile
from gui.main_window import MATCH, REVIEW
from gui.steps.match_details import NOT_IN_SHEET
from tests.builders import write_xlsx

REGISTER = "whanau_register.xlsx"
REFERRALS = "referrals_export.csv"


def choose(window, field: str, header: str | None) -> None:
    """Pick a column in a drop-down the way a person does (the step listens to `activated`)."""
    combo = window.match_step.combo_for(field)
    index = combo.findText(NOT_IN_SHEET) if header is None else combo.findData(header)
    assert index >= 0, header
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


@pytest.fixture
def at_match(driver, window, data_dir):
    driver.open(data_dir / REGISTER)
    window.next_button.click()
    assert window.step == MATCH
    return window


def test_full_name_as_well_as_first_name_stops_next_with_a_sentence(at_match) -> None:
    choose(at_match, "full_name", "Notes")
    shown = at_match.match_step.problem.text.text()
    assert shown.startswith("Full name is matched as well as first or last name.")
    assert shown == at_match.match_step.problem_text()
    assert not at_match.next_button.isEnabled()
    choose(at_match, "full_name", None)
    assert at_match.next_button.isEnabled() and not at_match.match_step.problem.isVisible()


def test_the_same_column_for_two_details_stops_next_with_a_sentence(at_match) -> None:
    choose(at_match, "end_date", "Start Date")
    assert '"Start Date"' in at_match.match_step.problem.text.text()
    assert not at_match.next_button.isEnabled()


def test_the_kind_of_id_is_only_asked_when_an_id_column_is_matched(at_match) -> None:
    assert at_match.match_step.id_kind.isEnabled()
    choose(at_match, "identifier", None)
    assert not at_match.match_step.id_kind.isEnabled()
    assert at_match.match_step.choices().identifier_type is None


def test_without_an_id_column_the_step_says_what_linking_then_needs(at_match) -> None:
    choose(at_match, "identifier", None)
    choose(at_match, "gender", None)
    advice = at_match.match_step.advice.text.text()
    assert "gender" in advice and at_match.match_step.advice.isVisible()
    assert at_match.next_button.isEnabled()  # advice, not a stop


def test_a_column_left_out_is_not_checked(driver, at_match) -> None:
    choose(at_match, "gender", None)
    driver.check()
    assert "gender" not in at_match.result.columns
    assert not (at_match.result.issues["field"] == "gender").any()


def test_saved_matches_load_back_as_the_same_settings(at_match, expected, tmp_path) -> None:
    target = tmp_path / f"register{PROFILE_SUFFIX}"
    at_match.save_settings(target)
    saved = load_profile(target)
    planted = expected["files"][REGISTER]
    assert saved.mapping == planted["mapping"]
    assert saved.identifier_type == planted["id_type"]
    assert (saved.sheet, saved.header_row) == (planted["sheet"], planted["header_row"])
    assert target.name in at_match.status_label.text()


def test_saved_settings_fill_the_match_step_and_name_a_column_the_sheet_lacks(
    driver, window, data_dir, expected, tmp_path
) -> None:
    planted = expected["files"][REGISTER]
    mapping = dict(planted["mapping"], start_date="Date Enrolled")
    settings = tmp_path / f"old{PROFILE_SUFFIX}"
    settings.write_text(
        json.dumps({"format": 1, "name": "Last quarter", "mapping": mapping, "identifier_type": "NHI"})
    )
    window.use_settings(settings)
    assert "Last quarter" in window.open_step.settings_text.text()
    driver.open(data_dir / REGISTER)
    rows = window.match_step.rows
    assert rows["first_name"].state == "saved" and rows["first_name"].combo.currentData() == "First Name"
    assert rows["start_date"].combo.currentData() == planted["mapping"]["start_date"]  # the matcher's pick
    assert rows["start_date"].state == "check"
    assert '"Date Enrolled"' in window.match_step.advice.text.text()


def test_broken_saved_settings_show_the_profile_readers_sentence(window, tmp_path) -> None:
    settings = tmp_path / f"broken{PROFILE_SUFFIX}"
    settings.write_text("{not json")
    with pytest.raises(InputError) as reader:
        load_profile(settings)
    window.use_settings(settings)
    assert window.open_step.problem.text.text() == str(reader.value)
    assert window.profile is None


def test_a_sheet_without_problems_says_no_problems_found(driver, window, data_dir, tmp_path) -> None:
    # The register's rows that the full check passes, written to a workbook of their own.
    driver.open_and_check(data_dir / REGISTER)
    result = window.result
    clean = np.setdiff1d(result.positions, result.issues["position"].to_numpy(dtype=np.int64))[:12]
    table = result.table
    header = [column.header for column in table.columns]
    rows = [[column.values[p] for column in table.columns] for p in clean]
    book = write_xlsx(tmp_path / "clean.xlsx", header, rows, sheet="Register")
    driver.open_and_check(book)
    assert window.review_step.summary.text() == "No problems found."
    assert window.review_step.headline.text() == window.result.headline()
    assert window.review_step.problem_rows() == []


def test_saving_the_quality_report_writes_the_workbook(qtbot, driver, window, data_dir, tmp_path) -> None:
    driver.open_and_check(data_dir / REFERRALS)
    target = tmp_path / "referrals quality report.xlsx"
    with qtbot.waitSignal(window.file_saved, timeout=30_000):
        window.save_report(target)
    assert "Summary" in load_workbook(target, read_only=True).sheetnames
    assert target.name in window.review_step.report_note.text()


def test_review_back_and_forth_keeps_the_result(driver, window, data_dir) -> None:
    driver.open_and_check(data_dir / REFERRALS)
    window.next_button.click()
    window.back_button.click()
    assert window.step == REVIEW and window.next_button.isEnabled()


def test_saying_what_a_gender_code_means_is_used_by_the_check_and_saved(driver, at_match, tmp_path) -> None:
    step = at_match.match_step
    codes = list(step.gender_combos)
    assert codes and step.gender_box.isVisible()
    code = codes[0]
    combo = step.gender_combos[code]
    combo.setCurrentIndex(combo.findData("male"))
    combo.activated.emit(combo.currentIndex())
    driver.check()
    issues = at_match.result.issues
    unrecognised = issues[issues["rule"] == "gender_unrecognised"]["value"].str.strip().tolist()
    assert code not in unrecognised and set(codes[1:]) <= set(unrecognised)
    assert at_match.result.profile.gender_values == {code: "male"}
    at_match.back_button.click()
    target = tmp_path / f"genders{PROFILE_SUFFIX}"
    at_match.save_settings(target)
    assert load_profile(target).gender_values == {code: "male"}


def test_the_headings_row_chosen_on_the_match_page_reads_the_sheet_again_and_is_saved(
    qtbot, at_match, tmp_path
) -> None:
    step = at_match.match_step
    assert step.header_row.value() == 3  # the register's headings sit under two title rows
    step.header_row.setValue(2)
    with qtbot.waitSignal(at_match.table_loaded, timeout=30_000):
        step.reread_button.click()
    assert at_match.step == MATCH
    assert at_match.table.header_row == 2
    assert step.header_row.value() == 2
    step.header_row.setValue(3)
    with qtbot.waitSignal(at_match.table_loaded, timeout=30_000):
        step.reread_button.click()
    target = tmp_path / f"register{PROFILE_SUFFIX}"
    at_match.save_settings(target)
    assert load_profile(target).header_row == 3


def test_an_id_column_guessed_from_its_values_is_asked_about(driver, window, tmp_path) -> None:
    from tests.builders import write_csv

    rows = [
        ["ZZZ0016", "Aroha", "Ngata", "03/04/1985", "F"],
        ["ZZZ0024", "Tama", "Rāwiri", "17/11/1990", "M"],
        ["ZAA0067", "Mere", "Walker", "01/06/2002", "F"],
        ["JBX3656", "Hemi", "Parata", "28/02/1975", "M"],
        ["EPT6335", "Ana", "Lee", "05/05/1966", "F"],
    ]
    driver.open(write_csv(tmp_path / "people.csv", ["Ref", "First name", "Surname", "DOB", "Gender"], rows))
    window.next_button.click()
    step = window.match_step
    assert step.rows["identifier"].state == "check"
    assert 'The ID number column "Ref" was matched from its values' in step.advice.text.text()
    choose(window, "identifier", "Ref")  # the person confirms it: no longer asked
    assert step.advice_text() is None


def test_the_reading_job_counts_the_gender_codes_the_match_page_shows(window, data_dir, expected) -> None:
    """A long gender column is counted in the worker, not on the window's thread when the page fills."""
    from core.checking.genders import unrecognised_gender_codes
    from core.checking.matching import suggest_mapping
    from core.reading.sources import read_table
    from gui.jobs import read_job
    from gui.steps.match_details import GENDER_CODES_SHOWN
    from gui.workers import TaskContext, WorkerSignals

    loaded = read_job(data_dir / REGISTER, None, None)(TaskContext(1, WorkerSignals()))
    header = suggest_mapping(read_table(data_dir / REGISTER)).mapping["gender"]
    column = loaded.table.find_column(header)
    assert loaded.gender_codes == {header: unrecognised_gender_codes(column, GENDER_CODES_SHOWN)}
    assert loaded.gender_codes[header], "the register has gender codes IDI Share does not know"
    planted = {header: [("made-up code", 4)]}  # the page shows what the job counted, not a count of its own
    window.match_step.populate(loaded.table, loaded.suggestion, None, planted)
    assert list(window.match_step.gender_combos) == ["made-up code"]


def test_review_columns_fit_their_heading_and_first_rows_within_a_limit(driver, window, data_dir) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFontMetrics

    from gui.steps.review_step import FIT_ROWS, MAX_FIT_WIDTH

    driver.open_and_check(data_dir / REGISTER)
    table = window.review_step.table
    model = table.model()
    cells = QFontMetrics(table.font())
    bold = table.horizontalHeader().font()
    bold.setBold(True)  # the current cell's heading is bold
    heading = QFontMetrics(bold)
    for column in range(model.columnCount()):
        title = str(model.headerData(column, Qt.Orientation.Horizontal))
        texts = [str(model.index(row, column).data() or "") for row in range(FIT_ROWS)]
        needed = max(
            max(heading.horizontalAdvance(line) for line in title.splitlines()),
            max(cells.horizontalAdvance(text) for text in texts),
        )
        assert min(needed, MAX_FIT_WIDTH - 30) < table.columnWidth(column) <= MAX_FIT_WIDTH, title

"""The window driven through its steps on the real sample files: open, match columns, review, send."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QIcon, QImage
from PySide6.QtWidgets import QApplication, QFileDialog

from core.checking.check import run_check
from core.checking.matching import MAPPABLE_FIELDS
from core.checking.rules import RULES
from core.errors import InputError
from core.profile import SupplyProfile, load_profile
from core.reading.sources import read_table
from gui.main_window import MATCH, OPEN, REVIEW, SEND
from gui.steps.match_details import NOT_IN_SHEET
from gui.table_model import SEVERITY_COLOURS, SEVERITY_ROLE
from tests.builders import write_xlsx

SAMPLES = ["whanau_register.xlsx", "referrals_export.csv"]
FIELDS = MAPPABLE_FIELDS


def expected_result(data_dir: Path, expected: dict, name: str, as_of: dt.date):
    planted = expected["files"][name]
    profile = SupplyProfile(name="test", mapping=planted["mapping"], identifier_type=planted["id_type"])
    return run_check(read_table(data_dir / name), profile, as_of)


@pytest.mark.parametrize("name", SAMPLES)
def test_opening_a_sample_fills_every_drop_down_with_the_expected_column(
    driver, window, data_dir, expected, name
) -> None:
    planted = expected["files"][name]
    driver.open(data_dir / name)
    assert window.step == OPEN and window.next_button.isEnabled()
    window.next_button.click()
    assert window.step == MATCH
    for field in FIELDS:
        combo = window.match_step.combo_for(field)
        assert combo.currentData() == planted["mapping"].get(field), field
        assert combo.findText(NOT_IN_SHEET) == 0
    assert window.match_step.id_kind.currentData() == planted["id_type"]


def test_the_open_step_says_where_the_headings_were_found(driver, window, data_dir, expected) -> None:
    driver.open(data_dir / "whanau_register.xlsx")
    text = window.open_step.found_text.text()
    assert f"row {expected['files']['whanau_register.xlsx']['header_row']}" in text
    assert window.open_step.found.isVisible()
    assert not window.open_step.sheet_picker.isVisible()  # one sheet: nothing to pick


@pytest.mark.parametrize("name", SAMPLES)
def test_review_shows_the_checks_headline_and_every_row(
    driver, window, data_dir, expected, as_of, name
) -> None:
    driver.open(data_dir / name)
    window.next_button.click()
    driver.check()
    reference = expected_result(data_dir, expected, name, as_of)
    assert window.step == REVIEW
    assert window.review_step.headline.text() == reference.headline()
    assert window.review_step.model.rowCount() == reference.table.row_count
    assert window.review_step.proxy.rowCount() == reference.table.row_count


def test_the_error_cell_in_row_29_is_marked_in_the_window(driver, window, data_dir) -> None:
    driver.open_and_check(data_dir / "whanau_register.xlsx")
    model = window.review_step.model
    index = model.index(model.row_of_sheet_row(29), model.column_of_header("Gender"))
    assert model.data(index, SEVERITY_ROLE) == "error"
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) == QColor(SEVERITY_COLOURS["error"])
    assert isinstance(model.data(index, Qt.ItemDataRole.DecorationRole), QIcon)
    assert RULES["cell_error_value"].message_for("gender") in model.data(index, Qt.ItemDataRole.ToolTipRole)


def problem_item(window, rule_id: str, field: str | None):
    review = window.review_step
    row = review.problem_rows().index((rule_id, field)) + 1  # after "Every row"
    return review.problem_list.item(row)


def test_clicking_a_problem_filters_the_table_to_its_rows(qtbot, driver, window, data_dir) -> None:
    driver.open_and_check(data_dir / "whanau_register.xlsx")
    review = window.review_step
    issues = window.result.issues
    wanted = set(
        issues[(issues["rule"] == "cell_error_value") & (issues["field"] == "gender")]["row"].astype(int)
    )
    item = problem_item(window, "cell_error_value", "gender")
    review.problem_list.scrollToItem(item)
    qtbot.mouseClick(
        review.problem_list.viewport(),
        Qt.MouseButton.LeftButton,
        pos=review.problem_list.visualItemRect(item).center(),
    )
    shown = {int(review.proxy.headerData(r, Qt.Orientation.Vertical)) for r in range(review.proxy.rowCount())}
    assert shown == wanted
    assert RULES["cell_error_value"].how_to_fix_for("gender") in review.fix_text.text()
    review.problem_list.setCurrentRow(0)  # "Every row"
    assert review.proxy.rowCount() == review.model.rowCount()


def test_enter_on_a_problem_jumps_to_its_first_cell(qtbot, driver, window, data_dir) -> None:
    driver.open_and_check(data_dir / "whanau_register.xlsx")
    review = window.review_step
    review.problem_list.setCurrentItem(problem_item(window, "cell_error_value", "gender"))
    review.problem_list.setFocus()
    qtbot.keyClick(review.problem_list, Qt.Key.Key_Return)
    current = review.proxy.mapToSource(review.table.currentIndex())
    assert review.model.row_number(current.row()) == 29
    assert current.column() == review.model.column_of_header("Gender")
    assert "Row 29, Gender" in review.cell_detail.text()


def test_a_file_that_is_not_a_spreadsheet_shows_the_readers_sentence(driver, window, tmp_path) -> None:
    notes = tmp_path / "meeting notes.docx"
    notes.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(InputError) as reader:
        read_table(notes)
    shown = driver.open_expecting_problem(notes)
    assert shown == reader.value.message
    assert window.open_step.problem.text.text() == reader.value.message
    assert window.open_step.problem.isVisible() and "Traceback" not in shown
    assert window.step == OPEN and not window.next_button.isEnabled()


def test_a_missing_file_shows_the_readers_sentence(driver, window, tmp_path) -> None:
    gone = tmp_path / "moved.xlsx"
    with pytest.raises(InputError) as reader:
        read_table(gone)
    assert driver.open_expecting_problem(gone) == reader.value.message


def test_a_workbook_with_a_cover_sheet_offers_the_sheet_picker(qtbot, driver, window, tmp_path) -> None:
    book = write_xlsx(
        tmp_path / "roll.xlsx",
        ["NHI", "First Name", "Surname", "Date of Birth", "Gender"],
        [
            ["ZZZ0016", "Aroha", "Smith", dt.date(1990, 1, 2), "F"],
            ["ZZZ0024", "Mere", "Jones", dt.date(1985, 3, 4), "F"],
        ],
        cover_sheet="Read me",
    )
    driver.open(book)
    picker = window.open_step.sheet_picker
    assert picker.isVisible()
    assert [picker.itemText(i) for i in range(picker.count())] == ["Read me", "People"]
    assert picker.currentText() == "People"
    with qtbot.waitSignal(window.table_loaded, timeout=30_000):
        picker.activated.emit(0)  # the user picks the cover note instead
    assert window.table.sheet == "Read me"
    window.next_button.click()
    assert window.match_step.problem_text() == window.match_step.problem.text.text()
    assert not window.next_button.isEnabled()  # nothing on a cover note looks like a person's details


def test_ctrl_o_opens_the_chosen_file(qtbot, window, data_dir, monkeypatch) -> None:
    chosen = str(data_dir / "referrals_export.csv")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (chosen, ""))
    with qtbot.waitSignal(window.table_loaded, timeout=30_000):
        qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert window.table.path == Path(chosen)


def test_dropping_a_file_on_the_open_step_opens_it(qtbot, window, data_dir) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(data_dir / "referrals_export.csv"))])
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    # Qt delivers drop events only during a real drag, so the step's handler is called as Qt would call it.
    with qtbot.waitSignal(window.table_loaded, timeout=30_000):
        window.open_step.dropEvent(drop)
    assert window.table.path.name == "referrals_export.csv"


def test_back_returns_to_the_match_step_and_next_checks_again(driver, window, data_dir) -> None:
    driver.open_and_check(data_dir / "referrals_export.csv")
    window.back_button.click()
    assert window.step == MATCH
    driver.check()
    assert window.step == REVIEW


def test_the_send_step_lists_what_leaves_and_says_what_is_missing(driver, window, data_dir, expected) -> None:
    driver.open_and_check(data_dir / "referrals_export.csv")
    window.next_button.click()
    send = window.send_step
    assert window.step == SEND
    grid_texts = {send.columns_grid.itemAt(i).widget().text() for i in range(send.columns_grid.count())}
    assert set(expected["files"]["referrals_export.csv"]["mapping"].values()) <= grid_texts
    assert "Sending is not set up yet" in send.missing.text.text()
    assert not send.send_button.isEnabled() and not send.save_button.isEnabled()
    if window.result.has_error.any():
        assert "must be fixed" in send.blocked.text.text()
    assert send.why_not.text.text()  # a disabled button always says why


def test_the_demo_opens_at_review_with_the_demo_settings(qtbot, as_of) -> None:
    from gui.app import Options, create_window
    from gui.resources import demo_profile, demo_spreadsheet

    window = create_window(Options(demo=True), as_of=as_of)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.step == REVIEW, timeout=30_000)
    reference = run_check(read_table(demo_spreadsheet()), load_profile(demo_profile()), as_of)
    assert window.review_step.headline.text() == reference.headline()
    assert window.demo and window.windowTitle() == "IDI Share (demo)"
    window.next_button.click()
    assert not window.send_step.send_button.isEnabled()
    assert "demo" in window.send_step.why_not.text.text()


def test_screenshots_are_written_for_every_step(qapp, tmp_path) -> None:
    from gui.app import main

    assert main(["--demo", "--screenshots", str(tmp_path)]) == 0
    names = sorted(path.name for path in tmp_path.glob("*.png"))
    for step in ("open", "match", "review", "send", "setup-key", "setup-server", "home", "history"):
        assert any(name.endswith(f"-{step}.png") for name in names), names
    assert any(name.startswith("150-") and "setup" in name for name in names), names  # also at 150%
    image = QImage(str(tmp_path / names[0]))
    assert (image.width(), image.height()) == (1200, 800)


def test_unknown_arguments_are_refused_with_a_sentence(capsys) -> None:
    from gui.app import main

    assert main(["--colour"]) == 2
    assert "--colour" in capsys.readouterr().err


def test_tab_moves_through_the_match_step_in_reading_order(qtbot, driver, window, data_dir) -> None:
    driver.open(data_dir / "whanau_register.xlsx")
    window.next_button.click()
    window.activateWindow()
    step = window.match_step
    order = [
        step.combo_for("identifier"),
        step.id_kind,
        step.combo_for("first_name"),
        step.combo_for("last_name"),
    ]
    order[0].setFocus()
    qtbot.waitUntil(order[0].hasFocus, timeout=5_000)
    for following in order[1:]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert following.hasFocus()


def test_alt_n_presses_next(qtbot, driver, window, data_dir) -> None:
    driver.open(data_dir / "whanau_register.xlsx")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.step == MATCH, timeout=5_000)  # a mnemonic "animates" the click first


def test_checking_again_shows_every_row_and_drops_the_old_filter(qtbot, driver, window, data_dir) -> None:
    driver.open_and_check(data_dir / "whanau_register.xlsx")
    review = window.review_step
    review.problem_list.setCurrentItem(problem_item(window, "cell_error_value", "gender"))
    assert review.filter_note.isVisible() and review.proxy.rowCount() < review.model.rowCount()
    window.back_button.click()
    driver.check()
    assert not review.filter_note.isVisible()
    assert review.proxy.rowCount() == review.model.rowCount()
    assert review.problem_list.currentRow() == 0

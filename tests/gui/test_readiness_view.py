"""Is our data ready?, the data specification and the services on Match, driven through the real window."""

from __future__ import annotations

import pytest
from docx import Document
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QPushButton, QRadioButton

from core.checking.readiness_answers import saved_answers
from core.checking.readiness_questions import ASKED
from core.profile import SupplyProfile, load_profile
from core.sending import supplies
from gui.main_window import MATCH, REVIEW, MainWindow
from gui.steps.match_details import service_counts
from tests.core.checking.test_changes import personal_values
from tests.core.checking.test_readiness import people_rows, readable_date, valid_identifier
from tests.core.sending.test_specification import document_text
from tests.gui.conftest import WORKER_TIMEOUT_MS

REGISTER = "whanau_register.xlsx"


@pytest.fixture
def register_supply(data_dir, expected) -> supplies.SavedSupply:
    """The sample register saved as a supply, its spreadsheet remembered as last time's."""
    spec = expected["files"][REGISTER]
    profile = SupplyProfile(
        name="Whānau register",
        mapping=dict(spec["mapping"]),
        identifier_type=spec["id_type"],
        frequency="quarterly",
    )
    saved = supplies.save_supply(profile)
    supplies.set_supply_state(saved.key, last_file=str(data_dir / REGISTER))
    return saved


@pytest.fixture
def home(qtbot, as_of, register_supply) -> MainWindow:
    window = MainWindow(as_of=as_of)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    yield window
    window.runner.cancel()
    window.runner.wait_for_done(WORKER_TIMEOUT_MS)


def open_readiness(qtbot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.readiness_checked, timeout=WORKER_TIMEOUT_MS):
        window.home_view.cards[0].readiness_button.click()


def test_readiness_from_home_shows_the_registers_own_figures(qtbot, home, data_dir, expected) -> None:
    open_readiness(qtbot, home)
    spec = expected["files"][REGISTER]
    from core.reading.sources import read_table

    table = read_table(data_dir / REGISTER)
    rows = people_rows(table, spec["mapping"])
    ids = table.find_column(spec["mapping"]["identifier"]).values
    valid = sum(valid_identifier(ids[i], "NHI") for i in rows)
    starts = table.find_column(spec["mapping"]["start_date"]).values
    started = sum(readable_date(starts[i]) for i in rows)

    assert home.views.currentWidget() is home.readiness_view
    identifiers, dates, service = (panel.answer.text() for panel in home.readiness_view.finding_panels)
    assert (
        f"A valid NHI number is present for {100 * valid / len(rows):.1f}% of people ({valid} of {len(rows)})"
        in (identifiers)
    )
    assert f"start date is recorded for {100 * started / len(rows):.0f}% of people" in dates
    assert '"Programme" seems to record the service or programme' in service
    assert f"({len(rows):,} people)" in home.readiness_view.status.text.text()


def test_an_answer_is_saved_with_the_supply_at_once(qtbot, home, register_supply) -> None:
    open_readiness(qtbot, home)
    view = home.readiness_view
    route = view.question_boxes["route"]
    with qtbot.waitSignal(home.readiness_saved):
        next(b for b in route.buttons.buttons() if b.property("choice") == "intermediary").click()
    assert not route.meaning.isHidden() and "agreement" in route.meaning.text()
    view.question_boxes["sign_up"].text_box.setPlainText("Whānau fill in a paper form; staff type it in.")
    with qtbot.waitSignal(home.readiness_saved):
        home.show_home()  # leaving the view saves what was still being typed

    reloaded = load_profile(register_supply.path)  # read back from the settings folder
    assert saved_answers(reloaded) == {
        "route": "intermediary",
        "sign_up": "Whānau fill in a paper form; staff type it in.",
    }
    open_readiness(qtbot, home)
    assert route.chosen() == "intermediary"


def test_a_cleared_written_answer_is_taken_out_of_the_supply(qtbot, home, register_supply) -> None:
    open_readiness(qtbot, home)
    box = home.readiness_view.question_boxes["id_source"]
    box.text_box.setPlainText("From the referral letter.")
    with qtbot.waitSignal(home.readiness_saved, timeout=3_000):
        pass  # saved once typing pauses
    box.text_box.setPlainText("")
    with qtbot.waitSignal(home.readiness_saved, timeout=3_000):
        pass
    assert "id_source" not in saved_answers(load_profile(register_supply.path))


def test_the_exported_specification_exists_and_holds_no_personal_data(qtbot, home, tmp_path) -> None:
    open_readiness(qtbot, home)
    route = home.readiness_view.question_boxes["route"]
    with qtbot.waitSignal(home.readiness_saved):
        next(b for b in route.buttons.buttons() if b.property("choice") == "direct").click()
    target = tmp_path / "spec.docx"
    with qtbot.waitSignal(home.file_saved, timeout=WORKER_TIMEOUT_MS):
        home.export_specification(target=target)
    paragraphs = [p.text for p in Document(str(target)).paragraphs]
    assert "Route: We send it to Stats NZ ourselves" in "\n".join(paragraphs)  # the answer just given
    text = document_text(target)
    values = personal_values(home.readiness_result)
    assert len(values) > 500
    assert [value for value in values if value in text] == []
    note = home.readiness_view.saved_note.text.text()
    assert "spec.docx" in note and str(tmp_path) in note and "no personal data" in note
    assert supplies.last_folder() == str(tmp_path)


def test_the_specification_from_a_home_card_checks_the_spreadsheet_first(qtbot, home, tmp_path) -> None:
    target = tmp_path / "from-home.docx"
    with qtbot.waitSignal(home.file_saved, timeout=WORKER_TIMEOUT_MS):
        home.export_specification(home.home_view.cards[0].supply, target)
    assert target.is_file()
    assert (
        not home.home_view.saved_note.isHidden() and "from-home.docx" in home.home_view.saved_note.text.text()
    )


def test_every_control_of_the_view_is_reached_by_tab(qtbot, home) -> None:
    open_readiness(qtbot, home)
    view = home.readiness_view
    home.activateWindow()
    view.export_button.setFocus()
    wanted = {id(w) for w in view.findChildren(QPushButton) + view.findChildren(QPlainTextEdit)}
    wanted |= {id(box.buttons.buttons()[0]) for box in view.question_boxes.values() if box.question.choices}
    reached: set[int] = set()
    for _ in range(60):
        reached.add(id(QApplication.focusWidget()))
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert len(wanted) == 2 + 3 + 3 and wanted <= reached  # 2 buttons, 3 boxes to write in, 3 sets of choices
    radios = [w for w in view.findChildren(QRadioButton)]
    assert len(radios) == sum(len(q.choices) for q in ASKED)


def test_matching_a_service_column_lists_its_values_with_counts(qtbot, driver, window, data_dir) -> None:
    driver.open(data_dir / REGISTER)
    window.go_to(MATCH)
    step = window.match_step
    assert step.services.isHidden()
    combo = step.combo_for("service")
    combo.setCurrentIndex(combo.findData("Programme"))
    step._on_user_choice(step.rows["service"])
    column = window.table.find_column("Programme")
    counted: dict[str, int] = {}
    for cell in column.values:
        text = str(cell).strip() if cell is not None else ""
        if text:
            counted[text] = counted.get(text, 0) + 1
    assert dict(service_counts(column)) == counted
    name, count = max(counted.items(), key=lambda item: item[1])
    assert not step.services.isHidden() and f"{name} ({count:,})" in step.services.text()
    driver.check()
    assert window.step == REVIEW and "service" in window.result.canonical.columns


def test_review_offers_the_questions_until_they_are_answered(qtbot, home) -> None:
    with qtbot.waitSignal(home.check_finished, timeout=WORKER_TIMEOUT_MS):
        home.prepare(home.home_view.cards[0].supply)
    assert not home.readiness_button.isHidden()
    checked = home.result
    with qtbot.waitSignal(home.readiness_checked, timeout=WORKER_TIMEOUT_MS):
        home.readiness_button.click()
    assert home.readiness_result is checked  # the check just made is used, not run again
    with qtbot.waitSignal(home.readiness_saved):
        home.readiness_view.question_boxes["route"].buttons.buttons()[0].click()
    with qtbot.waitSignal(home.check_finished, timeout=WORKER_TIMEOUT_MS):
        home.prepare(home.supply)
    assert home.readiness_button.isHidden()


def test_a_supply_never_checked_gets_its_questions_and_a_plain_note(
    qtbot, home, register_supply, monkeypatch
) -> None:
    from gui import dialogs, readiness_flow

    supplies.set_supply_state(register_supply.key, last_file=None)
    home.show_home()
    home.home_view.cards[0].readiness_button.click()
    assert home.readiness_view.finding_panels == [] and not home.runner.busy
    assert home.readiness_view.status.text.text() == readiness_flow.NO_SPREADSHEET
    shown: list[str] = []
    monkeypatch.setattr(dialogs, "show_problem", lambda _parent, message: shown.append(message))
    home.export_specification()
    assert shown == [readiness_flow.NO_SPREADSHEET] and not home.runner.busy


def test_the_file_menu_offers_the_specification_only_with_a_supply_open(qtbot, home) -> None:
    file_menu = home.menuBar().actions()[0].menu()
    file_menu.aboutToShow.emit()
    assert not home.specification_action.isEnabled()  # home, no supply open
    open_readiness(qtbot, home)
    file_menu.aboutToShow.emit()
    assert home.specification_action.isEnabled()

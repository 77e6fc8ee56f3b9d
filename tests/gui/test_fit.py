"""The window fits small screens: every view and step within 1280x800 at 150% (853x533 points) and 1280x720,
the pages scroll while the navigation bar stays; Enter presses the focused button."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QScrollArea

from gui.main_window import MATCH, OPEN, SEND

SMALLEST = (853, 533)  # 1280x800 pixels at 150%


def test_every_view_and_step_fits_1280x800_at_150_percent(qtbot, window) -> None:
    for view in (window.setup_view, window.home_view, window.history_view, window.readiness_view):
        window.show_view(view)
        hint = window.minimumSizeHint()
        assert hint.width() <= SMALLEST[0] and hint.height() <= SMALLEST[1], (type(view).__name__, hint)
    for step in range(OPEN, SEND + 1):
        window.go_to(step)
        hint = window.minimumSizeHint()
        assert hint.width() <= SMALLEST[0] and hint.height() <= SMALLEST[1], (step, hint)


def test_setup_pages_scroll_and_the_navigation_bar_stays(qtbot, window) -> None:
    for page in window.setup_view.pages:
        assert page.findChild(QScrollArea) is not None
        assert window.setup_view.next_button.parent() is not page.body
    for step in (window.open_step, window.match_step, window.send_step, window.readiness_view):
        assert step.findChild(QScrollArea) is not None


def test_enter_presses_the_focused_button(qtbot, window) -> None:
    window.start_setup(first_run=True)
    window.setup_view.organisation_page.organisation.setText("Test Trust")
    window.setup_view.organisation_page.code.setText("TST")
    window.activateWindow()
    window.setup_view.next_button.setFocus()
    qtbot.keyClick(window.setup_view.next_button, Qt.Key.Key_Return)
    assert window.setup_view.current == 1


def test_reading_shows_progress_on_the_page_and_cancel_leaves_a_true_status(qtbot, window, data_dir) -> None:
    window.open_file(data_dir / "whanau_register.xlsx")
    assert not window.open_step.reading.isHidden()
    assert "whanau_register.xlsx" in window.open_step.reading_text.text()
    window.open_step.show_progress(40, "Reading… 40%")
    assert window.open_step.reading_bar.value() == 40
    window.runner.cancel()
    qtbot.waitUntil(lambda: window.open_step.reading.isHidden(), timeout=5_000)
    assert window.table is None
    assert "stopped" in window.open_step.file_label.text()
    assert (
        window.status_label.text()
        == "Stopped reading whanau_register.xlsx, as you asked. Nothing was changed or sent."
    )


def test_cancelling_a_check_says_it_stopped_and_leaves_match_ready(qtbot, driver, window, data_dir) -> None:
    driver.open(data_dir / "whanau_register.xlsx")
    window.next_button.click()
    window.start_check()
    window.runner.cancel()
    assert window.status_label.text().startswith("Stopped checking") and window.result is None
    assert window.step == MATCH and window.next_button.isEnabled()


def test_the_window_opens_within_the_screens_available_area(qtbot, window) -> None:
    from gui.app import fit_to_screen

    fit_to_screen(window)
    area = window.screen().availableGeometry()
    assert area.contains(window.frameGeometry().topLeft())
    assert window.width() <= area.width() and window.height() <= area.height()


def test_enter_in_a_setup_box_goes_on_as_next_does(qtbot, window) -> None:
    window.start_setup(first_run=True)
    page = window.setup_view.organisation_page
    page.organisation.setText("Test Trust")
    page.code.setText("TST")
    qtbot.keyClick(page.code, Qt.Key.Key_Return)
    assert window.setup_view.current == 1


def test_each_setup_page_starts_with_the_keyboard_in_its_first_box(qtbot, window) -> None:
    """Typing straight away fills the organisation's name, as a person at a keyboard would expect."""
    window.start_setup(first_run=True)
    window.activateWindow()
    page = window.setup_view.organisation_page
    qtbot.waitUntil(lambda: page.organisation.hasFocus(), timeout=2_000)
    page.organisation.setText("Test Trust")
    page.code.setText("TST")
    window.setup_view.go_next()
    key_page = window.setup_view.pages[window.setup_view.current]
    focused = QApplication.focusWidget()
    assert focused is not None and key_page.body.isAncestorOf(focused)


def test_a_problem_on_a_short_page_is_scrolled_into_view(qtbot, window) -> None:
    window.resize(*SMALLEST)
    window.start_setup(first_run=True)
    page = window.setup_view.organisation_page
    window.setup_view.go_next()  # nothing typed: the page says what is missing
    assert not page.problem_panel.isHidden()
    viewport = page.scroller.viewport()

    def panel_in_view() -> bool:
        top_left = page.problem_panel.mapTo(viewport, page.problem_panel.rect().topLeft())
        return viewport.rect().contains(top_left)

    qtbot.waitUntil(panel_in_view, timeout=2_000)


def test_a_connection_report_is_scrolled_into_view_on_a_short_page(qtbot, window) -> None:
    from core.sending.connection_test import ConnectionReport

    window.resize(*SMALLEST)
    window.start_setup(first_run=True)
    view = window.setup_view
    view.go_to(view.page_index("server"))
    page = view.server_page
    report = ConnectionReport()
    offered = "ssh-ed25519: SHA256:22xhdnftFKnMjUIVSYBXkCFH++VJVBj1Fmd50oS/uqM; " * 8
    report.add(True, f"The server answered. Its fingerprints are: {offered}")
    report.add(True, "You signed in as the user name Stats NZ gave you.")
    report.add(
        False, "The folder was not found on the server: check its name with Stats NZ, then test again."
    )
    page.show_report(report)
    viewport = page.scroller.viewport()

    def report_in_view() -> bool:
        bottom = page.report_panel.mapTo(viewport, page.report_panel.rect().bottomLeft())
        return viewport.rect().contains(bottom)

    qtbot.waitUntil(lambda: page.body.height() > viewport.height(), timeout=2_000)  # laid out, too tall
    qtbot.waitUntil(report_in_view, timeout=2_000)


def _shared_mnemonics(window) -> dict[str, list[str]]:
    """Alt+letter keys that two visible controls (or a menu and a control) claim: Qt then only moves the
    focus between them, so Alt+N on a page with "&Name" and "&Next" never presses Next."""
    claims: dict[str, list[str]] = {}

    def claim(text: str, what: str) -> None:
        match = re.search(r"&([^&])", text.replace("&&", ""))
        if match:
            claims.setdefault(match.group(1).lower(), []).append(what)

    for action in window.menuBar().actions():
        claim(action.text(), action.text())
    for button in window.findChildren(QAbstractButton):
        if button.isVisible():
            claim(button.text(), button.text())
    for text in window.findChildren(QLabel):
        if text.isVisible() and text.buddy() is not None:
            claim(text.text(), text.text())
    return {key: names for key, names in claims.items() if len(names) > 1}


def test_each_alt_letter_belongs_to_one_control_on_every_page(qtbot, driver, window, data_dir) -> None:
    from gui.setup.setup_view import new_profile

    window.start_setup(first_run=True)
    for index in range(len(window.setup_view.pages)):
        window.setup_view.go_to(index)
        assert _shared_mnemonics(window) == {}, ("first-run setup", index)
    window.setup_view.start_settings(new_profile())
    for index in range(len(window.setup_view.pages)):
        window.setup_view.go_to(index)
        assert _shared_mnemonics(window) == {}, ("settings", index)
    driver.open_and_check(data_dir / "whanau_register.xlsx")
    window.home_button.setVisible(True)  # as once a supply is saved
    for step in range(OPEN, SEND + 1):
        window.go_to(step)
        window.home_button.setVisible(True)
        assert _shared_mnemonics(window) == {}, ("step", step)


def test_the_match_page_needs_no_sideways_scrolling_at_150_percent(qtbot, driver, window, data_dir) -> None:
    """Its examples and the "How sure" column stay in view on a 1280x800 screen at 150%."""
    window.resize(*SMALLEST)
    driver.open(data_dir / "whanau_register.xlsx")
    window.go_to(MATCH)
    scroller = window.match_step.findChild(QScrollArea)
    assert scroller.widget().minimumSizeHint().width() <= scroller.viewport().width()


def test_a_long_status_wraps_rather_than_being_cut_off(qtbot, window) -> None:
    from gui.main_window import MainWindow

    unshown = MainWindow()  # before its first layout the status takes one line, as a short one does
    qtbot.addWidget(unshown)
    assert unshown.status_label.sizeHint().height() < 2 * unshown.status_label.fontMetrics().height()
    window.resize(*SMALLEST)
    window.start_setup(first_run=True)
    status = window.status_label
    status.setText(
        "Now open the spreadsheet you keep for Participants, quarterly. This computer has no secure store "
        "for the password, so IDI Share keeps it only until it closes; after that it asks for it when you send."
    )
    lines = status.fontMetrics().height()
    qtbot.waitUntil(lambda: status.height() >= 2 * lines, timeout=2_000)
    assert status.geometry().right() <= window.width()
    assert window.minimumSizeHint().height() <= SMALLEST[1]
    status.setText("Short.")
    qtbot.waitUntil(lambda: status.height() < 2 * lines, timeout=2_000)


def test_a_box_reached_by_its_alt_letter_is_scrolled_into_view(qtbot, driver, window, data_dir) -> None:
    """Alt+C on the Match page, scrolled to its foot, shows the heading-row box it moves to."""
    window.resize(*SMALLEST)
    driver.open(data_dir / "whanau_register.xlsx")
    window.go_to(MATCH)
    scroller = window.match_step.findChild(QScrollArea)
    qtbot.waitUntil(lambda: scroller.verticalScrollBar().maximum() > 0, timeout=2_000)
    scroller.verticalScrollBar().setValue(scroller.verticalScrollBar().maximum())
    box = window.match_step.header_row
    box.setFocus(Qt.FocusReason.ShortcutFocusReason)  # what a label's Alt+letter does for its box
    top_left = box.mapTo(scroller.viewport(), box.rect().topLeft())
    assert scroller.viewport().rect().contains(top_left)


def test_the_status_line_says_what_setup_asks_again_on_each_new_page(qtbot, window) -> None:
    """The last page's outcome ("The connection works.") is old news on the next page."""
    from gui.supply_flow import SETUP_STATUS

    window.start_setup(first_run=True)
    window._say("The connection works.")
    page = window.setup_view.organisation_page
    page.organisation.setText("Test Trust")
    page.code.setText("TST")
    window.setup_view.go_next()
    assert window.setup_view.current == 1
    assert window.status_label.text() == SETUP_STATUS


def test_the_history_shows_each_columns_title_where_the_column_starts(qtbot, window) -> None:
    """Centred, the wide Stats NZ key column's title sat beyond the side of the view."""
    header = window.history_view.table.horizontalHeader()
    assert header.defaultAlignment() & Qt.AlignmentFlag.AlignLeft

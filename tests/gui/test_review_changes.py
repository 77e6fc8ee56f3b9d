"""The Review page warns about unusual changes since the last supply (a filter left on), and only then."""

from __future__ import annotations

from core.sending.last_supply import remember_sent_supply
from tests.builders import write_csv

NAME = "referrals_export.csv"


def test_review_warns_when_a_list_lost_half_its_people_since_the_last_supply(
    driver, window, data_dir, tmp_path
):
    lines = (data_dir / NAME).read_text(encoding="utf-8-sig").splitlines()
    driver.open_and_check(data_dir / NAME)
    assert not window.review_step.changes_warning.isVisible()  # nothing sent before
    remember_sent_supply(window.result)  # as sending does

    filtered = write_csv(tmp_path / NAME, lines[0].split(","), [line.split(",") for line in lines[1:60]])
    driver.open_and_check(filtered)

    warning = window.review_step.changes_warning
    assert warning.isVisible()
    assert "fewer people than last time" in warning.text.text()


def test_review_says_nothing_when_the_list_is_as_last_time(driver, window, data_dir) -> None:
    driver.open_and_check(data_dir / NAME)
    remember_sent_supply(window.result)
    driver.open_and_check(data_dir / NAME)
    assert not window.review_step.changes_warning.isVisible()


def test_the_send_page_says_it_again_before_sending(driver, window, data_dir, tmp_path) -> None:
    from gui.main_window import SEND

    lines = (data_dir / NAME).read_text(encoding="utf-8-sig").splitlines()
    driver.open_and_check(data_dir / NAME)
    remember_sent_supply(window.result)
    driver.open_and_check(
        write_csv(tmp_path / NAME, lines[0].split(","), [line.split(",") for line in lines[1:60]])
    )
    window.next_button.click()  # Review -> Send
    assert window.step == SEND
    assert window.send_step.changes_warning.isVisible()
    assert "fewer people than last time" in window.send_step.changes_warning.text.text()

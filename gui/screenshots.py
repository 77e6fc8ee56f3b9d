"""`main.py --screenshots DIR`: drive the real window offscreen and save a picture of every view and step.

Runs against a throwaway settings folder (IDI_SHARE_HOME), so the person's own supplies are never touched:
a first-run setup (with a key made for the run), the demo register checked as that supply, an encrypted
file really saved (so home and history show a true receipt), Settings, then the demo's steps. A second
process repeats a few views at 150% on a 1280x800 screen (QT_SCALE_FACTOR=1.5), named `150-...`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QThread
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

SCREENSHOT_SIZE = (1200, 800)
SCALED_SIZE = (853, 533)  # 1280x800 pixels at 150%
SCALED_FLAG = "IDI_SHARE_SCREENSHOTS_SCALED"
WAIT_SECONDS = 120


def wait_until(condition: Callable[[], bool], seconds: float = WAIT_SECONDS) -> bool:
    """Let the event loop (and so the workers' results) run until `condition` holds or time is up."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        QThread.msleep(10)
    return True


class Camera:
    """Saves numbered pictures of one window into a folder."""

    def __init__(self, folder: Path, window, prefix: str = "") -> None:
        self.folder, self.window, self.prefix = folder, window, prefix
        self.shots: list[Path] = []

    def shoot(self, name: str) -> None:
        wait_until(lambda: False, 0.2)  # let layouts settle
        path = self.folder / f"{self.prefix}{len(self.shots) + 1:02d}-{name}.png"
        self.window.grab().save(str(path), "PNG")
        self.shots.append(path)


def demo_key(folder: Path) -> tuple[Path, str]:
    """A public key made for the run, standing in for Stats NZ's (its secret half is thrown away)."""
    import pysequoia

    secret = pysequoia.Tsk.generate("Stats NZ (screenshot key) <idi-screenshots@example.org>")
    path = folder / "statsnz-public.asc"
    path.write_text(str(secret.extract_certificate()))
    return path, str(secret.extract_certificate().fingerprint)


def set_up_a_supply(window, camera: Camera, scratch: Path) -> None:
    view = window.setup_view
    camera.shoot("setup-organisation-empty")
    organisation = view.organisation_page
    organisation.organisation.setText("Kōwhai Whānau Trust")
    organisation.code.setText("KWT")
    organisation.supply_name.setText("Whānau register, quarterly")
    camera.shoot("setup-organisation")
    view.next_button.click()
    key_file, fingerprint = demo_key(scratch)
    view.key_page.choose_key_file(key_file)
    view.key_page.given.setText(fingerprint[:-4] + "0000")
    view.next_button.click()
    camera.shoot("setup-key-mismatch")
    view.key_page.given.setText(fingerprint.lower())
    camera.shoot("setup-key")
    view.next_button.click()
    server = view.server_page
    server.host.setText("sftp.example.org")
    server.username.setText("kwt-supply")
    server.folder.setText("/incoming")
    server.password.setText("example only")
    server.host_key.setText("SHA256:" + "x" * 43)
    camera.shoot("setup-server")
    view.next_button.click()
    camera.shoot("setup-rows")
    view.next_button.click()


def fonts_can_draw_text() -> bool:
    """Whether the window's font has real glyphs (a platform with no font draws every letter as a box)."""
    metrics = QFontMetrics(QApplication.font())
    return all(metrics.inFontUcs4(ord(letter)) for letter in "Aa1ā")


def choose_service(window, header: str) -> None:
    """Match the service or programme column, as a person would pick it from the drop-down."""
    row = window.match_step.rows["service"]
    row.combo.setCurrentIndex(max(row.combo.findData(header), 0))
    window.match_step._on_user_choice(row)


def readiness_screenshots(window, camera: Camera, scratch: Path, scaled: bool = False) -> bool:
    """Is our data ready? from home: the list's answers, some questions answered, the specification saved."""
    from PySide6.QtWidgets import QScrollArea

    window.show_readiness()
    if not wait_until(lambda: window.readiness_result is not None and not window.runner.busy):
        return False
    view = window.readiness_view
    camera.shoot("readiness")
    for question_id, choice_id in (("export_tool", "own_queries"), ("route", "direct")):
        box = view.question_boxes[question_id]
        next(b for b in box.buttons.buttons() if b.property("choice") == choice_id).click()
    view.question_boxes["sign_up"].text_box.setPlainText(
        "Whānau fill in a paper form when they first come in; staff type it into the register."
    )
    view.save_written_answers()
    scroller = view.findChild(QScrollArea)
    scroller.ensureWidgetVisible(view.question_boxes["route"], 0, 0)
    camera.shoot("readiness-questions")
    if scaled:
        return True
    window.export_specification(target=scratch / "KWT_data_specification.docx")
    if not wait_until(lambda: not view.saved_note.isHidden() and not window.runner.busy):
        return False
    scroller.verticalScrollBar().setValue(0)
    camera.shoot("readiness-specification-saved")
    return True


def take_screenshots(folder: Path) -> int:
    """Every view and step; 0 when every one was reached."""
    if not fonts_can_draw_text():
        print(
            "The screenshots would show boxes instead of text: Qt found no font here "
            "(QT_QPA_FONTDIR names the folder it reads fonts from).",
            file=sys.stderr,
        )
        return 1
    from gui.main_window import MATCH, REVIEW, SEND, MainWindow
    from gui.resources import demo_spreadsheet

    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="idi-screenshots-"))
    os.environ["IDI_SHARE_HOME"] = str(scratch / "home")  # never the person's own settings
    scaled = bool(os.environ.get(SCALED_FLAG))
    window = MainWindow()
    window.resize(*(SCALED_SIZE if scaled else SCREENSHOT_SIZE))
    window.show()
    camera = Camera(folder, window, "150-" if scaled else "")

    def fail(where: str) -> int:
        print(f"The screenshots stopped at {where}: {window.status_label.text()}", file=sys.stderr)
        window.close()
        return 1

    set_up_a_supply(window, camera, scratch)
    camera.shoot("setup-open")
    window.open_file(demo_spreadsheet())
    if not wait_until(lambda: window.table is not None and not window.runner.busy):
        return fail("opening the register")
    window.go_to(MATCH)
    choose_service(window, "Programme")
    camera.shoot("match")
    window.go_next()
    if not wait_until(lambda: window.step == REVIEW and not window.runner.busy):
        return fail("checking the register")
    camera.shoot("review")
    window.go_next()
    window.send_step.exclude_choice.click()
    camera.shoot("send")
    if scaled:
        window.show_home()
        camera.shoot("home")
        if not readiness_screenshots(window, camera, scratch, scaled=True):
            return fail("the readiness view")
        window.close()
        print("\n".join(str(path) for path in camera.shots))
        return 0
    outbox = scratch / "outbox"
    outbox.mkdir()
    window.save_encrypted_file(outbox)
    if not wait_until(lambda: any(outbox.iterdir()) and not window.runner.busy):
        return fail("saving the encrypted file")
    camera.shoot("send-saved")
    window.show_home()
    camera.shoot("home")
    if not readiness_screenshots(window, camera, scratch):
        return fail("the readiness view")
    window.show_history()
    camera.shoot("history")
    window.open_settings(page_name="server")
    camera.shoot("settings-server")
    window.show_home()
    window.open_demo(go_to_review=False, with_settings=False)
    if not wait_until(lambda: window.table is not None and not window.runner.busy):
        return fail("opening the demo")
    camera.shoot("demo-open-file")
    window.go_to(MATCH)
    window.go_next()
    if not wait_until(lambda: window.step == REVIEW and not window.runner.busy):
        return fail("checking the demo")
    groups = window.review_step.problem_rows()
    if groups:
        window.review_step.problem_list.setCurrentRow(1)
        window.review_step.jump_to_problem(*groups[0])
        camera.shoot("demo-review-problem")
    window.go_next()
    if window.step != SEND:
        return fail("the Send step")
    camera.shoot("demo-send")
    not_a_sheet = scratch / "Team meeting notes.docx"
    not_a_sheet.write_bytes(b"PK\x03\x04 not a spreadsheet")
    window.open_file(not_a_sheet)
    if wait_until(lambda: not window.runner.busy):
        camera.shoot("open-problem")
    window.close()
    print("\n".join(str(path) for path in camera.shots))
    return scaled_screenshots(folder)


def scaled_screenshots(folder: Path) -> int:
    """The same run at 150% in a fresh process (the scale is fixed when Qt starts)."""
    env = dict(os.environ, QT_SCALE_FACTOR="1.5", QT_QPA_PLATFORM="offscreen", **{SCALED_FLAG: "1"})
    env.pop("IDI_SHARE_HOME", None)
    if getattr(sys, "frozen", False):  # the installed app is its own interpreter, with no main.py beside it
        command = [sys.executable, "--screenshots", str(folder)]
    else:
        command = [
            sys.executable,
            str(Path(__file__).resolve().parent.parent / "main.py"),
            "--screenshots",
            str(folder),
        ]
    return subprocess.run(command, env=env, check=False).returncode

"""The offscreen platform's fonts (`--screenshots`): on Windows Qt finds none unless told where they are."""

from __future__ import annotations

from gui.app import offscreen_font_dir


def test_windows_offscreen_reads_the_system_fonts_folder() -> None:
    assert offscreen_font_dir("win32", {"WINDIR": "C:\\Windows"}).replace("/", "\\") == "C:\\Windows\\Fonts"


def test_windows_without_windir_still_finds_the_fonts_folder() -> None:
    assert offscreen_font_dir("win32", {}).replace("/", "\\").endswith("Windows\\Fonts")


def test_a_font_folder_already_chosen_is_kept() -> None:
    assert offscreen_font_dir("win32", {"WINDIR": "C:\\Windows", "QT_QPA_FONTDIR": "D:\\fonts"}) is None


def test_linux_leaves_the_fonts_to_fontconfig() -> None:
    assert offscreen_font_dir("linux", {"WINDIR": "C:\\Windows"}) is None


def test_the_offscreen_platform_here_has_a_font_with_real_glyphs(qapp) -> None:
    """--screenshots refuses to save pictures of boxes; on this machine (fontconfig) the glyphs are there."""
    from gui.screenshots import fonts_can_draw_text

    assert fonts_can_draw_text()


def test_the_app_lets_a_busy_worker_hand_the_gil_back_quickly(qapp) -> None:
    """With Python's 5 ms default the window stalled ~240 ms while a job ran (bench/bench_window.py)."""
    import sys

    from gui.app import GIL_SWITCH_SECONDS, application

    before = sys.getswitchinterval()
    try:
        assert application() is qapp
        assert sys.getswitchinterval() == GIL_SWITCH_SECONDS < 0.005
    finally:
        sys.setswitchinterval(before)

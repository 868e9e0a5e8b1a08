"""Whether the window can open here, said in one sentence before Qt loads: a missing system
library or no screen."""

from __future__ import annotations

import sys

import pytest

from exodesk.ui.shell.window_check import missing_library_sentence, window_problem


def test_a_missing_library_is_named_with_the_package_that_brings_it() -> None:
    loader_error = "libxcb-cursor.so.0: cannot open shared object file: No such file or directory"
    sentence = missing_library_sentence(loader_error)
    assert sentence == (
        "ExoDesk cannot open its window: the system library libxcb-cursor.so.0 is missing. "
        "On Debian or Ubuntu: sudo apt-get install libxcb-cursor0"
    )


def test_an_unknown_library_still_gets_a_sentence_without_a_package() -> None:
    sentence = missing_library_sentence("libfoo-9.so.3: cannot open shared object file")
    assert sentence is not None and "libfoo-9.so.3 is missing" in sentence
    assert "apt-get" not in sentence


def test_other_import_errors_are_not_taken_for_a_missing_library() -> None:
    assert missing_library_sentence("No module named 'PySide6'") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 is Linux's")
def test_no_screen_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    problem = window_problem()
    assert problem is not None and "there is no screen here (DISPLAY is not set)" in problem


def test_offscreen_needs_no_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.delenv("DISPLAY", raising=False)
    assert window_problem() is None

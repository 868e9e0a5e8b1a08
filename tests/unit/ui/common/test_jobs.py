"""Background jobs hand their result back on the UI thread, and to nobody once the widget
that started them was closed."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from exodesk.ui.common.jobs import BackgroundRunner


def test_the_result_reaches_the_caller_on_the_ui_thread(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    runner = BackgroundRunner(owner)
    got: list[tuple[Any, bool]] = []
    main = threading.get_ident()
    runner.start("job", lambda: 42, lambda r: got.append((r, threading.get_ident() == main)))
    qtbot.waitUntil(lambda: bool(got))
    assert got == [(42, True)]


def test_a_result_arriving_after_its_widget_was_closed_is_dropped(qtbot: QtBot) -> None:
    owner = QWidget()
    runner = BackgroundRunner(owner)
    release = threading.Event()
    got: list[Any] = []
    runner.start("job", lambda: release.wait(10) and "late", got.append)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(runner))
    release.set()
    QThreadPool.globalInstance().waitForDone()
    qtbot.wait(50)  # the queued hand-back, had it been delivered
    assert got == []


def _alive(obj: object) -> bool:
    import shiboken6

    return bool(shiboken6.isValid(obj))

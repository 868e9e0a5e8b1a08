"""At closing time the window asks about vials still open: "Keep them open" closes, "Discard
the expired ones…" records their waste and closes, "Cancel" stays open. And the window's
"Reconstitute a vial…" action, with its shortcut, in the Records menu and Treatments view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import DEMO_TODAY
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from exodesk.demo.vials import open_demo_vials
from exodesk.models import Movement, MovementKind
from exodesk.services.stock.vials import open_vials
from exodesk.ui.shell.actions import ActionId
from exodesk.ui.shell.main_window import MainWindow
from exodesk.ui.treatments import vial_choice
from exodesk.ui.treatments.reconstitute_dialog import ReconstituteDialog

NOW = dt.datetime.combine(DEMO_TODAY, dt.time(14, 20))


class Answer:
    """QMessageBox.exec replaced: records the question, clicks the button named."""

    def __init__(self) -> None:
        self.button = "Cancel"
        self.asked: list[str] = []
        self.buttons: list[str] = []

    def __call__(self, box: QMessageBox) -> int:
        self.asked.append(box.text())
        self.buttons = [b.text() for b in box.buttons()]
        next(b for b in box.buttons() if b.text() == self.button).click()
        return 0


@pytest.fixture
def answer(monkeypatch: pytest.MonkeyPatch) -> Answer:
    monkeypatch.setattr(vial_choice, "local_now", lambda: NOW)
    answer = Answer()
    monkeypatch.setattr(QMessageBox, "exec", lambda box: answer(box))
    return answer


@pytest.fixture
def window(qtbot: QtBot, ctx: Any, answer: Answer) -> Iterator[MainWindow]:
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    answer.button = "&Keep them open"
    win.close()


def open_demo(ctx: Any) -> list[str]:
    with ctx.db.write() as session:
        return [v.ref for v in open_demo_vials(session, NOW)]


def still_open(ctx: Any) -> list[str]:
    with ctx.db.read() as session:
        return [v.ref for v in open_vials(session)]


def test_no_open_vial_closes_without_asking(window: MainWindow, answer: Answer) -> None:
    assert window.close()
    assert answer.asked == []


def test_cancel_keeps_the_window_open_and_lists_the_vials(
    window: MainWindow, ctx: Any, answer: Answer
) -> None:
    refs = open_demo(ctx)
    assert not window.close()
    assert window.isVisible()
    [question] = answer.asked
    assert question.startswith("3 reconstituted vial(s) are still open:")
    assert "• WINDOW PASSED · V-0001 · AutoPlate Exo PRP Lyo" in question
    assert "window passed 1 h ago" in question
    assert "• LAST HOUR · V-0002" in question and "30 min left" in question
    assert "3 h 30 min left" not in question and "3 h 10 min left" in question
    assert sorted(answer.buttons) == ["&Keep them open", "Cancel", "Discard the &expired ones…"]
    assert still_open(ctx) == refs


def test_keep_them_open_closes_and_they_stay_open(
    window: MainWindow, ctx: Any, answer: Answer
) -> None:
    refs = open_demo(ctx)
    answer.button = "&Keep them open"
    assert window.close()
    assert still_open(ctx) == refs


def test_discarding_the_expired_ones_records_their_waste_then_closes(
    window: MainWindow, ctx: Any, answer: Answer, monkeypatch: pytest.MonkeyPatch
) -> None:
    refs = open_demo(ctx)
    monkeypatch.setattr(
        QInputDialog, "getText", lambda *_args, **_kw: ("window passed at closing", True)
    )
    answer.button = "Discard the &expired ones…"
    assert window.close()
    assert still_open(ctx) == refs[1:]
    with ctx.db.read() as session:
        waste = session.query(Movement).filter(Movement.kind == MovementKind.WASTE).all()
    assert [m.reason for m in waste if "V-0001" in (m.reason or "")] == [
        "open vial V-0001: window passed at closing"
    ]


def test_a_cancelled_reason_stays_open(
    window: MainWindow, ctx: Any, answer: Answer, monkeypatch: pytest.MonkeyPatch
) -> None:
    refs = open_demo(ctx)
    monkeypatch.setattr(QInputDialog, "getText", lambda *_args, **_kw: ("", False))
    answer.button = "Discard the &expired ones…"
    assert not window.close()
    assert still_open(ctx) == refs


def test_the_window_action_opens_the_dialog(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = window.actions_by_id[ActionId.RECONSTITUTE]
    assert action.shortcut() == QKeySequence("Ctrl+Shift+V")
    records = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Records")
    assert action in records.actions()  # type: ignore[union-attr]
    assert window.treatments.reconstitute_button.text() == "Reconstitute a v&ial…"
    shown: list[ReconstituteDialog] = []
    monkeypatch.setattr(ReconstituteDialog, "exec", lambda d: shown.append(d) or 0)
    action.trigger()
    QApplication.processEvents()
    assert len(shown) == 1 and shown[0].by.text() == "tester"

"""Signing in with real widgets: the first start creates the admin, a wrong password is
refused (five in a row pause the tries), and an idle window locks until the password."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from background_loads import loaded
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMessageBox, QVBoxLayout
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.db import Database, open_database
from exodesk.models.enums import AuditAction, Role
from exodesk.services.accounts import throttle, users
from exodesk.services.audit.log import AuditFilter, list_events
from exodesk.ui.accounts.sign_in import (
    FirstAdminDialog,
    IdleLock,
    SignInDialog,
    Throttle,
    sign_in_at_start,
)
from exodesk.ui.shell.actions import ActionId
from exodesk.ui.shell.main_window import MainWindow

PASSWORD = "admin secret"
T0 = dt.datetime(2026, 12, 1, 9, 0, 0)


@pytest.fixture(autouse=True)
def settings_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg"))
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))
    yield


@pytest.fixture
def empty_db(db_path: Path) -> Iterator[Database]:
    db = open_database(str(db_path))
    yield db
    db.close()


def _add(db: Database, name: str, role: Role, password: str = PASSWORD) -> None:
    with db.write() as session:
        users.create_user(session, name, role, password, by="tester")


def _type(qtbot: QtBot, widget: Any, text: str) -> None:
    widget.clear()
    qtbot.keyClicks(widget, text)


def test_the_first_start_creates_the_admin(
    qtbot: QtBot, empty_db: Database, tmp_path: Path
) -> None:
    seen: list[FirstAdminDialog] = []

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, FirstAdminDialog)
        seen.append(dialog)
        _type(qtbot, dialog.name, "Dr Amelia Hart")
        _type(qtbot, dialog.password, PASSWORD)
        _type(qtbot, dialog.again, "something else")
        qtbot.keyClick(dialog.again, Qt.Key.Key_Return)
        assert dialog.isVisible()
        assert dialog.error.text() == "Error: password again: the two passwords differ"
        _type(qtbot, dialog.password, "short")
        _type(qtbot, dialog.again, "short")
        qtbot.keyClick(dialog.again, Qt.Key.Key_Return)
        assert dialog.error.text() == "Error: password: use at least 8 characters"
        dialog.resize(560, 420)
        save_shot(dialog, "first_admin", tmp_path)
        _type(qtbot, dialog.password, PASSWORD)
        _type(qtbot, dialog.again, PASSWORD)
        qtbot.keyClick(dialog.again, Qt.Key.Key_Return)

    QTimer.singleShot(0, fill)
    account = sign_in_at_start(empty_db)
    assert seen and account is not None
    assert (account.name, account.role) == ("Dr Amelia Hart", Role.ADMIN)
    with empty_db.read() as session:
        assert [(a.name, a.role) for a in users.list_users(session)] == [
            ("Dr Amelia Hart", Role.ADMIN)
        ]
    assert QSettings().value("sign_in/last_user") == "Dr Amelia Hart"


def test_cancelling_the_first_start_creates_nobody(qtbot: QtBot, empty_db: Database) -> None:
    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, FirstAdminDialog)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, cancel)
    assert sign_in_at_start(empty_db) is None
    with empty_db.read() as session:
        assert users.list_users(session) == []


def test_sign_in_refuses_a_wrong_password_and_pauses_after_five(
    qtbot: QtBot, empty_db: Database, tmp_path: Path
) -> None:
    _add(empty_db, "Boss", Role.ADMIN)
    clock = [T0]
    dialog = SignInDialog(empty_db, name="Boss", throttle=Throttle(now=lambda: clock[0]))
    qtbot.addWidget(dialog)
    dialog.show()
    form = dialog.form
    assert QApplication.focusWidget() is form.password or not dialog.isActiveWindow()
    for attempt in range(1, 6):
        _type(qtbot, form.password, f"guess {attempt}!")
        qtbot.keyClick(form.password, Qt.Key.Key_Return)
        assert dialog.account is None and dialog.isVisible()
        if attempt < 5:
            assert form.error.text().startswith("Error: wrong password for Boss.")
            assert form.password.text() == ""
    save_shot(dialog, "sign_in_paused", tmp_path)
    assert form.error.text() == (
        "Error: too many wrong passwords for Boss: try again in 30 seconds."
    )
    assert not form.password.isEnabled() and not form.button.isEnabled()
    clock[0] += dt.timedelta(seconds=12)
    form._update_pause()
    assert form.error.text().endswith("try again in 18 seconds.")
    clock[0] += dt.timedelta(seconds=19)
    qtbot.waitUntil(lambda: form.password.isEnabled(), timeout=30_000)
    _type(qtbot, form.password, PASSWORD)
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.account is not None and dialog.account.name == "Boss"
    with empty_db.read() as session:
        failed = [
            e
            for e in list_events(session, AuditFilter(record="user"), limit=10)
            if e.action is AuditAction.SIGN_IN_FAILED
        ]
    assert [(e.user, e.record_key, e.new) for e in failed] == [
        (None, "Boss", '{"via": "sign-in window"}')
    ] * 5


def test_the_pause_is_shared_with_other_windows_and_names_without_accounts(
    qtbot: QtBot, empty_db: Database
) -> None:
    """Wrong passwords typed elsewhere (another window, the command line) count here too; a
    name without an account waits just the same; another name is not held up."""
    _add(empty_db, "Boss", Role.ADMIN)
    for name in ("Boss", "Nobody"):
        for _ in range(5):
            with pytest.raises((users.WrongPassword, users.NoActiveAccount)):
                throttle.sign_in(empty_db.write, name, "guess", via="elsewhere", now=T0)
    clock = [T0 + dt.timedelta(seconds=10)]
    dialog = SignInDialog(empty_db, throttle=Throttle(now=lambda: clock[0]))
    qtbot.addWidget(dialog)
    dialog.show()
    form = dialog.form
    for name in ("Boss", "Nobody"):
        _type(qtbot, form.name, name)
        _type(qtbot, form.password, PASSWORD)
        qtbot.mouseClick(form.button, Qt.MouseButton.LeftButton)
        assert form.error.text() == (
            f"Error: too many wrong passwords for {name}: try again in 20 seconds."
        )
        assert not form.button.isEnabled() and form.name.isEnabled()
    form.name.setFocus()
    _type(qtbot, form.name, "Somebody else")  # another name: its own count decides
    assert form.button.isEnabled() and form.password.isEnabled()
    assert not form.error.isVisible()
    assert QApplication.focusWidget() is not form.password  # the typing stays in the name
    _type(qtbot, form.password, PASSWORD)
    qtbot.mouseClick(form.button, Qt.MouseButton.LeftButton)
    assert form.error.text() == "Error: there is no active account named 'Somebody else'."
    assert dialog.account is None


def test_an_empty_field_is_refused_without_counting(qtbot: QtBot, empty_db: Database) -> None:
    _add(empty_db, "Boss", Role.ADMIN)
    dialog = SignInDialog(empty_db, name="Boss", throttle=Throttle(now=lambda: T0))
    qtbot.addWidget(dialog)
    dialog.show()
    form = dialog.form
    for _ in range(6):
        _type(qtbot, form.password, "")
        qtbot.mouseClick(form.button, Qt.MouseButton.LeftButton)
        assert form.error.text() == "Error: password: type your password"
    with empty_db.read() as session:
        assert throttle.seconds_to_wait(session, "Boss", T0) == 0
        assert list_events(session, AuditFilter(record="user"), limit=10)[0].action is (
            AuditAction.CREATE
        )
    assert form.button.isEnabled()


def test_a_database_whose_accounts_are_gone_offers_no_first_admin(
    qtbot: QtBot, empty_db: Database, db_path: Path
) -> None:
    """Emptied behind ExoDesk's back, it says nobody can sign in (restore a backup) and
    opens nothing; making a "first" admin would let anyone take it over."""
    _add(empty_db, "Boss", Role.ADMIN)
    with contextlib.closing(sqlite3.connect(db_path)) as raw, raw:
        raw.execute("DELETE FROM user_account")
    said: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox), box
        said.append(box.text())
        box.close()

    QTimer.singleShot(0, read_and_close)
    assert sign_in_at_start(empty_db) is None
    assert len(said) == 1 and "nobody can sign in" in said[0]
    assert "restore a backup that has the accounts" in said[0]
    with empty_db.read() as session:
        assert users.list_users(session) == []


def test_sign_in_screenshot_and_unknown_name(
    qtbot: QtBot, empty_db: Database, tmp_path: Path
) -> None:
    _add(empty_db, "Boss", Role.ADMIN)
    dialog = SignInDialog(empty_db)
    qtbot.addWidget(dialog)
    dialog.show()
    _type(qtbot, dialog.form.name, "Bos")
    _type(qtbot, dialog.form.password, PASSWORD)
    qtbot.mouseClick(dialog.form.button, Qt.MouseButton.LeftButton)
    assert dialog.form.error.text() == "Error: there is no active account named 'Bos'."
    _type(qtbot, dialog.form.name, "Boss")
    _type(qtbot, dialog.form.password, "not the password")
    qtbot.mouseClick(dialog.form.button, Qt.MouseButton.LeftButton)
    save_shot(dialog, "sign_in", tmp_path)
    assert dialog.form.error.isVisible()


# -- the idle lock ------------------------------------------------------------------------


@pytest.fixture
def signed_in(ctx: Any) -> Any:
    """The demo clinic's context, signed in as the admin "tester"; "Sam" manages stock."""
    _add(ctx.db, "tester", Role.ADMIN)
    _add(ctx.db, "Sam", Role.STOCK_MANAGER, "sam's secret")
    ctx.role = Role.ADMIN
    return ctx


@pytest.fixture
def window(qtbot: QtBot, signed_in: Any) -> Iterator[MainWindow]:
    win = MainWindow(signed_in)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitUntil(lambda: bool(win.flags), timeout=10000)
    yield win
    win.close()


def test_an_idle_window_locks_and_unlocks_with_the_password(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    lock = IdleLock(window.ctx, window, idle_seconds=0.3)
    receives: list[bool] = []
    window.actions_by_id[ActionId.RECEIVE].triggered.connect(lambda: receives.append(True))
    with qtbot.waitSignal(lock.locked, timeout=30_000):
        pass
    screen = lock.screen
    assert screen is not None and screen.isVisible()
    assert not window.centralWidget().isEnabled() and not window.menuBar().isEnabled()
    assert "tester (admin)" in screen.explanation.text()
    save_shot(window, "lock_screen", tmp_path)
    qtbot.keyClick(screen.form.password, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert receives == []  # the window's shortcuts are off while locked
    _type(qtbot, screen.form.password, "wrong password")
    qtbot.keyClick(screen.form.password, Qt.Key.Key_Return)
    assert lock.is_locked
    assert screen.form.error.text().startswith("Error: wrong password for tester.")
    with qtbot.waitSignal(lock.unlocked, timeout=30_000):
        _type(qtbot, screen.form.password, PASSWORD)
        qtbot.keyClick(screen.form.password, Qt.Key.Key_Return)
    assert not lock.is_locked
    assert window.centralWidget().isEnabled() and window.menuBar().isEnabled()
    assert window.ctx.user == "tester"
    lock.stop()


def test_someone_else_can_sign_in_at_the_lock_screen(qtbot: QtBot, window: MainWindow) -> None:
    lock = IdleLock(window.ctx, window, idle_seconds=60)
    lock.lock()
    screen = lock.screen
    assert screen is not None
    with qtbot.waitSignal(window.ctx.bus.user_changed, timeout=30_000):
        _type(qtbot, screen.form.name, "Sam")
        _type(qtbot, screen.form.password, "sam's secret")
        qtbot.keyClick(screen.form.password, Qt.Key.Key_Return)
    assert (window.ctx.user, window.ctx.role) == ("Sam", Role.STOCK_MANAGER)
    assert not lock.is_locked
    lock.stop()


def test_an_open_dialog_is_covered_too(qtbot: QtBot, window: MainWindow) -> None:
    dialog = QDialog(window)
    QVBoxLayout(dialog).addWidget(QLabel("Patient P-0042: 2 vials"))
    dialog.resize(500, 300)
    dialog.open()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog or dialog.isVisible())
    lock = IdleLock(window.ctx, window, idle_seconds=60)
    lock.lock()
    screen = lock.screen
    assert screen is not None
    assert len(lock._covers) == 2  # the window and the dialog
    assert lock._dialog is not None and lock._dialog.isVisible()
    qtbot.keyClick(lock._dialog, Qt.Key.Key_Escape)
    assert lock.is_locked  # Esc does not unlock
    _type(qtbot, screen.form.password, PASSWORD)
    qtbot.keyClick(screen.form.password, Qt.Key.Key_Return)
    assert not lock.is_locked and dialog.isVisible()
    dialog.reject()
    lock.stop()


def test_no_lock_without_accounts_or_when_switched_off(qtbot: QtBot, ctx: Any) -> None:
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    lock = IdleLock(ctx, win, idle_seconds=0.05)
    qtbot.wait(300)
    assert not lock.is_locked  # ctx.role is None: nobody to unlock it
    QSettings().setValue("lock/idle_minutes", 0)
    off = IdleLock(ctx, win)
    assert off.idle_seconds == 0 and not off._timer.isActive()
    lock.stop()
    off.stop()
    win.close()


# -- what each role is offered ------------------------------------------------------------


def test_a_stock_manager_sees_record_treatment_disabled(
    qtbot: QtBot, signed_in: Any, tmp_path: Path
) -> None:
    signed_in.user, signed_in.role = "Sam", Role.STOCK_MANAGER
    win = MainWindow(signed_in)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    actions = win.actions_by_id
    assert not actions[ActionId.RECORD_TREATMENT].isEnabled()
    assert not actions[ActionId.IMPORT].isEnabled()
    assert actions[ActionId.RECEIVE].isEnabled() and actions[ActionId.NEW].isEnabled()
    assert win.treatments.new_button.isHidden() and win.products.new_button.isHidden()
    assert not win.stock.waste_button.isHidden()
    assert not win.products.editor.isEnabled()
    assert win.user_label.text() == "Signed in: Sam (stock manager)"
    win.show_view("Products")
    win.new_record()
    assert win.statusBar().currentMessage() == (
        "Sam may not do this: editing products and documents needs the admin role."
    )
    save_shot(win, "window_as_stock_manager", tmp_path)

    signed_in.user, signed_in.role = "tester", Role.ADMIN  # someone else signed in
    signed_in.bus.user_changed.emit()
    assert actions[ActionId.RECORD_TREATMENT].isEnabled() and actions[ActionId.IMPORT].isEnabled()
    assert not win.treatments.new_button.isHidden() and win.products.editor.isEnabled()
    assert win.user_label.text() == "Signed in: tester (admin)"
    win.show_view("Audit")
    loaded(qtbot, win.audit)
    assert win.audit.model.total > 300
    save_shot(win, "window_audit", tmp_path)
    win.close()

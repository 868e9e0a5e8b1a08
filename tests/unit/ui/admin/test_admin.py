"""Administration in the window, on the demo clinic signed in as the admin "tester": accounts,
the clinic's settings (and the title naming the clinic), backups and restoring one from the
window, Lock now and Switch user; and what someone who is not an admin sees. Screenshots of
each screen at 1024x768."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLineEdit, QWidget
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.backup import daily_backup
from exodesk.models.enums import BackupKind, Role
from exodesk.services.accounts import users
from exodesk.services.catalogue.clinic import ClinicSettings, get_clinic_settings, update_clinic
from exodesk.ui.accounts.sign_in import IdleLock
from exodesk.ui.admin.accounts_panel import (
    AccountsPanel,
    DeactivateDialog,
    PasswordDialog,
    RoleDialog,
)
from exodesk.ui.admin.admin_dialog import AdministrationDialog
from exodesk.ui.admin.backups_panel import BackupsPanel, settle_background_jobs
from exodesk.ui.shell.actions import ActionId
from exodesk.ui.shell.main_window import MainWindow

PASSWORD = "correct horse"
DEMO_CLINIC = "Harbourside Skin & Hair Clinic (demo)"
SHOT = (1024, 768)


@pytest.fixture(autouse=True)
def settings_in_tmp(tmp_path: Path) -> Iterator[None]:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg"))
    yield
    settle_background_jobs()  # nothing of this test's still runs on a worker thread
    gc.collect()  # its Qt objects are collected here, on the GUI thread, not in a worker


def _add(ctx: Any, name: str, role: Role, password: str = PASSWORD) -> None:
    with ctx.db.write() as session:
        users.create_user(session, name, role, password, by="tester")


@pytest.fixture
def admin(ctx: Any) -> Iterator[Any]:
    """Signed in as the admin "tester"; "Sam" manages stock. A restore replaces ctx.db: the
    one in use at the end is closed too."""
    with ctx.db.write() as session:
        users.create_user(session, "tester", Role.ADMIN, PASSWORD, by=None)
    _add(ctx, "Sam", Role.STOCK_MANAGER, "sam's secret")
    ctx.role = Role.ADMIN
    yield ctx
    ctx.db.close()


@pytest.fixture
def window(qtbot: QtBot, admin: Any) -> Iterator[MainWindow]:
    win = MainWindow(admin)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitUntil(lambda: bool(win.flags), timeout=10000)
    yield win
    settle_background_jobs()  # the Dashboard's last query answers before the window goes
    win.close()


def _type(qtbot: QtBot, widget: QWidget, text: str) -> None:
    if isinstance(widget, QLineEdit):
        widget.clear()
    qtbot.keyClicks(widget, text)


def _shot(widget: QWidget, name: str, tmp_path: Path) -> Path:
    widget.resize(*SHOT)
    widget.show()
    return save_shot(widget, name, tmp_path)


def _names(panel: AccountsPanel) -> list[str]:
    return [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())]


# -- accounts -------------------------------------------------------------------------------


def test_accounts_are_added_given_a_role_reset_and_deactivated(
    qtbot: QtBot, admin: Any, tmp_path: Path
) -> None:
    panel = AccountsPanel(admin)
    qtbot.addWidget(panel)
    assert _names(panel) == ["Sam", "tester"]
    assert panel.table.item(1, 1).text() == "Admin" and panel.table.item(1, 2).text() == "yes"
    assert not panel.role_button.isEnabled()  # nothing selected

    add = panel.add_dialog()
    qtbot.addWidget(add)
    _type(qtbot, add.name, "Nurse Priya Shah")
    add.role.setCurrentIndex(add.role.findData(Role.PRACTITIONER))
    _type(qtbot, add.password, "priya's password")
    _type(qtbot, add.again, "priya's passwort")
    add.ok_button.click()
    assert "the two passwords differ" in add.error.text() and add.again.text() == ""
    _type(qtbot, add.again, "priya's password")
    add.ok_button.click()
    assert add.result() == add.DialogCode.Accepted
    assert "Nurse Priya Shah" in _names(panel)  # the list reloads on Changes.ACCOUNTS

    panel.select("Nurse Priya Shah")
    role = panel.dialog_for(RoleDialog)
    assert isinstance(role, RoleDialog)
    role.role.setCurrentIndex(role.role.findData(Role.AUDITOR))
    role.ok_button.click()
    row = _names(panel).index("Nurse Priya Shah")
    assert panel.table.item(row, 1).text() == "Auditor"

    reset = panel.dialog_for(PasswordDialog)
    assert isinstance(reset, PasswordDialog)
    _type(qtbot, reset.password, "short")
    _type(qtbot, reset.again, "short")
    reset.ok_button.click()
    assert "use at least 8 characters" in reset.error.text()
    _type(qtbot, reset.password, "a brand new one")
    _type(qtbot, reset.again, "a brand new one")
    reset.ok_button.click()
    with admin.db.read() as session:
        assert users.authenticate(session, "Nurse Priya Shah", "a brand new one") is not None

    panel.select("tester")
    last_admin = panel.dialog_for(DeactivateDialog)
    assert isinstance(last_admin, DeactivateDialog)
    last_admin.ok_button.click()
    assert "tester is the last active admin; add another admin first" in last_admin.error.text()
    assert last_admin.isVisible() or last_admin.result() != last_admin.DialogCode.Accepted

    panel.select("Sam")
    leaving = panel.dialog_for(DeactivateDialog)
    assert isinstance(leaving, DeactivateDialog)
    _type(qtbot, leaving.reason, "left the clinic")
    leaving.ok_button.click()
    row = _names(panel).index("Sam")
    assert panel.table.item(row, 2).text() == "no"
    assert not panel.deactivate_button.isEnabled()  # Sam stays selected, now inactive

    dialog = AdministrationDialog(admin, None, "Accounts")
    qtbot.addWidget(dialog)
    _shot(dialog, "admin_accounts", tmp_path)
    add = dialog.accounts.add_dialog()
    qtbot.addWidget(add)
    add.show()
    save_shot(add, "admin_add_account", tmp_path)
    add.reject()


# -- the clinic's settings and the title ------------------------------------------------------


def test_the_title_names_the_clinic_from_the_start(window: MainWindow) -> None:
    assert window.windowTitle() == f"Dashboard — ExoDesk — {DEMO_CLINIC}"
    window.show_view("Stock")
    assert window.windowTitle() == f"Stock — ExoDesk — {DEMO_CLINIC}"


def test_clinic_settings_rename_the_clinic_and_set_the_horizons(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    ctx = window.ctx
    dialog = AdministrationDialog(ctx, window, "Clinic")
    qtbot.addWidget(dialog)
    panel = dialog.clinic
    assert panel.name.text() == DEMO_CLINIC and panel.market_code() == "UK"
    assert panel.certificate_days.text() == "the default, 90 days"
    assert panel.lot_days.text() == "the default, 60 days"
    _shot(dialog, "admin_clinic_settings", tmp_path)

    _type(qtbot, panel.name, "")
    panel.save_button.click()
    assert panel.error.text() == "Error: Clinic name: give the clinic's name"

    lot_flags = sum(f.rule == "lot_expiring" for f in window.flags)
    _type(qtbot, panel.name, "Harbourside Clinic")
    panel.market.setEditText("fr")
    panel.certificate_days.setValue(120)
    panel.lot_days.setValue(365)
    with qtbot.waitSignal(window.flag_feed.ready, timeout=10000):
        panel.save_button.click()
    assert panel.error.isHidden()
    assert "warn 120 days before a certificate expires and 365 days" in panel.saved.text()
    assert window.windowTitle() == "Dashboard — ExoDesk — Harbourside Clinic"
    assert window.clinic_label.text() == "Harbourside Clinic (FR)"
    assert sum(f.rule == "lot_expiring" for f in window.flags) > lot_flags
    with ctx.db.read() as session:
        assert get_clinic_settings(session) == ClinicSettings("Harbourside Clinic", "FR", 120, 365)
    _shot(dialog, "admin_clinic_settings_saved", tmp_path)

    panel.lot_days.setValue(0)  # back to the default
    panel.save_button.click()
    with ctx.db.read() as session:
        assert get_clinic_settings(session).lot_warning_days is None  # type: ignore[union-attr]


# -- backups and restore ----------------------------------------------------------------------


def test_back_up_now_and_the_copies_kept(
    qtbot: QtBot, admin: Any, demo_db: Path, tmp_path: Path
) -> None:
    daily_backup(demo_db, dt.date(2026, 11, 21), store=admin.document_store)
    panel = BackupsPanel(admin)
    qtbot.addWidget(panel)
    kinds = {c.kind for c in panel.copies}
    assert kinds == {BackupKind.DAILY, BackupKind.MONTHLY}
    panel.backup_button.click()
    assert panel.busy and not panel.backup_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.busy, timeout=20000)
    assert panel.status.text().startswith("Backed up to ")
    assert "the copy was checked" in panel.status.text()
    by_hand = [c for c in panel.copies if c.kind is BackupKind.BY_HAND]
    assert len(by_hand) == 1 and by_hand[0].path.parent == demo_db.parent / "clinic-backups"
    assert panel.table.item(0, 0).text() == "By hand"  # newest first
    assert panel.table.item(0, 3).text() == str(by_hand[0].path)

    usb = tmp_path / "usb"
    usb.mkdir()
    panel.back_up_to(usb)
    qtbot.waitUntil(lambda: not panel.busy, timeout=20000)
    assert str(usb) in panel.status.text()
    assert len(list(usb.glob("clinic-*.sqlite"))) == 1

    panel.back_up_to(tmp_path / "unplugged" / "usb")  # the stick was pulled out
    qtbot.waitUntil(lambda: not panel.busy, timeout=20000)
    assert panel.error.text().startswith("No backup was made: ")
    assert "unplugged: no such folder; nothing was written" in panel.error.text()
    _shot(panel, "admin_backups", tmp_path)


def _products(window: MainWindow, qtbot: QtBot) -> list[str]:
    window.show_view("Products")
    qtbot.waitUntil(lambda: not window.products.busy, timeout=30_000)  # read off the UI thread
    model = window.products.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_restore_from_the_window_shows_the_restored_data(
    qtbot: QtBot, window: MainWindow, demo_db: Path, tmp_path: Path
) -> None:
    ctx = window.ctx
    dialog = AdministrationDialog(ctx, window, "Backups")
    qtbot.addWidget(dialog)
    dialog.show()
    panel = dialog.backups
    panel.back_up_now()
    qtbot.waitUntil(lambda: not panel.busy, timeout=20000)
    kept = panel.copies[0].path
    with ctx.db.write() as session:  # after the backup: what the restore will take away
        update_clinic(session, ClinicSettings("Renamed after the backup", "UK"), by="tester")
    ctx.announce_change()
    assert window.windowTitle().endswith("Renamed after the backup")
    old_db = ctx.db

    asked: list[str] = []

    def say_no(title: str, text: str) -> bool:
        asked.append(text)
        return False

    panel.confirm = say_no
    assert not panel.restore_from(kept)  # the admin said no: nothing happens
    assert ctx.db is old_db
    assert f"\n{kept}?" in asked[0] and "with the backup of 20" in asked[0]
    assert f"{demo_db}\n" in asked[0] and "clinic.sqlite.before-restore-" in asked[0]

    panel.confirm = lambda title, text: True
    panel.table.selectRow(0)
    with qtbot.waitSignal(ctx.bus.changed, timeout=30000):
        panel.restore_button.click()
        assert panel.busy and dialog.isVisible()
        dialog.reject()  # refused while the restore runs: it reopens the database
        assert dialog.isVisible()
    assert not panel.busy
    assert ctx.db is not old_db  # reopened into the context
    assert panel.error.isHidden(), panel.error.text()
    assert panel.status.text().startswith(f"Restored clinic.sqlite from {kept}")
    assert "The previous file was kept as" in panel.status.text()
    qtbot.waitUntil(lambda: window.windowTitle().endswith(DEMO_CLINIC), timeout=10000)
    assert any(c.kind is BackupKind.BEFORE_RESTORE for c in panel.copies)
    with ctx.db.read() as session:
        assert get_clinic_settings(session).name == DEMO_CLINIC  # type: ignore[union-attr]
    assert "Rosalis Callus Exosome Cream" in _products(window, qtbot)  # the views read the new file
    _shot(dialog, "admin_backups_restored", tmp_path)
    dialog.reject()


def test_a_damaged_backup_is_refused_and_the_old_data_stays_shown(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    ctx = window.ctx
    with ctx.db.write() as session:
        update_clinic(session, ClinicSettings("Kept as it was", "UK"), by="tester")
    ctx.announce_change()
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4000)
    panel = BackupsPanel(ctx)
    qtbot.addWidget(panel)
    panel.confirm = lambda title, text: True
    with qtbot.waitSignal(ctx.bus.changed, timeout=30000):
        panel.restore_from(damaged)
    assert panel.error.text().startswith("Nothing was replaced: ")
    assert "damaged.sqlite" in panel.error.text()
    with ctx.db.read() as session:  # the database was opened again, as it was
        assert get_clinic_settings(session).name == "Kept as it was"  # type: ignore[union-attr]
    assert window.windowTitle().endswith("Kept as it was")
    assert not any(c.kind is BackupKind.BEFORE_RESTORE for c in panel.copies)
    _shot(panel, "admin_backups_refused", tmp_path)


def test_a_restore_needs_the_admin_of_the_current_database(
    qtbot: QtBot, window: MainWindow, demo_db: Path
) -> None:
    """The authorise callback checks the signed-in person on the current file: an admin
    demoted elsewhere meanwhile is refused, and nothing is replaced."""
    ctx = window.ctx
    panel = BackupsPanel(ctx)
    qtbot.addWidget(panel)
    panel.back_up_now()
    qtbot.waitUntil(lambda: not panel.busy, timeout=20000)
    kept = panel.copies[0].path
    _add(ctx, "Ada", Role.ADMIN)
    with ctx.db.write() as session:
        users.change_role(session, "tester", Role.AUDITOR, by="Ada")
    panel.confirm = lambda title, text: True
    with qtbot.waitSignal(ctx.bus.changed, timeout=30000):
        panel.restore_from(kept)
    assert "Nothing was replaced: tester is an auditor" in panel.error.text()
    assert not list(demo_db.parent.glob("clinic.sqlite.before-restore-*"))


# -- who may, Lock now, Switch user -----------------------------------------------------------


def test_the_administration_menu_is_for_admins_others_see_why(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    actions = window.actions_by_id
    admin_items = (ActionId.ACCOUNTS, ActionId.CLINIC_SETTINGS, ActionId.BACKUPS)
    assert all(actions[i].isEnabled() for i in admin_items)
    window.ctx.user, window.ctx.role = "Sam", Role.STOCK_MANAGER
    window.ctx.bus.user_changed.emit()
    assert not any(actions[i].isEnabled() for i in admin_items)
    assert actions[ActionId.ACCOUNTS].toolTip() == "Managing user accounts needs the admin role"
    assert actions[ActionId.BACKUPS].toolTip().startswith("Restoring a backup")
    assert actions[ActionId.LOCK].isEnabled() and actions[ActionId.SWITCH_USER].isEnabled()
    window.administration("Accounts")  # e.g. a stale shortcut: refused, saying why
    assert "Sam may not do this: managing user accounts" in window.statusBar().currentMessage()
    window.admin_menu.adjustSize()
    save_shot(window.admin_menu, "admin_menu_not_admin", tmp_path)


def test_lock_now_and_switch_user(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    lock = IdleLock(window.ctx, window, idle_seconds=0)  # the idle lock switched off
    window.idle_lock = lock
    window.actions_by_id[ActionId.LOCK].trigger()
    screen = lock.screen
    assert screen is not None and screen.isVisible()
    assert "by tester" in screen.explanation.text()
    assert not window.centralWidget().isEnabled()
    _type(qtbot, screen.form.password, PASSWORD)
    with qtbot.waitSignal(lock.unlocked, timeout=30000):
        qtbot.keyClick(screen.form.password, Qt.Key.Key_Return)
    assert window.ctx.user == "tester" and window.centralWidget().isEnabled()

    window.actions_by_id[ActionId.SWITCH_USER].trigger()
    screen = lock.screen
    assert screen is not None
    assert screen.form.name.text() == "" and "stepped away" in screen.explanation.text()
    window.resize(*SHOT)
    save_shot(window, "admin_switch_user", tmp_path)
    with qtbot.waitSignal(window.ctx.bus.user_changed, timeout=30000):
        _type(qtbot, screen.form.name, "Sam")
        _type(qtbot, screen.form.password, "sam's secret")
        qtbot.keyClick(screen.form.password, Qt.Key.Key_Return)
    assert (window.ctx.user, window.ctx.role) == ("Sam", Role.STOCK_MANAGER)
    assert not window.actions_by_id[ActionId.ACCOUNTS].isEnabled()  # the window re-checked
    assert window.user_label.text() == "Signed in: Sam (stock manager)"
    lock.stop()


def test_nothing_to_lock_without_accounts(qtbot: QtBot, ctx: Any) -> None:
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: bool(win.flags), timeout=10000)
    assert not win.actions_by_id[ActionId.LOCK].isEnabled()
    assert "no accounts yet" in win.actions_by_id[ActionId.LOCK].toolTip()
    assert win.actions_by_id[ActionId.ACCOUNTS].isEnabled()  # one person, all allowed

"""Composition root: settings -> database -> context -> main window."""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import (
    QMessageLogContext,
    QThreadPool,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QWidget
from sqlalchemy.exc import OperationalError

from exodesk import __version__
from exodesk.backup import BackupError, BackupInfo, daily_backup, daily_backup_exists
from exodesk.db import (
    Database,
    DatabaseRefused,
    explain_operational_error,
    open_database,
    sqlite_file,
    target_url,
)
from exodesk.services.accounts import throttle, users
from exodesk.services.accounts.users import Account
from exodesk.services.audit.anchors import ANCHOR_WINDOW_START, record_anchor
from exodesk.services.errors import ExoDeskError, NotPermitted
from exodesk.settings import APP_NAME, document_store


def show_unexpected_errors() -> None:
    """An error reaching the event loop becomes a plain message, never a silent traceback.
    The write it interrupted was rolled back with its transaction."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if isinstance(error, NotPermitted):  # a view offered what the role may not do
            QMessageBox.warning(QApplication.activeWindow(), APP_NAME, f"Not allowed: {error}.")
            return
        if isinstance(error, OperationalError):
            text = f"Nothing was saved: {explain_operational_error(error)}."
        else:
            text = (
                f"Something went wrong ({kind.__name__}: {error}). What you were doing was "
                "not saved. Please report this to whoever looks after ExoDesk."
            )
        traceback.print_exception(kind, error, tb)
        QMessageBox.critical(QApplication.activeWindow(), APP_NAME, text)

    sys.excepthook = hook


def freeze_startup_objects() -> None:
    """Move everything built at start-up (Qt bindings, SQLAlchemy, pydantic, the window)
    out of the cyclic garbage collector's sight. A full collection otherwise walks them all,
    a 125 ms pause in the middle of scrolling; afterwards it takes a few milliseconds."""
    gc.collect()
    gc.freeze()


def _daily_backup_file(db: Database) -> Path | None:
    """The file the first start of a day backs up; none on read-only media (where the
    backups' folder cannot be written) or on a server."""
    path = sqlite_file(target_url(db.target))
    return None if path is None or db.read_only else path


def _backup_said(info: BackupInfo | None) -> str | None:
    return None if info is None else f"Today's backup was saved to {info.path}."


def take_daily_backup(db: Database) -> str | None:
    """The first start of each day backs the database up (14 daily and 12 monthly kept),
    here and now; what to say about it."""
    path = _daily_backup_file(db)
    if path is None:
        return None
    try:
        return _backup_said(daily_backup(path, dt.date.today(), store=document_store()))
    except BackupError as exc:
        QMessageBox.warning(None, APP_NAME, f"Today's backup could not be made: {exc}")
        return None


def start_daily_backup(window: QMainWindow, db: Database) -> None:
    """The day's backup, off the UI thread once the window is shown: on a clinic group's
    file the copy and its full check take many seconds, which the first window must not
    wait for. Closing the window lets it finish first (`run_gui`)."""
    path = _daily_backup_file(db)
    if path is None or daily_backup_exists(path, dt.date.today()):
        return
    from exodesk.ui.common.jobs import BackgroundRunner

    runner = BackgroundRunner(window)
    window.statusBar().showMessage("Taking today's backup…")

    def work() -> BackupInfo | None:
        return daily_backup(path, dt.date.today(), store=document_store())

    def done(result: object) -> None:
        if isinstance(result, Exception):
            window.statusBar().clearMessage()
            QMessageBox.warning(window, APP_NAME, f"Today's backup could not be made: {result}")
            return
        said = _backup_said(result if isinstance(result, BackupInfo) else None)
        if said:
            window.statusBar().showMessage(said, 15000)

    runner.start("daily backup", work, done)


# Qt notices that say nothing wrong about ExoDesk: the offscreen platform (the smoke tests,
# a workstation's scripted start) cannot pass size hints on, and says so on every window.
HARMLESS_QT_MESSAGES = frozenset({"This plugin does not support propagateSizeHints()"})


def _pass_on_qt_message(_mode: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    if message not in HARMLESS_QT_MESSAGES:
        print(message, file=sys.stderr)


def set_up_application(app: QApplication) -> None:
    """Names, settings location and ExoDesk's own icon, which every window then shows; the
    garbage collector run on the UI thread only (`UiThreadCollector`)."""
    from exodesk.ui.common.collector import UiThreadCollector
    from exodesk.ui.common.icons import APP_ID, app_icon

    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    if app.findChild(UiThreadCollector) is None:
        UiThreadCollector(app, freeze_survivors=True)  # never collected on a worker thread


def run_gui(target: str | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    set_up_application(app)
    qInstallMessageHandler(_pass_on_qt_message)
    try:
        db = open_database(target)
    except DatabaseRefused as exc:
        QMessageBox.critical(None, APP_NAME, f"ExoDesk cannot open the database.\n\n{exc}")
        return 3
    if db.read_only:
        QMessageBox.critical(None, APP_NAME, read_only_window_refusal(db))
        db.close()
        return 3
    from exodesk.ui.common.collector import UiThreadCollector
    from exodesk.ui.shell.context import AppContext
    from exodesk.ui.shell.main_window import MainWindow

    for warning in db.warnings:
        QMessageBox.warning(None, APP_NAME, warning)
    with db.read() as session:  # each start anchors the audit trail's head outside it
        anchor_warning = record_anchor(session, ANCHOR_WINDOW_START, where=db.display_name)
    from exodesk.ui.accounts.sign_in import IdleLock, sign_in_at_start

    try:
        account = signed_in_from_environment(db) or sign_in_at_start(db)
    except ExoDeskError as exc:
        print(f"exodesk: {exc}; the window was not opened", file=sys.stderr)
        db.close()
        return 2
    if account is None:  # cancelled (the first start creates the admin), or nobody can sign in
        db.close()
        return 0
    ctx = AppContext(db=db, user=account.name, role=account.role, document_store=document_store())
    show_unexpected_errors()
    window = MainWindow(ctx)
    idle_lock = IdleLock(ctx, window)  # lock/idle_minutes without input: the lock screen
    window.idle_lock = idle_lock  # Administration › Lock now and Switch user
    collector = app.findChild(UiThreadCollector)
    if collector is not None:  # locked: nobody waits on a walk of every object
        idle_lock.locked.connect(collector.walk_everything)
    window.show()
    if anchor_warning:  # after show(): a status message set before it is drawn over the labels
        window.statusBar().showMessage(anchor_warning, 15000)
    start_daily_backup(window, db)
    close_after_a_while(window)
    freeze_startup_objects()
    try:
        return app.exec()
    finally:
        idle_lock.stop()
        QThreadPool.globalInstance().waitForDone()  # today's backup, if still being taken
        ctx.db.close()  # a restore from the window reopens it into ctx
        db.close()


def read_only_window_refusal(db: Database) -> str:
    """Why the window does not open on a database on read-only media: signing in, the daily
    backup and every view's changes write to it."""
    return (
        f"{db.display_name} is on read-only media (or a folder you cannot write): it can be "
        "read but not changed, and the window needs to change it (signing in, today's "
        "backup), so it was not opened; nothing was written.\n\nRead it with exodesk check, "
        "stock, trace, export or backup, or copy it to a writable folder and open the copy."
    )


def signed_in_from_environment(db: Database) -> Account | None:
    """EXODESK_USER with EXODESK_PASSWORD sign in as on the command line (scripted starts,
    the bundle's smoke test); the password is checked all the same. None when they are not
    both set: the window then asks."""
    name, password = os.environ.get("EXODESK_USER"), os.environ.get("EXODESK_PASSWORD")
    if not name or password is None:
        return None
    with db.read() as session:
        if not users.accounts_exist(session):
            return None
        users.refuse_if_nobody_can_sign_in(session)
    # Through the shared throttle; a sign-in may upgrade an old password hash.
    return throttle.sign_in(db.write, name, password, via="EXODESK_USER at start")


def close_after_a_while(window: QWidget) -> None:
    """EXODESK_QUIT_AFTER=SECONDS closes the window that long after it is shown, saying on
    stdout that it was: how the bundle and the wheel are smoke-tested without a person."""
    seconds = os.environ.get("EXODESK_QUIT_AFTER")
    if not seconds:
        return
    try:
        delay_ms = int(float(seconds) * 1000)
    except ValueError:
        delay_ms = 0
    print(f"ExoDesk {__version__}: window shown; closing in {delay_ms / 1000:g} s", flush=True)

    from exodesk.ui.treatments.closing_vials import UNATTENDED

    def close_unattended() -> None:
        window.setProperty(UNATTENDED, True)  # nobody is there to answer a question
        window.close()

    QTimer.singleShot(max(delay_ms, 0), close_unattended)


def run_offline_count(path: Path) -> int:
    """`exodesk count-sheet FILE`: count from the sheet file alone, no database."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    set_up_application(app)
    qInstallMessageHandler(_pass_on_qt_message)
    from exodesk.ui.counts.offline_count import open_offline_count

    window = open_offline_count(path)
    if window is None:
        return 2
    window.show()
    close_after_a_while(window)
    freeze_startup_objects()
    return int(app.exec())

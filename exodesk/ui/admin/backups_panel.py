"""Backups from the window: back up now (into the backups folder beside the database, or a
folder chosen, e.g. a USB stick), the copies ExoDesk keeps, and restoring one.

A restore replaces the database file, which SQLite refuses while any connection has it
open, the window's own included. So, after the admin confirms: the window's queries still
running are waited for, its engine is disposed (`ctx.db.close()`), `restore_database` runs
on a worker thread with every check of restore.py (the admin's permission is checked on the
current database through a connection of its own, closed again before the swap), and
then, restored or refused, the database is opened again (`open_database`) into the
context and every view reloads."""

from __future__ import annotations

import datetime as dt
import html
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QThreadPool
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from exodesk.backup import BackupError, BackupInfo, KeptCopy, backup, backups_dir, kept_copies
from exodesk.db import DatabaseRefused, open_database, sqlite_file, target_url
from exodesk.models.vocabulary import description, label
from exodesk.restore import Current, Restored, restore_database
from exodesk.services.accounts import users
from exodesk.services.accounts.users import Permission
from exodesk.services.audit.anchors import ANCHOR_BACKUP, record_anchor
from exodesk.services.errors import ExoDeskError, NotPermitted
from exodesk.ui.common.error_line import ErrorLine
from exodesk.ui.common.file_dialogs import ask_folder, ask_open_file
from exodesk.ui.common.jobs import BackgroundRunner, wait_for_background_jobs
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext

COLUMNS = ("Kind", "Taken", "Size", "Where")
REFUSED = (BackupError, ExoDeskError, DatabaseRefused, OSError)


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size, 1) / 1024:.0f} kB"


def ask_yes(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


def settle_background_jobs(rounds: int = 20) -> None:
    """Wait for the window's queries on worker threads, and for those their results start
    (new flags start the Dashboard's), until none is left running."""
    pool = QThreadPool.globalInstance()
    for _ in range(rounds):
        wait_for_background_jobs()
        QCoreApplication.processEvents()  # the results: they may start more work
        if pool.activeThreadCount() == 0:
            return


def _refusal_text(exc: BaseException) -> str:
    if isinstance(exc, ExoDeskError):
        return "; ".join(str(p) for p in exc.problems)
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    return str(exc)


class BackupsPanel(QWidget):
    shows = Changes.NONE

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.copies: list[KeptCopy] = []
        self.busy = False
        # Asked before a restore (title, text) -> yes; tests answer it themselves.
        self.confirm: Callable[[str, str], bool] = lambda t, x: ask_yes(self, t, x)
        self.runner = BackgroundRunner(self)
        self.db_file = sqlite_file(target_url(ctx.db.target))
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("backups")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.backup_button = QPushButton("&Back up now")
        self.backup_button.setToolTip(
            "A checked copy, with the documents' files, in the folder above"
        )
        self.backup_to_button = QPushButton("Back up &to a folder…")
        self.backup_to_button.setToolTip("For example a USB stick kept away from the clinic")
        self.restore_button = QPushButton("&Restore this copy…")
        self.restore_file_button = QPushButton("Restore from a &file…")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = ErrorLine()
        self.buttons = (
            self.backup_button,
            self.backup_to_button,
            self.restore_button,
            self.restore_file_button,
        )
        row = QHBoxLayout()
        for button in self.buttons:
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addLayout(row)
        self.backup_button.clicked.connect(self.back_up_now)
        self.backup_to_button.clicked.connect(self.choose_folder)
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button.clicked.connect(self.choose_file)
        self.table.itemSelectionChanged.connect(self._enable)
        self.reload()

    # -- the list --------------------------------------------------------------------------

    def reload(self) -> None:
        if self.db_file is None:
            self.where.setText(
                f"{self.ctx.db.display_name} is a server database: back it up and restore it "
                "with the server's own tools (pg_dump, pg_restore)."
            )
            self.copies = []
            self.table.setRowCount(0)
            self._enable()
            return
        self.where.setText(
            f"Database: <b>{html.escape(str(self.db_file))}</b><br>Backups folder: "
            f"{html.escape(str(backups_dir(self.db_file)))}"
        )
        self.copies = kept_copies(self.db_file)
        self.table.setRowCount(len(self.copies))
        for row, copy in enumerate(self.copies):
            cells = (
                label(copy.kind),
                copy.taken.strftime("%Y-%m-%d %H:%M"),
                size_text(copy.size),
                str(copy.path),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(copy.path) if column == 3 else description(copy.kind))
                if column == 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        if not self.copies:
            self.status.setText("No backups yet: press Back up now.")
        self._enable()

    def current(self) -> KeptCopy | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        if not rows or rows[0].row() >= len(self.copies):
            return None
        return self.copies[rows[0].row()]

    def _enable(self) -> None:
        has_file = self.db_file is not None and not self.busy
        self.backup_button.setEnabled(has_file)
        self.backup_to_button.setEnabled(has_file)
        self.restore_file_button.setEnabled(has_file)
        self.restore_button.setEnabled(has_file and self.current() is not None)
        self.table.setEnabled(not self.busy)

    def _set_busy(self, text: str) -> None:
        """`text` while a job runs ("" when it is over): the buttons are off meanwhile."""
        self.busy = bool(text)
        if text:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
            self.status.setText(text)
            self.error.clear()
        else:
            QGuiApplication.restoreOverrideCursor()
            self.status.clear()
        self.ctx.bus.busy.emit(text)
        self._enable()

    # -- backing up ------------------------------------------------------------------------

    def back_up_now(self) -> None:
        if self.db_file is None:
            return
        folder = backups_dir(self.db_file)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.error.show_text(f"Error: cannot make {folder}: {_refusal_text(exc)}")
            return
        self.back_up_to(folder)

    def choose_folder(self) -> None:
        chosen = ask_folder(self, "Back up into which folder?")
        if chosen is not None:
            self.back_up_to(chosen)

    def back_up_to(self, dest: Path) -> None:
        """A checked copy into `dest` (a folder: the file is named with the date and time),
        with the documents' files, on a worker thread."""
        db_file, store = self.db_file, self.ctx.document_store
        if db_file is None or self.busy:
            return
        self._set_busy(f"Backing up to {dest}…")
        self.runner.start("backup", lambda: backup(db_file, dest, store=store), self._backed_up)

    def _backed_up(self, result: object) -> None:
        self._set_busy("")
        if isinstance(result, BackupInfo):
            with self.ctx.db.read() as session:
                warning = record_anchor(session, ANCHOR_BACKUP, where=str(result.path))
            files = result.documents
            text = (
                f"Backed up to {result.path} ({size_text(result.size)}, with {files} document "
                f"file{'s' if files != 1 else ''}); the copy was checked."
            )
            if result.missing_documents:
                text += (
                    f" {len(result.missing_documents)} document file(s) are missing from the "
                    "document store and are not in it."
                )
            if warning:
                text += f" Note: {warning}."
            self.reload()
            self.status.setText(text)
            return
        self._failed("No backup was made", result)

    def _failed(self, what: str, result: object) -> None:
        if isinstance(result, REFUSED):
            self.error.show_text(f"{what}: {_refusal_text(result)}")
            return
        if isinstance(result, BaseException):  # a bug: the error hook reports it
            sys.excepthook(type(result), result, result.__traceback__)

    # -- restoring -------------------------------------------------------------------------

    def restore_selected(self) -> None:
        copy = self.current()
        if copy is not None:
            self.restore_from(copy.path)

    def choose_file(self) -> None:
        chosen = ask_open_file(
            self,
            "Restore which backup?",
            "ExoDesk backups (*.sqlite *.before-restore-*);;All files (*)",
        )
        if chosen is not None:
            self.restore_from(chosen)

    def restore_question(self, source: Path) -> str:
        db_file = self.db_file
        assert db_file is not None
        try:
            taken = dt.datetime.fromtimestamp(source.stat().st_mtime).strftime(" of %Y-%m-%d %H:%M")
        except OSError:
            taken = ""
        return (
            f"Replace the clinic's database\n{db_file}\nwith the backup{taken}\n{source}?\n\n"
            "Everything recorded since that backup was taken is replaced by what the backup "
            f"holds. The current file is kept beside it, as {db_file.name}.before-restore-"
            "<date and time>, so this can be undone.\n\n"
            "ExoDesk must be closed on every other workstation that uses this database."
        )

    def restore_from(self, source: Path) -> bool:
        """Ask, then restore `source` over the database; False when the admin said no."""
        if self.db_file is None or self.busy:
            return False
        if not self.confirm("Restore a backup", self.restore_question(source)):
            return False
        self.start_restore(source)
        return True

    def start_restore(self, source: Path) -> None:
        db_file, store, user = self.db_file, self.ctx.document_store, self.ctx.user
        assert db_file is not None
        may_restore = self.ctx.may(Permission.RESTORE)

        def authorise(state: Current) -> str | None:
            """Who restores: the signed-in admin, checked on the current database."""
            if state is not Current.OURS:  # missing or damaged: nobody can sign in to it
                if not may_restore:
                    raise NotPermitted(f"{user}: {users.needs_text(Permission.RESTORE)}")
                return user
            current = open_database(str(db_file))
            try:
                with current.read() as session:
                    users.require(session, user, Permission.RESTORE)
            finally:
                current.close()
            return user

        self._set_busy(f"Restoring {source.name}…")
        settle_background_jobs()  # no query of the window's still holds the database
        self.ctx.db.close()  # the window's own connections: SQLite refuses while one is open
        self.runner.start(
            "restore",
            lambda: restore_database(db_file, source, store=store, authorise=authorise),
            self._restored,
        )

    def _restored(self, result: object) -> None:
        reopened = self._reopen()
        self._set_busy("")
        if isinstance(result, Restored):
            files = result.documents
            text = f"Restored {result.database.name} from {result.source}"
            text += f", with {files} document file{'s' if files != 1 else ''}." if files else "."
            if result.set_aside is not None:
                text += f" The previous file was kept as {result.set_aside}."
            if result.warning:
                text += f" Note: {result.warning}."
            self.reload()
            self.status.setText(text)
            if reopened:
                self._check_account()
        else:
            self.reload()
            self._failed("Nothing was replaced", result)
        self.ctx.announce_change(Changes.ALL)  # every view shows the database as it is now

    def _reopen(self) -> bool:
        """Open the database again into the context (the restored one, or the old one after a
        refusal); False when it cannot be opened (then the error says why)."""
        try:
            self.ctx.db = open_database(str(self.db_file))
        except DatabaseRefused as exc:
            self.error.show_text(f"Error: the database cannot be opened again: {exc}")
            return False
        return True

    def _check_account(self) -> None:
        """The restored database has its own accounts: the signed-in person's role is the
        one it holds (the views re-check what they offer); no account there, say so."""
        ctx = self.ctx
        try:
            with ctx.db.read() as session:
                role = users.acting_role(session, ctx.user)
        except ExoDeskError as refused:
            self.error.show_text(
                f"Note: {_refusal_text(refused)}. Use Administration › Switch user to sign in "
                "with an account of the restored database."
            )
            return
        if role is not ctx.role:
            ctx.role = role
            ctx.bus.user_changed.emit()

    def focus_search(self) -> None:
        self.table.setFocus()

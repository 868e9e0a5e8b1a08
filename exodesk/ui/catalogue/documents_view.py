"""The Documents view: every certificate, declaration, IFU, certificate of analysis and
authorisation, whether each is valid today, and whether its stored file is still the one
that was registered (its SHA-256 is checked)."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSortFilterProxyModel, Qt, QUrl
from PySide6.QtGui import QBrush, QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import DocumentKind, FileState, Severity
from exodesk.models.vocabulary import choices, description, label, phrase, short_label
from exodesk.services.accounts.users import Permission
from exodesk.services.catalogue.checks import CHECKED_KINDS
from exodesk.services.catalogue.documents import (
    DocumentDetail,
    DocumentKey,
    Standing,
    attach_file,
    list_documents,
    stored_path,
)
from exodesk.services.register.bodies import register_bodies
from exodesk.services.register.shipped import Body, shipped_register
from exodesk.ui.catalogue.body_words import body_words
from exodesk.ui.catalogue.document_dialog import FILE_FILTER, DocumentDialog, StatusDialog
from exodesk.ui.catalogue.record_check_dialog import RecordCheckDialog, last_checked
from exodesk.ui.common import severity
from exodesk.ui.common.error_line import ErrorLine
from exodesk.ui.common.file_dialogs import ask_open_file
from exodesk.ui.common.table_models import SORT_ROLE, Column, RowTableModel
from exodesk.ui.common.voids import Entry, install_context_menu
from exodesk.ui.common.widgets import read_only_table
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write

KEY_ROLE = Qt.ItemDataRole.UserRole + 2


STANDING_SEVERITY = {Standing.LAPSED: Severity.BLOCK, Standing.EXPIRING: Severity.WARN}


def file_severity(state: FileState) -> Severity | None:
    return Severity.BLOCK if state in (FileState.CHANGED, FileState.MISSING) else None


class DocumentTableModel(RowTableModel[DocumentDetail]):
    (
        COL_KIND,
        COL_NUMBER,
        COL_ISSUER,
        COL_PRODUCTS,
        COL_LOT,
        COL_ISSUED,
        COL_EXPIRES,
        COL_STATUS,
        COL_VALIDITY,
        COL_FILE,
    ) = range(10)
    columns = (
        Column[DocumentDetail]("Kind", lambda d: short_label(d.kind)),
        Column[DocumentDetail]("Number", lambda d: d.number),
        Column[DocumentDetail]("Issuer", lambda d: d.issuer),
        Column[DocumentDetail]("Products", lambda d: ", ".join(d.products)),
        Column[DocumentDetail]("Lot", lambda d: d.lot),
        Column[DocumentDetail]("Issued", lambda d: d.issued),
        Column[DocumentDetail]("Expires", lambda d: d.expires),
        Column[DocumentDetail]("Status", lambda d: phrase(d.status)),
        Column[DocumentDetail]("Valid today", lambda d: d.validity),
        Column[DocumentDetail]("File", lambda d: short_label(d.file_state)),
    )

    def extra_data(self, record: DocumentDetail, column: int, role: int) -> Any:
        if role == KEY_ROLE:
            return record.key
        if column == self.COL_VALIDITY:
            return self._marked(role, STANDING_SEVERITY.get(record.standing), None)
        if column == self.COL_FILE:
            return self._marked(
                role, file_severity(record.file_state), description(record.file_state) or None
            )
        if role == Qt.ItemDataRole.ToolTipRole and column in (
            self.COL_ISSUER,
            self.COL_PRODUCTS,
            self.COL_KIND,
        ):
            return {
                self.COL_ISSUER: record.issuer,
                self.COL_PRODUCTS: "\n".join(record.products),
                self.COL_KIND: label(record.kind),
            }[column]
        return None

    @staticmethod
    def _marked(role: int, sev: Severity | None, tip: str | None) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip
        if sev is None:
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            return severity.icon(sev)
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(severity.BACKGROUND[sev])
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(severity.TEXT_ON_BACKGROUND)
        return None


class DocumentsView(QWidget):
    shows = Changes.DOCUMENTS | Changes.PRODUCTS | Changes.STOCK

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: DocumentDialog | StatusDialog | RecordCheckDialog | None = None
        self._bodies: dict[str, Body] = {}
        # How a stored file is opened; tests replace it to avoid launching a viewer.
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self._current: DocumentKey | None = None

        self.kind = QComboBox()
        self.kind.addItem("All kinds", None)
        for kind, words in choices(DocumentKind):
            self.kind.addItem(words, kind.value)
        kind_label = QLabel("&Kind")
        kind_label.setBuddy(self.kind)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Number, issuer, product or lot")
        self.search.setClearButtonEnabled(True)
        search_label = QLabel("F&ind")
        search_label.setBuddy(self.search)
        self.register_button = QPushButton("&Register…")
        self.register_button.setToolTip("Register a certificate, declaration, IFU, CoA …")
        self.attach_button = QPushButton("&Attach file…")
        self.attach_button.setToolTip("Store the selected document's PDF or image")
        self.open_button = QPushButton("&Open file")
        self.open_button.setToolTip("Open the selected document's stored file")
        self.status_button = QPushButton("Change &status…")
        self.status_button.setToolTip(
            "Record that the document was restricted, suspended, reinstated or withdrawn"
        )
        self.check_button = QPushButton("Record a &check…")
        self.check_button.setToolTip(
            "Record that the certificate or authorisation was looked up in NANDO, EUDAMED, "
            "with the notified body or the MHRA"
        )
        top = QHBoxLayout()
        top.addWidget(kind_label)
        top.addWidget(self.kind)
        top.addWidget(search_label)
        top.addWidget(self.search, 1)
        for button in (
            self.register_button,
            self.attach_button,
            self.open_button,
            self.status_button,
        ):
            top.addWidget(button)

        self.model = DocumentTableModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = read_only_table(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)

        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setMinimumHeight(self.info.fontMetrics().lineSpacing() * 5 + 4)
        self.info.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.error = ErrorLine()
        self.counts = QLabel()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        below = QHBoxLayout()
        below.addWidget(self.info, 1)
        below.addWidget(self.check_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(below)
        layout.addWidget(self.error)
        layout.addWidget(self.counts)

        self.kind.currentIndexChanged.connect(self.reload)
        self.search.textChanged.connect(self._search_changed)
        self.register_button.clicked.connect(lambda: self.new_document())
        self.attach_button.clicked.connect(self.attach_file_dialog)
        self.open_button.clicked.connect(self.open_file)
        self.status_button.clicked.connect(self.change_status)
        self.check_button.clicked.connect(self.record_check)
        self.popup_menu = install_context_menu(self.table, self.menu_entries)
        ctx.bus.user_changed.connect(self._show_current)  # what the new user may do
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.table.doubleClicked.connect(lambda _: self.open_file())
        self.reload()
        self._size_columns()

    # -- public -------------------------------------------------------------------------------

    def reload(self) -> None:
        kind = self.kind.currentData()
        with self.ctx.db.read() as session:
            rows = list_documents(
                session,
                self.ctx.today(),
                store=self.ctx.document_store,
                kind=None if kind is None else DocumentKind(kind),
            )
            self._bodies = register_bodies(session)
        self.model.set_rows(rows)
        self._highlight(self._current)
        self._show_current()
        self._count()

    def show_document(self, key: tuple[str, str]) -> None:
        """Select the document (kind, number), clearing filters that hide it."""
        kind, number = key
        key = (DocumentKind(kind).value, number)
        if self._proxy_row(key) < 0:
            self.search.clear()
        if self._proxy_row(key) < 0 and self.kind.currentIndex() != 0:
            self.kind.setCurrentIndex(0)
        self._current = key
        self._highlight(key)
        self._show_current()

    select = show_document

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def new_document(self, product: str | None = None) -> DocumentDialog:
        """Open the Register dialog (window-modal; returns at once with the dialog)."""
        dialog = DocumentDialog(self.ctx, self, product=product)
        dialog.accepted.connect(lambda: self._registered(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def current(self) -> DocumentDetail | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row(self.proxy.mapToSource(index).row())

    def attach_file_dialog(self) -> None:
        if self.current() is None:
            return
        chosen = ask_open_file(self, "Choose the document's PDF or image", FILE_FILTER)
        if chosen is not None:
            self.attach(chosen)

    def attach(self, file: Path) -> bool:
        """Store `file` as the selected document's file."""
        detail = self.current()
        if detail is None:
            self._fail("select a document first")
            return False
        kind, number = detail.kind, detail.number
        store, user = self.ctx.document_store, self.ctx.user
        return run_write(
            self.ctx,
            lambda session: attach_file(session, kind, number, file, store=store, user=user),
            Changes.DOCUMENTS,
            error_line=self.error,
        )

    def open_file(self) -> None:
        detail = self.current()
        if detail is None:
            return
        path = stored_path(detail, self.ctx.document_store)
        if path is None:
            self._fail(f"{detail.number} has no file attached; use Attach file… first")
            return
        if not path.exists():
            self._fail(f"the file of {detail.number} is missing from the store ({path})")
            return
        self.error.hide()
        if self.open_url(QUrl.fromLocalFile(str(path))) is False:
            self._fail(
                f"could not open the file of {detail.number}: no program on this computer "
                f"opens it. It is stored at {path}"
            )

    def change_status(self) -> StatusDialog | None:
        detail = self.current()
        if detail is None:
            return None
        dialog = StatusDialog(self.ctx, detail, self)
        self.dialog = dialog
        dialog.open()
        return dialog

    def may_record_check(self, detail: DocumentDetail | None) -> bool:
        return (
            detail is not None
            and detail.kind in CHECKED_KINDS
            and self.ctx.may(Permission.RECORD_CHECK)
        )

    def record_check(self) -> RecordCheckDialog | None:
        """Open "Record a check…" for the selected certificate or authorisation."""
        detail = self.current()
        if detail is None or not self.may_record_check(detail):
            return None
        dialog = RecordCheckDialog(self.ctx, detail, self)
        self.dialog = dialog
        dialog.open()
        return dialog

    def menu_entries(self) -> list[Entry]:
        detail = self.current()
        if detail is None:
            return []
        edits = self.ctx.may(Permission.EDIT_CATALOGUE)
        return [
            ("Open file", self.open_file, detail.stored_file is not None),
            ("Attach file…", self.attach_file_dialog, edits),
            ("Change status…", self.change_status, edits),
            ("Record a check…", self.record_check, self.may_record_check(detail)),
        ]

    def body_text(self, detail: DocumentDetail) -> str:
        """The notified body a certificate names, in words ("" for other documents)."""
        if detail.kind is not DocumentKind.CE_CERTIFICATE:
            return ""
        text, known = body_words(detail.body, self._bodies, shipped_register().as_of)
        return f"Notified body: {text}" if known else f"Warning: {text}"

    # -- internals ----------------------------------------------------------------------------

    def _fail(self, message: str) -> None:
        self.error.show_text(f"Error: {message}")

    def _registered(self, dialog: DocumentDialog) -> None:
        if dialog.detail is not None:
            self.show_document(dialog.detail.key)

    def _search_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self._count()

    def _count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        bad = sum(
            1 for r in range(total) if file_severity(self.model.row(r).file_state) is not None
        )
        text = f"{shown} of {total} documents shown"
        if bad:
            text += f" · {bad} stored file(s) missing or changed"
        self.counts.setText(text)

    def _proxy_row(self, key: DocumentKey | None) -> int:
        if key is None:
            return -1
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(KEY_ROLE) == key:
                return row
        return -1

    def _highlight(self, key: DocumentKey | None) -> None:
        row = self._proxy_row(key)
        if row < 0:
            self.table.clearSelection()
            self._current = None if key is None else key
            return
        index = self.proxy.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def _current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if current.isValid():
            self._current = current.data(KEY_ROLE)
        self.error.hide()
        self._show_current()

    def _show_current(self) -> None:
        detail = self.current()
        has = detail is not None
        self.attach_button.setEnabled(has)
        self.status_button.setEnabled(has)
        self.check_button.setEnabled(self.may_record_check(detail))
        self.open_button.setEnabled(has and detail is not None and detail.stored_file is not None)
        self.info.setToolTip("")
        if detail is None:
            self.info.setText("Select a document to attach, open or change its file or status.")
            return
        path = stored_path(detail, self.ctx.document_store)
        lines = [f"<b>{label(detail.kind)} {detail.number}</b>"]
        if detail.products:
            lines[0] += " — covers " + ", ".join(detail.products)
        if path is None:
            lines.append(description(FileState.NONE))
        else:
            original = f"{html.escape(detail.file_name)}, stored as " if detail.file_name else ""
            lines.append(
                f"File: {original}{detail.stored_file} in the document store · SHA-256 "
                f"{(detail.sha256 or '')[:16]}…"
            )
            self.info.setToolTip(f"{path}\nSHA-256 {detail.sha256}")
            sev = file_severity(detail.file_state)
            if sev is not None:
                lines.append(f"<b>{short_label(sev)}:</b> {description(detail.file_state)}")
        body = self.body_text(detail)
        if body:
            known = not body.startswith("Warning: ")
            lines.append(html.escape(body) if known else f"<b>{html.escape(body)}</b>")
        if detail.kind in CHECKED_KINDS:
            lines.append(
                f"{html.escape(last_checked(detail))} with the issuer or a register"
                if detail.verified_on is not None
                else "Never checked with the issuer or a register: use Record a check…"
            )
        self.info.setText("<br>".join(lines))

    def _size_columns(self) -> None:
        widths = (110, 135, 120, 160, 75, 82, 82, 68, 125)  # all fit beside the navigation
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)

"""The Documents view: every certificate, declaration, IFU, certificate of analysis and
authorisation, whether each is valid today, and whether its stored file is still the one
that was registered (its SHA-256 is checked). The ids are filtered and sorted in SQL off the
UI thread (services/catalogue/document_list.py); rows load in pages of 200 as the table
scrolls; nothing is read before the view is first shown or reloaded."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QBrush, QDesktopServices, QShowEvent
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
from exodesk.services.catalogue.document_list import (
    DocumentFilter,
    DocumentList,
    document_list_showing,
    document_rows,
)
from exodesk.services.catalogue.documents import (
    DocumentDetail,
    DocumentKey,
    Standing,
    attach_file,
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
from exodesk.ui.common.first_show import LoadOnFirstShow
from exodesk.ui.common.jobs import BackgroundRunner
from exodesk.ui.common.table_models import Column, RowTableModel
from exodesk.ui.common.voids import Entry, install_context_menu
from exodesk.ui.common.widgets import read_only_table
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write

KEY_ROLE = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex


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


@dataclass(frozen=True)
class Loaded:
    """What a load hands back to the UI thread: the filter used, the list, its first rows
    (down to the document asked for), the register of bodies, and that document's row."""

    filter: DocumentFilter
    listing: DocumentList
    rows: list[DocumentDetail]
    bodies: dict[str, Body]
    row: int | None


class DocumentPageModel(DocumentTableModel):
    """The ids come sorted and filtered from SQL (off the UI thread); rows are fetched a page
    at a time (canFetchMore/fetchMore). One query at a time: a request made while one runs
    is served when it ends, with the newest filter and sort."""

    PAGE = 200
    loading = Signal(bool)
    failed = Signal(str)
    loaded = Signal(object)  # the Loaded, after the model was reset to it

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.filter = DocumentFilter()
        self.sort_column = -1
        self.descending = False
        self.listing = DocumentList([], 0, {})
        self.wanted: DocumentKey | None = None  # the document to find (and its row load)
        self.clear_to_show = False  # clear the filters that hide `wanted`
        self._runner = BackgroundRunner(self)
        self._active = self._running = self._again = False

    @property
    def busy(self) -> bool:
        return self._running or self._runner.busy

    def requery(self) -> None:
        if not self._active:
            return
        if self._running:
            self._again = True
            return
        flt, sort, desc, key, clear = (
            self.filter,
            self.sort_column,
            self.descending,
            self.wanted,
            self.clear_to_show,
        )
        db, today, store, page = self.ctx.db, self.ctx.today(), self.ctx.document_store, self.PAGE

        def work() -> Loaded:
            with db.read() as session:
                shown = document_list_showing(
                    session,
                    today,
                    flt,
                    store=store,
                    sort=sort,
                    descending=desc,
                    key=key,
                    clear_filters=clear,
                )
                ids = shown.listing.ids
                upto = page if shown.row is None else max(page, (shown.row // page + 1) * page)
                rows = document_rows(session, ids[:upto], today, shown.listing.files)
                return Loaded(
                    shown.filter, shown.listing, rows, register_bodies(session), shown.row
                )

        self._running, self._again = True, False
        self.loading.emit(True)
        self._runner.start("ids", work, self._ids_ready)

    def _ids_ready(self, result: Loaded | Exception) -> None:
        self._running = False
        if self._again:
            self.requery()
            return
        self.loading.emit(False)
        if isinstance(result, Exception):
            self.failed.emit(f"Could not load the documents: {result}")
            return
        self.clear_to_show = False
        self.filter = result.filter
        self.beginResetModel()
        self.listing = result.listing
        self._rows = list(result.rows)
        self.endResetModel()
        self.loaded.emit(result)

    def _load(self, ids: Sequence[int]) -> list[DocumentDetail]:
        with self.ctx.db.read() as session:
            return document_rows(session, list(ids), self.ctx.today(), self.listing.files)

    @property
    def total(self) -> int:
        """How many documents the filters show (loaded or not)."""
        return len(self.listing.ids)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < len(self.listing.ids)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        start = len(self._rows)
        page = self._load(self.listing.ids[start : start + self.PAGE])
        if not page:
            self.listing = replace(self.listing, ids=self.listing.ids[:start])
            return
        self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column = column
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.requery()

    def set_filter(self, flt: DocumentFilter) -> None:
        self.filter = flt
        self._active = True
        self.requery()

    def row_of(self, key: DocumentKey | None) -> int | None:
        if key is None:
            return None
        for i, row in enumerate(self._rows):
            if row.key == key:
                return i
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
        self._first_show = LoadOnFirstShow(self.reload)

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

        self.model = DocumentPageModel(ctx)
        self.table = read_only_table(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        # uniform rows: fast at 100k
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
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

        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self._apply_filter)
        self.kind.currentIndexChanged.connect(self._apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        self.model.loading.connect(self._show_loading)
        self.model.loaded.connect(self._loaded)
        self.model.failed.connect(self._fail)
        self.register_button.clicked.connect(lambda: self.new_document())
        self.attach_button.clicked.connect(self.attach_file_dialog)
        self.open_button.clicked.connect(self.open_file)
        self.status_button.clicked.connect(self.change_status)
        self.check_button.clicked.connect(self.record_check)
        self.popup_menu = install_context_menu(self.table, self.menu_entries)
        ctx.bus.user_changed.connect(self._show_current)  # what the new user may do
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.table.doubleClicked.connect(lambda _: self.open_file())
        self._size_columns()
        self._show_current()
        # nothing is read here: the first load starts when the view is first shown

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._first_show.shown()

    # -- public -------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether the documents are still being read."""
        return self._first_show.pending or self._debounce.isActive() or self.model.busy

    def reload(self) -> None:
        """Read the documents again off the UI thread, keeping the selected one selected."""
        self._apply_filter()

    def show_document(self, key: tuple[str, str]) -> None:
        """Select the document (kind, number), clearing filters that hide it (at once when its
        row is loaded, else once the list is read again)."""
        kind, number = key
        key = (DocumentKind(kind).value, number)
        self._current = key
        row = self.model.row_of(key)
        if row is not None and not self.model.busy:
            self._highlight(key)
            self._show_current()
            return
        self._apply_filter(clear_to_show=True)

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
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        return self.model.row(index.row())

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

    def _apply_filter(self, *, clear_to_show: bool = False) -> None:
        """Ask for the ids with the filters as shown, and for the selected document's row."""
        self._debounce.stop()
        self._first_show.requested = True
        kind = self.kind.currentData()
        self.model.wanted = self._current
        self.model.clear_to_show = self.model.clear_to_show or clear_to_show
        self.model.set_filter(
            DocumentFilter(
                kind=None if kind is None else DocumentKind(kind), search=self.search.text()
            )
        )

    def _show_loading(self, loading: bool) -> None:
        if loading:
            self.counts.setText("Loading…")

    def _loaded(self, loaded: Loaded) -> None:
        self._bodies = loaded.bodies
        self._show_filter(loaded.filter)
        self._fill_viewport()
        self._highlight(self._current)
        self._show_current()
        self._count()

    def _show_filter(self, flt: DocumentFilter) -> None:
        """Show the filter a load used (it clears those that hid the document asked for)."""
        if flt.search != self.search.text():
            self.search.blockSignals(True)
            self.search.setText(flt.search)
            self.search.blockSignals(False)
        kind = None if flt.kind is None else flt.kind.value
        if kind != self.kind.currentData():
            self.kind.blockSignals(True)
            self.kind.setCurrentIndex(max(self.kind.findData(kind), 0))
            self.kind.blockSignals(False)

    def _fill_viewport(self) -> None:
        """Load pages until the rows reach below the table's bottom edge, now (as Stock
        does): how many rows a fresh load shows must not depend on the machine's speed."""
        row_height = self.table.verticalHeader().defaultSectionSize()  # rows are Fixed
        while (
            self.model.canFetchMore()
            and self.model.rowCount() * row_height <= self.table.viewport().height()
        ):
            self.model.fetchMore()

    def _count(self) -> None:
        listing = self.model.listing
        text = f"{len(listing.ids):,} of {listing.total:,} documents shown"
        if listing.bad_files:
            text += f" · {listing.bad_files:,} stored file(s) missing or changed"
        self.counts.setText(text)

    def _highlight(self, key: DocumentKey | None) -> None:
        row = self.model.row_of(key)
        if row is None:
            self.table.clearSelection()
            self._current = None if key is None else key
            return
        index = self.model.index(row, 0)
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

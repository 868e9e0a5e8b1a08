"""The Products view: the catalogue (filterable) on the left, the selected product's editor
in the middle and its live compliance flags on the right. The catalogue's flag counts and the
shown product's flags are computed off the UI thread (counted in SQL: services/catalogue/
listing.py); nothing is read before the view is first shown or reloaded."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from exodesk.models.enums import Severity
from exodesk.models.vocabulary import label, phrase, rule_title, short_label
from exodesk.services.catalogue.listing import product_rows
from exodesk.services.catalogue.products import (
    ProductDetail,
    ProductRow,
    UnknownProduct,
    flags_for_product,
    get_product,
)
from exodesk.services.compliance.rules import Flag
from exodesk.ui.catalogue.product_editor import ProductEditor
from exodesk.ui.common import severity
from exodesk.ui.common.first_show import LoadOnFirstShow
from exodesk.ui.common.jobs import BackgroundRunner
from exodesk.ui.common.table_models import SORT_ROLE, Column, RowTableModel
from exodesk.ui.common.widgets import read_only_table
from exodesk.ui.shell.changes import FLAG_INPUTS
from exodesk.ui.shell.context import AppContext

NAME_ROLE = Qt.ItemDataRole.UserRole + 2
NEW_PRODUCT_NOTE = "Save the new product to see its compliance flags."
# What the catalogue job hands back: the rows, and the product it read (with its flags)
Loaded = tuple[list[ProductRow], str | None, ProductDetail | None, list[Flag] | None]


def flag_summary(row: ProductRow) -> str:
    parts = []
    if row.blocks:
        parts.append(f"{row.blocks} block")
    if row.warnings:
        parts.append(f"{row.warnings} warn")
    return " · ".join(parts) if parts else "none"


def _worst(row: ProductRow) -> Severity | None:
    if row.blocks:
        return Severity.BLOCK
    if row.warnings:
        return Severity.WARN
    return None


class ProductTableModel(RowTableModel[ProductRow]):
    COL_NAME, COL_MANUFACTURER, COL_SOURCE, COL_CLASS, COL_FLAGS = range(5)
    columns = (
        Column[ProductRow]("Product", lambda r: r.name),
        Column[ProductRow]("Manufacturer", lambda r: r.manufacturer),
        Column[ProductRow]("Source", lambda r: short_label(r.source_type)),
        Column[ProductRow]("Class", lambda r: short_label(r.regulatory_class)),
        Column[ProductRow]("Flags", flag_summary),
    )

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == SORT_ROLE and index.isValid() and index.column() == self.COL_FLAGS:
            r = self.row(index.row())
            return (r.blocks or 0) * 1000 + (r.warnings or 0)
        return super().data(index, role)

    def extra_data(self, record: ProductRow, column: int, role: int) -> Any:
        if role == NAME_ROLE:
            return record.name
        if role == Qt.ItemDataRole.ToolTipRole and column != self.COL_FLAGS:
            return self.tooltip(record, column)
        worst = _worst(record)
        if column != self.COL_FLAGS or worst is None:
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            return severity.icon(worst)
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(severity.BACKGROUND[worst])
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(severity.TEXT_ON_BACKGROUND)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{flag_summary(record)}: select the product to see what to do"
        return None

    def tooltip(self, record: ProductRow, column: int) -> str | None:
        if column == self.COL_SOURCE:
            return label(record.source_type)
        if column == self.COL_CLASS:
            return label(record.regulatory_class)
        return record.name if column == self.COL_NAME else None


class FlagsPanel(QWidget):
    """A product's live flags: severity icon, word and the message saying what to do."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Compliance fl&ags")
        self.title.setStyleSheet("font-weight: bold;")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        self.list.setIconSize(QSize(24, 24))
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.list.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.title.setBuddy(self.list)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        self.flags: list[Flag] = []

    def show_flags(self, product: str, flags: Sequence[Flag]) -> None:
        self.flags = list(flags)
        self.list.clear()
        counts = {s: sum(1 for f in flags if f.severity is s) for s in Severity}
        if not flags:
            self.summary.setText(f"{product}: no flags. Nothing to do.")
        else:
            shown = ", ".join(f"{n} {phrase(s)}" for s, n in counts.items() if n)
            self.summary.setText(f"{product}: {shown}")
        for flag in flags:
            where = f" · lot {flag.lot}" if flag.lot else ""
            item = QListWidgetItem(
                severity.icon(flag.severity),
                f"{short_label(flag.severity)} · {rule_title(flag.rule)}{where}\n{flag.message}",
            )
            item.setBackground(QBrush(severity.BACKGROUND[flag.severity]))
            item.setForeground(QBrush(severity.TEXT_ON_BACKGROUND))
            item.setToolTip(flag.message)
            item.setData(Qt.ItemDataRole.UserRole, flag.rule)
            self.list.addItem(item)

    def show_note(self, note: str) -> None:
        self.flags = []
        self.list.clear()
        self.summary.setText(note)

    def rules(self) -> list[str]:
        return [f.rule for f in self.flags]


class ProductsView(QWidget):
    shows = FLAG_INPUTS  # each product with its flags

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._current: str | None = None
        self._creating = False
        self._switching = False
        self._runner = BackgroundRunner(self)
        self._running = self._again = False
        self._first_show = LoadOnFirstShow(self.reload)

        self.model = ProductTableModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = read_only_table(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(ProductTableModel.COL_NAME, Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setResizeContentsPrecision(0)  # sized from the rows in sight, not all of them
        header.setSectionResizeMode(ProductTableModel.COL_NAME, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnHidden(ProductTableModel.COL_MANUFACTURER, True)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Name, manufacturer, source or class")
        self.search.setClearButtonEnabled(True)
        search_label = QLabel("Fi&lter")
        search_label.setBuddy(self.search)
        self.new_button = QPushButton("Ne&w product")
        self.new_button.setToolTip("Add a product to the catalogue")
        top = QHBoxLayout()
        top.addWidget(search_label)
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(top)
        left_layout.addWidget(self.table, 1)
        self.count_label = QLabel()
        left_layout.addWidget(self.count_label)

        self.editor = ProductEditor(ctx)
        scroll = QScrollArea()
        scroll.setWidget(self.editor)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # never narrower than the editor's fields: the splitter takes room from the list
        # instead of cutting the form off at the side (the fields scroll up and down)
        scroll.setMinimumWidth(self.editor.minimumSizeHint().width())
        self.flags = FlagsPanel()

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.flags)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setStretchFactor(2, 3)
        self.splitter.setSizes([420, 440, 230])  # fits beside the navigation at 1280 wide
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.new_button.clicked.connect(self.new_product)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.editor.saved.connect(self._saved)
        # nothing is read here: the first load starts when the view is first shown

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._first_show.shown()

    # -- public -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether the catalogue or a product's flags are still being read."""
        return self._first_show.pending or self._runner.busy

    def reload(self) -> None:
        """Reload the catalogue and, unless it has unsaved edits, the shown product (off the
        UI thread; one load at a time, a request made meanwhile served when it ends)."""
        self._first_show.requested = True
        if self._running:
            self._again = True
            return
        today, db, current = self.ctx.today(), self.ctx.db, self._current

        def work() -> Loaded:
            with db.read() as session:
                rows = product_rows(session, today)
                if current is None or current not in {r.name for r in rows}:
                    return rows, None, None, None
                detail = get_product(session, current)
                return rows, current, detail, flags_for_product(session, current, today)

        self._running, self._again = True, False
        self.count_label.setText("Loading the catalogue…")
        self._runner.start("catalogue", work, self._loaded)

    def _loaded(self, result: Loaded | Exception) -> None:
        if not isValid(self):  # closed while the catalogue was read
            return
        self._running = False
        if self._again:
            self.reload()
            return
        if isinstance(result, Exception):
            self.count_label.setText(f"Could not load the catalogue: {result}")
            return
        rows, read, detail, flags = result
        self.count_label.setText(f"{len(rows)} product(s)")
        names = {r.name for r in rows}
        if read != self._current:  # another product was opened meanwhile: its flags follow
            detail = flags = None
        self._switching = True
        try:
            self.model.set_rows(rows)
            if self._current is not None and self._current not in names:
                self._current = None
            self._highlight(self._current)
        finally:
            self._switching = False
        if detail is not None and flags is not None:
            if not self.editor.is_dirty() and self.editor.loaded != detail:
                self.editor.load(detail)
            self.flags.show_flags(detail.name, flags)
        elif self._creating:
            self.flags.show_note(NEW_PRODUCT_NOTE)
        elif self._current is not None:
            pass  # opened while the catalogue loaded: its own flags job shows them
        elif rows:
            self.show_product(self.proxy.index(0, 0).data(NAME_ROLE))
        else:
            self.new_product()

    def show_product(self, name: str) -> None:
        """Select the product `name` in the catalogue and show it in the editor."""
        if not self._may_leave():
            return
        self._open(name)

    select = show_product

    def current_product(self) -> str | None:
        """The name of the stored product shown in the editor (None while creating one)."""
        return self._current

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def new_product(self) -> None:
        if not self._may_leave():
            return
        self._current = None
        self._creating = True
        self._switching = True
        try:
            self.table.clearSelection()
            self.table.setCurrentIndex(QModelIndex())
        finally:
            self._switching = False
        self.editor.load(None)
        self.flags.show_note(NEW_PRODUCT_NOTE)
        self.editor.name.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- internals --------------------------------------------------------------------------

    def _open(self, name: str) -> None:
        """Show the product in the editor now (one row) and its flags once computed."""
        try:
            with self.ctx.db.read() as session:
                detail = get_product(session, name)
        except UnknownProduct:
            self.reload()
            return
        self._current = name
        self._creating = False
        self._switching = True
        try:
            self._highlight(name)
        finally:
            self._switching = False
        self.editor.load(detail)
        self._ask_flags(name)

    def _ask_flags(self, name: str) -> None:
        today, db = self.ctx.today(), self.ctx.db

        def work() -> list[Flag]:
            with db.read() as session:
                return flags_for_product(session, name, today)

        self.flags.show_note(f"{name}: checking its compliance flags…")
        self._runner.start("flags", work, lambda result: self._flags_ready(name, result))

    def _flags_ready(self, name: str, result: list[Flag] | Exception) -> None:
        if not isValid(self) or name != self._current or self._creating:
            return
        if isinstance(result, UnknownProduct):
            self.reload()
        elif isinstance(result, Exception):
            self.flags.show_note(f"Could not check the flags of {name}: {result}")
        else:
            self.flags.show_flags(name, result)

    def _proxy_row(self, name: str) -> int:
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(NAME_ROLE) == name:
                return row
        return -1

    def _highlight(self, name: str | None) -> None:
        if name is None:
            self.table.clearSelection()
            return
        row = self._proxy_row(name)
        if row < 0 and self.search.displayText():
            self.search.clear()
            row = self._proxy_row(name)
        if row >= 0:
            index = self.proxy.index(row, 0)
            self.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.scrollTo(index)

    def _may_leave(self) -> bool:
        """Whether unsaved edits may be dropped (asks the user when there are some)."""
        if not self.editor.is_dirty():
            return True
        what = self.editor.original_name or "the new product"
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Discard your unsaved changes to {what}?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def _current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._switching or not current.isValid():
            return
        name = current.data(NAME_ROLE)
        if name == self._current and not self._creating:
            return
        if not self._may_leave():
            self._switching = True
            try:
                self._highlight(self._current)
            finally:
                self._switching = False
            return
        self._open(name)

    def _saved(self, name: str) -> None:
        self._current = name
        self._creating = False

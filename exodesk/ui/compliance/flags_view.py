"""Flags: every compliance flag with its severity, what it means and what to do; filtered by
severity, rule and text; each opens the product, lot or treatment concerned."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import Severity
from exodesk.models.vocabulary import (
    OVERRIDDEN_FLAG,
    choices,
    rule_meaning,
    rule_title,
    short_label,
)
from exodesk.services.compliance.flag_list import FlagList
from exodesk.services.compliance.rules import RULES, Flag
from exodesk.services.sheets.exports import flags_table
from exodesk.ui.common import severity
from exodesk.ui.common.background_pages import SEARCH_DELAY_MS, BackgroundPagedModel
from exodesk.ui.common.table_models import FlagTableModel, flag_rank, flag_role_data
from exodesk.ui.common.widgets import enum_data, read_only_table
from exodesk.ui.sheets.export import ask_table_file, write_table
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext


class FlagPages:
    """One question to the flags: a severity, a rule, a text and an order. The flags are in
    memory; choosing and sorting them runs on the model's worker thread, once."""

    def __init__(
        self,
        listed: FlagList,
        severity: Severity | None = None,
        rule: str | None = None,
        text: str = "",
        order: tuple[int, Qt.SortOrder] | None = None,
    ) -> None:
        self.listed, self.severity, self.rule, self.text = listed, severity, rule, text
        self.order = order
        self._chosen: list[Flag] | None = None
        self._position: dict[int, int] = {}

    def chosen(self) -> list[Flag]:
        """Every flag the question selects, in its order."""
        if self._chosen is None:
            rows = self.listed.matching(self.severity, self.rule, self.text)
            if self.order is not None and self.order[0] >= 0:
                column, direction = self.order
                rows = sorted(
                    rows,
                    key=sort_key(column),
                    reverse=direction == Qt.SortOrder.DescendingOrder,
                )
            self._position = {id(f): i for i, f in enumerate(rows)}
            self._chosen = rows
        return self._chosen

    def page(self, after: Flag | None, limit: int) -> Sequence[Flag]:
        rows = self.chosen()
        start = 0 if after is None else self._position[id(after)] + 1
        return rows[start : start + limit]

    def count(self) -> int:
        return len(self.chosen())


def sort_key(column: int) -> Callable[[Flag], Any]:
    """How a column sorts: severity (an overridden flag after the open ones), else its words."""
    if column == 0:
        return flag_rank
    value = FlagTableModel.columns[column].value
    return lambda f: str(value(f) or "").casefold()


class FlagPageModel(BackgroundPagedModel[Flag]):
    """The Flags view's rows, a page at a time; a click on a heading asks for a new order."""

    columns = FlagTableModel.columns
    sort_requested = Signal(int, Qt.SortOrder)

    def extra_data(self, record: Flag, column: int, role: int) -> Any:
        return flag_role_data(record, column, role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_requested.emit(column, order)


@dataclass(frozen=True)
class FlagQuery:
    """What the Flags view is asked to show (`open_requested("flags", FlagQuery(...))`)."""

    severity: Severity | None = None
    rule: str | None = None


def target_of(flag: Flag) -> tuple[str, object]:
    """The most specific record a flag is about."""
    if flag.treatment is not None:
        return "treatment", flag.treatment
    if flag.lot is not None:
        return "lot", (flag.product, flag.lot)
    return "product", flag.product


class FlagsView(QWidget):
    """The flags arrive from the window's FlagFeed (`set_flags`); each search, filter and
    order is worked out off the UI thread and shown a page at a time."""

    title = "Flags"
    shows = Changes.NONE  # its flags come from the FlagFeed
    status_message = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.listed = FlagList(())
        self._stale = False  # new flags came while another view was on screen
        self._order: tuple[int, Qt.SortOrder] | None = None
        self._reselect: Flag | None = None
        self.model = FlagPageModel()

        self.severity = QComboBox()
        self.severity.addItem("All severities", None)
        for sev, words in choices(Severity):
            self.severity.addItem(severity.icon(sev), words, sev)
        self.rule = QComboBox()
        self.rule.addItem("All rules", None)
        for rule in RULES:
            self.rule.addItem(rule_title(rule), rule)
        self.search = QLineEdit(placeholderText="Search product, lot, treatment or text…")
        self.search.setClearButtonEnabled(True)
        find = QLabel("&Find:")
        find.setBuddy(self.search)
        bar = QHBoxLayout()
        bar.addWidget(find)
        bar.addWidget(self.search, 2)
        bar.addWidget(self.severity)
        bar.addWidget(self.rule)

        self.table = read_only_table(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((150, 200, 200, 100, 90)):  # BLOCK (overridden)
            self.table.setColumnWidth(column, width)

        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.detail.setMinimumHeight(90)
        self.open_button = QPushButton("&Open what this is about")
        self.open_button.setEnabled(False)
        self.export_button = QPushButton("E&xport CSV or Excel…")
        self.export_button.setToolTip(
            "The flags shown, in this order, as a CSV file or an Excel workbook"
        )
        self.summary = QLabel()
        self.summary.setMinimumWidth(220)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        detail_box = QWidget()
        detail_layout = QVBoxLayout(detail_box)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail, 1)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.export_button)
        row.addStretch(1)
        row.addWidget(self.summary)
        detail_layout.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(detail_box)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._refilter)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self._refilter)
        self.severity.currentIndexChanged.connect(self._refilter)
        self.rule.currentIndexChanged.connect(self._refilter)
        self.model.sort_requested.connect(self._sort)
        self.model.modelReset.connect(self._after_reset)
        self.model.counted.connect(lambda _total: self._show_summary())
        self.model.failed.connect(self._failed)
        self.table.selectionModel().selectionChanged.connect(self._show_detail)
        # Enter and double-click: a lot's or a treatment's card, else the record's view
        self.table.activated.connect(lambda _index: self.open_selected())
        self.open_button.clicked.connect(self.open_selected)
        self.export_button.clicked.connect(self._ask_export)
        self._show_summary()
        self._show_detail()

    def reload(self) -> None:
        """Flags arrive through set_flags (the window computes them once per change)."""

    @property
    def busy(self) -> bool:
        """Whether a search waits for typing to pause, or the flags shown are coming."""
        return self._search_timer.isActive() or self.model.busy

    def set_flags(self, flags: FlagList | Sequence[Flag]) -> None:
        """Show these flags (the same search, filter and order; the selection kept)."""
        self.listed = flags if isinstance(flags, FlagList) else FlagList(flags)
        if self.window().isVisible() and not self.isVisible():
            # another view is on screen: list them when this one is shown, so that working
            # out tens of thousands of flags does not slow the view that is (a Dashboard
            # being brought up to date after a treatment)
            self._stale = True
            return
        self._refilter()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._refilter()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def select(self, key: object) -> None:
        """A rule id shows that rule's flags; a Severity that severity's; a FlagQuery both."""
        if isinstance(key, Severity):
            self.set_filter(severity=key)
        elif isinstance(key, FlagQuery):
            self.set_filter(severity=key.severity, rule=key.rule)
        elif isinstance(key, str) and key in RULES:
            self.rule.setCurrentIndex(self.rule.findData(key))

    def set_filter(
        self, *, severity: Severity | None = None, rule: str | None = None, text: str = ""
    ) -> None:
        """Show only the flags of this severity and rule (None: any) containing `text`."""
        for combo, value in ((self.severity, severity), (self.rule, rule)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.setText(text)
        self.search.blockSignals(False)
        self._refilter()

    def selected(self) -> Flag | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.row(rows[0].row())

    def open_selected(self) -> None:
        flag = self.selected()
        if flag is not None:
            self.ctx.bus.open_requested.emit(*target_of(flag))

    def shown_flags(self) -> list[Flag]:
        """Every flag the search and filters select, in the table's order (loaded or not)."""
        pages = self._question() if self._stale else self.model.question
        return list(pages.chosen()) if isinstance(pages, FlagPages) else []

    def export(self, path: Path) -> int:
        """Write the flags shown, as .xlsx or CSV by the file's suffix; returns how many."""
        return write_table(path, flags_table(self.shown_flags()))

    def _ask_export(self) -> None:
        path = ask_table_file(self, "Export the flags", f"flags-{self.ctx.today().isoformat()}")
        if path is None:
            return
        try:
            written = self.export(path)
        except OSError as exc:
            QMessageBox.warning(self, "Flags", f"Could not write {path}: {exc.strerror}")
            return
        said = f"Exported {written:,} flag(s) to {path}."
        self.summary.setToolTip(said)
        self.status_message.emit(said)

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        self._order = (column, order)
        self._refilter()

    def _refilter(self) -> None:
        """Ask again: the flags listed, by the filters, search and order shown."""
        self._search_timer.stop()
        self._stale = False
        if self._reselect is None:
            self._reselect = self.selected()
        self.model.load(self._question())

    def _question(self) -> FlagPages:
        """The flags listed, by the filters, search and order shown."""
        return FlagPages(
            self.listed,
            enum_data(self.severity, Severity),
            self.rule.currentData(),
            self.search.text(),
            self._order,
        )

    def _after_reset(self) -> None:
        reselect, self._reselect = self._reselect, None
        if reselect is not None:
            loaded = (self.model.row(i) for i in range(self.model.rowCount()))
            row = next((i for i, f in enumerate(loaded) if f == reselect), None)
            if row is not None:
                self.table.selectRow(row)
        self._show_summary()
        self._show_detail()

    def _show_summary(self) -> None:
        total = len(self.listed)
        shown = self.model.total if self.model.answered else total
        more = "+" if self.model.counting else ""
        blocks = self.listed.open_counts[Severity.BLOCK]
        self.summary.setText(
            f"{shown:,}{more} of {total:,} flag(s) shown · {blocks:,} open block(s)"
        )

    def _failed(self, message: str) -> None:
        said = f"Could not list the flags: {message}"
        self.summary.setText(said)
        self.status_message.emit(said)

    def _show_detail(self) -> None:
        flag = self.selected()
        self.open_button.setEnabled(flag is not None)
        if flag is None:
            self.detail.setText("<i>Select a flag to see what it means and what to do.</i>")
            return
        kind, _ = target_of(flag)
        self.open_button.setText(f"&Open the {kind}")
        colour = severity.BACKGROUND[flag.severity].name()
        self.detail.setText(
            f"<p><span style='background:{colour}; color:#1a1a1a; padding:2px'>"
            f"&nbsp;{short_label(flag.severity)}&nbsp;</span> "
            f"<b>{html.escape(rule_title(flag.rule))}</b>"
            f" — {html.escape(rule_meaning(flag.rule))}</p>"
            f"<p><b>What to do:</b> {html.escape(flag.message)}</p>" + overridden_text(flag)
        )


def overridden_text(flag: Flag) -> str:
    """Who overrode the flag, when and why, as a paragraph ("" for an open flag)."""
    if flag.overridden is None:
        return ""
    at = flag.overridden.at
    local = at.replace(tzinfo=dt.UTC).astimezone() if at is not None else None
    when = f" on {local:%Y-%m-%d %H:%M}" if local is not None else ""
    text = OVERRIDDEN_FLAG.format(by=flag.overridden.by, when=when, reason=flag.overridden.reason)
    return f"<p><b>{html.escape(text)}</b></p>"

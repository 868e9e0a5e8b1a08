"""Flags: every compliance flag with its severity, what it means and what to do; filtered by
severity, rule and text; each opens the product, lot or treatment concerned."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal
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
from exodesk.services.compliance.rules import RULES, Flag, open_counts
from exodesk.services.sheets.exports import flags_table
from exodesk.ui.common import severity
from exodesk.ui.common.table_models import SORT_ROLE, FlagTableModel
from exodesk.ui.common.widgets import enum_data, read_only_table
from exodesk.ui.sheets.export import ask_table_file, write_table
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext

Index = QModelIndex | QPersistentModelIndex


class FlagFilter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.severity: Severity | None = None
        self.rule: str | None = None
        self.text = ""
        self.setSortRole(SORT_ROLE)

    def set(self, severity: Severity | None, rule: str | None, text: str) -> None:
        self.beginFilterChange()
        self.severity, self.rule, self.text = severity, rule, text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, FlagTableModel)
        flag = model.row(source_row)
        if self.severity is not None and flag.severity is not self.severity:
            return False
        if self.rule is not None and flag.rule != self.rule:
            return False
        if self.text:
            haystack = " ".join(
                (
                    flag.product,
                    flag.lot or "",
                    flag.treatment or "",
                    flag.rule,
                    rule_title(flag.rule),
                    flag.message,
                )
            ).lower()
            return self.text in haystack
        return True


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
    title = "Flags"
    shows = Changes.NONE  # its flags come from the FlagFeed
    status_message = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.model = FlagTableModel()
        self.proxy = FlagFilter()
        self.proxy.setSourceModel(self.model)

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

        self.table = read_only_table(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
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

        self.search.textChanged.connect(self._refilter)
        self.severity.currentIndexChanged.connect(self._refilter)
        self.rule.currentIndexChanged.connect(self._refilter)
        self.table.selectionModel().selectionChanged.connect(self._show_detail)
        # Enter and double-click: a lot's or a treatment's card, else the record's view
        self.table.activated.connect(lambda _index: self.open_selected())
        self.open_button.clicked.connect(self.open_selected)
        self.export_button.clicked.connect(self._ask_export)

    def reload(self) -> None:
        """Flags arrive through set_flags (the window computes them once per change)."""

    def set_flags(self, flags: Sequence[Flag]) -> None:
        self.model.set_rows(flags)
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
        return self.model.row(self.proxy.mapToSource(rows[0]).row())

    def open_selected(self) -> None:
        flag = self.selected()
        if flag is not None:
            self.ctx.bus.open_requested.emit(*target_of(flag))

    def shown_flags(self) -> list[Flag]:
        """The flags the filter shows, in the table's order."""
        return [
            self.model.row(self.proxy.mapToSource(self.proxy.index(i, 0)).row())
            for i in range(self.proxy.rowCount())
        ]

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

    def _refilter(self) -> None:
        self.proxy.set(
            enum_data(self.severity, Severity), self.rule.currentData(), self.search.text()
        )
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        blocks = open_counts(self.model.row(i) for i in range(total))[Severity.BLOCK]
        self.summary.setText(f"{shown} of {total} flag(s) shown · {blocks} open block(s)")
        self._show_detail()

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

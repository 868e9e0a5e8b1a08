"""Stock counts: open a count, print its sheet, count in ExoDesk (scanning or typing) or
enter a filled sheet, then close it, turning each difference into an adjustment movement.
A closed count is read-only and can be reported as CSV or PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from exodesk.files import write_atomically
from exodesk.models.enums import Severity
from exodesk.services.audit.anchors import ANCHOR_COUNT_REPORT, record_anchor
from exodesk.services.counts import counts
from exodesk.services.counts.counts import CountClosed, CountSummary, Discrepancy, UnknownCount
from exodesk.services.counts.preview import ClosePreview, preview_close
from exodesk.services.counts.sheet import format_sheet, parse_sheet, read_sheet_text
from exodesk.services.errors import ExoDeskError, InvalidInput
from exodesk.services.queries import location_names
from exodesk.ui.common import severity
from exodesk.ui.common.error_line import ERROR_STYLE, ErrorLine
from exodesk.ui.common.file_dialogs import ask_open_file, ask_save_file
from exodesk.ui.common.printing import html_table, print_with_dialog, report_html, save_pdf
from exodesk.ui.common.table_models import Column, RowTableModel
from exodesk.ui.common.widgets import read_only_table
from exodesk.ui.counts.count_sources import DatabaseCountSource
from exodesk.ui.counts.counting import CountingWidget
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_slow_write, run_write
from exodesk.ui.stock.record_cards import open_record_card

ALL_LOCATIONS = "All locations"
CSV_FILTER = "CSV files (*.csv);;All files (*)"
PDF_FILTER = "PDF files (*.pdf)"
BLANK_SHEET_ROWS = 6  # empty lines at the end of a printed sheet, for lots found
BOX = "\u00a0"  # an empty cell that still draws its borders


def _when(summary: CountSummary) -> str:
    return f"{summary.opened_at:%Y-%m-%d %H:%M} UTC"


def status_word(summary: CountSummary) -> str:
    return "open" if summary.is_open else "closed"


class CountListModel(RowTableModel[CountSummary]):
    columns = (
        Column[CountSummary]("No.", lambda c: c.id, align_right=True),
        Column[CountSummary]("Scope", lambda c: c.scope),
        Column[CountSummary]("Date", lambda c: c.count_date),
        Column[CountSummary]("Opened by", lambda c: c.opened_by),
        Column[CountSummary]("Opened at", _when),
        Column[CountSummary]("Lots", lambda c: c.lines, align_right=True),
        Column[CountSummary]("Counted", lambda c: c.counted, align_right=True),
        Column[CountSummary]("Status", status_word),
    )

    def row_of(self, count_id: int) -> int | None:
        for i, summary in enumerate(self._rows):
            if summary.id == count_id:
                return i
        return None

    def extra_data(self, record: CountSummary, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and record.is_open:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and not record.is_open:
            return f"Closed by {record.closed_by or 'someone'}: {record.close_reason or ''}"
        return None


def _signed(value: int) -> str:
    return f"{value:+d}"


class DiscrepancyModel(RowTableModel[Discrepancy]):
    columns = (
        Column[Discrepancy]("Product", lambda d: d.product),
        Column[Discrepancy]("Lot", lambda d: d.lot),
        Column[Discrepancy]("Location", lambda d: d.location),
        Column[Discrepancy]("Expected by now", lambda d: d.expected, align_right=True),
        Column[Discrepancy]("Counted", lambda d: d.counted, align_right=True),
        Column[Discrepancy]("Adjustment", lambda d: _signed(d.adjustment), align_right=True),
    )

    def extra_data(self, record: Discrepancy, column: int, role: int) -> Any:
        if column != 5:
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(severity.BACKGROUND[Severity.WARN])
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(severity.TEXT_ON_BACKGROUND)
        if role == Qt.ItemDataRole.DecorationRole:
            return severity.icon(Severity.WARN)
        return None


def _table(model: RowTableModel[Any]) -> QTableView:
    table = read_only_table(model)
    table.horizontalHeader().setStretchLastSection(True)
    return table


# --------------------------------------------------------------------------------------------
# Dialogs
# --------------------------------------------------------------------------------------------
class StartCountDialog(QDialog):
    """Pick what to count; opening the count records what is expected there now."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.count_id: int | None = None
        self.setWindowTitle("Start a stock count")
        with ctx.db.read() as session:
            names = location_names(session)
        self.location = QComboBox()
        self.location.addItem(ALL_LOCATIONS, None)
        for name in names:
            self.location.addItem(name, name)
        label = QLabel("&Count:")
        label.setBuddy(self.location)
        intro = QLabel(
            "Starting a count records the stock ExoDesk expects for every lot there, as of "
            "now. You can keep treating and receiving while counting: movements recorded "
            "after this moment are taken into account when the count is closed."
        )
        intro.setWordWrap(True)
        self.error = ErrorLine()
        form = QFormLayout()
        form.addRow(label, self.location)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Start count")
        self.ok_button.setDefault(True)
        buttons.accepted.connect(self._start)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self.location.setFocus()

    def choose(self, location: str | None) -> None:
        index = self.location.findData(location) if location else 0
        self.location.setCurrentIndex(max(index, 0))

    def _start(self) -> None:
        location, today, user = self.location.currentData(), self.ctx.today(), self.ctx.user
        run_write(
            self.ctx,
            lambda session: counts.start_count(session, location=location, today=today, user=user),
            Changes.COUNTS,
            error_line=self.error,
            on_success=self._started,
        )

    def _started(self, count_id: int) -> None:
        self.count_id = count_id
        self.accept()


class CloseCountDialog(QDialog):
    """Shows what closing would adjust, asks why, closes, then shows what was adjusted."""

    def __init__(self, ctx: AppContext, count_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.count_id = count_id
        self.preview: ClosePreview | None = None
        self.closed: list[Discrepancy] | None = None
        self.setWindowTitle(f"Close count {count_id}")
        self.intro = QLabel(
            f"Closing count {count_id} turns each difference below into an adjustment of "
            "stock, kept in the audit trail with your reason. What was expected is the stock "
            "when the count opened plus every movement recorded since. Lots not counted keep "
            "their stock. A closed count cannot be changed."
        )
        self.intro.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.model = DiscrepancyModel()
        self.table = _table(self.model)
        for column, width in enumerate((230, 110, 140, 110, 80)):
            self.table.setColumnWidth(column, width)
        table_label = QLabel("&Adjustments closing would make:")
        table_label.setBuddy(self.table)
        self.table_label = table_label
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. year-end count, Fridge A (kept with each adjustment)")
        reason_label = QLabel("&Reason:")
        reason_label.setBuddy(self.reason)
        reason_row = QHBoxLayout()
        reason_row.addWidget(reason_label)
        reason_row.addWidget(self.reason, 1)
        self.error = ErrorLine()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.close_button.setText("&Close count")
        self.close_button.setDefault(True)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._close)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.summary)
        layout.addWidget(table_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(reason_row)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(900, 520)
        self._preview()
        self.reason.setFocus()

    def _preview(self) -> None:
        try:
            with self.ctx.db.read() as session:
                self.preview = preview_close(session, self.count_id)
        except (CountClosed, UnknownCount) as exc:
            self.error.show_text(f"Error: {exc}")
            self.close_button.setEnabled(False)
            self.reason.setEnabled(False)
            return
        p = self.preview
        self.model.set_rows(p.discrepancies)
        if p.counted == 0:
            text = "No lot has been counted yet: closing now would adjust nothing."
        elif not p.discrepancies:
            text = f"All {p.counted} counted lots match: closing would adjust nothing."
        else:
            text = (
                f"{p.counted} lot(s) counted: {p.matching} match, {len(p.discrepancies)} "
                "differ and would be adjusted as below."
            )
        if p.uncounted:
            text += f" {p.uncounted} lot(s) not counted keep their stock."
        self.summary.setText(text)

    def _close(self) -> None:
        if self.closed is not None:
            self.accept()
            return
        count_id, reason = self.count_id, self.reason.text()
        today, user = self.ctx.today(), self.ctx.user
        run_slow_write(
            self.ctx,
            lambda session: counts.close_count(
                session, count_id, reason=reason, today=today, user=user
            ),
            Changes.COUNTS | Changes.STOCK,
            error_line=self.error,
            on_success=self._closed,
            busy=[self.close_button, self.cancel_button, self.reason],
            busy_text=f"Closing count {count_id}…",
        )

    def _closed(self, found: list[Discrepancy]) -> None:
        self.closed = found
        self.error.clear()
        self.model.set_rows(found)
        self.setWindowTitle(f"Count {self.count_id} closed")
        self.table_label.setText("Adjustments &made:")
        self.summary.setText(self.done_message)
        self.intro.hide()
        self.reason.setReadOnly(True)
        self.cancel_button.hide()
        self.close_button.setText("&Done")

    @property
    def done_message(self) -> str:
        n = len(self.closed or [])
        return (
            f"Count {self.count_id} is closed: {n} "
            f"discrepanc{'y' if n == 1 else 'ies'} adjusted. It is now read-only."
        )


# --------------------------------------------------------------------------------------------
# The view
# --------------------------------------------------------------------------------------------
class CountsView(QWidget):
    title = "Counts"
    shows = Changes.COUNTS | Changes.STOCK
    status_message = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.model = CountListModel()
        self.counting: CountingWidget | None = None
        self.lot_card: QDialog | None = None
        self._shown_id: int | None = None
        self._reloading = False
        self._build()
        self._list_timer = QTimer(self, singleShot=True, interval=0)
        self._list_timer.timeout.connect(self.reload)
        self.reload()

    # -- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.table = _table(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((50, 160, 95, 110, 175, 60, 70)):
            self.table.setColumnWidth(column, width)
        list_label = QLabel("Cou&nts:")
        list_label.setBuddy(self.table)

        self.start_button = QPushButton("&Start count…")
        self.start_button.setToolTip("Open a count of one location or all, as of now")
        self.count_button = QPushButton("&Count…")
        self.count_button.setToolTip(
            "Count the selected count here: scan boxes, or type numbers in the table below"
        )
        self.sheet_csv_button = QPushButton("Save sheet CS&V…")
        self.sheet_csv_button.setToolTip(
            "The sheet as a CSV file, to count offline: exodesk count-sheet FILE"
        )
        self.print_button = QPushButton("&Print sheet / PDF…")
        self.print_button.setToolTip("A paper sheet with an empty box to write each count in")
        print_menu = QMenu(self.print_button)
        print_menu.addAction("&Print the sheet…", self.print_sheet)
        print_menu.addAction("Save the sheet as P&DF…", self._ask_sheet_pdf)
        self.print_button.setMenu(print_menu)
        self.enter_button = QPushButton("&Enter sheet…")
        self.enter_button.setToolTip("Take the counts of a filled sheet CSV")
        self.close_button = QPushButton("C&lose count…")
        self.close_button.setToolTip("Reconcile and close: differences become adjustments")
        self.report_csv_button = QPushButton("&Report CSV…")
        self.report_pdf_button = QPushButton("Report P&DF…")
        for button in (self.report_csv_button, self.report_pdf_button):
            button.setToolTip(
                "Who counted what and when, expected at opening and at closing, adjustments"
            )
        # Two rows: the count's steps, then its papers and files (one row of eight buttons
        # would force the window wider than a 1024-pixel screen)
        buttons = QVBoxLayout()
        for row_buttons in (
            (self.start_button, self.count_button, self.enter_button, self.close_button),
            (
                self.sheet_csv_button,
                self.print_button,
                self.report_csv_button,
                self.report_pdf_button,
            ),
        ):
            row = QHBoxLayout()
            for button in row_buttons:
                button.setAutoDefault(False)
                row.addWidget(button)
            row.addStretch(1)
            buttons.addLayout(row)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.problems = QPlainTextEdit()
        self.problems.setReadOnly(True)
        self.problems.setMaximumHeight(130)
        self.problems.setStyleSheet(ERROR_STYLE)
        self.problems.hide()

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(list_label)
        top_layout.addWidget(self.table, 1)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.message)
        top_layout.addWidget(self.problems)

        self.detail = QGroupBox("Selected count")
        self.detail_layout = QVBoxLayout(self.detail)
        self.placeholder = QLabel("Select a count above, or start one with Start count….")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_layout.addWidget(self.placeholder)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([190, 560])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

        self.start_button.clicked.connect(self.start_count)
        self.count_button.clicked.connect(self.count_selected)
        self.sheet_csv_button.clicked.connect(self._ask_sheet_csv)
        self.enter_button.clicked.connect(self._ask_enter_sheet)
        self.close_button.clicked.connect(self.close_selected)
        self.report_csv_button.clicked.connect(self._ask_report_csv)
        self.report_pdf_button.clicked.connect(self._ask_report_pdf)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self.count_selected)

    # -- the view's verbs --------------------------------------------------------------------
    def reload(self) -> None:
        """Read the list of counts again, keeping the selected count (and its widget)."""
        self._list_timer.stop()
        with self.ctx.db.read() as session:
            summaries = counts.list_counts(session)
        keep = self._shown_id
        self._reloading = True
        try:
            self.model.set_rows(summaries)
            row = self.model.row_of(keep) if keep is not None else None
            if row is not None:
                self.table.selectRow(row)
        finally:
            self._reloading = False
        self._show_selected()

    def _reload_now(self) -> None:
        """After an action of this view (never inside an edit): list and lines at once."""
        self.reload()
        if self.counting is not None:
            self.counting.reload()

    def select(self, key: Any) -> None:
        """Show one count (key: its id)."""
        count_id = int(key)
        row = self.model.row_of(count_id)
        if row is None:
            self.reload()
            row = self.model.row_of(count_id)
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def focus_search(self) -> None:
        if self.counting is not None and not self.counting.is_read_only():
            self.counting.focus_scan()
        else:
            self.table.setFocus()

    def selected(self) -> CountSummary | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    # -- showing the selected count -----------------------------------------------------------
    def _selection_changed(self) -> None:
        if not self._reloading:
            self._show_selected()

    def _show_selected(self) -> None:
        summary = self.selected()
        new_id = summary.id if summary is not None else None
        if new_id == self._shown_id and self.counting is not None:
            self.counting.reload_later()
        else:
            self._replace_counting(new_id)
        self._update_buttons()

    def _replace_counting(self, count_id: int | None) -> None:
        if self.counting is not None:
            self.detail_layout.removeWidget(self.counting)
            self.counting.hide()
            self.counting.deleteLater()
            self.counting = None
        self._shown_id = count_id
        if count_id is None:
            self.placeholder.show()
            self.detail.setTitle("Selected count")
            return
        try:
            source = DatabaseCountSource(self.ctx, count_id)
        except UnknownCount as exc:
            self._show_error(str(exc))
            self.placeholder.show()
            return
        self.placeholder.hide()
        self.counting = CountingWidget(source)
        self.counting.entered.connect(self._list_timer.start)
        self.counting.table.activated.connect(self._open_lot_card)
        self.detail_layout.addWidget(self.counting)
        self.detail.setTitle(f"Lots of count {count_id}")

    def _open_lot_card(self, _index: object = None) -> QDialog | None:
        """Enter or double-click on a lot of a closed count opens the lot's card (in an open
        count, Enter moves on to the next lot and a double-click edits the number)."""
        counting = self.counting
        row = counting.selected() if counting is not None else None
        if counting is None or row is None or not counting.is_read_only():
            return None
        self.lot_card = open_record_card(self.ctx, "lot", row.key, self)
        return self.lot_card

    def _update_buttons(self) -> None:
        summary = self.selected()
        has = summary is not None
        is_open = summary is not None and summary.is_open
        for button in (
            self.sheet_csv_button,
            self.print_button,
            self.report_csv_button,
            self.report_pdf_button,
        ):
            button.setEnabled(has)
        for button in (self.count_button, self.enter_button, self.close_button):
            button.setEnabled(is_open)
            tip = button.property("open_tip")
            if tip is None:
                tip = button.toolTip()
                button.setProperty("open_tip", tip)
            closed = has and not is_open
            button.setToolTip("This count is closed; it is read-only" if closed else str(tip))

    # -- messages ----------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.message.setStyleSheet("")
        self.message.setText(text)
        self.problems.hide()
        self.status_message.emit(text)

    def _show_error(self, text: str, problems: list[str] | None = None) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(f"Error: {text}")
        if problems:
            self.problems.setPlainText("\n".join(problems))
            self.problems.show()
        else:
            self.problems.hide()

    def _selected_id(self) -> int | None:
        summary = self.selected()
        if summary is None:
            self._show_error("select a count first")
            return None
        return summary.id

    # -- starting, counting, closing ----------------------------------------------------------
    def start_count(self) -> None:
        dialog = StartCountDialog(self.ctx, self)
        if not dialog.exec() or dialog.count_id is None:
            return
        self.reload()
        self.select(dialog.count_id)
        summary = self.selected()
        lots = summary.lines if summary else 0
        scope = summary.scope if summary else ""
        self._say(
            f"Count {dialog.count_id} opened ({scope}): {lots} lot(s) expected. Print or save "
            "the sheet, or count here by scanning the boxes."
        )

    def count_selected(self) -> None:
        summary = self.selected()
        if summary is None or self.counting is None:
            return
        if not summary.is_open:
            self._show_error(f"count {summary.id} is closed; a closed count is read-only")
            return
        self.counting.focus_scan()
        self._say(
            f"Counting count {summary.id}: scan each box (each scan counts one), or select a "
            "lot and type the number found. Every entry is saved at once."
        )

    def close_selected(self) -> None:
        count_id = self._selected_id()
        if count_id is None:
            return
        dialog = CloseCountDialog(self.ctx, count_id, self)
        dialog.exec()
        if dialog.closed is not None:
            self._reload_now()
            self._say(dialog.done_message)

    # -- sheet --------------------------------------------------------------------------------
    def _summary_and_lines(
        self, count_id: int
    ) -> tuple[CountSummary, list[counts.CountLine]] | None:
        try:
            with self.ctx.db.read() as session:
                return counts.get_count(session, count_id), counts.count_lines(session, count_id)
        except UnknownCount as exc:
            self._show_error(str(exc))
            return None

    def save_sheet_csv(self, path: Path) -> bool:
        count_id = self._selected_id()
        if count_id is None:
            return False
        with self.ctx.db.read() as session:
            rows = counts.sheet_rows(session, count_id)
        try:
            write_atomically(path, format_sheet(rows))
        except OSError as exc:
            self._show_error(f"could not write {path} ({exc.strerror or exc})")
            return False
        self._say(
            f"Saved the sheet of count {count_id} ({len(rows)} lots) to {path}. Count offline "
            f"with: exodesk count-sheet {path.name}; then Enter sheet… here."
        )
        return True

    def sheet_html(self, count_id: int) -> str:
        found = self._summary_and_lines(count_id)
        if found is None:
            return ""
        summary, lines = found
        expected = [x for x in lines if x.expected is not None]
        rows: list[list[object]] = [
            [x.product, x.lot, x.expiry.isoformat(), x.location or "", x.expected, BOX]
            for x in expected
        ]
        rows += [[BOX] * 6 for _ in range(BLANK_SHEET_ROWS)]
        table = html_table(["Product", "Lot", "Expiry", "Location", "Expected", "Counted"], rows)
        # A wide Counted column, and rows tall enough to write in (Qt's rich text ignores
        # cell padding; a large blank in the box makes the row tall).
        table = table.replace("<th>Counted</th>", '<th width="22%">Counted</th>', 1)
        table = table.replace(
            f"<td>{BOX}</td></tr>",
            f'<td style="font-size: 17pt; border: 1px solid #777">{BOX}</td></tr>',
        )
        return report_html(
            f"Stock count sheet — count {summary.id} ({summary.scope})",
            [
                f"Count date {summary.count_date.isoformat()}; opened {_when(summary)} by "
                f"{summary.opened_by or 'someone'}; {len(expected)} lots expected.",
                "Write the number of vials you find in the Counted box (0 if none). Write lots "
                "you find that are not on the sheet on the empty lines at the end.",
                "Counted by: ______________________   Date: ____________   Signature: "
                "______________________",
            ],
            table,
        )

    def save_sheet_pdf(self, path: Path) -> bool:
        count_id = self._selected_id()
        if count_id is None:
            return False
        page = self.sheet_html(count_id)
        if not page:
            return False
        save_pdf(page, path)
        self._say(f"Saved the printable sheet of count {count_id} to {path}.")
        return True

    def print_sheet(self) -> None:
        count_id = self._selected_id()
        if count_id is not None:
            page = self.sheet_html(count_id)
            if page and print_with_dialog(page, self):
                self._say(f"Sent the sheet of count {count_id} to the printer.")

    def enter_sheet_file(self, path: Path) -> list[str]:
        """Take the counts of a filled sheet. Returns the problems (empty if entered); on
        any problem nothing is written and every problem is shown."""
        count_id = self._selected_id()
        if count_id is None:
            return ["select a count first"]
        user = self.ctx.user
        entered: list[int] = []
        refused: list[ExoDeskError] = []
        try:
            text = read_sheet_text(path)
        except OSError as exc:
            problem = f"{path.name}: cannot read the sheet ({exc.strerror or type(exc).__name__})"
            self._show_error(f"{problem}; nothing was entered")
            return [problem]
        except InvalidInput as exc:  # not UTF-8, far too large: shown as the sheet's problems
            refused.append(exc)
        else:
            run_write(
                self.ctx,
                lambda session: counts.enter_rows(session, count_id, parse_sheet(text), user=user),
                Changes.COUNTS,
                on_success=entered.append,
                on_failure=refused.append,
            )
        if entered:
            self._reload_now()
            self._say(
                f"Entered {entered[0]} counted lot(s) from {path.name} into count {count_id}."
            )
            return []
        problems = [str(p) for p in refused[0].problems]
        if isinstance(refused[0], InvalidInput):
            self._show_error(
                f"the sheet {path.name} has {len(problems)} problem(s); nothing was "
                "entered. Correct the sheet and enter it again:",
                problems,
            )
        else:
            self._show_error(f"{refused[0].message}; nothing was entered")
        return problems

    # -- report -------------------------------------------------------------------------------
    def report_html(self, count_id: int) -> str:
        found = self._summary_and_lines(count_id)
        if found is None:
            return ""
        summary, lines = found
        closed = (
            f"closed {summary.closed_at:%Y-%m-%d %H:%M} UTC by {summary.closed_by or 'someone'}"
            f" — reason: {summary.close_reason or ''}"
            if summary.closed_at
            else "still open (expected at close and adjustments come when it is closed)"
        )
        adjusted = sum(1 for x in lines if x.adjustment)
        headers = [c.replace("_", " ") for c in counts.REPORT_COLUMNS]
        return report_html(
            f"Stock count {summary.id} — {summary.scope}",
            [
                f"Count date {summary.count_date.isoformat()}; opened {_when(summary)} by "
                f"{summary.opened_by or 'someone'}; {closed}.",
                f"{summary.lines} lots, {summary.counted} counted, {adjusted} adjusted.",
            ],
            html_table(headers, counts.report_rows(lines)),
        )

    def save_report_csv(self, path: Path) -> bool:
        count_id = self._selected_id()
        if count_id is None:
            return False
        found = self._summary_and_lines(count_id)
        if found is None:
            return False
        try:
            write_atomically(path, counts.report_csv(*found))
        except OSError as exc:
            self._show_error(f"could not write {path} ({exc.strerror or exc})")
            return False
        self._say(f"Saved the report of count {count_id} to {path}." + self._anchored(path))
        return True

    def save_report_pdf(self, path: Path) -> bool:
        count_id = self._selected_id()
        if count_id is None:
            return False
        page = self.report_html(count_id)
        if not page:
            return False
        save_pdf(page, path, landscape=True)
        self._say(f"Saved the report of count {count_id} to {path}." + self._anchored(path))
        return True

    def _anchored(self, path: Path) -> str:
        """Anchor the audit trail's head outside the database; what went wrong, if anything."""
        with self.ctx.db.read() as session:
            warning = record_anchor(session, ANCHOR_COUNT_REPORT, where=str(path))
        return f" {warning}" if warning else ""

    # -- file dialogs -------------------------------------------------------------------------
    def _save_path(self, what: str, name: str, filters: str) -> Path | None:
        return ask_save_file(self, what, name, filters)

    def _ask_sheet_csv(self) -> None:
        summary = self.selected()
        if summary is not None:
            path = self._save_path(
                "Save the count sheet", f"count-{summary.id}-sheet.csv", CSV_FILTER
            )
            if path is not None:
                self.save_sheet_csv(path)

    def _ask_sheet_pdf(self) -> None:
        summary = self.selected()
        if summary is not None:
            path = self._save_path(
                "Save the count sheet as PDF", f"count-{summary.id}-sheet.pdf", PDF_FILTER
            )
            if path is not None:
                self.save_sheet_pdf(path)

    def _ask_enter_sheet(self) -> None:
        summary = self.selected()
        if summary is None:
            return
        path = ask_open_file(self, f"Enter a filled sheet into count {summary.id}", CSV_FILTER)
        if path is not None:
            self.enter_sheet_file(path)

    def _ask_report_csv(self) -> None:
        summary = self.selected()
        if summary is not None:
            path = self._save_path(
                "Save the count report", f"count-{summary.id}-report.csv", CSV_FILTER
            )
            if path is not None:
                self.save_report_csv(path)

    def _ask_report_pdf(self) -> None:
        summary = self.selected()
        if summary is not None:
            path = self._save_path(
                "Save the count report as PDF", f"count-{summary.id}-report.pdf", PDF_FILTER
            )
            if path is not None:
                self.save_report_pdf(path)

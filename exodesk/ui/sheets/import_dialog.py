"""File › Import from spreadsheet…: a sheet of products, lots, treatments or documents brought
in as `exodesk import-sheet` brings it (shared/INTERCHANGE.md, "Spreadsheets"), step by step:

1. the file, its sheet (a workbook's) and what each row is;
2. the columns: each header beside the field it gives, guessed by the contract's matching
   (or as chosen last time for the same headers), each changeable or ignored;
3. the dates' day/month order, only when a cell could be read either way (the cell is named);
4. the preview: every row, each problem marked on its cell and listed; nothing written;
5. the import, all or nothing, then what was added.

Reading, checking and importing run on worker threads (a progress bar moves meanwhile); the
dialog is not modal, so the window stays usable."""

from __future__ import annotations

import datetime as dt
import html
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.vocabulary import SHEET_DAY_FIRST, SHEET_KINDS, SHEET_MONTH_FIRST
from exodesk.services.accounts.users import Permission, needs_text
from exodesk.services.errors import ExoDeskError
from exodesk.services.interchange.importer import ImportSummary
from exodesk.services.sheets.dates import DayOrder
from exodesk.services.sheets.importing import SheetOptions
from exodesk.services.sheets.preview import (
    AmbiguousDate,
    SheetAdded,
    SheetLayout,
    SheetPreview,
    import_whole_sheet,
    mapping_problems,
    preview_sheet,
    sheet_layout,
    workbook_sheets,
)
from exodesk.ui.common.error_line import ErrorLine
from exodesk.ui.common.file_dialogs import ask_open_file
from exodesk.ui.common.jobs import BackgroundRunner
from exodesk.ui.sheets.mapping import MappingTable, remember
from exodesk.ui.sheets.preview_model import PreviewModel
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import refusal, run_slow_write

FILTERS = "Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv);;All files (*)"
FILE, COLUMNS, DATES, PREVIEW, DONE = range(5)
TITLES = {
    FILE: "1. The file and what each row is",
    COLUMNS: "2. Which field each column gives",
    DATES: "3. How the sheet writes dates",
    PREVIEW: "4. Every row, checked (nothing is written yet)",
    DONE: "Imported",
}
MAX_PROBLEMS_LISTED = 500
MAX_ADDED_LISTED = 2_000


def adds(kind: str, summary: ImportSummary | None) -> str:
    """'2 lots and 1 new location; 3 lots already in ExoDesk'."""
    if summary is None:
        return "nothing"
    if not summary.total_added:
        return f"nothing new: all {summary.unchanged[kind]:,} {kind} are already in ExoDesk"
    parts = [f"{summary.added[kind]:,} {kind}"]
    if summary.added.get("locations"):
        parts.append(f"{summary.added['locations']:,} new location(s)")
    said = " and ".join(parts)
    if summary.unchanged[kind]:
        said += f"; {summary.unchanged[kind]:,} {kind} already in ExoDesk"
    return said


def in_words(warning: str) -> str:
    """A note of `read_sheet` in the dialog's words (the command line's name --map)."""
    return warning.replace("ignored: left out by --map", "ignored, as you chose").replace(
        "--map gives", "you gave"
    )


def _spoken(iso: str) -> str:
    day = dt.date.fromisoformat(iso[:10])
    return f"{day.day} {day.strftime('%B')} {day.year}" + (
        f" {iso[11:16]}" if len(iso) > 10 else ""
    )


class Steps(QObject):
    """What a worker is doing, in words: emitted on the worker, shown on the UI thread."""

    said = Signal(str)


class SheetImportDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Import from spreadsheet")
        self.runner = BackgroundRunner(self)
        self.steps = Steps(self)
        self.steps.said.connect(self._step, Qt.ConnectionType.QueuedConnection)
        self.path: Path | None = None
        self.layout_: SheetLayout | None = None
        self.preview: SheetPreview | None = None
        self.ambiguous: AmbiguousDate | None = None
        self.order: DayOrder | None = None
        self.added: SheetAdded | None = None
        self.importing = False

        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600; font-size: 13pt;")
        self.stack = QStackedWidget()
        self.stack.addWidget(self._file_page())
        self.stack.addWidget(self._columns_page())
        self.stack.addWidget(self._dates_page())
        self.stack.addWidget(self._preview_page())
        self.stack.addWidget(self._done_page())

        self.error = ErrorLine()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: how long a sheet takes is not known ahead
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(14)
        self.progress_text = QLabel()
        self.progress.hide()
        self.back_button = QPushButton("< &Back")
        self.next_button = QPushButton("&Next >")
        self.import_button = QPushButton("&Import all rows")
        self.recheck_button = QPushButton("Check a&gain")
        self.recheck_button.setToolTip("Read the sheet again, after correcting it")
        self.close_button = QPushButton("&Close")
        self.next_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress_text)
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(0)
        for button in (
            self.back_button,
            self.next_button,
            self.recheck_button,
            self.import_button,
            self.close_button,
        ):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.import_button.clicked.connect(self.import_now)
        self.recheck_button.clicked.connect(self.check_rows)
        self.close_button.clicked.connect(self.close)
        self.resize(900, 600)
        self._go(FILE)

    # -- pages -----------------------------------------------------------------------------

    def _file_page(self) -> QWidget:
        page = QWidget()
        self.file_edit = QLineEdit()
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText("An .xlsx workbook or a .csv file")
        self.choose_button = QPushButton("&Choose…")
        self.choose_button.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.choose_button)
        self.sheet_combo = QComboBox()
        self.sheet_combo.setEnabled(False)
        self.kind_combo = QComboBox()
        for kind, words in SHEET_KINDS.items():
            self.kind_combo.addItem(words, kind)
        note = QLabel(
            "The header row is found below any title rows; headers are matched to ExoDesk's "
            "fields ignoring case, spaces and punctuation, with the usual synonyms (Batch for "
            "lot, Exp for expiry, Qty for quantity…). You can change every match next."
        )
        note.setWordWrap(True)
        form = QFormLayout(page)
        file_label = QLabel("&File:")
        file_label.setBuddy(self.choose_button)
        form.addRow(file_label, file_row)
        form.addRow("&Sheet:", self.sheet_combo)
        form.addRow("Each row &is:", self.kind_combo)
        form.addRow(note)
        return page

    def _columns_page(self) -> QWidget:
        page = QWidget()
        self.columns_intro = QLabel()
        self.columns_intro.setWordWrap(True)
        self.mapping = MappingTable()
        self.mapping.changed.connect(self._check_mapping)
        self.mapping_error = ErrorLine()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.columns_intro)
        layout.addWidget(self.mapping, 1)
        layout.addWidget(self.mapping_error)
        return page

    def _dates_page(self) -> QWidget:
        page = QWidget()
        self.dates_intro = QLabel()
        self.dates_intro.setWordWrap(True)
        self.dates_intro.setTextFormat(Qt.TextFormat.RichText)
        self.day_first = QRadioButton()
        self.month_first = QRadioButton()
        self.order_group = QButtonGroup(self)
        self.order_group.addButton(self.day_first)
        self.order_group.addButton(self.month_first)
        self.order_group.buttonToggled.connect(lambda *_: self._update_buttons())
        note = QLabel("Every date of the sheet written with numbers is read in the order chosen.")
        note.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.dates_intro)
        layout.addWidget(self.day_first)
        layout.addWidget(self.month_first)
        layout.addWidget(note)
        layout.addStretch(1)
        return page

    def _preview_page(self) -> QWidget:
        page = QWidget()
        self.preview_summary = QLabel()
        self.preview_summary.setWordWrap(True)
        self.preview_summary.setTextFormat(Qt.TextFormat.RichText)
        self.preview_model = PreviewModel()
        self.preview_table = QTableView()
        self.preview_table.setModel(self.preview_model)
        self.preview_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_table.setWordWrap(False)
        self.preview_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.preview_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.preview_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive
        )
        self.preview_table.horizontalHeader().setStretchLastSection(True)
        self.problem_list = QListWidget()
        self.problem_list.setWordWrap(True)
        self.problem_list.setAccessibleName("Problems")
        self.problem_list.itemActivated.connect(self._show_problem)
        self.problem_list.itemClicked.connect(self._show_problem)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.preview_table)
        split.addWidget(self.problem_list)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.preview_summary)
        layout.addWidget(split, 1)
        return page

    def _done_page(self) -> QWidget:
        page = QWidget()
        self.done_summary = QLabel()
        self.done_summary.setWordWrap(True)
        self.done_summary.setTextFormat(Qt.TextFormat.RichText)
        self.added_list = QListWidget()
        self.added_list.setAccessibleName("Records added")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.done_summary)
        layout.addWidget(self.added_list, 1)
        return page

    # -- steps -----------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    @property
    def page(self) -> int:
        return self.stack.currentIndex()

    def _go(self, page: int) -> None:
        self.stack.setCurrentIndex(page)
        self.title.setText(TITLES[page])
        self.error.clear()
        self._update_buttons()

    def _busy(self, text: str) -> None:
        self.progress_text.setText(text)
        self.progress.setVisible(bool(text))
        self.progress_text.setVisible(bool(text))
        self._update_buttons()

    def _step(self, words: str) -> None:
        if self.progress.isVisible():
            self.progress_text.setText(words)

    @property
    def busy(self) -> bool:
        return self.progress.isVisible() or self.importing

    def _update_buttons(self) -> None:
        page, busy = self.page, self.progress.isVisible()
        may = self.ctx.may(Permission.IMPORT)
        self.back_button.setVisible(page not in (FILE, DONE))
        self.back_button.setEnabled(not busy)
        self.next_button.setVisible(page in (FILE, COLUMNS, DATES))
        ready = {
            FILE: self.path is not None,
            COLUMNS: self.layout_ is not None and not self.mapping_error.isVisible(),
            DATES: self.order_group.checkedButton() is not None,
        }
        self.next_button.setEnabled(not busy and ready.get(page, False))
        self.import_button.setVisible(page == PREVIEW)
        self.recheck_button.setVisible(page == PREVIEW)
        self.recheck_button.setEnabled(not busy)
        self.import_button.setEnabled(
            not busy and may and self.preview is not None and self.preview.ready
        )
        self.import_button.setToolTip(
            "" if may else f"You may not: {needs_text(Permission.IMPORT)}"
        )
        self.choose_button.setEnabled(not busy)
        self.close_button.setText("&Close" if page == DONE else "&Cancel")

    def back(self) -> None:
        if self.page == PREVIEW and self.ambiguous is not None:
            self._go(DATES)
        else:
            self._go(max(FILE, self.page - 1 - (self.page == PREVIEW)))

    def next(self) -> None:
        if self.page == FILE:
            self.read_columns()
        elif self.page == COLUMNS:
            remember(self.kind, self.mapping.layout_.headers, self.mapping.mapping())  # type: ignore[union-attr]
            self.order = None
            self.ambiguous = None
            self.check_rows()
        elif self.page == DATES:
            checked = self.order_group.checkedButton()
            self.order = DayOrder.DAY_FIRST if checked is self.day_first else DayOrder.MONTH_FIRST
            self.check_rows()

    # -- 1. the file -----------------------------------------------------------------------

    def choose_file(self) -> None:
        chosen = ask_open_file(self, "Import from a spreadsheet", FILTERS)
        if chosen is not None:
            self.set_file(chosen)

    def set_file(self, path: Path) -> None:
        """Take `path` as the sheet to import; a workbook's sheets are offered."""
        self.path = path
        self.file_edit.setText(str(path))
        self.sheet_combo.clear()
        try:
            names = workbook_sheets(path)
        except ExoDeskError as exc:
            self.path = None
            self.error.show_problems(exc.problems, prefix="")
            self._update_buttons()
            return
        for name in names:
            self.sheet_combo.addItem(name, name)
        if not names:
            self.sheet_combo.addItem("(a CSV file has one sheet)", None)
        self.sheet_combo.setEnabled(len(names) > 1)
        self.error.clear()
        self._update_buttons()

    def set_kind(self, kind: str) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))

    def read_columns(self) -> None:
        """Find the header row and guess each column's field, on a worker."""
        path, kind, sheet = self.path, self.kind, self.sheet_combo.currentData()
        assert path is not None
        self._busy(f"Reading {path.name}…")
        self.runner.start("read", lambda: sheet_layout(path, kind, sheet), self._columns_read)

    def _columns_read(self, result: Any) -> None:
        self._busy("")
        if isinstance(result, Exception):
            self._failed(result)
            return
        layout: SheetLayout = result
        self.layout_ = layout
        self.mapping.show_layout(self.kind, layout)
        where = (
            "" if layout.sheet == (self.path.name if self.path else "") else f" of {layout.sheet}"
        )
        found = (
            f"Row {layout.header_row}{where} is the header row"
            if layout.found
            else f"No row names two fields of a {self.kind} sheet: row {layout.header_row} is "
            "taken as the header row; choose each column's field"
        )
        how = (
            "as you chose last time for a sheet with these headers"
            if self.mapping.from_memory
            else "guessed from each header"
        )
        self.columns_intro.setText(
            f"{found}; {layout.data_rows:,} row(s) below it. The fields are {how}: change any, "
            "or ignore a column. Your choice is remembered for sheets with the same headers."
        )
        self._go(COLUMNS)
        self._check_mapping()

    # -- 2. the columns --------------------------------------------------------------------

    def _check_mapping(self) -> None:
        problems = mapping_problems(self.kind, self.mapping.choices())
        self.mapping_error.show_text("\n".join(problems))
        self._update_buttons()

    # -- 3 and 4. the dates and the preview ------------------------------------------------

    def options(self) -> SheetOptions:
        return SheetOptions(
            kind=self.kind,
            mapping=self.mapping.mapping(),
            dates=self.order,
            sheet=self.sheet_combo.currentData(),
        )

    def check_rows(self) -> None:
        """Read and check every row, and dry-run the import, on a worker."""
        path, options, user, db = self.path, self.options(), self.ctx.user, self.ctx.db
        assert path is not None
        say = self.steps.said.emit

        def work() -> SheetPreview:  # the dry run is rolled back: nothing is written
            return preview_sheet(db.write, path, options, user=user, step=say)

        self._busy(f"Checking every row of {path.name}…")
        self.runner.start("check", work, self._rows_checked)

    def _rows_checked(self, result: Any) -> None:
        self._busy("")
        if isinstance(result, Exception):
            self._failed(result)
            return
        preview: SheetPreview = result
        if preview.ambiguous is not None:
            self._ask_order(preview.ambiguous)
            return
        self.preview = preview
        self.preview_model.set_preview(self.kind, preview)
        self._fill_problems(preview)
        self._go(PREVIEW)

    def _ask_order(self, found: AmbiguousDate) -> None:
        self.ambiguous = found
        self.dates_intro.setText(
            f"<p>Row {found.row}, column {found.where} holds <b>{found.text}</b>, which could "
            f"be {_spoken(found.day_first)} or {_spoken(found.month_first)}. "
            "How does this sheet write its dates?</p>"
        )
        self.day_first.setText(SHEET_DAY_FIRST.format(day=_spoken(found.day_first)))
        self.month_first.setText(SHEET_MONTH_FIRST.format(month=_spoken(found.month_first)))
        self.order_group.setExclusive(False)
        self.day_first.setChecked(False)
        self.month_first.setChecked(False)
        self.order_group.setExclusive(True)
        self._go(DATES)

    def _fill_problems(self, preview: SheetPreview) -> None:
        rows = len(preview.rows)
        self.problem_list.clear()
        for problem in preview.problems[:MAX_PROBLEMS_LISTED]:
            item = QListWidgetItem(str(problem))
            item.setData(Qt.ItemDataRole.UserRole, problem.row)
            self.problem_list.addItem(item)
        if len(preview.problems) > MAX_PROBLEMS_LISTED:
            self.problem_list.addItem(f"… and {len(preview.problems) - MAX_PROBLEMS_LISTED} more")
        for warning in preview.warnings:
            self.problem_list.addItem(f"Note: {in_words(warning)}")
        if preview.problems:
            bad = len(self.preview_model.bad_rows())
            self.preview_summary.setText(
                f"<p><b>{len(preview.problems)} problem(s)</b> in {bad} of {rows:,} row(s), "
                "marked in red. Nothing can be imported until every row is right: correct the "
                "sheet (or the columns' fields) and check it again.</p>"
            )
            self.problem_list.setCurrentRow(0)
        else:
            self.preview_summary.setText(
                f"<p>All {rows:,} row(s) are right. Importing adds "
                f"<b>{adds(self.kind, preview.summary)}</b>. Nothing is written until you "
                "import.</p>"
            )
        self.problem_list.setVisible(self.problem_list.count() > 0)
        self.preview_table.resizeColumnsToContents()
        for column in range(self.preview_model.columnCount()):
            width = self.preview_table.columnWidth(column)
            self.preview_table.setColumnWidth(column, min(max(width, 80), 260))

    def _show_problem(self, item: QListWidgetItem) -> None:
        sheet_row = item.data(Qt.ItemDataRole.UserRole)
        row = self.preview_model.model_row(sheet_row) if isinstance(sheet_row, int) else None
        if row is not None:
            index = self.preview_model.index(row, 0)
            self.preview_table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
            self.preview_table.selectRow(row)

    # -- 5. the import ---------------------------------------------------------------------

    def import_now(self) -> None:
        """Import every row, all or nothing, on a worker; then say what was added."""
        if self.importing or self.path is None:
            return
        path, options, user = self.path, self.options(), self.ctx.user
        self.importing = True
        self._busy(f"Importing {path.name}…")
        run_slow_write(
            self.ctx,
            lambda session: import_whole_sheet(session, path, options, user=user),
            Changes.ALL & ~Changes.ACCOUNTS,
            on_success=self._imported,
            on_failure=self._refused,
            busy=[self.import_button, self.back_button, self.recheck_button],
            busy_text=f"Importing {path.name}…",
        )

    def _imported(self, added: SheetAdded) -> None:
        self.importing = False
        self._busy("")
        self.added = added
        assert self.path is not None
        self.done_summary.setText(
            f"<p><b>{html.escape(self.path.name)}</b> is imported: "
            f"{adds(self.kind, added.summary)}.</p>"
        )
        self.added_list.clear()
        for line in added.added[:MAX_ADDED_LISTED]:
            self.added_list.addItem(f"Added {line}")
        if len(added.added) > MAX_ADDED_LISTED:
            self.added_list.addItem(f"… and {len(added.added) - MAX_ADDED_LISTED:,} more")
        if not added.added:
            self.added_list.addItem("Nothing new: every row was already in ExoDesk.")
        self._go(DONE)

    def _refused(self, refused: ExoDeskError) -> None:
        self.importing = False
        self._busy("")
        self.error.show_problems(refused.problems[:20], prefix="Nothing was imported:\n", suffix="")

    def _failed(self, exc: Exception) -> None:
        said = refusal(exc)
        if said is None:  # a bug: the error hook shows it
            sys.excepthook(type(exc), exc, exc.__traceback__)
            return
        self.error.show_problems(said.problems[:20], prefix="")

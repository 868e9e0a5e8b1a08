"""The Audit view: who changed what and when, newest first, filtered by record, key, user
and date and paged from the database off the UI thread (the trail can hold a million events:
a page at a time, the count after the first page, the filters' choices in the background);
the hash chain checked on request; what the filter shows exported as CSV or PDF."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from exodesk.files import write_atomically
from exodesk.models.enums import RecordKind, Severity
from exodesk.models.vocabulary import field_label, label_for, phrase, short_label, value_words
from exodesk.services.audit.log import (
    AuditFilter,
    AuditRow,
    audit_users,
    count_events,
    events_csv,
    is_listed,
    iter_events,
    list_events,
    record_types,
)
from exodesk.services.audit.verify import Verification, verify_trail
from exodesk.services.sheets.exports import audit_table
from exodesk.ui.common import severity
from exodesk.ui.common.background_pages import SEARCH_DELAY_MS, BackgroundPagedModel
from exodesk.ui.common.date_field import DateField, qdate
from exodesk.ui.common.file_dialogs import ask_save_file
from exodesk.ui.common.icons import Icon, icon
from exodesk.ui.common.jobs import BackgroundRunner
from exodesk.ui.common.printing import html_table, report_html, save_pdf
from exodesk.ui.common.table_models import Column
from exodesk.ui.common.widgets import read_only_table
from exodesk.ui.sheets.export import ask_table_file, is_workbook, write_table
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext

PDF_LIMIT = 2000
SHORT_VALUE = 60
NO_DATE = QDate(2000, 1, 1)  # the date edits' minimum, shown as "any"
NO_USER = ""  # the user filter's value for events with no user recorded


def local_time(at: dt.datetime) -> dt.datetime:
    """A stored UTC time in this computer's time zone (naive, for display)."""
    return at.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)


def utc_start_of(day: dt.date) -> dt.datetime:
    """Local midnight at the start of `day`, in UTC (naive), as the trail stores times."""
    return dt.datetime.combine(day, dt.time()).astimezone(dt.UTC).replace(tzinfo=None)


def record_word(record: str) -> str:
    return label_for(RecordKind, record)


def short(value: str | None) -> str:
    if value is None:
        return ""
    flat = " ".join(value.split())
    return flat if len(flat) <= SHORT_VALUE else flat[: SHORT_VALUE - 1] + "…"


def _parsed(value: str | None) -> object:
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def value_text(row: AuditRow, value: str | None) -> str:
    """A stored old or new value in words (labels from the vocabulary), not raw JSON."""
    if value is None:
        return ""
    return value_words(row.record, row.field, _parsed(value))


def change_lines(row: AuditRow) -> list[str]:
    """What the event changed, one "field: old → new" line per field, in words."""
    old, new = _parsed(row.old), _parsed(row.new)
    if row.field is not None:
        return [
            f"{field_label(row.field).capitalize()}: {value_words(row.record, row.field, old)}"
            f" → {value_words(row.record, row.field, new)}"
        ]
    if isinstance(old, dict) or isinstance(new, dict):
        before = old if isinstance(old, dict) else {}
        after = new if isinstance(new, dict) else {}
        lines = []
        for key in [*after, *(k for k in before if k not in after)]:
            was, now = before.get(key), after.get(key)
            if key in before and key in after and was == now:
                continue
            text = f"{field_label(key).capitalize()}: "
            if key in before and key in after:
                text += f"{value_words(row.record, key, was)} → {value_words(row.record, key, now)}"
            elif key in after:
                text += value_words(row.record, key, now)
            else:
                text += f"{value_words(row.record, key, was)} (removed)"
            lines.append(text)
        return lines
    if old is None and new is None:
        return []
    return [f"{value_words(row.record, None, old)} → {value_words(row.record, None, new)}"]


def when(row: AuditRow) -> str:
    return local_time(row.at).strftime("%Y-%m-%d %H:%M:%S")


class AuditPages:
    """The events a filter selects, newest first (queried on a worker thread)."""

    def __init__(self, ctx: AppContext, flt: AuditFilter) -> None:
        self.db, self.filter = ctx.db, flt

    def page(self, after: AuditRow | None, limit: int) -> Sequence[AuditRow]:
        with self.db.read() as session:
            before = None if after is None else after.id
            return list_events(session, self.filter, limit=limit, before_id=before)

    def count(self) -> int:
        with self.db.read() as session:
            return count_events(session, self.filter)


class AuditTableModel(BackgroundPagedModel[AuditRow]):
    """Events newest first, a page at a time (keyset: the next page is the events before
    the last one loaded)."""

    COL_OLD, COL_NEW, COL_REASON = 7, 8, 9
    columns = (
        Column[AuditRow]("Event", lambda r: r.id, align_right=True),
        Column[AuditRow]("When (local time)", when),
        Column[AuditRow]("User", lambda r: r.user or "—"),
        Column[AuditRow]("Action", lambda r: phrase(r.action)),
        Column[AuditRow]("Record", lambda r: record_word(r.record)),
        Column[AuditRow]("Key", lambda r: r.record_key),
        Column[AuditRow]("Field", lambda r: field_label(r.field) if r.field else ""),
        Column[AuditRow]("Old value", lambda r: short(value_text(r, r.old))),
        Column[AuditRow]("New value", lambda r: short(value_text(r, r.new))),
        Column[AuditRow]("Reason", lambda r: short(r.reason)),
    )

    @property
    def pages_filter(self) -> AuditFilter:
        """The filter the rows answer."""
        pages = self._pages
        return pages.filter if isinstance(pages, AuditPages) else AuditFilter()

    def row_of(self, event_id: int, start: int = 0) -> int | None:
        rows = self._rows
        return next((i for i in range(start, len(rows)) if rows[i].id == event_id), None)

    def extra_data(self, record: AuditRow, column: int, role: int) -> Any:
        if role != Qt.ItemDataRole.ToolTipRole:
            return None
        full = {
            self.COL_OLD: record.old,
            self.COL_NEW: record.new,
            self.COL_REASON: record.reason,
        }.get(column)
        if full is not None and column in (self.COL_OLD, self.COL_NEW):
            full = value_text(record, full)
        if full is not None and len(full) > SHORT_VALUE:
            return full  # the whole value, in words
        return None


def _date_edit() -> QDateEdit:
    edit = DateField()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText("any")
    edit.setDate(NO_DATE)
    return edit


def _day(edit: QDateEdit) -> dt.date | None:
    if edit.date() == NO_DATE:
        return None
    value = edit.date().toPython()
    assert isinstance(value, dt.date)
    return value


class AuditView(QWidget):
    title = "Audit"
    shows = Changes.ALL  # every write leaves audit rows
    status_message = Signal(str)  # where a file was saved, for the status bar

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = AuditTableModel()
        self._runner = BackgroundRunner(self)  # the chain's check
        self._choices = BackgroundRunner(self)  # the filters' choices
        self.chain_result: Verification | None = None

        self.record = QComboBox()
        self.record.setMinimumContentsLength(14)
        self.key = QLineEdit()
        self.key.setPlaceholderText("Product name, lot, treatment ref …")
        self.key.setClearButtonEnabled(True)
        self.user = QComboBox()
        self.user.setMinimumContentsLength(12)
        self.since = _date_edit()
        self.until = _date_edit()
        self.since.setToolTip("Events on or after this day (your local date); 'any': no limit")
        self.until.setToolTip("Events on or before this day (your local date); 'any': no limit")
        self.clear_button = QPushButton("C&lear filters")

        # Two rows of filters: one would force the window wider than a 1024-pixel screen
        filters = QVBoxLayout()
        who_what, when_row = QHBoxLayout(), QHBoxLayout()
        for row, text, field, stretch in (
            (who_what, "Rec&ord:", self.record, 0),
            (who_what, "&Key contains:", self.key, 1),
            (who_what, "&User:", self.user, 0),
            (when_row, "Fro&m:", self.since, 0),
            (when_row, "&To:", self.until, 0),
        ):
            label = QLabel(text)
            label.setBuddy(field)
            row.addWidget(label)
            row.addWidget(field, stretch)
        when_row.addWidget(self.clear_button)
        when_row.addStretch(1)
        filters.addLayout(who_what)
        filters.addLayout(when_row)

        self.count = QLabel()
        self.verify_button = QPushButton("Ver&ify trail")
        self.verify_button.setToolTip(
            "Check that no event was changed or deleted behind ExoDesk's back (each event is "
            "chained to the one before by a SHA-256 hash, and the chain's head is kept outside "
            "the database), and that the stock, lots, treatments and accounts agree with it"
        )
        self.chain = QWidget()  # icon + words + colour: the chain's state
        self.chain.setAutoFillBackground(True)
        self.chain_icon = QLabel()
        self.chain_text = QLabel()
        self.chain_text.setTextFormat(Qt.TextFormat.RichText)
        chain_row = QHBoxLayout(self.chain)
        chain_row.setContentsMargins(6, 2, 6, 2)
        chain_row.addWidget(self.chain_icon)
        chain_row.addWidget(self.chain_text)
        self.chain.hide()
        self.csv_button = QPushButton("Export &CSV or Excel…")
        self.csv_button.setToolTip(
            "Every event the filter shows, as a CSV file or an Excel workbook"
        )
        self.pdf_button = QPushButton("Save P&DF…")
        self.pdf_button.setToolTip(f"What the filter shows as a PDF report (up to {PDF_LIMIT})")
        actions = QHBoxLayout()
        actions.addWidget(self.count)
        actions.addWidget(self.chain)
        actions.addStretch(1)
        actions.addWidget(self.verify_button)
        actions.addWidget(self.csv_button)
        actions.addWidget(self.pdf_button)

        self.table = read_only_table(self.model, self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        width = self.fontMetrics().horizontalAdvance
        for column, sample in enumerate(
            (
                "000000_",
                "2026-11-22 23:59:59__",
                "Dr A Hart___",
                "changed__",
                "Stock movement__",
                "Exo Lyo 50 / LOT-01___",
                "composition_doc",
                "n" * 16,
                "n" * 24,
            )
        ):
            self.table.setColumnWidth(column, width(sample))

        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select an event to read it in full.")
        self.detail.setTabChangesFocus(True)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(actions)
        layout.addWidget(splitter, 1)

        self._delay = QTimer(self)  # typing a key or a date reloads once typing pauses
        self._delay.setSingleShot(True)
        self._delay.setInterval(SEARCH_DELAY_MS)
        self._delay.timeout.connect(self._filter_changed)
        self.key.textChanged.connect(self._delay.start)
        self.key.returnPressed.connect(self._filter_changed)
        for combo in (self.record, self.user):
            combo.currentIndexChanged.connect(self._filter_changed)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(self._delay.start)
        self.clear_button.clicked.connect(self.clear_filters)
        self.verify_button.clicked.connect(self.verify)
        self.csv_button.clicked.connect(self._ask_csv)
        self.pdf_button.clicked.connect(self._ask_pdf)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self.model.modelReset.connect(self._after_reset)
        self.model.counted.connect(self._show_count)
        self.model.failed.connect(self._failed)
        self._filling = False
        self._choices_asked = False
        self._awaiting_rows = False
        self._pending_select: int | None = None  # selected once the rows arrive
        self._reselect: int | None = None  # the event selected before a reload
        for button in (self.csv_button, self.pdf_button):
            button.setEnabled(False)

    # -- the filter ------------------------------------------------------------------------

    def current_filter(self) -> AuditFilter:
        since, until = _day(self.since), _day(self.until)
        return AuditFilter(
            record=self.record.currentData(),
            key_contains=self.key.text(),
            user=self.user.currentData(),
            since=None if since is None else utc_start_of(since),
            until=None if until is None else utc_start_of(until + dt.timedelta(days=1)),
        )

    def set_filter(
        self,
        *,
        record: str | None = None,
        key: str = "",
        user: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
    ) -> None:
        """Show what this filter selects (None: any)."""
        self._filling = True
        try:
            self._choose(self.record, record, "" if record is None else record_word(record))
            self._choose(self.user, user, "(no user)" if user == NO_USER else user or "")
            self.key.setText(key)
            self.since.setDate(NO_DATE if since is None else qdate(since))
            self.until.setDate(NO_DATE if until is None else qdate(until))
        finally:
            self._filling = False
        self._filter_changed()

    def clear_filters(self) -> None:
        self.set_filter()

    def _ask_choices(self) -> None:
        """The kinds of record and the users the trail names (each a scan of the whole
        trail: off the UI thread)."""
        db = self.ctx.db
        self._choices_asked = True

        def work() -> tuple[list[str], list[str]]:
            with db.read() as session:
                return record_types(session), audit_users(session)

        self._choices.start("choices", work, self._fill_choices)

    def _fill_choices(self, result: Any) -> None:
        if isinstance(result, Exception):
            self.status_message.emit(f"Could not list the trail's records and users: {result}")
            return
        records, names = result
        for combo, first, items in (
            (self.record, "All records", [(record_word(r), r) for r in records]),
            (self.user, "Everyone", [(n, n) for n in names] + [("(no user)", NO_USER)]),
        ):
            chosen, chosen_text = combo.currentData(), combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(first, None)
            for text, data in items:
                combo.addItem(text, data)
            if chosen is not None and combo.findData(chosen) < 0:
                combo.addItem(chosen_text, chosen)  # the filter shown stays as chosen
            combo.setCurrentIndex(max(combo.findData(chosen), 0))
            combo.blockSignals(False)

    def _choose(self, combo: QComboBox, data: str | None, text: str) -> None:
        """Choose `data` in `combo`, adding it if the choices have not come yet."""
        if data is not None and combo.findData(data) < 0:
            combo.addItem(text, data)
        combo.setCurrentIndex(max(combo.findData(data), 0))

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        """Ask the database again, off the UI thread; the rows, the count and the filters'
        choices follow. Nothing is queried until the window first shows the view."""
        if self._filling:
            return
        self._ask_choices()
        self._ask_rows()

    def _filter_changed(self) -> None:
        """The rows the new filter selects (the choices are the trail's, not the filter's)."""
        if self._filling:
            return
        if not self._choices_asked:
            self._ask_choices()
        self._ask_rows()

    def _ask_rows(self) -> None:
        self._delay.stop()
        if not self._awaiting_rows:
            selected = self.selected_event()
            self._reselect = None if selected is None else selected.id
        self._awaiting_rows = True
        self.count.setText("Loading…")
        self.model.load(AuditPages(self.ctx, self.current_filter()))

    @property
    def busy(self) -> bool:
        """Whether a filter waits for typing to pause, or rows, the count or the filters'
        choices are coming (not the chain's check)."""
        return self._delay.isActive() or self.model.busy or self._choices.busy

    def _after_reset(self) -> None:
        self._awaiting_rows = False
        reselect, self._reselect = self._reselect, None
        self._show_count(self.model.total)
        if self._pending_select is not None:
            event_id, self._pending_select = self._pending_select, None
            self.select(event_id)
            return
        row = None if reselect is None else self.model.row_of(reselect)
        if row is not None:
            self.table.selectRow(row)
        else:
            self.detail.clear()

    def _show_count(self, total: int) -> None:
        if self._awaiting_rows:
            return
        filtered = self.model.pages_filter != AuditFilter()
        events = f"{total:,}{'+' if self.model.counting else ''} event{'s' if total != 1 else ''}"
        self.count.setText(
            events
            + (" match the filter" if filtered else "")
            + (", counting…" if self.model.counting else "")
        )
        for button in (self.csv_button, self.pdf_button):
            button.setEnabled(total > 0)

    def _failed(self, message: str) -> None:
        self._awaiting_rows = False  # what was shown stays; a reload asks again
        said = f"Could not load the audit trail: {message}"
        self.count.setText(said)
        self.status_message.emit(said)

    def selected_event(self) -> AuditRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def select(self, key: object) -> None:
        """`key` an event id: select it (clearing filters that hide it); (record, record key):
        filter the trail to that record's history."""
        if isinstance(key, tuple) and len(key) == 2:
            self.set_filter(record=str(key[0]), key=str(key[1]))
            return
        if not isinstance(key, int):
            return
        if self._awaiting_rows or not self.model.answered:
            self._pending_select = key
            if not self._awaiting_rows:
                self.reload()  # never loaded yet
            return
        row = self._find(key)
        if row is None and self.current_filter() != AuditFilter():
            self._pending_select = key
            self.clear_filters()
            return
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def _find(self, event_id: int) -> int | None:
        row = self.model.row_of(event_id)
        if row is not None:
            return row
        with self.ctx.db.read() as session:
            if not is_listed(session, self.model.pages_filter, event_id):
                return None
        start = self.model.loaded
        while row is None:
            last = self.model.row(self.model.loaded - 1).id if self.model.loaded else None
            if last is not None and last < event_id:
                return None  # newest first: it would have come already
            if not self.model.fetch_now():
                return None
            row = self.model.row_of(event_id, start)
            start = self.model.loaded
        return row

    def focus_search(self) -> None:
        self.key.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.key.selectAll()

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.detail.clear()
            return
        r = self.model.row(current.row())
        self.detail.setPlainText(
            f"Event {r.id} — {when(r)} (local time), {r.at.isoformat(sep=' ')} UTC\n"
            f"{r.user or 'no user recorded'} {phrase(r.action)} "
            f"{record_word(r.record).lower()} {r.record_key}"
            + (f", {field_label(r.field)}" if r.field else "")
            + f"\nReason: {r.reason or '—'}\n\n"
            + ("\n".join(change_lines(r)) or "Nothing recorded but the event itself.")
            + "\n"
        )

    # -- the chain -------------------------------------------------------------------------

    def verify(self) -> None:
        """Check the whole chain off the UI thread; the result shows beside the button."""
        db = self.ctx.db

        def work() -> Verification:
            with db.read() as session:
                return verify_trail(session)

        self.verify_button.setEnabled(False)
        self._show_chain("Checking the audit trail…", None)
        self._runner.start("verify", work, self._verified)

    @property
    def verifying(self) -> bool:
        return self._runner.busy

    def _verified(self, result: Any) -> None:
        self.verify_button.setEnabled(True)
        if isinstance(result, Exception):
            self._show_chain(f"Could not check the audit trail: {result}", Severity.WARN)
            return
        self.chain_result = result
        problems = [f"event {b.event_id}: {b.problem}" for b in result.breaks] + [
            f.text for f in result.findings if f.serious
        ]
        notes = [f.text for f in result.findings if not f.serious]
        self.chain.setToolTip("\n".join(problems + notes))
        if result.intact:
            self._show_chain(
                f"<b>Intact</b>: {result.checked:,} events checked, each chained to the one "
                "before; the tables agree with them",
                None,
                ok=True,
            )
            return
        first = html.escape(problems[0])
        more = f" (and {len(problems) - 1} more: see the tooltip)" if len(problems) > 1 else ""
        if result.breaks:
            head = f"chain broken at event {result.breaks[0].event_id}"
            first = html.escape(result.breaks[0].problem)
        else:
            head = "the trail and the database disagree"
        self._show_chain(
            f"<b>{short_label(Severity.BLOCK)}: {head}</b> — {first}{more}", Severity.BLOCK
        )

    def _show_chain(self, text: str, level: Severity | None, *, ok: bool = False) -> None:
        pixmap = (
            icon(Icon.INTACT, "#1e7d34")
            if ok
            else severity.icon(level)
            if level is not None
            else icon(Icon.REFRESH)
        ).pixmap(16, 16)
        palette = self.chain.palette()
        base = self.palette()
        if level is not None:
            palette.setColor(QPalette.ColorRole.Window, severity.BACKGROUND[level])
            palette.setColor(QPalette.ColorRole.WindowText, severity.TEXT_ON_BACKGROUND)
        else:
            palette.setBrush(
                QPalette.ColorRole.Window, QBrush(base.color(QPalette.ColorRole.Window))
            )
            palette.setColor(
                QPalette.ColorRole.WindowText, base.color(QPalette.ColorRole.WindowText)
            )
        self.chain.setPalette(palette)
        self.chain_icon.setPixmap(pixmap)
        self.chain_text.setText(text)
        self.chain.setToolTip(text.replace("<b>", "").replace("</b>", ""))
        self.chain.show()
        self.chain.updateGeometry()  # the words' new width reaches the row's layout now
        layout = self.layout()
        if layout is not None:
            layout.invalidate()
            layout.activate()

    # -- output ----------------------------------------------------------------------------

    def export_csv(self, path: Path) -> int:
        """Write every event the filter shows; returns how many."""
        flt = self.current_filter()
        with self.ctx.db.read() as session:
            rows = list(iter_events(session, flt))
        write_atomically(path, events_csv(rows))
        return len(rows)

    def export_xlsx(self, path: Path) -> int:
        """Write every event the filter shows as an Excel workbook; returns how many."""
        with self.ctx.db.read() as session:
            table = audit_table(iter_events(session, self.current_filter()))
        return write_table(path, table)

    def report(self) -> str:
        flt = self.current_filter()
        with self.ctx.db.read() as session:
            total = count_events(session, flt)
            rows = list_events(session, flt, limit=PDF_LIMIT)
        shown = (
            f"{total:,} event(s)"
            if total <= PDF_LIMIT
            else f"the newest {PDF_LIMIT:,} of {total:,} events (export CSV for all of them)"
        )
        return report_html(
            "Audit trail",
            [
                f"Filter: {self.filter_words()}",
                shown + "; times are local",
                f"Prepared by {self.ctx.user} on {self.ctx.today().isoformat()} with ExoDesk",
            ],
            html_table(
                ["When", "User", "Action", "Record", "Key", "Field", "Old", "New", "Reason"],
                [
                    [
                        when(r),
                        r.user or "—",
                        phrase(r.action),
                        record_word(r.record),
                        r.record_key,
                        field_label(r.field) if r.field else "",
                        short(value_text(r, r.old)),
                        short(value_text(r, r.new)),
                        short(r.reason),
                    ]
                    for r in rows
                ],
            ),
        )

    def filter_words(self) -> str:
        parts = []
        if self.record.currentData() is not None:
            parts.append(f"record {self.record.currentText()}")
        if self.key.text().strip():
            parts.append(f"key contains “{self.key.text().strip()}”")
        if self.user.currentData() is not None:
            parts.append(f"user {self.user.currentText()}")
        since, until = _day(self.since), _day(self.until)
        if since is not None:
            parts.append(f"from {since.isoformat()}")
        if until is not None:
            parts.append(f"to {until.isoformat()}")
        return ", ".join(parts) or "none (every event)"

    def save_pdf(self, path: Path) -> None:
        save_pdf(self.report(), path, landscape=True)

    def _ask_csv(self) -> None:
        path = ask_table_file(self, "Export the audit trail", "audit-trail")
        if path is not None:
            export = self.export_xlsx if is_workbook(path) else self.export_csv
            self._write(lambda: f"Exported {export(path):,} events to {path}.", str(path))

    def _ask_pdf(self) -> None:
        path = ask_save_file(self, "Save the audit report", "audit-trail.pdf", "PDF (*.pdf)")
        if path is not None:

            def write() -> str:
                self.save_pdf(path)
                return f"Saved {path}."

            self._write(write, str(path))

    def _write(self, action: Callable[[], str], name: str) -> None:
        try:
            message = action()
        except OSError as exc:
            QMessageBox.warning(self, "Audit", f"Could not write {name}: {exc.strerror}")
            return
        self.count.setText(f"{self.count.text()} — {message}")
        self.status_message.emit(message)

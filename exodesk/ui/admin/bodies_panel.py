"""The register of notified bodies, for an admin: every row ExoDesk ships (dated, with its
source) and the clinic's own additions and corrections, which win over the shipped ones. An
admin adds or corrects a row, removes the clinic's own (the shipped row, if any, stands
again) or imports rows from a CSV. A certificate's body is "in the register" when its row is
designated under the MDR or a UK Approved Body."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.services.errors import ExoDeskError, InvalidInput
from exodesk.services.interchange.schema import BodyIn, validation_problems
from exodesk.services.register.bodies import register_bodies, remove_body, save_bodies
from exodesk.services.register.csv_import import import_bodies_csv
from exodesk.services.register.shipped import Body, shipped_register
from exodesk.ui.catalogue.body_words import designation
from exodesk.ui.common.error_line import ErrorLine, mark_label
from exodesk.ui.common.file_dialogs import ask_open_file
from exodesk.ui.common.table_models import SORT_ROLE, Column, RowTableModel
from exodesk.ui.common.widgets import read_only_table
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write

# The register changes which certificates' bodies are known: the flags and the Documents
# view's body names are computed from it, as from the documents.
REGISTER_CHANGES = Changes.DOCUMENTS
CSV_FILTER = "CSV files (*.csv);;All files (*)"
CLINIC_ROW, SHIPPED_ROW = "the clinic's", "ExoDesk's"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


class BodyTableModel(RowTableModel[Body]):
    COL_NUMBER, COL_NAME, COL_COUNTRY, COL_MDR, COL_UK, COL_ROW = range(6)
    columns = (
        Column[Body]("Number", lambda b: b.number),
        Column[Body]("Name", lambda b: b.name),
        Column[Body]("Country", lambda b: b.country),
        Column[Body]("MDR", lambda b: _yes(b.mdr)),
        Column[Body]("UK approved", lambda b: _yes(b.uk_approved)),
        Column[Body]("Row", lambda b: CLINIC_ROW if b.clinic else SHIPPED_ROW),
    )

    def extra_data(self, record: Body, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{record.number} — {record.name}, {designation(record)}"
        if role == Qt.ItemDataRole.FontRole and record.clinic:
            font = QFont()
            font.setBold(True)
            return font
        return None


class BodyDialog(QDialog):
    """Add a row to the register, or correct one (`body` given: its number stays)."""

    def __init__(self, ctx: AppContext, body: Body | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.correcting = body is not None
        self.setWindowTitle(
            ("Correct a notified body" if body else "Add a notified body") + " — ExoDesk"
        )
        self.number = QLineEdit(body.number if body else "")
        self.number.setPlaceholderText("four digits, e.g. 0123")
        self.number.setMaxLength(8)
        self.number.setReadOnly(self.correcting)
        self.number.setMaximumWidth(140)
        self.name = QLineEdit(body.name if body else "")
        self.name.setPlaceholderText("As NANDO lists it")
        self.country = QLineEdit((body.country or "") if body else "")
        self.country.setPlaceholderText("two-letter code, e.g. DE")
        self.country.setMaxLength(2)
        self.country.setMaximumWidth(220)
        self.mdr = QCheckBox("&Designated under the MDR (Regulation (EU) 2017/745)")
        self.mdr.setChecked(body.mdr if body else True)
        self.uk = QCheckBox("A &UK Approved Body")
        self.uk.setChecked(body.uk_approved if body else False)
        intro = QLabel(
            "The clinic's row wins over the one ExoDesk ships with the same number. A body that "
            "is neither designated under the MDR nor UK approved is not in the register: "
            "certificates naming it stay flagged."
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        self.labels: dict[str, QLabel] = {}
        for field, title, widget in (
            ("number", "&Number", self.number),
            ("name", "N&ame", self.name),
            ("country", "&Country", self.country),
            ("mdr", "", self.mdr),
            ("uk_approved", "", self.uk),
        ):
            row_label = QLabel(title)
            row_label.setBuddy(widget)
            self.labels[field] = row_label
            form.addRow(row_label, widget)
        self.error = ErrorLine()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Save")
        self.ok_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(480)

    def wanted(self) -> dict[str, Any]:
        number = self.number.text().strip()
        if number.isascii() and number.isdigit() and len(number) < 4:
            number = number.zfill(4)  # "123" as a spreadsheet leaves "0123"
        return {
            "number": number,
            "name": self.name.text().strip(),
            "country": self.country.text().strip().upper() or None,
            "mdr": self.mdr.isChecked(),
            "uk_approved": self.uk.isChecked(),
        }

    def save(self) -> None:
        values, user = self.wanted(), self.ctx.user
        reason = "corrected in the window" if self.correcting else "added in the window"
        for row_label in self.labels.values():
            mark_label(row_label, False)

        def write(session: Any) -> tuple[int, int]:
            try:
                row = BodyIn.model_validate(values)
            except ValidationError as exc:
                raise InvalidInput(validation_problems(exc)) from None
            return save_bodies(session, [row], user=user, reason=reason)

        run_write(
            self.ctx,
            write,
            REGISTER_CHANGES,
            error_line=self.error,
            on_success=lambda _: self.accept(),
            on_failure=self._mark_fields,
        )

    def _mark_fields(self, refused: ExoDeskError) -> None:
        for problem in refused.problems:
            row_label = self.labels.get(problem.field)
            if row_label is not None:
                mark_label(row_label, True)


def _ask(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


class BodiesPanel(QWidget):
    shows = REGISTER_CHANGES

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: BodyDialog | None = None
        # How a removal is confirmed: (title, question) -> yes; tests answer it themselves.
        self.confirm: Callable[[str, str], bool] = lambda title, text: _ask(self, title, text)
        register = shipped_register()
        self.about = QLabel(
            f"ExoDesk's register as of <b>{register.as_of.isoformat()}</b>, from "
            f"{html.escape(register.source)}. "
            f'<a href="{html.escape(register.check_at)}">Look a body up in NANDO</a>. '
            "The clinic's rows (in bold) win over ExoDesk's."
        )
        self.about.setWordWrap(True)
        self.about.setTextFormat(Qt.TextFormat.RichText)
        self.about.setOpenExternalLinks(True)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Number, name or country")
        self.search.setClearButtonEnabled(True)
        search_label = QLabel("F&ind")
        search_label.setBuddy(self.search)
        self.add_button = QPushButton("&Add…")
        self.correct_button = QPushButton("&Correct…")
        self.remove_button = QPushButton("&Remove the clinic's row…")
        self.import_button = QPushButton("&Import CSV…")
        self.import_button.setToolTip("A CSV with the header number,name,country,mdr,uk_approved")
        top = QHBoxLayout()
        top.addWidget(search_label)
        top.addWidget(self.search, 1)
        for button in (
            self.add_button,
            self.correct_button,
            self.remove_button,
            self.import_button,
        ):
            top.addWidget(button)
        self.model = BodyTableModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = read_only_table(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(BodyTableModel.COL_NUMBER, Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(BodyTableModel.COL_NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 70), (2, 70), (3, 50), (4, 95), (5, 95)):
            self.table.setColumnWidth(column, width)
        self.counts = QLabel()
        self.done = QLabel()
        self.done.setWordWrap(True)
        self.error = ErrorLine()
        layout = QVBoxLayout(self)
        layout.addWidget(self.about)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.counts)
        layout.addWidget(self.done)
        layout.addWidget(self.error)
        self.search.textChanged.connect(self._search_changed)
        self.add_button.clicked.connect(lambda: self.add())
        self.correct_button.clicked.connect(lambda: self.correct())
        self.remove_button.clicked.connect(lambda: self.remove())
        self.import_button.clicked.connect(self.choose_csv)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        self.table.doubleClicked.connect(lambda _: self.correct())
        ctx.bus.changed.connect(self._changed)
        self.reload()

    # -- reading ------------------------------------------------------------------------------

    def _changed(self, changes: Changes) -> None:
        if changes & self.shows:
            self.reload()

    def reload(self) -> None:
        chosen = self.current()
        with self.ctx.db.read() as session:
            bodies = list(register_bodies(session).values())
        self.model.set_rows(bodies)
        if chosen is not None:
            self.select(chosen.number)
        self._count()
        self._enable()

    def current(self) -> Body | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row(self.proxy.mapToSource(index).row())

    def select(self, number: str) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, BodyTableModel.COL_NUMBER)
            if index.data() == number:
                self.table.setCurrentIndex(index)
                return True
        return False

    def _search_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self._count()

    def _count(self) -> None:
        total = self.model.rowCount()
        own = sum(1 for r in range(total) if self.model.row(r).clinic)
        self.counts.setText(
            f"{self.proxy.rowCount()} of {total} bodies shown · {own} of them the clinic's rows"
        )

    def _enable(self) -> None:
        body = self.current()
        self.correct_button.setEnabled(body is not None)
        self.remove_button.setEnabled(body is not None and body.clinic)

    # -- writing ------------------------------------------------------------------------------

    def add(self) -> BodyDialog:
        return self._open(BodyDialog(self.ctx, None, self))

    def correct(self) -> BodyDialog | None:
        body = self.current()
        return None if body is None else self._open(BodyDialog(self.ctx, body, self))

    def _open(self, dialog: BodyDialog) -> BodyDialog:
        self.dialog = dialog
        self.done.clear()
        dialog.accepted.connect(lambda: self._saved(dialog))
        dialog.open()
        return dialog

    def _saved(self, dialog: BodyDialog) -> None:
        number = dialog.wanted()["number"]
        self.search.clear()
        self.reload()  # before the bus says so: the new row is there to select
        self.select(number)
        self.done.setText(f"Saved the clinic's row for notified body {number}.")

    def remove(self) -> bool:
        """Remove the clinic's own row for the selected body, once confirmed."""
        body = self.current()
        if body is None or not body.clinic:
            return False
        shipped = {b.number: b for b in shipped_register().bodies}.get(body.number)
        then = (
            f"ExoDesk's own row stands again: {shipped.name}, {designation(shipped)}."
            if shipped is not None
            else "ExoDesk ships no row with this number: certificates naming it will be "
            "flagged as naming a body not in the register."
        )
        if not self.confirm(
            "Remove the clinic's row",
            f"Remove the clinic's row for notified body {body.number} ({body.name})? {then}",
        ):
            return False
        number, user = body.number, self.ctx.user
        return run_write(
            self.ctx,
            lambda session: remove_body(session, number, user=user),
            REGISTER_CHANGES,
            error_line=self.error,
            on_success=lambda _: self.done.setText(
                f"Removed the clinic's row for notified body {number}. {then}"
            ),
        )

    def choose_csv(self) -> None:
        chosen = ask_open_file(self, "Import notified bodies from a CSV", CSV_FILTER)
        if chosen is not None:
            self.import_csv(chosen)

    def import_csv(self, path: Path) -> bool:
        """Add or update the clinic's rows from the CSV at `path` (all or nothing)."""
        self.done.clear()
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.error.show_text(f"Error: cannot read {path}: {exc.strerror or exc}")
            return False
        user, source = self.ctx.user, path.name
        return run_write(
            self.ctx,
            lambda session: import_bodies_csv(session, raw, user=user, source=source),
            REGISTER_CHANGES,
            error_line=self.error,
            on_success=lambda counts: self.done.setText(
                f"Imported {path.name}: {counts[0]} added, {counts[1]} updated."
            ),
        )

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)

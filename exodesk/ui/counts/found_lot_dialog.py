"""Asking about a lot that was found but is not on the sheet, and the other questions
the counting widget asks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QDate,
    Qt,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from exodesk.services.counts import counts
from exodesk.services.errors import InvalidInput, NotPermitted
from exodesk.ui.common.date_field import DateField
from exodesk.ui.common.error_line import ERROR_STYLE
from exodesk.ui.counts.count_rows import FoundLot

MAX_COUNT = 99_999
NOT_SET = QDate(2000, 1, 1)


class FoundLotDialog(QDialog):
    """Add a lot found on the shelf but not on the sheet. `save` writes it (raising
    InvalidInput or OSError to refuse); the dialog stays open on an error."""

    def __init__(
        self,
        draft: FoundLot,
        *,
        products: Sequence[str],
        locations: Sequence[str],
        lot_choices: Callable[[str], list[str]],
        product_fixed: bool,
        ask_expiry: bool,
        save: Callable[[FoundLot], None],
        note: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a lot found but not expected")
        self._save = save
        self._lot_choices = lot_choices
        self._ask_expiry = ask_expiry
        self.saved: FoundLot | None = None
        intro = QLabel(
            "A lot that is on the shelf but not on the count sheet. It is added to the count "
            "with nothing expected, and the number you found."
        )
        intro.setWordWrap(True)
        self.product = QComboBox()
        self.product.setEditable(not product_fixed)
        self.product.addItems(list(products))
        if draft.product and self.product.findText(draft.product) < 0:
            self.product.addItem(draft.product)
        self.product.setCurrentIndex(self.product.findText(draft.product))
        if not draft.product:
            self.product.setCurrentIndex(-1)
            self.product.setEditText("")
        self.product.setEnabled(not product_fixed)
        self.lot = QComboBox()
        self.lot.setEditable(True)
        self.lot.setEditText(draft.lot)
        self.expiry = DateField()
        self.expiry.setDisplayFormat("yyyy-MM-dd")
        self.expiry.setCalendarPopup(True)
        self.expiry.setMinimumDate(NOT_SET)
        self.expiry.setSpecialValueText("not known")
        self.expiry.setDate(
            QDate(draft.expiry.year, draft.expiry.month, draft.expiry.day)
            if draft.expiry
            else NOT_SET
        )
        self.location = QComboBox()
        self.location.setEditable(True)
        self.location.addItem("")
        self.location.addItems(list(locations))
        self.location.setEditText(draft.location or "")
        self.counted = QSpinBox()
        self.counted.setRange(0, MAX_COUNT)
        self.counted.setValue(draft.counted)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet(ERROR_STYLE)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        fields: list[tuple[str, QWidget]] = [
            ("&Product:", self.product),
            ("&Lot:", self.lot),
        ]
        if ask_expiry:
            fields.append(("&Expiry:", self.expiry))
        fields += [("L&ocation:", self.location), ("&Vials found:", self.counted)]
        for text, field in fields:
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        self.expiry.setVisible(ask_expiry)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Add to the count")
        self.ok_button.setDefault(True)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        if note:
            hint = QLabel(note)
            hint.setWordWrap(True)
            layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self.product.currentTextChanged.connect(self._fill_lots)
        self._fill_lots()
        self.lot.setEditText(draft.lot)
        if not draft.product:
            self.product.setFocus()
        elif not draft.lot:
            self.lot.setFocus()
        else:
            self.counted.setFocus()
            self.counted.selectAll()

    def _fill_lots(self) -> None:
        typed = self.lot.currentText()
        self.lot.clear()
        name = self.product.currentText().strip()
        if name:
            self.lot.addItems(self._lot_choices(name))
        self.lot.setEditText(typed)

    def found(self) -> FoundLot:
        day = self.expiry.date()
        expiry = None if day == NOT_SET else dt.date(day.year(), day.month(), day.day())
        return FoundLot(
            self.product.currentText().strip(),
            self.lot.currentText().strip(),
            expiry if self._ask_expiry else None,
            self.location.currentText().strip() or None,
            self.counted.value(),
        )

    def _accept(self) -> None:
        found = self.found()
        missing = []
        if not found.product:
            missing.append("product: say which product this lot is")
        if not found.lot:
            missing.append("lot: type the lot code printed on the box")
        if missing:
            self.error.setText("Error: " + "; ".join(missing))
            return
        try:
            self._save(found)
        except (InvalidInput, NotPermitted) as exc:
            self.error.setText("Error: " + "; ".join(str(p) for p in exc.problems))
            return
        except (counts.CountClosed, counts.UnknownCount) as exc:
            self.error.setText(f"Error: {exc}")
            return
        except OSError as exc:
            self.error.setText(f"Error: could not save the sheet file ({exc}); nothing was added")
            return
        except Exception as exc:  # e.g. the database is locked or gone
            self.error.setText(f"Error: nothing was added ({exc}); try again")
            return
        self.saved = found
        self.accept()


class Prompts:
    """The questions the counting widget asks, as modal dialogs."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def number(self, title: str, text: str, value: int) -> int | None:
        number, ok = QInputDialog.getInt(self.parent, title, text, value, 0, MAX_COUNT, 1)
        return int(number) if ok else None

    def choice(self, title: str, text: str, items: Sequence[str]) -> int | None:
        item, ok = QInputDialog.getItem(self.parent, title, text, list(items), 0, False)
        return list(items).index(item) if ok and item in items else None

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self.parent,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        return answer == QMessageBox.StandardButton.Yes

    def found_lot(self, dialog: FoundLotDialog) -> FoundLot | None:
        dialog.exec()
        return dialog.saved


# --------------------------------------------------------------------------------------------
# The widget
# --------------------------------------------------------------------------------------------

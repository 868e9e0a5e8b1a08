"""Receiving a delivery box by box: scan the GS1 DataMatrix (or type the details), check the
count, receive; the dialog stays open for the next box and lists what this session received."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import LotStatus
from exodesk.models.vocabulary import (
    CORRECT_SAME_LOT,
    PRINT_LOT_LABELS,
    PRINT_LOT_LABELS_TIP,
    description,
    label,
    phrase,
)
from exodesk.services.catalogue.products import get_product
from exodesk.services.errors import ExoDeskError
from exodesk.services.labels import LotLabel
from exodesk.services.queries import location_names, product_names
from exodesk.services.stock.corrections import LotCorrectedInPlace, LotCorrection, LotDraft
from exodesk.services.stock.receiving import (
    GS,
    MAX_LOT_LENGTH,
    GtinMismatch,
    LotConflict,
    LotRef,
    ReceiptResult,
    Scan,
    ScanError,
    assign_gtin,
    find_lot,
    find_product_by_gtin,
    parse_scan,
    products_without_gtin,
    receive_delivery,
)
from exodesk.ui.common.date_field import DateField
from exodesk.ui.common.error_line import ErrorLine
from exodesk.ui.labels.print_label import print_lot_label
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write
from exodesk.ui.stock.correcting import LotCorrectionForm
from exodesk.ui.stock.unknown_gtin import (
    NewProductDialog,
    UnknownGtinBox,
    ask_product_for_gtin,
    confirm_other_gtin,
)

NOT_SET = QDate(2000, 1, 1)  # the expiry field's "not set" value (shown as its special text)
# The statuses a delivery may be received as (never destroyed), in the order offered.
RECEIVED_AS = (
    LotStatus.QUARANTINE,
    LotStatus.RELEASED,
    LotStatus.ON_HOLD,
    LotStatus.DAMAGED,
    LotStatus.RECALLED,
)
_RETURN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_CONTROL = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier
PRINT_LABELS_KEY = "receive/print_labels"  # QSettings: a label for each box received


def _choice(status: LotStatus) -> str:
    """'Quarantine (until the CoA is checked)': the label, and its hint where it has one."""
    hint = description(status)
    return f"{label(status)} ({hint})" if hint else label(status)


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def receipt_line(r: ReceiptResult) -> str:
    """One line of the session list: what came in, and what became of the lot."""
    where = r.location or "no location"
    line = f"Received {r.quantity} × {r.product} lot {r.lot}, exp {r.expiry.isoformat()} → {where}"
    if r.new_lot:
        return f"{line} · new lot, {phrase(r.status)}"
    return f"{line} · added to the lot, {r.on_hand} on hand"


class ScanLineEdit(QLineEdit):
    """The field a keyboard-wedge scanner types into. It keeps the group separator (ASCII 29,
    typed as such or as Ctrl+]) that a plain QLineEdit drops as unprintable, and Enter reads
    the scan (`scanned`) instead of pressing the dialog's default button."""

    scanned = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in _RETURN_KEYS:
            event.accept()
            self.scanned.emit()
            return
        ctrl_bracket = event.key() == Qt.Key.Key_BracketRight and event.modifiers() & _CONTROL
        if event.text() == GS or ctrl_bracket:
            event.accept()
            self.insert(GS)
            return
        super().keyPressEvent(event)


class _ScanGuard(QObject):
    """Keeps a scan out of the quantity box. After a scan the quantity has focus; if the next
    box is scanned straight away, the scanner's "01…", "]d2…" or "https…" would become a
    quantity. A quantity never starts with 0 or holds a letter, so such a key goes to the
    scan field instead, with everything after it up to the scanner's Enter."""

    def __init__(self, spin: QSpinBox, scan: ScanLineEdit) -> None:
        super().__init__(spin)
        self.spin = spin
        self.scan = scan
        self.diverting = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            self.diverting = False
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if self.diverting:
            self.diverting = event.key() not in _RETURN_KEYS
            self.scan.keyPressEvent(event)
            return True
        if self._starts_a_scan(event):
            self.diverting = True
            self.scan.clear()
            self.scan.setFocus(Qt.FocusReason.OtherFocusReason)
            self.scan.keyPressEvent(event)
            return True
        return False

    def _starts_a_scan(self, event: QKeyEvent) -> bool:
        text = event.text()
        if len(text) != 1 or event.key() in _RETURN_KEYS:
            return False
        if not text.isprintable():
            return text == GS
        edit = self.spin.lineEdit()
        replacing_start = edit.selectedText() == edit.text() or edit.cursorPosition() == 0
        return not text.isdigit() or (text == "0" and replacing_start)


class ReceiveDialog(QDialog):
    """Scan the box (or fill in the fields), set the quantity, press Receive; repeat.
    `correcting` (product, lot): the form is filled from that lot, and saving once corrects
    it in place while its product and number stay (`corrected_in_place` holds the result),
    else voids it and receives the form in its place (`corrected`)."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        correcting: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.correction: LotCorrectionForm | None = None
        self.corrected: LotCorrection | None = None
        self.corrected_in_place: LotCorrectedInPlace | None = None
        self.received: list[ReceiptResult] = []
        self._scan: Scan | None = None
        self._lot_ref: LotRef | None = None
        self._filling = False
        self._new_location: str | None = None
        self._new_status = LotStatus.QUARANTINE
        self.setWindowTitle("Receive a delivery")
        self._build()
        self._reload_choices()
        self._clear_for_next_box()
        if correcting is not None:
            self.correction = LotCorrectionForm(self, *correcting)
        self.ctx.bus.changed.connect(self._reload_choices)
        self.resize(980, 580)  # fits a 1024×768 screen

    # ----------------------------------------------------------------------------------------
    # Building
    # ----------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.scan_edit = ScanLineEdit()
        self.scan_edit.setPlaceholderText("Scan the DataMatrix on the box, or type its code")
        self.scan_edit.setClearButtonEnabled(True)
        self.scan_edit.setToolTip(
            "A USB scanner types the code here and presses Enter. Its group separator "
            "(ASCII 29, or Ctrl+] by hand) shows as a gap."
        )
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.scan_edit.setFont(mono)
        self.scan_info = self._note_label()
        self.product_combo = QComboBox()
        self.product_combo.setPlaceholderText("— pick the product —")
        self.lot_edit = QLineEdit()
        self.lot_edit.setMaxLength(MAX_LOT_LENGTH)
        self.lot_edit.setPlaceholderText("as printed on the box")
        self.expiry_edit = self._date_edit()
        self.expiry_edit.setMinimumDate(NOT_SET)
        self.expiry_edit.setSpecialValueText("not set")
        self.quantity_spin = QSpinBox()
        self.quantity_spin.setRange(1, 9999)
        self.location_combo = QComboBox()
        self.location_combo.setPlaceholderText("— no location —")
        self.status_combo = QComboBox()
        for status in RECEIVED_AS:
            self.status_combo.addItem(_choice(status), status.value)
        self.received_edit = self._date_edit()
        self.received_edit.setMaximumDate(_qdate(self.ctx.today()))
        self.lot_state = self._note_label()
        self.error_label = ErrorLine()
        self.print_labels = QCheckBox(PRINT_LOT_LABELS)
        self.print_labels.setToolTip(PRINT_LOT_LABELS_TIP)
        self.print_labels.setChecked(QSettings().value(PRINT_LABELS_KEY, False, type=bool) is True)
        self.receive_button = QPushButton("&Receive")
        self.receive_button.setDefault(True)
        self.receive_button.setToolTip("Book this delivery into stock (Enter)")
        self.received_list = QListWidget()
        self.received_list.setAlternatingRowColors(True)
        self.received_list.setWordWrap(True)
        self.tally = QLabel("Nothing received yet.")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText("&Close")
        close.setAutoDefault(False)
        self._lay_out()
        self._connect()

    def _note_label(self) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        return label

    def _date_edit(self) -> QDateEdit:
        edit = DateField()
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setCalendarPopup(True)
        return edit

    def _row(self, form: QFormLayout, text: str, field: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(field)
        form.addRow(label, field)
        self.row_labels[field] = label

    def _lay_out(self) -> None:
        self.row_labels: dict[QWidget, QLabel] = {}
        scan_label = QLabel("&Scan:")
        scan_label.setBuddy(self.scan_edit)
        scan_row = QHBoxLayout()
        scan_row.addWidget(scan_label)
        scan_row.addWidget(self.scan_edit, 1)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._row(form, "&Product:", self.product_combo)
        self._row(form, "&Lot:", self.lot_edit)
        self._row(form, "&Expiry:", self.expiry_edit)
        self._row(form, "&Quantity (vials):", self.quantity_spin)
        self._row(form, "L&ocation:", self.location_combo)
        self._row(form, "S&tatus of a new lot:", self.status_combo)
        self._row(form, "Recei&ved on:", self.received_edit)
        delivery = QGroupBox("This box")
        box = QVBoxLayout(delivery)
        box.addLayout(scan_row)
        box.addWidget(self.scan_info)
        box.addLayout(form)
        box.addWidget(self.lot_state)
        box.addWidget(self.error_label)
        button_row = QHBoxLayout()
        button_row.addWidget(self.print_labels)
        button_row.addStretch(1)
        button_row.addWidget(self.receive_button)
        box.addLayout(button_row)
        box.addStretch(1)
        session = QGroupBox("Received in this session")
        self.session_box = session
        listing = QVBoxLayout(session)
        listing.addWidget(self.received_list, 1)
        listing.addWidget(self.tally)
        columns = QHBoxLayout()
        columns.addWidget(delivery, 1)
        columns.addWidget(session, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(columns, 1)
        outer.addWidget(self.buttons)
        order: list[QWidget] = [
            self.scan_edit,
            self.product_combo,
            self.lot_edit,
            self.expiry_edit,
            self.quantity_spin,
            self.location_combo,
            self.status_combo,
            self.received_edit,
            self.print_labels,
            self.receive_button,
            self.received_list,
            self.buttons,
        ]
        for first, second in zip(order, order[1:], strict=False):
            self.setTabOrder(first, second)

    def _connect(self) -> None:
        self.scan_edit.scanned.connect(self._on_scanned)
        self.receive_button.clicked.connect(lambda: self._on_receive())
        self.buttons.rejected.connect(self.reject)
        self.product_combo.currentIndexChanged.connect(self._refresh_lot_state)
        self.lot_edit.editingFinished.connect(self._refresh_lot_state)
        self.expiry_edit.dateChanged.connect(self._show_lot_state)
        self.location_combo.activated.connect(self._remember_location)
        self.status_combo.activated.connect(self._remember_status)
        self.print_labels.toggled.connect(
            lambda on: QSettings().setValue(PRINT_LABELS_KEY, bool(on))
        )
        self.quantity_spin.installEventFilter(_ScanGuard(self.quantity_spin, self.scan_edit))

    # ----------------------------------------------------------------------------------------
    # Reading from the database
    # ----------------------------------------------------------------------------------------
    def _reload_choices(self) -> None:
        with self.ctx.db.read() as session:
            products = product_names(session)
            locations = location_names(session)
        self._filling = True
        try:
            _refill(self.product_combo, products)
            _refill(self.location_combo, locations)
            if self._new_location not in locations:
                self._new_location = locations[0] if locations else None
            if self.location_combo.isEnabled():
                self._choose(self.location_combo, self._new_location)
        finally:
            self._filling = False

    def _refresh_lot_state(self) -> None:
        """Look the lot up: more boxes of a lot on file join it where and as it is."""
        if self._filling:
            return
        product, lot = self._product(), self.lot_edit.text().strip()
        self._lot_ref = None
        correcting = self.correction is not None and self.correction.is_the_lot(product, lot)
        if product and lot and not correcting:
            with self.ctx.db.read() as session:
                self._lot_ref = find_lot(session, product, lot)
        ref = self._lot_ref
        self.location_combo.setEnabled(ref is None)
        self.status_combo.setEnabled(ref is None)
        if ref is None:
            self._choose(self.location_combo, self._new_location)
            self._show_status(self._new_status)
        else:
            self._choose(self.location_combo, ref.location)
            self._show_status(ref.status)
        self._show_lot_state()

    def _show_lot_state(self) -> None:
        ref = self._lot_ref
        expiry = self._expiry()
        self.error_label.clear()
        if self.correction is not None:
            in_place = self.correction.is_the_lot(self._product(), self.lot_edit.text())
            self.correction.show_state(self, in_place)
            if in_place:
                self.lot_state.setText(CORRECT_SAME_LOT)
                return
        if ref is None:
            lot = self.lot_edit.text().strip()
            self.lot_state.setText(
                f"New lot {lot}: it is created when you receive it."
                if lot and self._product()
                else ""
            )
            return
        where = ref.location or "no location"
        on_file = (
            f"Lot {ref.lot} is on file (expiry {ref.expiry.isoformat()}, {ref.on_hand} on hand "
            f"in {where}, {phrase(ref.status)})"
        )
        if expiry is not None and expiry != ref.expiry:
            self.lot_state.setText(f"{on_file}.")
            conflict = LotConflict(ref.product, ref.lot, ref.expiry, expiry)
            self._show_error(f"{conflict}. Receive refuses a lot with two expiries.")
        else:
            self.lot_state.setText(f"{on_file}: these boxes are added to it.")

    # ----------------------------------------------------------------------------------------
    # A scan
    # ----------------------------------------------------------------------------------------
    def _on_scanned(self) -> None:
        text = self.scan_edit.text()
        if not text.strip():
            return
        try:
            scan = parse_scan(text)
        except ScanError as exc:
            self.scan_info.clear()
            self._show_error(f"cannot read the scan: {exc}")
            self.scan_edit.selectAll()
            return
        with self.ctx.db.read() as session:
            product = find_product_by_gtin(session, scan.gtin)
        self._scan = scan
        self._filling = True
        try:
            self._choose(self.product_combo, product.name if product else None)
            self.lot_edit.setText(scan.lot or "")
            self.expiry_edit.setDate(_qdate(scan.expiry) if scan.expiry else NOT_SET)
        finally:
            self._filling = False
        self.scan_info.setText(_describe_scan(scan, product.name if product else None))
        self._refresh_lot_state()
        self.scan_edit.selectAll()
        if product is None:
            self.product_combo.setFocus(Qt.FocusReason.OtherFocusReason)
            self.offer_unknown_gtin(scan.gtin)
        elif not scan.lot:
            self.lot_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.quantity_spin.setFocus(Qt.FocusReason.OtherFocusReason)
            self.quantity_spin.selectAll()

    def offer_unknown_gtin(self, gtin: str) -> None:
        """No product has the scanned GTIN: assign it to one (admin), create the product
        from the scan, or pick the product by hand (Receive then asks to confirm)."""
        box = UnknownGtinBox(self.ctx, gtin, self)
        box.exec()
        chosen: str | None = None
        if box.clickedButton() is box.assign_button:
            with self.ctx.db.read() as session:
                free = products_without_gtin(session)
            chosen = ask_product_for_gtin(self, gtin, free)
            if chosen is not None:
                name, user = chosen, self.ctx.user
                run_write(
                    self.ctx,
                    lambda session: assign_gtin(session, name, gtin, user=user),
                    Changes.PRODUCTS,
                    error_line=self.error_label,
                    on_success=lambda _stored: self._product_found(name),
                )
        elif box.clickedButton() is box.create_button:
            dialog = NewProductDialog(self.ctx, gtin, self)
            dialog.exec()
            if dialog.created is not None:
                self._product_found(dialog.created)

    def _product_found(self, name: str) -> None:
        self._reload_choices()
        self._choose(self.product_combo, name)
        if self._scan is not None:
            self.scan_info.setText(_describe_scan(self._scan, name))
        self._refresh_lot_state()
        self.quantity_spin.setFocus(Qt.FocusReason.OtherFocusReason)

    # ----------------------------------------------------------------------------------------
    # Receiving
    # ----------------------------------------------------------------------------------------
    def _on_receive(self, gtin_confirmed: bool = False) -> None:
        self.error_label.clear()
        expiry = self._expiry()
        if expiry is None:
            self._show_error("expiry: enter the expiry date printed on the box")
            self.expiry_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        shown = self._lot_ref
        joins_lot = shown is not None and (shown.product, shown.lot) == (
            self._product(),
            self.lot_edit.text().strip(),
        )
        location = None if joins_lot else (self.location_combo.currentText() or None)
        status = None if joins_lot else LotStatus(self.status_combo.currentData())
        product, lot, quantity = self._product(), self.lot_edit.text(), self.quantity_spin.value()
        received, user = _pydate(self.received_edit.date()), self.ctx.user
        scanned = self._scan.gtin if self._scan is not None else None
        correction = self.correction
        if correction is not None:
            draft = LotDraft(product, lot, expiry, quantity, location, status, received)
            today = self.ctx.today()
            run_write(
                self.ctx,
                lambda session: correction.write(
                    session,
                    draft,
                    today=today,
                    user=user,
                    scanned_gtin=scanned,
                    gtin_confirmed=gtin_confirmed,
                ),
                Changes.STOCK,
                on_success=self._corrected,
                on_failure=self._refused,
            )
            return
        run_write(
            self.ctx,
            lambda session: receive_delivery(
                session,
                product=product,
                lot=lot,
                expiry=expiry,
                quantity=quantity,
                location=location,
                received=received,
                user=user,
                status=status,
                scanned_gtin=scanned,
                gtin_confirmed=gtin_confirmed,
            ),
            Changes.STOCK,
            on_success=self._received,
            on_failure=self._refused,
        )

    def _refused(self, refused: ExoDeskError) -> None:
        if isinstance(refused, GtinMismatch):
            if confirm_other_gtin(self, refused.scanned, refused.product, refused.own):
                self._on_receive(gtin_confirmed=True)
            return
        suffix = ". Nothing was recorded." if isinstance(refused, LotConflict) else ""
        self.error_label.show_problems(refused.problems, suffix=suffix)

    def _corrected(self, result: LotCorrection | LotCorrectedInPlace) -> None:
        if isinstance(result, LotCorrectedInPlace):
            self.corrected_in_place = result
        else:
            self.corrected = result
        self.accept()

    def fill_from(self, draft: LotDraft) -> None:
        """Fill the form with a stored delivery (to correct it)."""
        self._filling = True
        try:
            self._choose(self.product_combo, draft.product)
            self.lot_edit.setText(draft.lot)
            self.expiry_edit.setDate(_qdate(draft.expiry))
            self.quantity_spin.setValue(max(1, draft.quantity))
            self.received_edit.setDate(_qdate(draft.received))
        finally:
            self._filling = False
        self._new_location = draft.location
        if draft.status is not None:
            self._new_status = draft.status
        self._refresh_lot_state()

    def _received(self, result: ReceiptResult) -> None:
        scanned = self._scan.gtin if self._scan is not None else None
        self.received.append(result)
        self.received_list.addItem(receipt_line(result))
        self.received_list.scrollToBottom()
        vials = sum(r.quantity for r in self.received)
        self.tally.setText(
            f"{len(self.received)} receipt{'s' if len(self.received) != 1 else ''}, "
            f"{vials} vial{'s' if vials != 1 else ''} received"
        )
        self._clear_for_next_box()
        self.scan_info.setText(f"{receipt_line(result)}. Scan the next box.")
        if self.print_labels.isChecked():
            self.print_label_for(result, scanned)

    def print_label_for(self, result: ReceiptResult, scanned: str | None = None) -> None:
        """The label dialog for the lot just received (Enter prints), with the product's GTIN
        on file (else the one scanned); then the next box."""
        with self.ctx.db.read() as session:
            gtin = get_product(session, result.product).gtin or scanned
        lot = LotLabel(result.product, result.lot, result.expiry, result.received, gtin)
        print_lot_label(self, lot)
        self.scan_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _clear_for_next_box(self) -> None:
        """The product, location, status and date stay for the next box; the rest is cleared."""
        self._filling = True
        try:
            self.scan_edit.clear()
            self.lot_edit.clear()
            self.expiry_edit.setDate(NOT_SET)
            self.quantity_spin.setValue(1)
            self.received_edit.setDate(_qdate(self.ctx.today()))
        finally:
            self._filling = False
        self._scan = None
        self.scan_info.setText("Scan the DataMatrix on the box, or fill in the fields by hand.")
        self._refresh_lot_state()
        self.scan_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # ----------------------------------------------------------------------------------------
    # Small helpers
    # ----------------------------------------------------------------------------------------
    def _show_error(self, message: str) -> None:
        self.error_label.show_text(f"Error: {message}")

    def _product(self) -> str:
        return self.product_combo.currentText() if self.product_combo.currentIndex() >= 0 else ""

    def _expiry(self) -> dt.date | None:
        day = self.expiry_edit.date()
        return None if day == NOT_SET else _pydate(day)

    def _choose(self, combo: QComboBox, text: str | None) -> None:
        combo.setCurrentIndex(combo.findText(text) if text else -1)

    def _show_status(self, status: LotStatus) -> None:
        # A lot on file can be in a status a delivery is never received as (destroyed):
        # the placeholder then shows it.
        self.status_combo.setPlaceholderText(label(status))
        self.status_combo.setCurrentIndex(self.status_combo.findData(status.value))

    def _remember_location(self) -> None:
        self._new_location = self.location_combo.currentText() or None

    def _remember_status(self) -> None:
        self._new_status = LotStatus(self.status_combo.currentData())


def _refill(combo: QComboBox, items: list[str]) -> None:
    current = combo.currentText() if combo.currentIndex() >= 0 else None
    combo.clear()
    combo.addItems(items)
    combo.setCurrentIndex(combo.findText(current) if current else -1)


def _describe_scan(scan: Scan, product: str | None) -> str:
    parts = [f"Scanned GTIN {scan.gtin}"]
    parts.append(product if product else "not on file for any product: pick the product")
    parts.append(f"lot {scan.lot}" if scan.lot else "no lot (10) in the code: type it from the box")
    parts.append(
        f"expiry {scan.expiry.isoformat()}"
        if scan.expiry
        else "no expiry (17) in the code: enter it from the box"
    )
    if scan.serial:
        parts.append(f"serial {scan.serial}")
    return " · ".join(parts)

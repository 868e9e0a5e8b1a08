"""The user guide (docs/user-guide.md), step by step: a clinic's day on the demo clinic
through the real window and dialogs. Each step asserts what its screenshot shows.

Screenshots go to docs/images/<step>.png with EXODESK_GUIDE_SHOTS=1 (to refresh the guide's
pictures), else into the test's tmp folder, so a normal run never rewrites the docs."""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from background_loads import loaded
from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from exodesk.app import take_daily_backup
from exodesk.cli import main
from exodesk.models.enums import LotStatus, Role
from exodesk.services.accounts import users
from exodesk.ui.accounts.sign_in import FirstAdminDialog, SignInDialog, sign_in_at_start
from exodesk.ui.counts.count_table import COUNTED_COLUMN
from exodesk.ui.counts.counting import CountingWidget
from exodesk.ui.counts.counts_view import CloseCountDialog, StartCountDialog
from exodesk.ui.counts.offline_count import OfflineCountWindow, open_offline_count
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.main_window import MainWindow
from exodesk.ui.stock.lot_card import LotCardDialog
from exodesk.ui.stock.lot_dialogs import LotStatusDialog
from exodesk.ui.stock.receive_dialog import ReceiveDialog
from exodesk.ui.treatments.treatment_dialog import TreatmentDialog

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
WINDOW_SIZE = (1280, 800)
ADMIN, PASSWORD = "Dr Amelia Hart", "clinic secret 1"
GS = "\x1d"  # what a scanner sends for FNC1, the GS1 group separator
CELVIA, CELVIA_GTIN = "Celvia MSC-Exo Lyo 50", "08809531000129"
HAIREXO_GTIN = "08809533002176"
VERDA = "Verda Centella Exosome Cream"
NEW_LOT = "CV-7105A"
NEXT_REF = "T-0208"  # the demo holds T-0001 .. T-0207
FRIDGE_B = {"LB-0921": 6, "VX-5512": 6, "HX-0870": 16, "APL-0502": 10, "HX-1004": 40, "VX-5790": 10}


# -- set-up ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def settings_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """QSettings of this test's own (remembered view, size, last user), and cheap hashes."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg"))
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))
    yield


def shot(widget: QWidget, name: str, tmp_path: Path) -> Path:
    """Save what `widget` shows as <name>.png: in docs/images when refreshing the guide."""
    guide = os.environ.get("EXODESK_GUIDE_SHOTS") == "1"
    folder = DOCS_IMAGES if guide else tmp_path / "images"
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(widget, MainWindow):
        assert (widget.width(), widget.height()) == WINDOW_SIZE
    QApplication.processEvents()  # let layout and palette changes land before the grab
    path = folder / f"{name}.png"
    assert widget.grab().save(str(path)), f"could not save {path}"
    return path


class OnModal:
    """Runs `handler` on the next modal dialog of type `kind`, inside its exec(). A failing
    handler rejects its dialog, so the test fails (in `check`) instead of hanging."""

    def __init__(self, kind: type[QDialog], handler: Callable[[Any], None]) -> None:
        self.kind, self.handler = kind, handler
        self.ran = False
        self.error: BaseException | None = None
        QTimer.singleShot(0, self._poll)

    def _poll(self) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, self.kind) or not dialog.isActiveWindow():
            QTimer.singleShot(10, self._poll)
            return
        self.ran = True
        try:
            self.handler(dialog)
        except BaseException as exc:  # noqa: BLE001 - raised again by check()
            self.error = exc
            dialog.done(QDialog.DialogCode.Rejected)  # not reject(): it may ask first

    def check(self) -> None:
        if self.error is not None:
            raise self.error
        assert self.ran, f"no {self.kind.__name__} opened"


def override_and_record(box: QMessageBox) -> None:
    """Confirm overriding: the box names the rules; its accept button records."""
    button = next(
        b for b in box.buttons() if box.buttonRole(b) is QMessageBox.ButtonRole.AcceptRole
    )
    button.click()


def ctrl(qtbot: QtBot, window: QWidget, key: Qt.Key) -> None:
    """A shortcut, pressed in the window. (The offscreen platform does not give the window
    back its activation when a dialog closes, as a desktop does: it is asked for here.)"""
    if not window.isActiveWindow():
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)


def scan(qtbot: QtBot, field: QWidget, code: str) -> None:
    """Type a code as a keyboard-wedge scanner does: group separators as ASCII 29, then Enter.
    (QTest.keyClicks has no key for ASCII 29, so its key event carries it as text.)"""
    for i, part in enumerate(code.split(GS)):
        if i:
            QTest.sendKeyEvent(
                QTest.KeyAction.Click, field, Qt.Key.Key_unknown, GS, Qt.KeyboardModifier.NoModifier
            )
        qtbot.keyClicks(field, part)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def cli(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(args)) == 0
    return out.getvalue()


def on_hand(db: Path) -> dict[str, tuple[int, str]]:
    """`exodesk stock --json`: lot -> (on hand, status)."""
    rows = json.loads(cli("stock", "--json", "--db", str(db), "--today", "2026-11-22"))
    return {r["lot"]: (r["on_hand"], r["status"]) for r in rows}


def signed_in_as_admin(ctx: AppContext) -> None:
    with ctx.db.write() as session:
        users.create_user(session, ADMIN, Role.ADMIN, PASSWORD, by=None)
    ctx.user, ctx.role = ADMIN, Role.ADMIN


def open_window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.resize(*WINDOW_SIZE)
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: bool(window.flags), timeout=10000)
    qtbot.waitUntil(lambda: window.dashboard.data is not None, timeout=10000)
    return window


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> Iterator[MainWindow]:
    """The window on the demo clinic, signed in as its admin."""
    signed_in_as_admin(ctx)
    win = open_window(qtbot, ctx)
    yield win
    win.close()


def stock_row(qtbot: QtBot, window: MainWindow, product: str, lot: str) -> None:
    """Find a lot in Stock as a person does: Ctrl+2, Ctrl+F, type the lot; select its row."""
    ctrl(qtbot, window, Qt.Key.Key_2)
    ctrl(qtbot, window, Qt.Key.Key_F)
    assert QApplication.focusWidget() is window.stock.search
    qtbot.keyClicks(window.stock.search, lot)
    model = window.stock.model
    qtbot.waitUntil(  # the search runs once typing pauses: then only that lot is listed
        lambda: model.rowCount() == 1 and model.row_of(product, lot) == 0, timeout=10000
    )
    window.stock.table.selectRow(0)


def cell(window: MainWindow, product: str, lot: str, column: int) -> str:
    row = window.stock.model.row_of(product, lot)
    return "" if row is None else str(window.stock.model.index(row, column).data())


# -- 1. the first start ----------------------------------------------------------------------


def test_first_start_creates_the_admin_then_signs_in(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    with ctx.db.read() as session:
        assert not users.accounts_exist(session)  # the demo clinic, nobody yet

    def create(dialog: FirstAdminDialog) -> None:
        qtbot.keyClicks(dialog.name, ADMIN)
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.keyClicks(dialog.again, PASSWORD)
        assert dialog.create_button.text() == "&Create admin account"
        shot(dialog, "first-start-admin", tmp_path)
        qtbot.keyClick(dialog.again, Qt.Key.Key_Return)

    handler = OnModal(FirstAdminDialog, create)
    account = sign_in_at_start(ctx.db)
    handler.check()
    assert account is not None and (account.name, account.role) == (ADMIN, Role.ADMIN)

    # The next start asks who is there; the last name is filled in.
    def sign_in(dialog: SignInDialog) -> None:
        assert dialog.form.name.text() == ADMIN
        assert QApplication.focusWidget() is dialog.form.password
        qtbot.keyClicks(dialog.form.password, PASSWORD)
        shot(dialog, "sign-in", tmp_path)
        dialog.form.password.clear()
        qtbot.keyClicks(dialog.form.password, "wrong password")
        qtbot.keyClick(dialog.form.password, Qt.Key.Key_Return)
        assert dialog.form.error.text().startswith(f"Error: wrong password for {ADMIN}")
        assert dialog.isVisible() and dialog.account is None
        qtbot.keyClicks(dialog.form.password, PASSWORD)
        qtbot.keyClick(dialog.form.password, Qt.Key.Key_Return)

    handler = OnModal(SignInDialog, sign_in)
    account = sign_in_at_start(ctx.db)
    handler.check()
    assert account is not None and account.name == ADMIN

    ctx.user, ctx.role = account.name, account.role
    window = open_window(qtbot, ctx)
    assert window.user_label.text() == f"Signed in: {ADMIN} (admin)"
    window.close()


# -- 2. the Dashboard --------------------------------------------------------------------------


def test_the_dashboard_after_the_daily_backup(
    qtbot: QtBot, ctx: AppContext, demo_db: Path, tmp_path: Path
) -> None:
    note = take_daily_backup(ctx.db)  # what the first start of each day does
    assert note is not None and note.startswith("Today's backup was saved to")
    assert list((tmp_path / "clinic-backups" / "daily").glob("clinic-*.sqlite"))
    signed_in_as_admin(ctx)
    window = open_window(qtbot, ctx)
    window.statusBar().showMessage(note, 15000)
    board = window.dashboard
    assert window.current_name() == "Dashboard"
    assert "16" in board.tiles[next(iter(board.tiles))].text()  # 16 block flags
    assert "16 BLOCK" in window.counts.text() and "16 WARN" in window.counts.text()
    expiring = [board.expiring.item(i).text() for i in range(board.expiring.count())]
    assert any("lot CV-3012B — expires in 35 day(s)" in t for t in expiring)
    places = [board.locations.item(i).text() for i in range(board.locations.count())]
    assert "Fridge B: 6 lot(s), 88 vial(s)" in places
    shot(window, "dashboard", tmp_path)

    # An item opens its detail: the expiring lot's card.
    item = next(board.expiring.item(i) for i in range(board.expiring.count()))
    board.expiring.setCurrentItem(item)
    board.expiring.itemActivated.emit(item)
    cards = [w for w in QApplication.topLevelWidgets() if isinstance(w, LotCardDialog)]
    assert [c.isVisible() for c in cards] == [True]
    cards[0].close()
    window.close()


# -- 3. receiving a delivery -------------------------------------------------------------------


def test_receive_a_box_by_scanning_it(
    qtbot: QtBot, window: MainWindow, demo_db: Path, tmp_path: Path
) -> None:
    assert NEW_LOT not in on_hand(demo_db)

    def receive(dialog: ReceiveDialog) -> None:
        assert QApplication.focusWidget() is dialog.scan_edit
        # The DataMatrix: GTIN (01), expiry (17), lot (10), a separator, serial (21).
        scan(qtbot, dialog.scan_edit, f"]d201{CELVIA_GTIN}1728063010{NEW_LOT}{GS}21SN-0001")
        assert dialog.product_combo.currentText() == CELVIA
        assert dialog.lot_edit.text() == NEW_LOT
        assert dialog.lot_state.text().startswith(f"New lot {NEW_LOT}")
        assert QApplication.focusWidget() is dialog.quantity_spin
        qtbot.keyClicks(dialog.quantity_spin, "6")
        shot(dialog, "receive-scanned", tmp_path)
        with qtbot.waitSignal(window.ctx.bus.changed):
            qtbot.keyClick(dialog.quantity_spin, Qt.Key.Key_Return)  # Enter = Receive
        # The second box of the same lot joins it.
        scan(qtbot, dialog.scan_edit, f"01{CELVIA_GTIN}1728063010{NEW_LOT}")
        assert "these boxes are added to it" in dialog.lot_state.text()
        qtbot.keyClicks(dialog.quantity_spin, "4")
        qtbot.keyClick(dialog.quantity_spin, Qt.Key.Key_Return)
        assert dialog.tally.text() == "2 receipts, 10 vials received"
        shot(dialog, "receive-session", tmp_path)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    handler = OnModal(ReceiveDialog, receive)
    ctrl(qtbot, window, Qt.Key.Key_R)
    handler.check()

    assert on_hand(demo_db)[NEW_LOT] == (10, "quarantine")
    stock_row(qtbot, window, CELVIA, NEW_LOT)
    assert [cell(window, CELVIA, NEW_LOT, c) for c in (1, 2, 3, 4, 5)] == [
        NEW_LOT,
        "2028-06-30",
        "Fridge A",
        "Quarantine",
        "10",
    ]
    shot(window, "stock-received", tmp_path)


# -- 4. recording treatments -------------------------------------------------------------------


def fill_treatment(qtbot: QtBot, dialog: TreatmentDialog, patient: str, product: str) -> None:
    qtbot.keyClicks(dialog.patient, patient)
    # The signed-in admin, the clinic's only account, is offered: no free text once a
    # database has accounts.
    assert not dialog.practitioner.isEditable()
    assert dialog.practitioner.currentText() == ADMIN
    dialog.product.setCurrentIndex(dialog.product.findText(product))


def test_record_a_compliant_treatment(
    qtbot: QtBot, window: MainWindow, demo_db: Path, tmp_path: Path
) -> None:
    def record(dialog: TreatmentDialog) -> None:
        fill_treatment(qtbot, dialog, "P-0042", VERDA)
        assert dialog.lot.currentData() == "VC-0630"  # first expiry first
        assert dialog.findings_list.count() == 0
        assert dialog.summary.text() == "No findings: nothing stops this treatment."
        assert not dialog.override.isEnabled()
        shot(dialog, "treatment-compliant", tmp_path)
        with qtbot.waitSignal(window.ctx.bus.changed):
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    handler = OnModal(TreatmentDialog, record)
    ctrl(qtbot, window, Qt.Key.Key_T)
    handler.check()

    assert window.current_name() == "Treatments"
    loaded(qtbot, window.treatments)
    assert window.treatments.selected_ref() == NEXT_REF
    row = window.treatments.model.row(window.treatments.model.row_of(NEXT_REF) or 0)
    assert (row.patient, row.product, row.lot, row.overridden) == (
        "P-0042",
        VERDA,
        "VC-0630",
        False,
    )
    assert on_hand(demo_db)["VC-0630"] == (11, "released")
    shot(window, "treatments", tmp_path)


def test_a_block_finding_needs_an_override_with_a_reason(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    reason = "Patient allergic to the approved eye product; agreed with Dr Park"

    def record(dialog: TreatmentDialog) -> None:
        fill_treatment(qtbot, dialog, "P-0043", VERDA)
        dialog.zone.setCurrentIndex(dialog.zone.findData("periorbital"))
        findings = [
            dialog.findings_list.item(i).text() for i in range(dialog.findings_list.count())
        ]
        assert len(findings) == 1 and findings[0].startswith("BLOCK:")
        assert "not approved for periorbital use" in findings[0]
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert dialog.isVisible() and dialog.recorded is None
        assert dialog.error.text().startswith("Error: Save refused: this treatment has 1 block")
        shot(dialog, "treatment-blocked", tmp_path)
        box = dialog.override
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
        assert box.isChecked() and dialog.reason.isEnabled()
        qtbot.keyClicks(dialog.reason, reason)
        shot(dialog, "treatment-override", tmp_path)
        confirm = OnModal(QMessageBox, override_and_record)
        with qtbot.waitSignal(window.ctx.bus.changed):
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        confirm.check()

    handler = OnModal(TreatmentDialog, record)
    ctrl(qtbot, window, Qt.Key.Key_T)
    handler.check()

    view = window.treatments
    loaded(qtbot, view)
    assert window.current_name() == "Treatments" and view.selected_ref() == NEXT_REF
    index = view.model.row_of(NEXT_REF)
    assert index is not None
    row = view.model.row(index)
    assert row.overridden and row.override_reason == reason
    assert view.model.index(index, view.model.COL_OVERRIDDEN).data() == "BLOCK overridden"
    shot(window, "treatments-overridden", tmp_path)


# -- 5. a recall -------------------------------------------------------------------------------


def test_recall_a_lot(qtbot: QtBot, window: MainWindow, demo_db: Path, tmp_path: Path) -> None:
    ctrl(qtbot, window, Qt.Key.Key_7)
    assert window.current_name() == "Recall"
    ctrl(qtbot, window, Qt.Key.Key_F)
    recall = window.recall
    assert QApplication.focusWidget() is recall.scan
    scan(qtbot, recall.scan, f"]d201{CELVIA_GTIN}1728013110CV-5118C")
    assert recall.current == (CELVIA, "CV-5118C")
    patients = sorted({r.patient for r in recall.rows()})
    assert [r.ref for r in recall.rows()] == ["T-0200", "T-0204", "T-0205", "T-0206"]
    assert patients == ["P-0064", "P-0066", "P-0069"]
    assert "3 patient(s)</b> to contact" in recall.summary.text()
    assert recall.csv_button.isEnabled() and recall.pdf_button.isEnabled()
    csv_file = tmp_path / "recall.csv"
    recall.export_csv(csv_file)
    assert all(p in csv_file.read_text(encoding="utf-8") for p in patients)
    shot(window, "recall", tmp_path)

    # The lot's stock is set aside: Stock › Change status… › Recall, with the reason.
    stock_row(qtbot, window, CELVIA, "CV-5118C")

    def set_recalled(dialog: LotStatusDialog) -> None:
        dialog.status.setCurrentIndex(dialog.status.findData(LotStatus.RECALLED))
        qtbot.keyClicks(dialog.reason, "Manufacturer recall notice 2026-11-22")
        shot(dialog, "recall-lot-status", tmp_path)
        dialog.buttons.accepted.emit()

    handler = OnModal(LotStatusDialog, set_recalled)
    qtbot.mouseClick(window.stock.status_button, Qt.MouseButton.LeftButton)
    handler.check()
    assert on_hand(demo_db)["CV-5118C"] == (20, "recalled")
    treatment = TreatmentDialog(window.ctx, product=CELVIA)  # no longer offered
    qtbot.addWidget(treatment)
    offered = [treatment.lot.itemData(i) for i in range(treatment.lot.count())]
    assert offered == ["CV-3012B", "CV-5907A"]
    qtbot.waitUntil(lambda: cell(window, CELVIA, "CV-5118C", 4) == "Recalled", timeout=10000)


# -- 6. a stock count ----------------------------------------------------------------------------


def type_count(qtbot: QtBot, widget: CountingWidget, lot: str, number: str) -> None:
    """Select the lot's row, type the number, press Enter."""
    index = next(i for i, r in enumerate(widget.rows()) if r.lot == lot)
    widget.table.setFocus()
    widget.table.selectRow(index)
    qtbot.keyClick(widget.table, number[0])
    editor = widget.table.indexWidget(widget.model.index(index, COUNTED_COLUMN))
    assert editor is not None, "typing a digit should open the Counted cell"
    qtbot.keyClicks(editor, number[1:])
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: next(r for r in widget.rows() if r.lot == lot).counted == int(number))


def test_count_a_fridge_in_the_window(
    qtbot: QtBot, window: MainWindow, demo_db: Path, tmp_path: Path
) -> None:
    ctrl(qtbot, window, Qt.Key.Key_8)
    view = window.counts_view

    def start(dialog: StartCountDialog) -> None:
        dialog.choose("Fridge B")
        shot(dialog, "count-start", tmp_path)
        dialog.ok_button.click()

    handler = OnModal(StartCountDialog, start)
    qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
    handler.check()
    assert "6 lot(s) expected" in view.message.text()
    counting = view.counting
    assert counting is not None
    assert {r.lot: r.expected for r in counting.rows()} == FRIDGE_B

    ctrl(qtbot, window, Qt.Key.Key_8)  # (gives the window back its activation)
    qtbot.mouseClick(view.count_button, Qt.MouseButton.LeftButton)
    assert QApplication.focusWidget() is counting.scan_edit
    for _ in range(16):  # each scan of a box counts one
        scan(qtbot, counting.scan_edit, f"]d201{HAIREXO_GTIN}1727083110HX-0870")
    for lot, number in (("LB-0921", "6"), ("VX-5512", "6"), ("APL-0502", "10")):
        type_count(qtbot, counting, lot, number)
    type_count(qtbot, counting, "HX-1004", "39")  # one vial short
    type_count(qtbot, counting, "VX-5790", "10")
    counted = {r.lot: r.counted for r in counting.rows()}
    assert counted == {**FRIDGE_B, "HX-1004": 39}
    assert counting.progress.text() == "6 of 6 lots counted · 1 differs from expected"
    shot(window, "count-in-window", tmp_path)

    def close(dialog: CloseCountDialog) -> None:
        assert dialog.summary.text().startswith("6 lot(s) counted: 5 match, 1 differ")
        assert [
            (d.lot, d.adjustment) for d in map(dialog.model.row, range(dialog.model.rowCount()))
        ] == [("HX-1004", -1)]
        qtbot.keyClicks(dialog.reason, "monthly count, Fridge B")
        shot(dialog, "count-close", tmp_path)
        qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.closed is not None, timeout=10000)
        dialog.close_button.click()  # Done

    handler = OnModal(CloseCountDialog, close)
    qtbot.mouseClick(view.close_button, Qt.MouseButton.LeftButton)
    handler.check()
    assert view.message.text().startswith("Count 1 is closed: 1 discrepancy adjusted")
    assert on_hand(demo_db)["HX-1004"] == (39, "released")


def test_count_offline_from_a_sheet(qtbot: QtBot, demo_db: Path, tmp_path: Path) -> None:
    count_id = cli("count", "start", "--location", "Fridge B", "--db", str(demo_db)).strip()
    sheet = tmp_path / "sheet.csv"
    cli("count", "sheet", count_id, str(sheet), "--db", str(demo_db))
    window = open_offline_count(sheet)  # what `exodesk count-sheet sheet.csv` opens
    assert isinstance(window, OfflineCountWindow)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    type_count(qtbot, window.counting, "HX-1004", "39")
    type_count(qtbot, window.counting, "LB-0921", "6")
    assert "HX-1004,2028-01-31,Fridge B,40,39" in sheet.read_text(encoding="utf-8")  # saved
    shot(window, "count-sheet-offline", tmp_path)
    window.close()

    cli("count", "enter", count_id, str(sheet), "--db", str(demo_db))
    cli("count", "close", count_id, "--reason", "spot check", "--db", str(demo_db))
    assert on_hand(demo_db)["HX-1004"] == (39, "released")


# -- 7. backup and restore (commands) ------------------------------------------------------------


def test_backup_and_restore_commands(demo_db: Path, tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    out = cli("backup", str(usb), "--db", str(demo_db))
    assert "the copy was checked" in out
    (copy,) = usb.glob("*.sqlite")
    out = cli("restore", str(copy), "--db", str(demo_db))
    assert out.startswith(f"Restored {demo_db} from {copy}.")
    assert list(tmp_path.glob("clinic.sqlite.before-restore-*"))
    assert on_hand(demo_db)["HX-1004"] == (40, "released")

"""The stock-count GUI on the real demo database: start a count, count by scanning and by
typing, add a lot found, keep working while counting, close with a reason, report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from counting_helpers import (
    CELVIA_GTIN,
    FRIDGE_A,
    HAIREXO_GTIN,
    TODAY,
    answer,
    click_yes,
    gs1,
    row_of,
    run_cli,
    scan,
    stock,
    type_count,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.services.counts import counts
from exodesk.services.counts.preview import preview_close
from exodesk.services.stock.lots import record_waste
from exodesk.ui.counts.count_table import COUNTED_COLUMN, CountTableModel
from exodesk.ui.counts.counting import CountingWidget
from exodesk.ui.counts.counts_view import (
    CloseCountDialog,
    CountListModel,
    CountsView,
    DiscrepancyModel,
    StartCountDialog,
)
from exodesk.ui.counts.found_lot_dialog import FoundLotDialog
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import slow_write_running


@pytest.fixture
def view(qtbot: QtBot, ctx: AppContext) -> CountsView:
    widget = CountsView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1110, 780)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def start_count(view: CountsView, location: str) -> int:
    def pick(dialog: StartCountDialog) -> None:
        assert isinstance(dialog, StartCountDialog)
        dialog.choose(location)
        dialog.ok_button.click()

    script = answer(pick)
    view.start_button.click()
    script.done()
    summary = view.selected()
    assert summary is not None
    return summary.id


def counting(view: CountsView) -> CountingWidget:
    assert view.counting is not None
    return view.counting


def test_a_whole_count_in_the_gui(
    qtbot: QtBot, view: CountsView, ctx: AppContext, demo_db: Path, tmp_path: Path
) -> None:
    count_id = start_count(view, "Fridge A")
    assert "Fridge A" in view.message.text() and "9 lot(s) expected" in view.message.text()
    widget = counting(view)
    assert {r.lot: r.expected for r in widget.rows()} == FRIDGE_A
    assert widget.progress.text() == "0 of 9 lots counted · 0 differ from expected"
    assert view.close_button.isEnabled() and view.enter_button.isEnabled()

    # Scanning: each scan of a box counts one.
    view.count_button.click()
    assert view.focusWidget() is widget.scan_edit
    for _ in range(2):
        scan(qtbot, widget, gs1(CELVIA_GTIN, "261227", "CV-3012B"))
    assert row_of(widget, "CV-3012B").counted == 2
    assert widget.error_label.isHidden()
    assert widget.scan_edit.text() == ""

    # A full box: ask for the number.
    widget.ask_number.setChecked(True)

    def say_28(dialog: QInputDialog) -> None:
        assert "HX-0912" in dialog.labelText()
        dialog.setIntValue(28)
        dialog.accept()

    script = answer(say_28)
    scan(qtbot, widget, gs1(HAIREXO_GTIN, "271031", "HX-0912"))
    script.done()
    widget.ask_number.setChecked(False)
    assert row_of(widget, "HX-0912").counted == 28

    # Typing: a number in the table, and a lot code in the scan field.
    type_count(qtbot, widget, "PLX-3381", "6")
    scan(qtbot, widget, "RGX-EV-0077")
    assert (
        widget.feedback.text()
        == "Typed lot: Lot RGX-EV-0077 of Regenexa MSC-EV 2 ml: 1 (expected 1)."
    )
    type_count(qtbot, widget, "CV-5907A", "20")
    assert row_of(widget, "PLX-3381").counted == 6
    assert row_of(widget, "RGX-EV-0077").counted == 1
    save_shot(view, "counts-view-mid-count", tmp_path)
    save_shot(widget, "counting-widget-mid-count", tmp_path)

    # A lot found on the shelf that the count did not expect (it lives in another fridge).
    def two_found(dialog: FoundLotDialog) -> None:
        assert isinstance(dialog, FoundLotDialog)
        assert dialog.product.currentText() == "Celvia MSC-Exo Lyo 50"
        assert dialog.lot.currentText() == "CV-1170A"
        assert dialog.location.currentText() == "Fridge A"
        dialog.counted.setValue(2)
        dialog.ok_button.click()

    script = answer(click_yes, two_found)
    scan(qtbot, widget, gs1(CELVIA_GTIN, "261102", "CV-1170A"))
    script.done()
    found = row_of(widget, "CV-1170A")
    assert (found.expected, found.counted, found.location) == (None, 2, "Fridge A")
    QApplication.processEvents()
    assert widget.progress.text() == "6 of 10 lots counted · 3 differ from expected"

    # Work goes on while counting: waste from a counted lot and from an uncounted one.
    with ctx.db.write() as session:
        record_waste(
            session,
            "Celvia MSC-Exo Lyo 50",
            "CV-5907A",
            2,
            reason="dropped",
            on=TODAY,
            user="nurse",
        )
        record_waste(
            session, "PlaceLux Exo Lyo", "PLX-3456", 1, reason="dropped", on=TODAY, user="nurse"
        )
    ctx.announce_change()

    # Close: the dialog shows what closing would adjust, needs a reason, then closes.
    expected = [
        ("CV-1170A", 3, 2, -1),
        ("CV-3012B", 3, 2, -1),
        ("CV-5907A", 18, 20, 2),
        ("HX-0912", 30, 28, -2),
    ]

    def close_it(dialog: CloseCountDialog) -> None:
        assert isinstance(dialog, CloseCountDialog)
        preview = [dialog.model.row(i) for i in range(dialog.model.rowCount())]
        assert [(d.lot, d.expected, d.counted, d.adjustment) for d in preview] == expected
        assert "6 lot(s) counted: 2 match, 4 differ" in dialog.summary.text()
        assert "4 lot(s) not counted keep their stock" in dialog.summary.text()
        save_shot(dialog, "close-count-dialog", tmp_path)
        dialog.close_button.click()  # no reason yet
        qtbot.waitUntil(lambda: not slow_write_running())  # closing runs on a worker
        assert dialog.error.text().startswith("Error: reason:")
        assert dialog.closed is None
        qtbot.keyClicks(dialog.reason, "quarterly count")
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not slow_write_running())
        assert dialog.closed is not None
        assert "closed: 4 discrepancies adjusted" in dialog.summary.text()
        shown = [dialog.model.row(i) for i in range(dialog.model.rowCount())]
        assert [(d.lot, d.expected, d.counted, d.adjustment) for d in shown] == expected
        save_shot(dialog, "close-count-dialog-done", tmp_path)
        dialog.close_button.click()

    script = answer(close_it)
    view.close_button.click()
    script.done()
    assert "closed: 4 discrepancies adjusted" in view.message.text()

    on_hand = stock(demo_db)
    counted = {"CV-1170A": 2, "CV-3012B": 2, "CV-5907A": 20, "HX-0912": 28, "PLX-3381": 6}
    counted["RGX-EV-0077"] = 1
    for lot, number in counted.items():
        assert on_hand[lot] == number, lot
    for lot in ("CV-6233B", "PLX-3512", "VC-1212"):
        assert on_hand[lot] == FRIDGE_A[lot]
    assert on_hand["PLX-3456"] == 14  # not counted: keeps its stock, less the waste

    # A closed count is read-only, and says so.
    summary = view.selected()
    assert summary is not None and summary.id == count_id and not summary.is_open
    for button in (view.count_button, view.enter_button, view.close_button):
        assert not button.isEnabled()
    assert view.report_csv_button.isEnabled()
    widget = counting(view)
    assert widget.is_read_only()
    assert not widget.banner_box.isHidden()
    assert widget.banner.text().startswith("This count is closed (quarterly count")
    assert widget.banner.text().endswith("it is read-only")
    assert not widget.scan_edit.isEnabled()
    assert not widget.table.isColumnHidden(7)  # expected at close, shown once closed
    assert row_of(widget, "CV-5907A").adjustment == 2
    assert widget.model.index(2, 6).data() == "adjusted +2"
    save_shot(view, "counts-view-closed", tmp_path)
    index = next(i for i, r in enumerate(widget.rows()) if r.lot == "VC-1212")
    widget.table.selectRow(index)
    qtbot.keyClick(widget.table, "5")
    assert widget.table.indexWidget(widget.model.index(index, COUNTED_COLUMN)) is None
    assert row_of(widget, "VC-1212").counted is None

    # The services refuse too: entering a sheet into it, or closing it again.
    sheet = tmp_path / "late.csv"
    sheet.write_text(
        "product,lot,expiry,location,expected,counted\n"
        "Verda Centella Exosome Cream,VC-1212,2027-11-30,Fridge A,20,19\n",
        encoding="utf-8",
    )
    problems = view.enter_sheet_file(sheet)
    assert problems and "a closed count is read-only" in problems[0]
    assert view.message.text().startswith("Error: count")
    assert "nothing was entered" in view.message.text()
    dialog = CloseCountDialog(ctx, count_id, view)
    qtbot.addWidget(dialog)
    assert dialog.error.text().startswith(f"Error: count {count_id} was closed")
    assert not dialog.close_button.isEnabled()
    with ctx.db.read() as session:
        assert counts.count_lines(session, count_id)[-1].counted is None  # VC-1212

    # The report: who counted, expected at open and at close, adjustments.
    report = tmp_path / "report.csv"
    assert view.save_report_csv(report)
    text = report.read_text(encoding="utf-8")
    assert ",".join(counts.REPORT_COLUMNS) in text
    assert "CV-5907A,2028-04-30,Fridge A,20,18,20,2,tester," in text
    pdf = tmp_path / "report.pdf"
    assert view.save_report_pdf(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_preview_matches_what_closing_does(ctx: AppContext) -> None:
    with ctx.db.write() as session:
        count_id = counts.start_count(session, location=None, today=TODAY, user="a")
        counts.record_count(session, count_id, "PlaceLux Exo Lyo", "PLX-3381", 4, user="a")
        counts.record_count(session, count_id, "Celvia MSC-Exo Lyo 50", "CV-3012B", 3, user="a")
        record_waste(session, "PlaceLux Exo Lyo", "PLX-3381", 1, reason="x", on=TODAY, user="b")
    with ctx.db.read() as session:
        preview = preview_close(session, count_id)
    with ctx.db.write() as session:
        closed = counts.close_count(session, count_id, reason="r", today=TODAY, user="a")
    assert preview.discrepancies == closed
    assert preview.counted == 2 and preview.matching == 1


def test_a_bad_sheet_names_rows_and_columns_and_writes_nothing(
    view: CountsView, ctx: AppContext, demo_db: Path, tmp_path: Path
) -> None:
    count_id = int(run_cli("count", "start", "--location", "Fridge A", "--db", str(demo_db)))
    sheet = tmp_path / "sheet.csv"
    run_cli("count", "sheet", str(count_id), str(sheet), "--db", str(demo_db))
    view.reload()
    view.select(count_id)
    lines = sheet.read_text(encoding="utf-8").splitlines()
    good = [line + ("3" if i == 1 else "") for i, line in enumerate(lines)]

    bad = list(good)
    bad[2] = bad[2] + "many"  # row 3
    bad[4] = bad[4].replace("2027-10-31", "2027-13-01")  # row 5 (HX-0912)
    sheet.write_text("\n".join(bad) + "\n", encoding="utf-8")
    problems = view.enter_sheet_file(sheet)
    assert problems == [
        "row 3, column counted: 'many' is not a whole number of vials",
        "row 5, column expiry: '2027-13-01' is not a date (YYYY-MM-DD)",
    ]
    assert view.message.text().startswith("Error: the sheet sheet.csv has 2 problem(s)")
    assert "nothing was entered" in view.message.text()
    assert view.problems.isVisible()
    assert "row 3, column counted" in view.problems.toPlainText()
    assert "row 5, column expiry" in view.problems.toPlainText()

    unknown = [*good, "Nobody's Serum,ZZ-1,2027-01-01,Fridge A,,2"]  # row 11
    sheet.write_text("\n".join(unknown) + "\n", encoding="utf-8")
    problems = view.enter_sheet_file(sheet)
    assert problems == ['row 11, column product: unknown product "Nobody\'s Serum"']
    with ctx.db.read() as session:
        assert all(x.counted is None for x in counts.count_lines(session, count_id))

    sheet.write_text("\n".join(good) + "\n", encoding="utf-8")
    assert view.enter_sheet_file(sheet) == []
    assert view.message.text() == f"Entered 1 counted lot(s) from sheet.csv into count {count_id}."
    assert not view.problems.isVisible()
    QApplication.processEvents()
    assert row_of(counting(view), "CV-3012B").counted == 3
    summary = view.selected()
    assert summary is not None and summary.counted == 1


def test_sheet_as_csv_and_pdf(view: CountsView, demo_db: Path, tmp_path: Path) -> None:
    count_id = int(run_cli("count", "start", "--location", "Fridge A", "--db", str(demo_db)))
    view.reload()
    view.select(count_id)
    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    assert view.save_sheet_csv(ours)
    run_cli("count", "sheet", str(count_id), str(theirs), "--db", str(demo_db))
    assert ours.read_text(encoding="utf-8") == theirs.read_text(encoding="utf-8")
    page = view.sheet_html(count_id)
    assert '<th width="22%">Counted</th>' in page
    assert page.index("CV-3012B") < page.index("HX-0912") < page.index("VC-1212")
    pdf = tmp_path / "sheet.pdf"
    assert view.save_sheet_pdf(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_count_closed_elsewhere_turns_read_only_with_a_clear_error(
    qtbot: QtBot, view: CountsView, demo_db: Path
) -> None:
    count_id = int(run_cli("count", "start", "--location", "Fridge A", "--db", str(demo_db)))
    view.reload()
    view.select(count_id)
    widget = counting(view)
    type_count(qtbot, widget, "CV-3012B", "3")
    run_cli("count", "close", str(count_id), "--reason", "closed at the desk", "--db", str(demo_db))
    type_count(qtbot, widget, "HX-0912", "30")
    assert widget.error_label.text().startswith(f"Error: count {count_id} was closed on ")
    assert widget.error_label.text().endswith("a closed count is read-only")
    qtbot.waitUntil(widget.is_read_only)
    assert "closed at the desk" in widget.banner.text()
    assert row_of(widget, "HX-0912").counted is None
    scan(qtbot, widget, "HX-0912")  # the field is disabled: nothing happens
    assert row_of(widget, "HX-0912").counted is None


def test_scan_problems_are_said_plainly(qtbot: QtBot, view: CountsView, demo_db: Path) -> None:
    count_id = int(run_cli("count", "start", "--location", "Fridge A", "--db", str(demo_db)))
    view.reload()
    view.select(count_id)
    widget = counting(view)
    scan(qtbot, widget, gs1("04006381333931", "280101", "NEW-1"))
    assert widget.error_label.text().startswith("Error: no product in ExoDesk has GTIN")
    scan(qtbot, widget, gs1(CELVIA_GTIN, "280101", "CV-9999Z"))
    assert widget.error_label.text() == (
        "Error: lot CV-9999Z of Celvia MSC-Exo Lyo 50 is not in ExoDesk: receive it first "
        "(Receive delivery…), then count it"
    )
    scan(qtbot, widget, "]d20108809531000128")
    assert widget.error_label.text().startswith("Error: cannot read the scan: the check digit")
    assert widget.scan_edit.selectedText() == widget.scan_edit.text()  # ready to scan again
    assert all(r.counted is None for r in widget.rows())


def test_adding_a_found_lot_by_hand_online(qtbot: QtBot, view: CountsView, demo_db: Path) -> None:
    count_id = int(run_cli("count", "start", "--location", "Fridge A", "--db", str(demo_db)))
    view.reload()
    view.select(count_id)
    widget = counting(view)

    def fill(dialog: FoundLotDialog) -> None:
        qtbot.keyClicks(dialog.product.lineEdit(), "Verda Centella Exosome Cream")
        dialog.lot.setEditText("VC-NOPE")
        dialog.counted.setValue(4)
        dialog.ok_button.click()
        assert dialog.error.text() == (
            "Error: lot: no lot 'VC-NOPE' of Verda Centella Exosome Cream"
        )
        assert dialog.lot.findText("VC-0630") >= 0  # the product's lots to pick from
        dialog.lot.setEditText("VC-0630")
        dialog.ok_button.click()

    script = answer(fill)
    widget.add_button.click()
    script.done()
    row = row_of(widget, "VC-0630")
    assert (row.expected, row.counted, row.location) == (None, 4, "Fridge A")


def test_models_pass_the_model_tester(
    qtmodeltester: Any, view: CountsView, ctx: AppContext
) -> None:
    with ctx.db.write() as session:
        count_id = counts.start_count(session, location=None, today=TODAY, user="a")
        counts.record_count(session, count_id, "PlaceLux Exo Lyo", "PLX-3381", 4, user="a")
    view.reload()
    view.select(count_id)
    assert isinstance(view.model, CountListModel)
    qtmodeltester.check(view.model)
    widget = counting(view)
    assert isinstance(widget.model, CountTableModel) and widget.model.editable
    qtmodeltester.check(widget.model)
    dialog = CloseCountDialog(ctx, count_id, view)
    assert isinstance(dialog.model, DiscrepancyModel) and dialog.model.rowCount() == 1
    qtmodeltester.check(dialog.model)
    dialog.deleteLater()


def test_escape_closes_the_dialogs(qtbot: QtBot, view: CountsView, ctx: AppContext) -> None:
    dialog = StartCountDialog(ctx, view)
    dialog.show()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.count_id is None

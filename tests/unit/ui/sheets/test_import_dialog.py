"""File › Import from spreadsheet…, driven as a person would on the demo clinic's real SQLite
database with real .xlsx and .csv files: the guessed mapping, a changed mapping remembered for
the same headers, the day/month order asked for when a date could be either, the preview
marking a bad row (and nothing written), the import adding every row and saying what."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sheet_files import write_csv, write_xlsx
from shots import save_shot

from exodesk.services.stock.listing import stock_lines
from exodesk.services.stock.lots import StockFilter
from exodesk.ui.sheets import import_dialog as dialog_module
from exodesk.ui.sheets.import_dialog import COLUMNS, DATES, DONE, PREVIEW, SheetImportDialog

PRODUCT = "Celvia MSC-Exo Lyo 50"
HEADER = ["Product", "Batch no", "Use by", "Date received", "Qty", "Fridge", "Notes"]
WAIT = 30_000


@pytest.fixture
def dialog(qtbot: QtBot, ctx: Any) -> SheetImportDialog:
    widget = SheetImportDialog(ctx)
    qtbot.addWidget(widget)
    widget.resize(1024, 768)
    widget.show()
    return widget


def lots(ctx: Any) -> set[tuple[str, str]]:
    with ctx.db.read() as session:
        lines = stock_lines(session, StockFilter(include_empty=True))
    return {(line.product, line.lot) for line in lines}


def open_sheet(qtbot: QtBot, dialog: SheetImportDialog, path: Path, kind: str = "lots") -> None:
    dialog.set_file(path)
    dialog.set_kind(kind)
    if path.name == "deliveries.xlsx":
        save_shot(dialog, "sheet-import-file", path.parent)
    dialog.next_button.click()
    qtbot.waitUntil(lambda: dialog.page == COLUMNS, timeout=WAIT)


def check(qtbot: QtBot, dialog: SheetImportDialog, page: int = PREVIEW) -> None:
    assert dialog.next_button.isEnabled(), dialog.mapping_error.text()
    dialog.next_button.click()
    qtbot.waitUntil(lambda: dialog.page == page and not dialog.busy, timeout=WAIT)


def good_sheet(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path / "deliveries.xlsx",
        [
            ["Deliveries November 2026"],
            [],
            HEADER,
            [PRODUCT, "XL-1", dt.date(2027, 6, 30), "2026-11-02", "20", "Sheet fridge", "box 1"],
            [PRODUCT, "XL-2", 46568, None, 5, "Sheet fridge", None],
            [],
        ],
        merges=["A1:G1"],
    )


def test_the_columns_are_guessed_from_the_headers(
    qtbot: QtBot, dialog: SheetImportDialog, tmp_path: Path
) -> None:
    open_sheet(qtbot, dialog, good_sheet(tmp_path))
    assert dialog.mapping.mapping() == {
        "Product": "product",
        "Batch no": "lot",
        "Use by": "expiry",
        "Date received": "received",
        "Qty": "quantity",
        "Fridge": "location",
        "Notes": None,
    }
    assert "Row 3" in dialog.columns_intro.text()
    assert dialog.mapping.combos[6].currentText() == "— ignore this column —"
    assert dialog.mapping.combos[0].currentText() == "Product (required)"
    save_shot(dialog, "sheet-import-mapping", tmp_path)


def test_a_changed_mapping_is_remembered_for_the_same_headers(
    qtbot: QtBot, ctx: Any, dialog: SheetImportDialog, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "lots.csv",
        [["Artikel", "Charge", "Verfall", "Menge"], [PRODUCT, "DE-1", "2027-06-30", "4"]],
    )
    open_sheet(qtbot, dialog, path)
    assert dialog.layout_ is not None and not dialog.layout_.found
    assert not dialog.next_button.isEnabled()  # no column gives product, lot or expiry
    assert "no column gives product" in dialog.mapping_error.text()
    for header, field in (("Artikel", "product"), ("Charge", "lot"), ("Verfall", "expiry")):
        dialog.mapping.choose(header, field)
    dialog.mapping.choose("Menge", "quantity")
    check(qtbot, dialog)

    again = SheetImportDialog(ctx)
    qtbot.addWidget(again)
    again.show()
    other = write_csv(
        tmp_path / "more.csv",
        [["Menge", "Verfall", "Artikel", "Charge"], ["2", "2027-07-31", PRODUCT, "DE-2"]],
    )
    open_sheet(qtbot, again, other)
    assert again.mapping.from_memory
    assert again.mapping.mapping() == {
        "Menge": "quantity",
        "Verfall": "expiry",
        "Artikel": "product",
        "Charge": "lot",
    }
    assert "as you chose last time" in again.columns_intro.text()


def test_an_ambiguous_date_asks_for_the_order(
    qtbot: QtBot, ctx: Any, dialog: SheetImportDialog, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "lots.csv",
        [
            ["Product", "Lot", "Expiry", "Qty"],
            [PRODUCT, "AM-1", "25/12/2027", "3"],
            [PRODUCT, "AM-2", "03/04/2028", "3"],
        ],
    )
    open_sheet(qtbot, dialog, path)
    check(qtbot, dialog, DATES)
    assert "Row 3, column C (Expiry)" in dialog.dates_intro.text()
    assert "3 April 2028" in dialog.day_first.text()
    assert "4 March 2028" in dialog.month_first.text()
    assert not dialog.next_button.isEnabled()  # until an order is chosen
    save_shot(dialog, "sheet-import-dates", tmp_path)
    dialog.day_first.setChecked(True)
    check(qtbot, dialog)
    assert dialog.preview is not None and dialog.preview.ready
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.page == DONE, timeout=WAIT)
    with ctx.db.read() as session:
        lines = stock_lines(session, StockFilter(include_empty=True, search="AM-2"))
    assert [line.expiry for line in lines] == [dt.date(2028, 4, 3)]


def test_the_preview_marks_a_bad_row_and_nothing_is_written(
    qtbot: QtBot, ctx: Any, dialog: SheetImportDialog, tmp_path: Path
) -> None:
    before = lots(ctx)
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            HEADER,
            [PRODUCT, "BAD-1", dt.date(2027, 6, 30), None, 2, None, None],
            [PRODUCT, "BAD-2", "2027-02-30", None, "many", None, None],
            [PRODUCT, "BAD-3", dt.date(2027, 8, 31), None, 1, None, None],
        ],
    )
    open_sheet(qtbot, dialog, path)
    check(qtbot, dialog)
    model = dialog.preview_model
    assert model.rowCount() == 3
    assert model.headerData(1, dialog_module.Qt.Orientation.Vertical, 0) == "3"
    assert model.bad_rows() == {1}
    expiry = model.index(1, 2)
    assert "not a day of the calendar" in model.data(
        expiry, dialog_module.Qt.ItemDataRole.ToolTipRole
    )
    assert model.data(expiry, dialog_module.Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(0, 2), dialog_module.Qt.ItemDataRole.BackgroundRole) is None
    problems = [dialog.problem_list.item(i).text() for i in range(dialog.problem_list.count())]
    assert problems[:2] == [
        "row 3, column C (Use by): 2027-02-30 is not a day of the calendar "
        "(February 2027 has 28 days)",
        'row 3, column E (Qty): "many" is not a whole number',
    ]
    assert "2 problem(s)" in dialog.preview_summary.text()
    assert not dialog.import_button.isEnabled()
    save_shot(dialog, "sheet-import-preview-problems", tmp_path)

    assert lots(ctx) == before  # the check is a dry run

    dialog.import_now()  # all or nothing, even when asked anyway
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    assert dialog.page == PREVIEW
    assert dialog.error.text().startswith("Nothing was imported:\nrow 3, column C (Use by)")
    assert lots(ctx) == before  # not BAD-1 nor BAD-3 either


def test_a_sheet_that_went_bad_after_the_preview_writes_nothing(
    qtbot: QtBot, ctx: Any, dialog: SheetImportDialog, tmp_path: Path
) -> None:
    before = lots(ctx)
    path = good_sheet(tmp_path)
    open_sheet(qtbot, dialog, path)
    check(qtbot, dialog)
    assert dialog.import_button.isEnabled()
    write_xlsx(
        path,
        [
            HEADER,
            [PRODUCT, "XL-1", dt.date(2027, 6, 30), None, 2, "Sheet fridge", None],
            [PRODUCT, "XL-2", "soon", None, 2, None, None],
        ],
    )
    dialog.import_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    assert dialog.page == PREVIEW, dialog.added
    assert dialog.error.text().startswith("Nothing was imported:\nrow 3, column C (Use by)")
    assert lots(ctx) == before  # not even the good first row
    dialog.recheck_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    assert dialog.preview_model.bad_rows() == {1} and not dialog.import_button.isEnabled()


def test_a_workbook_offers_its_sheets(
    qtbot: QtBot, ctx: Any, dialog: SheetImportDialog, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "two.xlsx",
        [["Notes about this workbook"]],
        title="Read me",
        sheets={
            "Lots": [
                ["Lot", "Product", "Expiry", "Qty"],
                ["WB-1", PRODUCT, dt.date(2028, 1, 31), 3],
            ]
        },
    )
    dialog.set_file(path)
    assert dialog.sheet_combo.isEnabled()
    assert [dialog.sheet_combo.itemText(i) for i in range(dialog.sheet_combo.count())] == [
        "Read me",
        "Lots",
    ]
    dialog.sheet_combo.setCurrentIndex(1)
    dialog.set_kind("lots")
    dialog.next_button.click()
    qtbot.waitUntil(lambda: dialog.page == COLUMNS, timeout=WAIT)
    assert "Row 1 of Lots" in dialog.columns_intro.text()
    check(qtbot, dialog)
    assert dialog.preview is not None and dialog.preview.ready


def test_a_user_who_may_not_import_is_not_offered_it(
    qtbot: QtBot, ctx: Any, tmp_path: Path
) -> None:
    from exodesk.models.enums import Role
    from exodesk.ui.shell.actions import ActionId
    from exodesk.ui.shell.main_window import MainWindow

    ctx.role = Role.PRACTITIONER
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert not window.actions_by_id[ActionId.IMPORT_SHEET].isEnabled()
    assert window.import_sheet() is None


def test_the_dialog_fits_a_small_screen(dialog: SheetImportDialog) -> None:
    need = dialog.minimumSizeHint()
    assert need.width() <= 1024 and need.height() + 32 <= 768 - 48, need
    assert dialog.sizeHint().width() <= 1024


def test_a_good_sheet_is_imported_and_what_was_added_is_shown(
    qtbot: QtBot, ctx: Any, dialog: SheetImportDialog, tmp_path: Path
) -> None:
    announced: list[Any] = []
    ctx.bus.changed.connect(announced.append)
    open_sheet(qtbot, dialog, good_sheet(tmp_path))
    check(qtbot, dialog)
    assert dialog.preview is not None and dialog.preview.ready
    assert "All 2 row(s) are right. Importing adds <b>2 lots and 1 new location(s)</b>" in (
        dialog.preview_summary.text()
    )
    assert dialog.import_button.isEnabled()
    assert lots(ctx) >= set() and (PRODUCT, "XL-1") not in lots(ctx)  # a dry run wrote nothing
    save_shot(dialog, "sheet-import-preview", tmp_path)
    dialog.import_button.click()
    assert dialog.busy and dialog.progress.isVisible()  # the worker runs; the window is live
    qtbot.waitUntil(lambda: dialog.page == DONE, timeout=WAIT)
    assert {(PRODUCT, "XL-1"), (PRODUCT, "XL-2")} <= lots(ctx)
    assert "is imported: 2 lots and 1 new location(s)." in dialog.done_summary.text()
    added = [dialog.added_list.item(i).text() for i in range(dialog.added_list.count())]
    assert f"Added lot XL-1 of {PRODUCT} (row 4)" in added
    assert "Added location Sheet fridge (row 4)" in added
    assert announced
    save_shot(dialog, "sheet-import-done", tmp_path)


def test_the_window_offers_the_import_to_admins(qtbot: QtBot, ctx: Any) -> None:
    from exodesk.ui.shell.actions import ActionId
    from exodesk.ui.shell.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    action = window.actions_by_id[ActionId.IMPORT_SHEET]
    file_menu = window.menuBar().actions()[0].menu()
    assert action in file_menu.actions()
    assert action.isEnabled()
    opened = window.import_sheet()
    assert isinstance(opened, SheetImportDialog) and opened.isVisible()
    assert not opened.isModal()
    opened.close()


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen has no stacking
def test_the_window_keeps_one_import_dialog(qtbot: QtBot, ctx: Any) -> None:
    from exodesk.ui.shell.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    first = window.import_sheet()
    assert window.import_sheet() is first  # still open: brought forward
    assert first is not None
    first.close()
    second = window.import_sheet()
    assert second is not None and second is not first and second.page == 0
    second.close()


def test_the_check_says_what_it_is_doing(ctx: Any, tmp_path: Path) -> None:
    from exodesk.services.sheets.importing import SheetOptions
    from exodesk.services.sheets.preview import preview_sheet

    steps: list[str] = []
    path = good_sheet(tmp_path)
    with ctx.db.write() as session:
        preview = preview_sheet(
            session, path, SheetOptions("lots"), user=ctx.user, step=steps.append
        )
    assert preview.ready and [r.number for r in preview.rows] == [4, 5]
    assert preview.rows[1].cells[2] == "2027-06-30"  # a serial date shown as its day
    assert steps == [
        "Reading deliveries.xlsx…",
        "Checking 2 row(s)…",
        "Trying the import of 2 record(s) (nothing is written)…",
    ]
    assert (PRODUCT, "XL-1") not in lots(ctx)

"""ExoDesk on a 1024×768 reception PC: the main window's minimum width is at most 1,000
pixels, every dialog fits the screen less a taskbar, saved geometry from a larger screen is
pulled back onto a smaller one (the status bar stays on screen), and screenshots at 1024×768,
1280×800 and 1920×1080, light and dark."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QByteArray, QRect, QSettings
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.models.enums import LotStatus
from exodesk.services.counts import counts
from exodesk.services.stock.lots import LotLine
from exodesk.ui.catalogue.document_dialog import DocumentDialog, StatusDialog
from exodesk.ui.catalogue.products_view import ProductsView
from exodesk.ui.counts.count_rows import FoundLot
from exodesk.ui.counts.counts_view import CloseCountDialog, StartCountDialog
from exodesk.ui.counts.found_lot_dialog import FoundLotDialog
from exodesk.ui.shell.main_window import MainWindow
from exodesk.ui.stock.lot_dialogs import LotStatusDialog, TransferDialog, WasteDialog
from exodesk.ui.stock.receive_dialog import ReceiveDialog
from exodesk.ui.treatments.treatment_dialog import TreatmentDialog

SMALL = (1024, 768)
TASKBAR = 48  # a Windows taskbar; dialogs must fit what is left
TITLE_BAR = 32
SIZES = ((1024, 768), (1280, 800), (1920, 1080))
MAX_MIN_WIDTH = 1000
CELVIA = "Celvia MSC-Exo Lyo 50"
LINE = LotLine(0, CELVIA, "CV-1170A", dt.date(2027, 5, 31), "Fridge A", LotStatus.RELEASED, 12)


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.WindowText, "#e8e8e8"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.AlternateBase, "#2a2a2a"),
        (QPalette.ColorRole.Text, "#e8e8e8"),
        (QPalette.ColorRole.Button, "#3a3a3a"),
        (QPalette.ColorRole.ButtonText, "#e8e8e8"),
        (QPalette.ColorRole.Highlight, "#3d6fb6"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.ToolTipBase, "#3a3a3a"),
        (QPalette.ColorRole.ToolTipText, "#e8e8e8"),
        (QPalette.ColorRole.PlaceholderText, "#9a9a9a"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


@pytest.fixture(params=["light", "dark"])
def theme(request: pytest.FixtureRequest) -> Iterator[str]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette()
    if request.param == "dark":
        app.setPalette(dark_palette())
    yield str(request.param)
    app.setPalette(before)


@pytest.fixture
def window(qtbot: QtBot, ctx: Any) -> MainWindow:
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    return win


def test_the_main_window_is_at_most_1000_pixels_wide_at_its_smallest(
    qtbot: QtBot, window: MainWindow, ctx: Any
) -> None:
    window.show()
    qtbot.waitExposed(window)
    widths = {}
    for name in window.views:
        window.show_view(name)
        QApplication.processEvents()
        widths[name] = window.minimumSizeHint().width()
    assert max(widths.values()) <= MAX_MIN_WIDTH, widths
    # a long database path or clinic name gives way instead of widening the window
    window.database_label.setText("Database: " + "/very/long/folder" * 20 + "/clinic.sqlite")
    window.clinic_label.setText("A clinic with a very long name indeed " * 5)
    QApplication.processEvents()
    assert window.minimumSizeHint().width() <= MAX_MIN_WIDTH


def test_a_count_being_counted_keeps_the_window_narrow(
    qtbot: QtBot, window: MainWindow, ctx: Any
) -> None:
    with ctx.db.write() as session:
        counts.start_count(session, location=None, today=ctx.today(), user=None)
    window.show()
    window.show_view("Counts")
    window.counts_view.reload()
    window.counts_view.table.selectRow(0)
    QApplication.processEvents()
    assert window.counts_view.counting is not None
    assert window.minimumSizeHint().width() <= MAX_MIN_WIDTH


def test_saved_geometry_from_a_big_screen_is_pulled_onto_the_screen(qtbot: QtBot, ctx: Any) -> None:
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    available = screen.availableGeometry()
    big = MainWindow(ctx)
    qtbot.addWidget(big)
    big.setGeometry(QRect(available.right() - 200, available.bottom() - 100, 2600, 1500))
    QSettings().setValue("window/geometry", big.saveGeometry())
    big.close()

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    frame = window.frameGeometry()
    assert available.contains(window.geometry()), (window.geometry(), available)
    assert frame.bottom() <= available.bottom() and frame.right() <= available.right()


def test_the_first_start_fits_a_small_screen(qtbot: QtBot, ctx: Any) -> None:
    QSettings().setValue("window/geometry", QByteArray())
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    screen = window.screen()
    assert screen is not None
    assert screen.availableGeometry().contains(window.geometry())


def _dialogs(ctx: Any) -> dict[str, Callable[[QWidget], QDialog]]:
    with ctx.db.write() as session:
        count_id = counts.start_count(session, location="Fridge A", today=ctx.today(), user=None)
    with ctx.db.read() as session:
        from exodesk.services.catalogue.documents import list_documents

        document = list_documents(session, ctx.today())[0]
    found = FoundLot(CELVIA, "NEW-1", None, "Fridge A", 1)
    return {
        "receive": lambda p: ReceiveDialog(ctx, p),
        "treatment": lambda p: TreatmentDialog(ctx, p),
        "document": lambda p: DocumentDialog(ctx, p),
        "document_status": lambda p: StatusDialog(ctx, document, p),
        "lot_status": lambda p: LotStatusDialog(ctx, LINE, p),
        "waste": lambda p: WasteDialog(ctx, LINE, p),
        "transfer": lambda p: TransferDialog(ctx, LINE, ["Fridge A", "Fridge B"], p),
        "start_count": lambda p: StartCountDialog(ctx, p),
        "close_count": lambda p: CloseCountDialog(ctx, count_id, p),
        "found_lot": lambda p: FoundLotDialog(
            found,
            products=[CELVIA],
            locations=["Fridge A"],
            lot_choices=lambda _product: [],
            product_fixed=False,
            ask_expiry=True,
            save=lambda _lot: None,
            parent=p,
        ),
    }


def test_every_dialog_fits_1024_by_768_less_a_taskbar(
    qtbot: QtBot, window: MainWindow, ctx: Any, tmp_path: Path, theme: str
) -> None:
    window.resize(*SMALL)
    window.show()
    for name, make in _dialogs(ctx).items():
        dialog = make(window)
        qtbot.addWidget(dialog)
        dialog.show()
        QApplication.processEvents()
        for size in (
            dialog.minimumSizeHint(),
            dialog.minimumSize(),
            dialog.sizeHint(),
            dialog.size(),  # as it opens, with room for its title bar
        ):
            assert size.width() <= SMALL[0], (name, size)
            assert size.height() + TITLE_BAR <= SMALL[1] - TASKBAR, (name, size)
        save_shot(dialog, f"small_screen_dialog_{name}_{theme}", tmp_path)
        dialog.close()


def test_the_product_editor_is_not_clipped_at_1280_by_800(
    qtbot: QtBot, ctx: Any, tmp_path: Path
) -> None:
    view = ProductsView(ctx)
    qtbot.addWidget(view)
    view.resize(1280 - 190, 800 - 120)  # the window less navigation, menus, toolbar, status
    view.show()
    qtbot.waitExposed(view)
    view.select(CELVIA)
    QApplication.processEvents()
    editor = view.editor
    assert editor.save_button.isVisible()
    assert editor.rect().contains(editor.save_button.geometry().bottomRight())
    # every field can be reached: the fields scroll rather than being cut off
    editor.fields_scroll.ensureWidgetVisible(editor.reorder_level)
    QApplication.processEvents()
    assert editor.reorder_level.visibleRegion().boundingRect().height() > 0
    save_shot(view, "small_screen_products_1280x800", tmp_path)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_window_screenshots(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, size: tuple[int, int], theme: str
) -> None:
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    for name in ("Dashboard", "Stock", "Products", "Documents", "Audit", "Counts"):
        window.show_view(name)
        if name == "Dashboard":
            qtbot.waitUntil(lambda: window.dashboard.data is not None, timeout=30_000)
        QApplication.processEvents()
        assert window.statusBar().isVisible()
        save_shot(window, f"main_{name.lower()}_{size[0]}x{size[1]}_{theme}", tmp_path)

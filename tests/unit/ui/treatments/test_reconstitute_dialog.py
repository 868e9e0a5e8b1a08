"""Reconstituting a vial in the window, on the demo clinic: only products with a window,
lots first expiry first out, who and when by default, the vial recorded and its label
offered."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from background_loads import loaded
from conftest import DEMO_TODAY
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.services.stock.vials import open_vials
from exodesk.ui.shell.context import AppContext
from exodesk.ui.treatments import reconstitute_dialog, vial_choice
from exodesk.ui.treatments.reconstitute_dialog import ReconstituteDialog
from exodesk.ui.treatments.treatments_view import TreatmentsView

CELVIA = "Celvia MSC-Exo Lyo 50"
NOW = dt.datetime.combine(DEMO_TODAY, dt.time(9, 30))


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vial_choice, "local_now", lambda: NOW)


def dialog_for(qtbot: QtBot, ctx: AppContext, product: str | None = None) -> ReconstituteDialog:
    dialog = ReconstituteDialog(ctx, product=product)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def items(dialog: ReconstituteDialog) -> list[str]:
    return [dialog.product.itemText(i) for i in range(dialog.product.count())]


def test_only_products_with_a_window_lots_first_expiry_first(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    dialog = dialog_for(qtbot, ctx, CELVIA)
    assert items(dialog) == [
        "AutoPlate Exo PRP Lyo",
        CELVIA,
        "Lumenor Exo Booster",
        "PlaceLux Exo Lyo",
    ]
    lots = [dialog.lot.itemData(i) for i in range(dialog.lot.count())]
    expiries = [dialog.lot.itemText(i).split(" — ")[1] for i in range(dialog.lot.count())]
    assert lots and expiries == sorted(expiries)
    assert "CV-1170A" not in lots  # expired
    assert dialog.by.text() == "tester"
    assert dialog.when() == NOW
    assert "until 2026-11-23 09:30" in dialog.window_note.text()
    dialog.resize(640, dialog.height())
    path = save_shot(dialog, "reconstitute_dialog", tmp_path)
    assert path.is_file()


def test_reconstituting_records_the_vial_and_offers_its_label(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed: list[object] = []
    monkeypatch.setattr(
        reconstitute_dialog, "print_vial_label", lambda _parent, label: printed.append(label)
    )
    dialog = dialog_for(qtbot, ctx, CELVIA)
    monkeypatch.setattr(dialog, "ask_print", lambda _row: True)
    first_lot = dialog.lot.currentData()
    dialog.by.setText("AH")
    dialog.time.set_time(dt.time(9, 5))
    with qtbot.waitSignal(ctx.bus.changed):
        dialog.save_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.opened is not None
    with ctx.db.read() as session:
        (row,) = open_vials(session)
    assert (row.product, row.lot, row.reconstituted_by) == (CELVIA, first_lot, "AH")
    assert row.reconstituted_at == NOW.replace(minute=5)
    [label] = printed
    assert label.lot == first_lot and label.opened_by == "AH"  # type: ignore[attr-defined]


def test_a_time_in_the_future_is_refused_on_the_error_line(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = dialog_for(qtbot, ctx, CELVIA)
    dialog.time.set_time(dt.time(11, 0))
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.opened is None
    assert "in the future" in dialog.error.text()


def test_no_product_named_has_none_chosen(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = dialog_for(qtbot, ctx)
    assert dialog.product.currentIndex() == -1
    assert not dialog.save_button.isEnabled()


def test_the_treatments_view_offers_it_on_the_selected_treatments_product(
    qtbot: QtBot, ctx: AppContext
) -> None:
    view = TreatmentsView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.select("T-0207")  # a Celvia treatment of the demo
    loaded(qtbot, view)
    view.reconstitute_button.click()
    dialog = view.child
    assert isinstance(dialog, ReconstituteDialog)
    assert dialog.product.currentText() == CELVIA
    dialog.done(0)

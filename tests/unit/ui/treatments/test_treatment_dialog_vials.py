"""The treatment dialog's time and vial fields on the demo clinic: the time (now, one Tab),
the product's open vials first (choosing one fills the lot and when it was reconstituted, and
saving closes it), "Reconstituted at" typed for a vial opened without ExoDesk, and a vial past
its window blocking live."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from background_loads import loaded
from conftest import DEMO_TODAY
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QFormLayout
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.demo.vials import PRODUCT, open_demo_vials
from exodesk.services.stock.vials import VialRow, open_vials, reconstitute_vial
from exodesk.services.treatments.cards import treatment_card
from exodesk.services.treatments.recording import lots_for_treatment
from exodesk.ui.shell.context import AppContext
from exodesk.ui.treatments import vial_choice
from exodesk.ui.treatments.reconstitute_dialog import ReconstituteDialog
from exodesk.ui.treatments.treatment_card import TreatmentCardDialog
from exodesk.ui.treatments.treatment_dialog import TreatmentDialog
from exodesk.ui.treatments.treatments_view import TreatmentsView
from exodesk.ui.treatments.vial_fields import NONE

NOW = dt.datetime.combine(DEMO_TODAY, dt.time(14, 20))
VERDA = "Verda Centella Exosome Cream"
CELVIA = "Celvia MSC-Exo Lyo 50"
WINDOW = "used_after_reconstitution_window"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vial_choice, "local_now", lambda: NOW)


@pytest.fixture
def vials(ctx: AppContext) -> list[str]:
    with ctx.db.write() as session:
        return [v.ref for v in open_demo_vials(session, NOW)]


@pytest.fixture
def celvia(ctx: AppContext) -> VialRow:
    """A Celvia vial (a 24-hour window) of its first lot, opened an hour ago."""
    with ctx.db.write() as session:
        lot = lots_for_treatment(session, CELVIA, DEMO_TODAY)[0].lot
        return reconstitute_vial(
            session, CELVIA, lot, at=NOW - dt.timedelta(hours=1), by="AH", user=None, now=NOW
        )


def open_dialog(
    qtbot: QtBot, ctx: AppContext, product: str | None = None, vial: str | None = None
) -> TreatmentDialog:
    dialog = TreatmentDialog(ctx, product=product, vial=vial)
    qtbot.addWidget(dialog, before_close_func=lambda d: d.done(QDialog.DialogCode.Rejected))
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def rules(dialog: TreatmentDialog) -> list[str]:
    return [f.rule for f in dialog.blocks()]


def test_the_time_is_now_and_one_tab_leaves_it(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = open_dialog(qtbot, ctx, VERDA)
    assert dialog.time.value() == dt.time(14, 20)
    assert dialog.draft().time == dt.time(14, 20)
    assert not dialog.vials_box.vial.isVisible()  # Verda has no window: no vial fields
    assert not dialog.vials_box.known.isVisible()
    dialog.time.setFocus()
    qtbot.keyClick(dialog.time, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.product


def test_the_products_open_vials_come_first_the_first_usable_chosen(
    qtbot: QtBot, ctx: AppContext, vials: list[str], tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, ctx, PRODUCT)
    combo = dialog.vials_box.vial
    assert [combo.itemData(i) for i in range(combo.count())] == [*vials, NONE]
    assert combo.itemText(combo.count() - 1) == "Not from an open vial"
    assert dialog.vials_box.chosen() == vials[1]  # the first whose window has not passed
    assert "30 min left" in combo.currentText()
    draft = dialog.draft()
    assert draft.vial == vials[1]
    assert draft.reconstituted == NOW - dt.timedelta(hours=3, minutes=30)
    assert draft.lot == dialog.lot.currentData()
    assert not dialog.vials_box.day.isEnabled()  # the vial's own time
    assert WINDOW not in rules(dialog)
    dialog.patient.setText("P-9100")
    dialog.resize(1024 - 40, 768 - 60)
    save_shot(dialog, "treatment_dialog_vial", tmp_path)


def test_a_vial_past_its_window_blocks_live_and_is_overridden(
    qtbot: QtBot, ctx: AppContext, vials: list[str], tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, ctx, PRODUCT)
    combo = dialog.vials_box.vial
    combo.setCurrentIndex(combo.findData(vials[0]))
    assert WINDOW in rules(dialog)
    assert any("reconstituted at 2026-11-22 09:20" in f.message for f in dialog.blocks())
    save_shot(dialog, "treatment_dialog_vial_blocked", tmp_path)
    combo.setCurrentIndex(combo.findData(vials[2]))
    assert WINDOW not in rules(dialog)


def test_saving_with_a_vial_closes_it_and_keeps_the_times(
    qtbot: QtBot, ctx: AppContext, vials: list[str], celvia: VialRow
) -> None:
    dialog = open_dialog(qtbot, ctx, vial=celvia.ref)
    assert dialog.product.currentText() == CELVIA
    assert dialog.vials_box.chosen() == celvia.ref
    assert dialog.draft().lot == celvia.lot
    dialog.patient.setText("P-9101")
    dialog.practitioner.setCurrentText("Dr Amelia Hart")
    with qtbot.waitSignal(ctx.bus.changed, timeout=30_000):
        dialog.save_button.click()
    assert dialog.recorded is not None, dialog.error.text()
    with ctx.db.read() as session:
        still_open = [v.ref for v in open_vials(session)]
        card = treatment_card(session, dialog.recorded.ref, DEMO_TODAY)
    assert still_open == vials  # the demo's AutoPlate vials stay open
    assert (card.time, card.reconstituted, card.lot) == (
        dt.time(14, 20),
        NOW - dt.timedelta(hours=1),
        celvia.lot,
    )


def test_a_vial_opened_without_exodesk_takes_a_typed_time(
    qtbot: QtBot, ctx: AppContext, vials: list[str]
) -> None:
    dialog = open_dialog(qtbot, ctx, PRODUCT)
    box = dialog.vials_box
    box.vial.setCurrentIndex(box.vial.findData(NONE))
    assert box.chosen() is None and box.known.isEnabled() and not box.known.isChecked()
    assert dialog.draft().reconstituted is None
    box.known.setChecked(True)
    assert box.day.isEnabled() and box.time.isEnabled()
    box.time.set_time(dt.time(9, 0))  # 5 h 20 min before: past the 4-hour window
    assert dialog.draft().reconstituted == NOW.replace(hour=9, minute=0)
    assert WINDOW in rules(dialog)
    box.time.set_time(dt.time(10, 20))  # exactly at the limit
    assert WINDOW not in rules(dialog)


def test_another_lot_than_the_vials_drops_the_vial(
    qtbot: QtBot, ctx: AppContext, celvia: VialRow
) -> None:
    dialog = open_dialog(qtbot, ctx, CELVIA)
    box = dialog.vials_box
    assert box.chosen() == celvia.ref
    other = next(
        i for i in range(dialog.lot.count()) if dialog.lot.itemData(i) != dialog.draft().lot
    )
    dialog.lot.setCurrentIndex(other)
    assert box.chosen() is None and dialog.draft().vial is None
    assert dialog.draft().reconstituted is None


def test_the_list_and_the_card_show_the_time_and_the_vial(
    qtbot: QtBot, ctx: AppContext, celvia: VialRow
) -> None:
    dialog = open_dialog(qtbot, ctx, vial=celvia.ref)
    dialog.patient.setText("P-9102")
    dialog.practitioner.setCurrentText("Dr Amelia Hart")
    with qtbot.waitSignal(ctx.bus.changed, timeout=30_000):
        dialog.save_button.click()
    assert dialog.recorded is not None
    ref = dialog.recorded.ref
    view = TreatmentsView(ctx)
    qtbot.addWidget(view)
    view.select(ref)
    loaded(qtbot, view)
    model = view.model
    row = model.row_of(ref)
    assert row is not None
    assert model.headerData(model.COL_TIME, Qt.Orientation.Horizontal) == "Time"
    assert model.index(row, model.COL_TIME).data() == "14:20"
    tip = model.index(row, model.COL_TIME).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == (
        f"{ref}: its vial was reconstituted at 2026-11-22 13:20, 1 h before it was given at 14:20."
    )
    assert view.vial_line.text() == tip
    card = TreatmentCardDialog(ctx, ref)
    qtbot.addWidget(card)
    shown = [
        card.form.itemAt(i, QFormLayout.ItemRole.FieldRole).widget().text()  # type: ignore[union-attr]
        for i in range(card.form.rowCount())
    ]
    assert "14:20" in shown and "2026-11-22 13:20" in shown

    corrected = TreatmentDialog(ctx, correcting=ref)  # a correction keeps both times
    qtbot.addWidget(corrected, before_close_func=lambda d: d.done(QDialog.DialogCode.Rejected))
    draft = corrected.draft()
    assert (draft.time, draft.reconstituted, draft.vial) == (
        dt.time(14, 20),
        NOW - dt.timedelta(hours=1),
        None,
    )


@pytest.mark.parametrize("product", [PRODUCT, CELVIA])
def test_the_dialogs_fit_1024_by_768_less_a_taskbar(
    qtbot: QtBot, ctx: AppContext, vials: list[str], product: str
) -> None:
    for dialog in (open_dialog(qtbot, ctx, product), ReconstituteDialog(ctx, product=product)):
        qtbot.addWidget(dialog)
        dialog.show()
        QApplication.processEvents()
        for size in (dialog.minimumSizeHint(), dialog.size()):  # as it opens
            assert size.width() <= 1024 and size.height() + 32 <= 768 - 48, (dialog, size)

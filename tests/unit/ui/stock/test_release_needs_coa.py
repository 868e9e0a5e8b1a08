"""Issue 11: releasing a lot from quarantine in the window needs its certificate of analysis,
or an admin's written reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.models.enums import LotStatus, Role
from exodesk.services.stock.lots import StockFilter, lot_lines, stock_ids
from exodesk.ui.stock.lot_dialogs import LotStatusDialog

CELVIA = "Celvia MSC-Exo Lyo 50"
REASON = "supplier emailed the CoA, paper copy follows by post"


def _line(ctx: Any, lot: str) -> Any:
    with ctx.db.read() as session:
        return lot_lines(session, stock_ids(session, StockFilter(search=lot)))[0]


def _open(qtbot: QtBot, ctx: Any) -> LotStatusDialog:
    dialog = LotStatusDialog(ctx, _line(ctx, "CV-6233B"))  # in quarantine, awaiting its CoA
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.status.setCurrentIndex(dialog.status.findData(LotStatus.RELEASED))
    return dialog


def test_no_release_without_a_coa_unless_an_admin_says_why(
    qtbot: QtBot, ctx: Any, tmp_path: Path
) -> None:
    dialog = _open(qtbot, ctx)
    assert dialog.coa_note.isVisible() and dialog.without_coa.isVisible()
    assert "No certificate of analysis on file" in dialog.coa_note.text()
    qtbot.keyClicks(dialog.reason, "looks fine")
    dialog.buttons.accepted.emit()
    assert dialog.isVisible() and "no certificate of analysis" in dialog.error.text()
    save_shot(dialog, "lot_release_needs_coa", tmp_path)

    dialog.without_coa.setChecked(True)  # no accounts: whoever runs ExoDesk may
    dialog.buttons.accepted.emit()
    assert "at least 15 characters and three words" in dialog.error.text()
    dialog.reason.setPlainText(REASON)
    with qtbot.waitSignal(ctx.bus.changed, timeout=30_000):
        dialog.buttons.accepted.emit()
    assert _line(ctx, "CV-6233B").status is LotStatus.RELEASED


def test_only_an_admin_may_release_without_a_coa(qtbot: QtBot, ctx: Any) -> None:
    ctx.role = Role.STOCK_MANAGER
    dialog = _open(qtbot, ctx)
    assert dialog.without_coa.isVisible() and not dialog.without_coa.isEnabled()
    dialog.status.setCurrentIndex(dialog.status.findData(LotStatus.ON_HOLD))
    assert not dialog.coa_note.isVisible()  # holding needs no CoA

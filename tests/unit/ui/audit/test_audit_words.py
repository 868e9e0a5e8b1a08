"""The audit view reads in words: "Status: Released → Quarantine", a created record's fields
one per line with the vocabulary's labels, never raw JSON."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from exodesk.models.enums import LotStatus
from exodesk.services.stock.lots import change_lot_status
from exodesk.ui.audit.audit_view import AuditTableModel, AuditView

CELVIA, LOT = "Celvia MSC-Exo Lyo 50", "CV-5118C"


def _view(qtbot: QtBot, ctx: Any) -> AuditView:
    view = AuditView(ctx)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    view.reload()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=30_000)
    return view


def test_a_status_change_reads_field_old_arrow_new(qtbot: QtBot, ctx: Any) -> None:
    with ctx.db.write() as session:
        change_lot_status(
            session, CELVIA, LOT, LotStatus.QUARANTINE, reason="recall", on=ctx.today(), user="t"
        )
    view = _view(qtbot, ctx)
    row = next(
        i
        for i in range(view.model.rowCount())
        if view.model.row(i).field == "status" and view.model.row(i).record == "lot"
    )
    view.table.selectRow(row)
    text = view.detail.toPlainText()
    assert "Status: Released → Quarantine" in text, text
    assert '"' not in text.split("Reason:")[1]
    model = view.model
    assert model.index(row, AuditTableModel.COL_OLD).data() == "Released"
    assert model.index(row, AuditTableModel.COL_NEW).data() == "Quarantine"


def test_a_created_record_lists_its_fields_in_words(qtbot: QtBot, ctx: Any) -> None:
    view = _view(qtbot, ctx)
    row = next(i for i in range(view.model.rowCount()) if view.model.row(i).record == "product")
    view.table.selectRow(row)
    text = view.detail.toPlainText()
    assert "{" not in text and "[" not in text, text
    assert "Class: " in text and "Intended routes: " in text
    assert "Periorbital approved: " in text and ("yes" in text or "no" in text)

"""The Dashboard at a clinic group's size: each list holds at most LISTED_AT_MOST rows and
ends with how many more there are, opening them all; after a write only the lots it touched
are read again, and a refresh (F5) reads every lot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from conftest import DEMO_TODAY
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from exodesk.models import Lot, LotStatus, Product, Severity
from exodesk.services.compliance import dashboard as board_service
from exodesk.services.compliance import dashboard_stock
from exodesk.services.stock import on_hand
from exodesk.services.treatments.recording import (
    TreatmentDraft,
    lots_for_treatment,
    record_treatment,
)
from exodesk.ui.compliance.dashboard_view import TARGET
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.main_window import MainWindow
from exodesk.ui.shell.operations import run_write
from exodesk.ui.stock.stock_view import StockQuery


def _window(qtbot: QtBot, ctx: Any) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.show_view("Dashboard")
    qtbot.waitUntil(lambda: window.dashboard.data is not None, timeout=30_000)
    return window


def _texts(widget: Any) -> list[str]:
    return [widget.item(i).text() for i in range(widget.count())]


def test_long_lists_end_with_how_many_more_and_open_them_all(
    qtbot: QtBot, ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(board_service, "LISTED_AT_MOST", 1)
    window = _window(qtbot, ctx)
    data = window.dashboard.data
    assert data is not None
    assert len(data.expiring) == 1 < data.expiring_total
    expiring = _texts(window.dashboard.expiring)
    assert len(expiring) == 2
    assert (
        expiring[-1]
        == f"… and {data.expiring_total - 1:,} more lots expiring: see them all in Stock"
    )
    blocks = data.counts[Severity.BLOCK]
    assert blocks > 1
    top = _texts(window.dashboard.top_flags)
    assert sum(t.startswith("BLOCK") for t in top) == 1
    assert f"… and {blocks - 1:,} more open blocks: see them all in Flags" in top

    board = window.dashboard
    board.expiring.itemActivated.emit(board.expiring.item(1))
    assert window.current_name() == "Stock"
    assert window.stock.expiring_only.isChecked()
    assert window.stock.status_filter.currentData() is None

    window.show_view("Dashboard")
    last = board.top_flags.item(board.top_flags.count() - 1)
    assert last.data(TARGET) == ("flags", Severity.BLOCK)
    board.top_flags.itemActivated.emit(last)
    assert window.current_name() == "Flags"
    assert window.flag_view.severity.currentData() == Severity.BLOCK


def test_the_stock_view_takes_a_query(qtbot: QtBot, ctx: Any) -> None:
    window = _window(qtbot, ctx)
    window.stock.search.setText("something")
    window.open_record("stock", StockQuery(status=LotStatus.QUARANTINE))
    stock = window.stock
    assert window.current_name() == "Stock"
    assert stock.search.text() == "" and not stock.expiring_only.isChecked()
    assert stock.status_filter.currentData() == LotStatus.QUARANTINE

    def statuses() -> set[LotStatus]:
        return {stock.model.line(r).status for r in range(stock.model.rowCount())}

    qtbot.waitUntil(lambda: statuses() == {LotStatus.QUARANTINE}, timeout=30_000)


def test_after_a_treatment_only_its_lot_is_read_again(
    qtbot: QtBot, ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[Sequence[int] | None] = []
    real = on_hand.stock_by_lot

    def spy(session: Any, lot_ids: Sequence[int] | None = None) -> Any:
        asked.append(None if lot_ids is None else list(lot_ids))
        return real(session, lot_ids)

    monkeypatch.setattr(dashboard_stock, "stock_by_lot", spy)
    window = _window(qtbot, ctx)
    assert asked == [None]  # the first time, every lot
    before = window.dashboard.data
    with ctx.db.read() as session:
        product = next(
            p
            for p in session.scalars(select(Product).order_by(Product.name))
            if p.intended_routes and lots_for_treatment(session, p.name, DEMO_TODAY)
        )
        lot = lots_for_treatment(session, product.name, DEMO_TODAY)[0]
        lot_id = session.scalars(
            select(Lot.id).where(Lot.code == lot.lot, Lot.product_id == product.id)
        ).one()
        name, route = product.name, product.intended_routes[0]
    draft = TreatmentDraft(DEMO_TODAY, name, lot.lot, "P-SCALE-1", "Dr Test", route, None, 1)
    run_write(
        ctx,
        lambda session: record_treatment(
            session,
            draft,
            today=DEMO_TODAY,
            user=ctx.user,
            override_reason="consultant reviewed, patient consented",
        ),
        Changes.TREATMENTS,
    )
    qtbot.waitUntil(lambda: window.dashboard.data is not before, timeout=30_000)
    assert asked == [None, [lot_id]]
    data = window.dashboard.data
    assert data is not None
    vials = {s.location: s.vials for s in data.by_location}
    assert sum(vials.values()) == sum(s.vials for s in before.by_location) - 1

    shown = window.dashboard.data
    window.refresh()  # F5: changes made elsewhere, so every lot again
    qtbot.waitUntil(lambda: window.dashboard.data is not shown, timeout=30_000)
    assert asked[-1] is None

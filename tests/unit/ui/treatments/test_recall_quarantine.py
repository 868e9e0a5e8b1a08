"""From Recall: the lot's on hand and status are shown, and "Quarantine what is left of this
lot" goes through the lot status service, for those whose role may adjust stock."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from exodesk.models.enums import LotStatus, Role
from exodesk.services.stock.listing import lot_standing
from exodesk.ui.treatments.recall_view import RecallView

CELVIA, LOT = "Celvia MSC-Exo Lyo 50", "CV-5118C"


def _view(qtbot: QtBot, ctx: Any) -> RecallView:
    view = RecallView(ctx)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    view.reload()
    view.show_lot(CELVIA, LOT)
    return view


def test_quarantine_what_is_left_of_a_recalled_lot(
    qtbot: QtBot, ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = _view(qtbot, ctx)
    with ctx.db.read() as session:
        before = lot_standing(session, CELVIA, LOT)
    assert before.status is LotStatus.RELEASED and before.on_hand > 0
    assert f"{before.on_hand} vial(s) on hand, released" in view.standing.text()
    assert view.quarantine_button.isEnabled()
    monkeypatch.setattr(
        QInputDialog, "getText", lambda *_a, **_k: ("Supplier field safety notice", True)
    )
    with qtbot.waitSignal(view.status_message) as said:
        view.quarantine_button.click()
    with ctx.db.read() as session:
        after = lot_standing(session, CELVIA, LOT)
    assert (after.status, after.on_hand) == (LotStatus.QUARANTINE, before.on_hand)
    assert "now in quarantine" in said.args[0]
    view.show_lot(CELVIA, LOT)
    assert "quarantine" in view.standing.text()
    assert not view.quarantine_button.isEnabled()  # already in quarantine


def test_quarantine_needs_a_role_that_adjusts_stock(qtbot: QtBot, ctx: Any) -> None:
    ctx.role = Role.AUDITOR
    view = _view(qtbot, ctx)
    assert not view.quarantine_button.isVisible()
    assert not view.quarantine(reason="trying anyway, as an auditor")
    with ctx.db.read() as session:
        assert lot_standing(session, CELVIA, LOT).status is LotStatus.RELEASED
    assert dataclasses.is_dataclass(view.lot_standing)

"""The product editor's reorder level (saved, shown, 0..1,000,000) and its refusals in plain
words (a markets error names what is wanted, not a regular expression)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from exodesk.services.catalogue.products import get_product
from exodesk.ui.catalogue.products_view import ProductsView

VERDA = "Verda Centella Exosome Cream"


def _view(qtbot: QtBot, ctx: Any) -> ProductsView:
    view = ProductsView(ctx)
    ctx.bus.changed.connect(view.reload)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    view.select(VERDA)
    QApplication.processEvents()
    return view


def test_the_reorder_level_is_edited_and_kept(qtbot: QtBot, ctx: Any) -> None:
    view = _view(qtbot, ctx)
    editor = view.editor
    assert editor.reorder_level.text() == "—"  # none set
    assert editor.reorder_level.maximum() == 1_000_000 and editor.reorder_level.minimum() == -1
    editor.reorder_level.setValue(6)
    assert editor.save()
    with ctx.db.read() as session:
        assert get_product(session, VERDA).reorder_level == 6
    editor.reorder_level.setValue(-1)
    assert editor.save()
    with ctx.db.read() as session:
        assert get_product(session, VERDA).reorder_level is None


def test_a_markets_error_is_in_plain_words(qtbot: QtBot, ctx: Any) -> None:
    view = _view(qtbot, ctx)
    editor = view.editor
    editor.markets.setText("UK, U1")
    editor._changed()
    assert not editor.save()
    shown = editor.error.text()
    assert "two-letter country code" in shown, shown
    assert "^" not in shown and "[A-Z]" not in shown

"""The Products view on the demo clinic, driven offscreen: edit a product and see its flags
change, see refusals naming the field, create and rename products."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from exodesk.cli import main
from exodesk.models import vocabulary
from exodesk.models.enums import RegulatoryClass, Severity
from exodesk.services.catalogue.products import flags_for_product, get_product, save_product
from exodesk.ui.catalogue.product_editor import ProductEditor
from exodesk.ui.catalogue.products_view import NAME_ROLE, ProductsView
from exodesk.ui.common.table_models import SORT_ROLE

ROSALIS = "Rosalis Callus Exosome Cream"
CELVIA = "Celvia MSC-Exo Lyo 50"


@pytest.fixture
def view(qtbot: QtBot, ctx: Any) -> ProductsView:
    widget = ProductsView(ctx)
    ctx.bus.changed.connect(widget.reload)  # as the main window does for the visible view
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    _settle(qtbot, widget)
    return widget


def _settle(qtbot: QtBot, view: ProductsView) -> None:
    """Wait until the catalogue and the shown product's flags are read (off the UI thread)."""
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)


def _shot(widget: QWidget, name: str, tmp_path: Path) -> None:
    shots = Path(os.environ.get("EXODESK_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(shots / name))


def _names(view: ProductsView) -> list[str]:
    return [view.proxy.index(r, 0).data(NAME_ROLE) for r in range(view.proxy.rowCount())]


def _choose(qtbot: QtBot, combo: Any, label: str) -> None:
    """Pick an entry of a combo box by keyboard, as a user would."""
    combo.setFocus()
    index = combo.findText(label)
    assert index >= 0, label
    while combo.currentIndex() != index:
        key = Qt.Key.Key_Down if combo.currentIndex() < index else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)


def _retype(qtbot: QtBot, edit: Any, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _stored(ctx: Any, name: str) -> Any:
    with ctx.db.read() as session:
        return get_product(session, name)


def test_view_lists_the_catalogue_and_shows_the_first_product(
    view: ProductsView, tmp_path: Path
) -> None:
    assert len(_names(view)) == 11
    assert _names(view) == sorted(_names(view))
    first = _names(view)[0]
    assert view.editor.heading.text() == first
    assert view.editor.name.text() == first
    assert view.flags.summary.text().startswith(first)
    _shot(view, "products_view.png", tmp_path)


def test_edit_a_product_and_see_its_flags_change(
    view: ProductsView, qtbot: QtBot, ctx: Any, tmp_path: Path
) -> None:
    view.select(ROSALIS)
    editor = view.editor
    assert editor.heading.text() == ROSALIS
    assert view.table.currentIndex().data(NAME_ROLE) == ROSALIS
    _settle(qtbot, view)
    assert "class_unknown" in view.flags.rules()
    assert "BLOCK" in view.flags.list.item(0).text()
    assert view.flags.list.item(0).text().count("Regulatory class not stated") == 1
    assert not editor.save_button.isEnabled() or editor.is_new is False
    _shot(view, "products_view_rosalis.png", tmp_path)

    _choose(qtbot, editor.regulatory_class, vocabulary.label(RegulatoryClass.COSMETIC))
    assert editor.is_dirty() and editor.save_button.isEnabled()
    assert "banned from cosmetics" in editor.class_needs.text()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    _settle(qtbot, view)

    assert editor.error.isHidden()
    assert editor.status.text() == "Saved."
    assert "class_unknown" not in view.flags.rules()
    assert "missing_ifu" in view.flags.rules()  # still no IFU on file
    assert _stored(ctx, ROSALIS).regulatory_class == "cosmetic"
    row = _names(view).index(ROSALIS)
    assert view.proxy.index(row, 3).data() == "Cosmetic"
    assert "block" not in view.proxy.index(row, 4).data()

    # the markets now include the clinic's: not_for_market goes too
    _retype(qtbot, editor.markets, "EU, UK")
    qtbot.keyClick(editor.markets, Qt.Key.Key_Return)
    _settle(qtbot, view)
    assert "not_for_market" not in view.flags.rules()
    assert _stored(ctx, ROSALIS).markets == ("EU", "UK")
    _shot(view, "products_view_after_edit.png", tmp_path)


def test_a_bad_gtin_is_shown_naming_the_field_and_nothing_is_saved(
    view: ProductsView, qtbot: QtBot, ctx: Any, tmp_path: Path
) -> None:
    view.select(CELVIA)
    editor = view.editor
    before = _stored(ctx, CELVIA)
    _retype(qtbot, editor.gtin, "08809531000120")  # wrong check digit
    qtbot.keyClick(editor.gtin, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert editor.error.isVisible()
    assert editor.error.text().startswith("Error: gtin: not a valid GTIN")
    assert editor.gtin.styleSheet() != ""  # the field is highlighted
    assert "not a valid GTIN" in editor.gtin.toolTip()
    assert editor.labels["gtin"].styleSheet() != ""
    assert editor.gtin.hasFocus()
    assert _stored(ctx, CELVIA) == before
    _shot(view, "products_view_error.png", tmp_path)

    qtbot.mouseClick(editor.revert_button, Qt.MouseButton.LeftButton)
    assert editor.gtin.text() == before.gtin
    assert editor.error.isHidden() and editor.gtin.styleSheet() == ""


def test_duplicate_name_is_refused_naming_the_field(
    view: ProductsView, qtbot: QtBot, ctx: Any
) -> None:
    view.select(ROSALIS)
    _retype(qtbot, view.editor.name, CELVIA)
    qtbot.mouseClick(view.editor.save_button, Qt.MouseButton.LeftButton)
    assert view.editor.error.text() == (
        f'Error: name: a product named "{CELVIA}" already exists; choose another name'
    )
    assert view.editor.name.styleSheet() != ""
    assert ROSALIS in _names(view)


def test_create_a_new_product_from_the_keyboard(
    view: ProductsView, qtbot: QtBot, ctx: Any, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    qtbot.mouseClick(view.new_button, Qt.MouseButton.LeftButton)
    editor = view.editor
    assert editor.is_new and editor.heading.text() == "New product"
    assert editor.name.hasFocus()
    assert "Save the new product" in view.flags.summary.text()
    qtbot.keyClicks(editor.name, "Exo Plant Mist")
    qtbot.keyClicks(editor.manufacturer, "Green Bio")
    qtbot.keyClicks(editor.gtin, "8801234567893")  # a GTIN-13, padded to 14 digits
    _choose(qtbot, editor.source_type, "Plant (plant stem cell, fruit)")
    _choose(qtbot, editor.form, "Liquid")
    _choose(qtbot, editor.regulatory_class, "Cosmetic")
    editor.routes["topical_post_procedure"].setFocus()
    qtbot.keyClick(editor.routes["topical_post_procedure"], Qt.Key.Key_Space)
    qtbot.keyClicks(editor.markets, "uk kr")
    editor.reconstitution.setFocus()
    qtbot.keyClick(editor.reconstitution, Qt.Key.Key_Up)
    qtbot.keyClick(editor.reconstitution, Qt.Key.Key_Up)
    assert editor.reconstitution.text() == "1 hours"
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    _settle(qtbot, view)

    assert editor.error.isHidden(), editor.error.text()
    assert editor.status.text() == "Created."
    assert view.table.currentIndex().data(NAME_ROLE) == "Exo Plant Mist"
    stored = _stored(ctx, "Exo Plant Mist")
    assert stored.gtin == "08801234567893"
    assert stored.markets == ("KR", "UK")
    assert stored.reconstitution_hours == 1
    assert stored.intended_routes == ("topical_post_procedure",)
    assert set(view.flags.rules()) == {"composition_undocumented", "missing_ifu"}

    assert main(["export", str(demo_db.with_name("out.json")), "--db", str(demo_db)]) == 0
    exported = json.loads(demo_db.with_name("out.json").read_text(encoding="utf-8"))
    assert any(p["name"] == "Exo Plant Mist" for p in exported["products"])


def test_rename_keeps_the_product_selected(view: ProductsView, qtbot: QtBot, ctx: Any) -> None:
    view.select(CELVIA)
    _retype(qtbot, view.editor.name, "Celvia Lyo 50")
    qtbot.mouseClick(view.editor.save_button, Qt.MouseButton.LeftButton)
    _settle(qtbot, view)
    assert view.editor.heading.text() == "Celvia Lyo 50"
    assert view.current_product() == "Celvia Lyo 50"
    assert view.table.currentIndex().data(NAME_ROLE) == "Celvia Lyo 50"
    assert CELVIA not in _names(view)
    assert "lot_expired_in_stock" in view.flags.rules()  # its lots came along


def test_filter_and_selecting_a_row_opens_the_product(view: ProductsView, qtbot: QtBot) -> None:
    view.focus_search()
    assert view.search.hasFocus()
    qtbot.keyClicks(view.search, "rosalis")
    assert _names(view) == [ROSALIS]
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    view.table.selectRow(0)
    assert view.editor.heading.text() == ROSALIS
    view.select(CELVIA)  # selecting a filtered-out product clears the filter
    assert view.search.text() == ""
    assert view.editor.heading.text() == CELVIA


def test_no_rows_left_behind_when_the_editor_is_dirty_and_data_changes(
    view: ProductsView, qtbot: QtBot, ctx: Any
) -> None:
    view.select(ROSALIS)
    _retype(qtbot, view.editor.manufacturer, "Maison Rosalis SARL")
    ctx.announce_change()  # another view saved something meanwhile
    _settle(qtbot, view)
    assert view.editor.manufacturer.text() == "Maison Rosalis SARL"  # edits kept
    assert view.editor.is_dirty()


def test_flag_column_sorts_by_severity(view: ProductsView) -> None:
    view.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)
    keys = [view.proxy.index(r, 4).data(SORT_ROLE) for r in range(view.proxy.rowCount())]
    assert keys == sorted(keys, reverse=True)


def test_product_editor_alone(qtbot: QtBot, ctx: Any) -> None:
    editor = ProductEditor(ctx)
    qtbot.addWidget(editor)
    assert editor.is_new and editor.reconstitution.text() == "—"
    assert editor.value().reconstitution_hours is None
    for field, label in editor.labels.items():
        assert label.buddy() is editor.widgets[field], field
        assert "&" in label.text(), field


def test_model_passes_the_model_tester(view: ProductsView, qtmodeltester: ModelTester) -> None:
    qtmodeltester.check(view.model)


def test_building_the_view_reads_nothing_until_it_is_shown(qtbot: QtBot, ctx: Any) -> None:
    widget = ProductsView(ctx)
    qtbot.addWidget(widget)
    assert widget.model.rowCount() == 0 and not widget.busy  # nothing queried in __init__
    widget.show()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 11, timeout=30_000)
    _settle(qtbot, widget)
    assert widget.count_label.text() == "11 product(s)"
    assert widget.flags.summary.text().startswith(_names(widget)[0])


def test_the_flag_counts_are_those_of_the_products_flags(view: ProductsView, ctx: Any) -> None:
    """Each row's counts (SQL) agree with the flags the panel lists for that product."""
    today = ctx.today()
    with ctx.db.read() as session:
        for row in range(view.model.rowCount()):
            record = view.model.row(row)
            flags = flags_for_product(session, record.name, today)
            blocks = sum(1 for f in flags if f.severity is Severity.BLOCK)
            warnings = sum(1 for f in flags if f.severity is Severity.WARN)
            assert (record.blocks, record.warnings) == (blocks, warnings), record.name
    assert any(view.model.row(r).blocks for r in range(view.model.rowCount()))


def test_a_reload_asked_while_one_runs_is_served_after_it(
    view: ProductsView, qtbot: QtBot, ctx: Any
) -> None:
    view.select(ROSALIS)
    _settle(qtbot, view)
    with ctx.db.write() as session:  # written elsewhere (another window, the command line)
        detail = get_product(session, CELVIA)
        save_product(
            session, replace(detail, name="Celvia Lyo 50"), original_name=CELVIA, user="tester"
        )
    view.reload()
    view.reload()  # while the first runs: served once it ends, not dropped
    assert view.count_label.text() == "Loading the catalogue…"
    _settle(qtbot, view)
    assert "Celvia Lyo 50" in _names(view) and CELVIA not in _names(view)
    assert view.current_product() == ROSALIS
    assert view.table.currentIndex().data(NAME_ROLE) == ROSALIS

"""The Documents view at scale, on the demo clinic: nothing is read when it is built, rows load
a page at a time, and the search and the sort are done in SQL with the meaning the view's
words give them (any column's text contains the typed text, ignoring case)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from exodesk.services.catalogue.documents import DocumentDetail, attach_file, list_documents
from exodesk.ui.catalogue.documents_view import KEY_ROLE, DocumentsView, DocumentTableModel
from exodesk.ui.common.table_models import _display

COL = DocumentTableModel
PAGE = 10  # small pages, so the demo clinic's documents fill several


@pytest.fixture
def view(qtbot: QtBot, ctx: Any) -> DocumentsView:
    widget = DocumentsView(ctx)
    widget.model.PAGE = PAGE
    ctx.bus.changed.connect(widget.reload)
    qtbot.addWidget(widget)
    widget.resize(1280, 400)
    widget.show()
    qtbot.waitExposed(widget)
    _settle(qtbot, widget)
    return widget


def _settle(qtbot: QtBot, view: DocumentsView) -> None:
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)


def _every_row(view: DocumentsView) -> list[DocumentDetail]:
    while view.model.canFetchMore():
        view.model.fetchMore()
    return [view.model.row(r) for r in range(view.model.rowCount())]


def _all(ctx: Any) -> list[DocumentDetail]:
    """Every document as the view words it, by kind and number (the stored order)."""
    with ctx.db.read() as session:
        return list_documents(session, ctx.today(), store=ctx.document_store)


def _texts(detail: DocumentDetail) -> list[str]:
    return [_display(column.value(detail)) for column in COL.columns]


def _search(view: DocumentsView, qtbot: QtBot, text: str) -> list[tuple[str, str]]:
    view.search.setText(text)
    _settle(qtbot, view)
    return [d.key for d in _every_row(view)]


def test_building_the_view_reads_nothing_until_it_is_shown(qtbot: QtBot, ctx: Any) -> None:
    widget = DocumentsView(ctx)
    qtbot.addWidget(widget)
    assert widget.model.rowCount() == 0 and widget.model.total == 0 and not widget.busy
    widget.show()
    qtbot.waitUntil(lambda: widget.model.rowCount() > 0, timeout=30_000)
    _settle(qtbot, widget)
    assert widget.model.total == len(_all(ctx))


def test_rows_load_a_page_at_a_time_and_the_total_counts_them_all(
    view: DocumentsView, ctx: Any
) -> None:
    total = len(_all(ctx))
    assert total > 4 * PAGE
    loaded = view.model.rowCount()
    assert loaded % PAGE == 0 and PAGE <= loaded < total  # the table's height, in pages
    assert view.model.total == total
    assert view.counts.text() == f"{total} of {total} documents shown"
    view.model.fetchMore()
    assert view.model.rowCount() == loaded + PAGE
    assert [d.key for d in _every_row(view)] == [d.key for d in _all(ctx)]
    assert not view.model.canFetchMore()


def test_selecting_a_document_far_down_loads_the_rows_down_to_it(
    view: DocumentsView, qtbot: QtBot, ctx: Any
) -> None:
    last = _all(ctx)[-1].key
    assert view.model.row_of(last) is None  # not loaded yet
    view.select(last)
    _settle(qtbot, view)
    current = view.current()
    assert current is not None and current.key == last
    assert view.table.currentIndex().data(KEY_ROLE) == last
    assert last[1] in view.info.text()


@pytest.mark.parametrize(
    "text",
    [
        "notified body 2913",  # issuer
        "cream",  # a product it covers, in another case
        "EXPIRES IN",  # valid today
        "cert. of",  # the kind's words
        "withdrawn",  # status and valid today
        "no file",  # the file column
        "2027-0",  # issued or expires
        "CV-1170",  # number and lot
        ", ",  # documents covering more than one product
        "%",  # the characters themselves, never a LIKE wildcard
        "_",
        "nothing has this text",
    ],
)
def test_the_search_keeps_the_documents_whose_words_contain_the_text(
    view: DocumentsView, qtbot: QtBot, ctx: Any, text: str
) -> None:
    expected = [d.key for d in _all(ctx) if any(text.lower() in t.lower() for t in _texts(d))]
    assert _search(view, qtbot, text) == expected
    assert view.counts.text().startswith(f"{len(expected)} of ")


def test_the_search_and_the_kind_together(view: DocumentsView, qtbot: QtBot, ctx: Any) -> None:
    view.kind.setCurrentIndex(view.kind.findData("certificate_of_analysis"))
    _settle(qtbot, view)
    coas = [d for d in _all(ctx) if d.kind.value == "certificate_of_analysis"]
    assert view.model.total == len(coas)
    found = _search(view, qtbot, "cv-")
    assert found == [d.key for d in coas if any("cv-" in t.lower() for t in _texts(d))]
    assert 0 < len(found) < len(_all(ctx))


def _expected_order(
    rows: list[DocumentDetail], column: int, descending: bool
) -> list[tuple[str, str]]:
    """As the view sorted before (a stable sort of the stored order by the column's value,
    an empty cell after the others, before them when descending)."""

    def key(d: DocumentDetail) -> tuple[bool, str]:
        value = COL.columns[column].value(d)
        return (value is None, "" if value is None else _display(value))

    return [d.key for d in sorted(rows, key=key, reverse=descending)]


@pytest.mark.parametrize(
    "column",
    [
        COL.COL_KIND,
        COL.COL_NUMBER,
        COL.COL_ISSUER,
        COL.COL_PRODUCTS,
        COL.COL_LOT,
        COL.COL_EXPIRES,
        COL.COL_STATUS,
        COL.COL_VALIDITY,
        COL.COL_FILE,
    ],
)
def test_sorting_by_a_column_is_done_in_sql_over_every_row(
    view: DocumentsView, qtbot: QtBot, ctx: Any, column: int, tmp_path: Path
) -> None:
    if column == COL.COL_FILE:  # one stored file ("ok"), one missing, the others none
        for number, name in (("IFU APL-22", "apl.pdf"), ("CoA CV-1170A", "coa.pdf")):
            pdf = tmp_path / name
            pdf.write_bytes(b"%PDF-1.4\n%%EOF\n" + name.encode())
            with ctx.db.write() as session:
                kind = "ifu" if number.startswith("IFU") else "certificate_of_analysis"
                _, stored = attach_file(
                    session, kind, number, pdf, store=ctx.document_store, user="tester"
                )
        (ctx.document_store / stored).unlink()
        view.reload()
        _settle(qtbot, view)
    rows = _all(ctx)
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        view.table.sortByColumn(column, order)
        _settle(qtbot, view)
        shown = [d.key for d in _every_row(view)]
        descending = order == Qt.SortOrder.DescendingOrder
        assert shown == _expected_order(rows, column, descending), (column, order)
    assert shown != [d.key for d in rows]  # the sort did change the order

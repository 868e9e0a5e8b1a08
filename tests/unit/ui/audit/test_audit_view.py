"""The Audit view on the demo clinic: filters by record, key, user and date, pages through a
long trail, checks the hash chain, and exports what the filter shows as CSV and PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from background_loads import loaded
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.models.enums import AuditAction
from exodesk.services.audit.log import CSV_HEADERS, AuditFilter, AuditRow, count_events
from exodesk.services.counts import counts
from exodesk.ui.audit.audit_view import AuditTableModel, AuditView
from exodesk.ui.common.table_models import PagedRowTableModel

TODAY = dt.date(2026, 11, 22)


def _view(qtbot: QtBot, ctx: Any) -> AuditView:
    view = AuditView(ctx)
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.show()
    view.reload()  # as the main window does when it first shows the view
    loaded(qtbot, view)
    return view


def _rows(view: AuditView) -> list[AuditRow]:
    return [view.model.row(i) for i in range(view.model.rowCount())]


def _total(ctx: Any, flt: AuditFilter = AuditFilter()) -> int:  # noqa: B008
    with ctx.db.read() as session:
        return count_events(session, flt)


def test_the_model_passes_qt_model_tests(qtmodeltester: Any) -> None:
    at = dt.datetime(2026, 11, 22, 9, 30)
    rows = [
        AuditRow(2, at, "Dr B", AuditAction.UPDATE, "lot", "Exo / L1", "status", "a", "b", "x"),
        AuditRow(1, at, None, AuditAction.CREATE, "product", "Exo", None, None, "{}" * 60, None),
    ]
    model = AuditTableModel(rows)
    qtmodeltester.check(model)
    assert model.data(model.index(1, 2)) == "—"
    assert model.data(model.index(0, 3)) == "changed"
    assert model.data(model.index(1, 8)).endswith("…")
    assert model.data(model.index(1, 8), Qt.ItemDataRole.ToolTipRole).startswith("{}")


def test_events_newest_first_with_every_filter(qtbot: QtBot, ctx: Any, tmp_path: Path) -> None:
    with ctx.db.write() as session:
        counts.start_count(session, location=None, today=TODAY, user="Ann Auditor")
    view = _view(qtbot, ctx)
    everything = _total(ctx)
    assert view.model.total == everything > 300
    ids = [r.id for r in _rows(view)]
    assert ids == sorted(ids, reverse=True)
    assert view.count.text() == f"{everything:,} events"

    view.record.setCurrentIndex(view.record.findData("treatment"))
    loaded(qtbot, view)
    treatments = _rows(view)
    assert treatments and {r.record for r in treatments} == {"treatment"}
    assert view.count.text().endswith("match the filter")

    qtbot.keyClicks(view.key, "T-0001")
    qtbot.waitUntil(lambda: view.model.total < len(treatments), timeout=30_000)
    assert {r.record_key for r in _rows(view)} == {"T-0001"}

    view.clear_filters()
    loaded(qtbot, view)
    assert view.model.total == everything
    view.user.setCurrentIndex(view.user.findData("Ann Auditor"))
    loaded(qtbot, view)
    assert [(r.user, r.record) for r in _rows(view)] == [("Ann Auditor", "stock_count")]
    save_shot(view, "audit_view_user", tmp_path)

    view.clear_filters()
    today = dt.date.today()
    view.set_filter(since=today - dt.timedelta(days=1))
    loaded(qtbot, view)
    assert view.model.total == everything
    view.set_filter(since=today + dt.timedelta(days=1))
    loaded(qtbot, view)
    assert view.model.total == 0 and not view.csv_button.isEnabled()
    view.set_filter(until=today - dt.timedelta(days=1))
    loaded(qtbot, view)
    assert view.model.total == 0
    view.set_filter(since=today, until=today, record="lot")
    loaded(qtbot, view)
    assert view.model.total == _total(ctx, AuditFilter(record="lot")) > 0


def test_a_long_trail_loads_in_pages(
    qtbot: QtBot, ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PagedRowTableModel, "PAGE_SIZE", 40)
    view = _view(qtbot, ctx)
    assert view.model.loaded == 40 and view.model.canFetchMore()
    view.model.fetchMore()  # the next page is queried off the UI thread
    qtbot.waitUntil(lambda: view.model.loaded == 80, timeout=30_000)
    ids = [r.id for r in _rows(view)]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 80
    view.select(1)  # the oldest event: pages load until it is there
    assert view.selected_event() is not None and view.selected_event().id == 1  # type: ignore[union-attr]
    assert "Event 1 —" in view.detail.toPlainText()


def test_a_records_history(qtbot: QtBot, ctx: Any) -> None:
    view = _view(qtbot, ctx)
    view.select(("product", "Rosalis Callus Exosome Cream"))
    loaded(qtbot, view)
    rows = _rows(view)
    assert rows and all(r.record == "product" for r in rows)
    assert all("Rosalis Callus Exosome Cream" in r.record_key for r in rows)
    view.table.selectRow(0)
    assert "Rosalis Callus Exosome Cream" in view.detail.toPlainText()


def test_exports_csv_and_pdf_of_what_the_filter_shows(
    qtbot: QtBot, ctx: Any, tmp_path: Path
) -> None:
    view = _view(qtbot, ctx)
    view.set_filter(record="lot")
    loaded(qtbot, view)
    out = tmp_path / "audit.csv"
    assert view.export_csv(out) == view.model.total
    lines = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert tuple(lines[0]) == CSV_HEADERS
    assert len(lines) - 1 == view.model.total and {line[4] for line in lines[1:]} == {"lot"}
    pdf = tmp_path / "audit.pdf"
    view.save_pdf(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "Filter: record Lot" in view.report()


def test_verify_chain_says_intact_or_where_it_broke(
    qtbot: QtBot, ctx: Any, demo_db: Path, tmp_path: Path
) -> None:
    view = _view(qtbot, ctx)
    view.verify_button.click()
    qtbot.waitUntil(lambda: view.chain_result is not None, timeout=10000)
    assert view.chain_result is not None and view.chain_result.intact
    assert view.chain_result.checked == _total(ctx)
    assert "Intact" in view.chain_text.text()
    save_shot(view, "audit_view", tmp_path)

    with sqlite3.connect(demo_db) as raw:
        raw.execute("DROP TRIGGER audit_event_no_update")
        raw.execute("UPDATE audit_event SET user = 'mallory' WHERE id = 42")
    raw.close()
    view.chain_result = None
    view.verify_button.click()
    qtbot.waitUntil(lambda: view.chain_result is not None, timeout=10000)
    assert view.chain_result.breaks[0].event_id == 42
    assert "chain broken at event 42" in view.chain_text.text()
    assert "BLOCK" in view.chain_text.text()
    save_shot(view, "audit_view_broken", tmp_path)


def test_verify_names_data_edited_behind_exodesks_back(
    qtbot: QtBot, ctx: Any, demo_db: Path
) -> None:
    with sqlite3.connect(demo_db) as raw:  # the chain untouched, a lot's stock changed
        raw.execute(
            "UPDATE movement SET quantity = quantity + 50 WHERE kind = 'receipt' AND id = 1"
        )
    raw.close()
    view = _view(qtbot, ctx)
    view.verify_button.click()
    qtbot.waitUntil(lambda: view.chain_result is not None, timeout=10000)
    assert view.chain_result is not None and not view.chain_result.intact
    assert not view.chain_result.breaks
    assert "the trail and the database disagree" in view.chain_text.text()


def test_pages_follow_the_last_event_loaded_and_the_count_comes_after(
    qtbot: QtBot, ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PagedRowTableModel, "PAGE_SIZE", 25)
    view = AuditView(ctx)
    qtbot.addWidget(view)
    assert view.model.rowCount() == 0 and view.record.count() == 0  # nothing asked yet
    view.show()
    view.reload()
    assert view.busy and view.count.text() == "Loading…"
    loaded(qtbot, view)
    everything = _total(ctx)
    assert view.model.loaded == 25 and view.model.total == everything
    assert view.count.text() == f"{everything:,} events"
    assert view.record.findData("treatment") > 0  # the choices came from the trail
    while view.model.canFetchMore():
        before = view.model.loaded
        view.model.fetchMore()
        qtbot.waitUntil(lambda n=before: view.model.loaded > n, timeout=30_000)
    ids = [r.id for r in _rows(view)]
    assert len(ids) == everything and ids == sorted(set(ids), reverse=True)

    qtbot.keyClicks(view.key, "t-000")  # typed key by key: one question once typing pauses
    loaded(qtbot, view)
    wanted = _total(ctx, AuditFilter(key_contains="t-000"))
    assert 0 < view.model.total == wanted < 25
    assert {r.record_key for r in _rows(view)} <= {f"T-000{n}" for n in range(10)}
    assert view.count.text() == f"{wanted:,} events match the filter"


def test_a_record_filter_asked_before_the_choices_came_is_kept(qtbot: QtBot, ctx: Any) -> None:
    view = AuditView(ctx)
    qtbot.addWidget(view)
    view.show()
    view.set_filter(record="lot")
    assert view.record.currentData() == "lot"
    loaded(qtbot, view)
    assert view.record.currentData() == "lot" and view.record.count() > 2
    assert view.model.total == _total(ctx, AuditFilter(record="lot"))
    assert {r.record for r in _rows(view)} == {"lot"}

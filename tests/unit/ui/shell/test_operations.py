"""The operation runner (exodesk/ui/shell/operations.py): one transaction per write, refusals
on the caller's error line with nothing written, one typed `Changes` announced per success,
views reloading only for kinds they show, flags computed once per change, slow writes off
the UI thread with the window live."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from background_loads import loaded
from PySide6.QtCore import QSettings, QThread, QTimer
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from exodesk.models.enums import Form, RegulatoryClass, SourceType
from exodesk.services.catalogue.products import ProductDetail, save_product
from exodesk.services.compliance import rules
from exodesk.services.errors import InvalidInput, Problem
from exodesk.services.queries import product_names
from exodesk.ui.common.error_line import ErrorLine
from exodesk.ui.shell.actions import ActionId
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.main_window import MainWindow
from exodesk.ui.shell.operations import (
    BeforeTheWindow,
    run_slow_write,
    run_write,
    slow_write_running,
    write_or_refuse,
)

NEW = ProductDetail(
    name="Operation Test Serum",
    source_type=SourceType.OTHER,
    form=Form.CREAM,
    regulatory_class=RegulatoryClass.UNKNOWN,
)


@pytest.fixture(autouse=True)
def settings_in_tmp(tmp_path: Path) -> Iterator[None]:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg"))
    yield


@pytest.fixture
def announced(ctx: AppContext) -> list[Changes]:
    seen: list[Changes] = []
    ctx.bus.changed.connect(seen.append)
    return seen


@pytest.fixture
def error_line(qtbot: QtBot) -> Iterator[ErrorLine]:
    holder = QWidget()  # a dialog's stand-in
    qtbot.addWidget(holder)
    line = ErrorLine(holder)
    holder.show()
    yield line
    holder.close()


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> Iterator[MainWindow]:
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: bool(win.flags) and not win.flag_feed.computing, timeout=10000)
    yield win
    win.close()


def _names(ctx: AppContext) -> list[str]:
    with ctx.db.read() as session:
        return product_names(session)


def test_a_refusal_is_shown_on_the_error_line_and_nothing_is_written(
    ctx: AppContext, announced: list[Changes], error_line: ErrorLine
) -> None:
    def save_then_refuse(session: Any) -> None:
        save_product(session, NEW, original_name=None, user=ctx.user)
        raise InvalidInput([Problem("gtin", "not 14 digits"), Problem("", "and more")])

    failures: list[InvalidInput] = []
    ok = run_write(
        ctx,
        save_then_refuse,
        Changes.PRODUCTS,
        error_line=error_line,
        on_success=lambda _: pytest.fail("a refusal is not a success"),
        on_failure=lambda exc: failures.append(exc),  # type: ignore[arg-type]
    )
    assert not ok
    assert error_line.isVisible()
    assert error_line.text() == "Error: gtin: not 14 digits\nand more"
    assert failures and failures[0].fields == ("gtin",)
    assert NEW.name not in _names(ctx)
    assert announced == []


def test_a_success_announces_one_change_of_the_kinds_it_made(
    ctx: AppContext, announced: list[Changes], error_line: ErrorLine
) -> None:
    error_line.show_text("Error: an earlier refusal")
    stored: list[ProductDetail] = []
    ok = run_write(
        ctx,
        lambda session: save_product(session, NEW, original_name=None, user=ctx.user),
        Changes.PRODUCTS,
        error_line=error_line,
        on_success=stored.append,
    )
    assert ok and stored[0].name == NEW.name
    assert NEW.name in _names(ctx)
    assert announced == [Changes.PRODUCTS]
    assert not error_line.isVisible() and error_line.text() == ""


def test_an_unexpected_error_is_not_swallowed(ctx: AppContext, announced: list[Changes]) -> None:
    def broken(session: Any) -> None:
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        run_write(ctx, broken, Changes.PRODUCTS)
    assert announced == []


def test_a_view_reloads_only_when_a_kind_it_shows_changed(
    window: MainWindow, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in window.views:  # each loads once when first shown: none is stale now
        window.show_view(name)
    window.show_view("Counts")
    reloads: list[str] = []
    for name, view in window.views.items():
        monkeypatch.setattr(view, "reload", lambda n=name: reloads.append(n))
    ctx.announce_change(Changes.DOCUMENTS)
    assert reloads == []  # Counts does not show documents
    ctx.announce_change(Changes.COUNTS)
    assert reloads == ["Counts"]
    window.show_view("Treatments")  # shows neither documents nor counts
    assert reloads == ["Counts"]
    window.show_view("Documents")  # stale since the documents changed: reloads when shown
    window.show_view("Products")  # its flags depend on the documents
    window.show_view("Audit")  # every change leaves audit rows
    assert reloads == ["Counts", "Documents", "Products", "Audit"]
    window.show_view("Documents")  # once
    assert reloads == ["Counts", "Documents", "Products", "Audit"]


def test_flags_are_computed_once_per_change_for_dashboard_flags_and_status_bar(
    window: MainWindow, ctx: AppContext, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.show_view("Dashboard")
    qtbot.waitUntil(lambda: window.dashboard.data is not None, timeout=10000)
    real_check = rules.check
    calls: list[object] = []

    def counted(*args: Any, **kwargs: Any) -> list[rules.Flag]:
        calls.append(args)
        return real_check(*args, **kwargs)

    monkeypatch.setattr(rules, "check", counted)
    before = window.dashboard.data
    run_write(
        ctx,
        lambda session: save_product(session, NEW, original_name=None, user=ctx.user),
        Changes.PRODUCTS,
    )
    qtbot.waitUntil(
        lambda: window.dashboard.data is not before and not window.flag_feed.computing,
        timeout=10000,
    )
    assert len(calls) == 1
    assert any(f.product == NEW.name for f in window.flags)
    # the Flags view, not on screen, lists the new flags when it is shown
    shown = window.flag_view.model
    assert not any(shown.row(i).product == NEW.name for i in range(shown.rowCount()))
    window.show_view("Flags")
    loaded(qtbot, window.flag_view)
    assert any(shown.row(i).product == NEW.name for i in range(shown.rowCount()))
    assert window.dashboard.data is not None
    assert sum(window.dashboard.data.counts.values()) == len(window.flags)
    assert f"Flags ({len(window.flags)})" == window.nav.item(5).text()


def test_a_slow_write_runs_off_the_ui_thread_while_the_window_stays_live(
    ctx: AppContext, announced: list[Changes], error_line: ErrorLine, qtbot: QtBot
) -> None:
    ui_thread = QThread.currentThread()
    ran_on: list[object] = []
    released = threading.Event()
    button = QWidget(error_line.parentWidget())

    def slow(session: Any) -> ProductDetail:
        ran_on.append(QThread.currentThread())
        # Only the UI thread's event loop can release this: it must be running meanwhile.
        assert released.wait(timeout=20)
        return save_product(session, NEW, original_name=None, user=ctx.user)

    done: list[ProductDetail] = []
    run_slow_write(
        ctx,
        slow,
        Changes.PRODUCTS,
        error_line=error_line,
        on_success=done.append,
        busy=[button],
        busy_text="Saving…",
    )
    assert slow_write_running() and not button.isEnabled()
    QTimer.singleShot(0, released.set)
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    assert ran_on and ran_on[0] is not ui_thread
    assert button.isEnabled() and not slow_write_running()
    assert announced == [Changes.PRODUCTS]
    assert NEW.name in _names(ctx)


def test_a_slow_refusal_reaches_the_error_line(
    ctx: AppContext, announced: list[Changes], error_line: ErrorLine, qtbot: QtBot
) -> None:
    def refuse(session: Any) -> None:
        save_product(session, NEW, original_name=None, user=ctx.user)
        raise InvalidInput([Problem("products[0].name", "already on file")])

    run_slow_write(ctx, refuse, Changes.PRODUCTS, error_line=error_line)
    qtbot.waitUntil(lambda: not slow_write_running(), timeout=20000)
    assert error_line.text() == "Error: products[0].name: already on file"
    assert NEW.name not in _names(ctx) and announced == []


def test_import_from_the_window_runs_through_the_runner(
    window: MainWindow, ctx: AppContext, qtbot: QtBot, write_json: Any
) -> None:
    seen: list[Changes] = []
    ctx.bus.changed.connect(seen.append)
    path = write_json(
        {
            "format": "exodesk/1",
            "products": [
                {
                    "name": "Imported Exo",
                    "source_type": "other",
                    "form": "cream",
                    "regulatory_class": "unknown",
                }
            ],
        }
    )
    action = window.actions_by_id[ActionId.IMPORT]
    window.import_path(path)
    assert not action.isEnabled()  # busy until the worker's result is back
    assert window.statusBar().currentMessage() == f"Importing {path.name}…"
    qtbot.waitUntil(lambda: not slow_write_running(), timeout=20000)
    assert action.isEnabled()
    assert "1 new record(s)" in window.statusBar().currentMessage()
    assert "Imported Exo" in _names(ctx)
    assert len(seen) == 1 and seen[0] & Changes.PRODUCTS and not seen[0] & Changes.ACCOUNTS
    qtbot.waitUntil(lambda: any(f.product == "Imported Exo" for f in window.flags), timeout=10000)


def test_before_the_window_writes_go_the_same_way_and_refusals_keep_their_type(
    ctx: AppContext, announced: list[Changes]
) -> None:
    """The first admin and the sign-in run before any view exists: the same one-transaction
    path, refusals raised as the typed error the sign-in throttle decides by."""
    start = BeforeTheWindow(ctx.db)
    with pytest.raises(InvalidInput) as refused:
        write_or_refuse(
            start,
            lambda session: save_product(
                session, replace(NEW, name=""), original_name=None, user="tester"
            ),
            Changes.PRODUCTS,
        )
    assert refused.value.fields
    saved = write_or_refuse(
        start,
        lambda session: save_product(session, NEW, original_name=None, user="tester"),
        Changes.PRODUCTS,
    )
    assert saved is not None
    with ctx.db.read() as session:
        assert NEW.name in product_names(session)
    assert announced == []  # nothing to reload before the window

"""Where a person reads a compliance flag, its rule is named by its plain-words title, never
by its id: the Flags view (column, filter, detail, search), the Dashboard, the product's flags
pane and the printed flags report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from background_loads import loaded
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from exodesk.models.vocabulary import rule_meaning, rule_title
from exodesk.services.compliance import rules
from exodesk.ui.catalogue.products_view import ProductsView
from exodesk.ui.compliance.dashboard_view import DashboardView
from exodesk.ui.compliance.flags_view import FlagsView
from exodesk.ui.shell.main_window import MainWindow

DEMO_TODAY = __import__("datetime").date(2026, 11, 22)
ROSALIS = "Rosalis Callus Exosome Cream"


def _flags(ctx: Any) -> list[rules.Flag]:
    with ctx.db.read() as session:
        return rules.check(session, DEMO_TODAY)


def _no_rule_id_in(text: str, flags: list[rules.Flag]) -> None:
    for rule in {f.rule for f in flags}:
        assert rule not in text, rule


@pytest.fixture(autouse=True)
def settings_in_tmp(tmp_path: Path) -> Iterator[None]:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg"))
    yield


def test_the_flags_view_names_rules_by_title(qtbot: QtBot, ctx: Any) -> None:
    view = FlagsView(ctx)
    qtbot.addWidget(view)
    flags = _flags(ctx)
    view.set_flags(flags)
    loaded(qtbot, view)

    filter_items = {
        view.rule.itemData(i): view.rule.itemText(i) for i in range(1, view.rule.count())
    }
    assert filter_items == {rule: rule_title(rule) for rule in rules.RULES}

    shown = [view.model.index(r, 1).data() for r in range(view.model.rowCount())]
    assert shown == [rule_title(f.rule) for f in flags]

    view.rule.setCurrentIndex(view.rule.findData("route_outside_intended_use"))
    loaded(qtbot, view)
    view.table.selectRow(0)
    detail = view.detail.text()
    assert "Used outside its intended routes" in detail
    assert rule_meaning("route_outside_intended_use") in detail
    assert "route_outside_intended_use" not in detail

    view.rule.setCurrentIndex(0)
    qtbot.keyClicks(view.search, "intended routes")
    loaded(qtbot, view)
    found = {view.model.index(r, 1).data() for r in range(view.model.rowCount())}
    assert found == {"Used outside its intended routes"}


def test_the_dashboard_names_the_top_flags_by_title(qtbot: QtBot, ctx: Any) -> None:
    view = DashboardView(ctx)
    qtbot.addWidget(view)
    view.reload()
    qtbot.waitUntil(lambda: view.data is not None, timeout=30_000)
    assert view.data is not None
    top = view.data.top_flags
    texts = [view.top_flags.item(i).text() for i in range(view.top_flags.count())]
    assert len(texts) == len(top) > 0
    for flag, text in zip(top, texts, strict=True):
        assert text.endswith(f"\n{rule_title(flag.rule)}"), text
    _no_rule_id_in("\n".join(texts), top)


def test_the_products_flags_pane_names_rules_by_title(qtbot: QtBot, ctx: Any) -> None:
    view = ProductsView(ctx)
    qtbot.addWidget(view)
    view.select(ROSALIS)
    qtbot.waitUntil(lambda: bool(view.flags.flags), timeout=30_000)
    texts = [view.flags.list.item(i).text() for i in range(view.flags.list.count())]
    for flag, text in zip(view.flags.flags, texts, strict=True):
        assert text.split("\n")[0].split(" · ")[1] == rule_title(flag.rule), text
    _no_rule_id_in("\n".join(texts), view.flags.flags)


def test_the_printed_flags_report_names_rules_by_title(qtbot: QtBot, ctx: Any) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: bool(window.flags), timeout=10000)
    window.flag_view.set_flags(window.flags)
    report = window.flags_report()
    for flag in window.flags:
        assert rule_title(flag.rule) in report, flag.rule
    _no_rule_id_in(report, window.flags)
    window.close()

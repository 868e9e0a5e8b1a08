"""The Flags view at a clinic group's size: its flags are searched, filtered and sorted off
the UI thread and shown a page at a time; new flags keep the search and the selection."""

from __future__ import annotations

from typing import Any

from background_loads import loaded
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from exodesk.models.enums import Severity
from exodesk.services.compliance.flag_list import FlagList
from exodesk.services.compliance.rules import Flag, Override
from exodesk.ui.compliance.flags_view import FlagsView


def _many(n: int) -> list[Flag]:
    """n flags: every third a block, the rest warnings; lots numbered from the end."""
    return [
        Flag(
            "used_after_expiry" if i % 3 == 0 else "missing_coa",
            Severity.BLOCK if i % 3 == 0 else Severity.WARN,
            f"Product {i % 7}",
            f"LOT-{n - i:05d}",
            f"T-{i:05d}" if i % 3 == 0 else None,
            f"Message {i}",
        )
        for i in range(n)
    ]


def _view(qtbot: QtBot, ctx: Any, flags: list[Flag]) -> FlagsView:
    view = FlagsView(ctx)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    view.set_flags(flags)
    loaded(qtbot, view)
    return view


def test_flag_list_matches_by_severity_rule_and_text_in_engine_order() -> None:
    flags = _many(30)
    listed = FlagList(flags)
    assert listed.open_counts == {Severity.BLOCK: 10, Severity.WARN: 20, Severity.INFO: 0}
    assert listed.matching() == flags
    assert listed.matching(Severity.BLOCK) == flags[::3]
    assert listed.matching(rule="missing_coa") == [f for f in flags if f.rule == "missing_coa"]
    # text: any of product, lot, treatment, rule id, rule title, message; case ignored
    assert listed.matching(text="  t-00003 ") == [flags[3], flags[27]]  # T-00003, LOT-00003
    assert listed.matching(text="PRODUCT 2", severity=Severity.BLOCK) == [
        f for f in flags[::3] if f.product == "Product 2"
    ]
    assert listed.matching(text="WITHOUT a certificate of analysis") == listed.matching(
        rule="missing_coa"
    )
    assert listed.matching(text="nothing like this") == []
    overridden = Flag(
        "used_after_expiry", Severity.BLOCK, "P", None, "T-X", "m", Override("Dr A", "agreed")
    )
    assert FlagList([overridden]).open_counts[Severity.BLOCK] == 0


def test_many_flags_come_a_page_at_a_time_and_count_in_full(qtbot: QtBot, ctx: Any) -> None:
    flags = _many(1_700)
    view = _view(qtbot, ctx, flags)
    page = view.model.PAGE_SIZE
    assert view.model.rowCount() == page < len(flags)
    assert view.summary.text() == "1,700 of 1,700 flag(s) shown · 567 open block(s)"
    view.table.scrollToBottom()  # the table asks for the next page as it scrolls
    qtbot.waitUntil(lambda: view.model.rowCount() == 2 * page, timeout=10_000)
    assert [view.model.row(i) for i in range(2 * page)] == flags[: 2 * page]
    assert view.shown_flags() == flags  # export: every flag selected, loaded or not


def test_a_heading_sorts_every_flag_not_only_those_loaded(qtbot: QtBot, ctx: Any) -> None:
    flags = _many(1_200)
    view = _view(qtbot, ctx, flags)
    view.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # Lot, as a heading click does
    loaded(qtbot, view)
    first = view.model.row(0)
    assert first.lot == "LOT-00001" == min(f.lot or "" for f in flags)
    view.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    loaded(qtbot, view)
    assert view.model.row(0).lot == "LOT-01200"
    view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # blocks first
    loaded(qtbot, view)
    assert [view.model.row(i).severity for i in range(400)] == [Severity.BLOCK] * 400
    assert view.model.row(400).severity is Severity.WARN
    # a search keeps the order
    qtbot.keyClicks(view.search, "product 3")
    loaded(qtbot, view)
    shown = view.shown_flags()
    assert shown and {f.product for f in shown} == {"Product 3"}
    blocks = sum(f.severity is Severity.BLOCK for f in shown)
    assert 0 < blocks < len(shown)
    assert all(f.severity is Severity.BLOCK for f in shown[:blocks])


def test_new_flags_keep_the_search_and_the_selected_flag(qtbot: QtBot, ctx: Any) -> None:
    flags = _many(60)
    view = _view(qtbot, ctx, flags)
    view.set_filter(severity=Severity.BLOCK)
    loaded(qtbot, view)
    view.table.selectRow(2)
    chosen = view.selected()
    assert chosen == flags[6]
    again = [Flag(*f.__dict__.values()) for f in flags[1:]]  # equal flags, new objects
    view.set_flags(again)
    loaded(qtbot, view)
    assert view.severity.currentData() == Severity.BLOCK
    assert view.model.rowCount() == 20 - 1
    assert view.selected() == chosen
    assert view.summary.text() == "19 of 59 flag(s) shown · 19 open block(s)"

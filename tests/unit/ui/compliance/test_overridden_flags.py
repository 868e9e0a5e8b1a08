"""Issue 11: an overridden flag is listed in Flags with who, when and why, and is not counted
among the open blocks (Flags, Dashboard, status bar all count with `open_counts`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from background_loads import loaded
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.models import Severity
from exodesk.services.compliance.dashboard import dashboard
from exodesk.services.compliance.rules import Flag, Override, open_counts
from exodesk.ui.compliance.flags_view import FlagsView

AT = dt.datetime(2026, 11, 22, 9, 30)
OPEN = Flag("used_after_expiry", Severity.BLOCK, "Exo A", "L1", "T-0001", "Used after expiry.")
DONE = Flag(
    "periorbital_not_approved",
    Severity.BLOCK,
    "Exo A",
    "L1",
    "T-0002",
    "Used under the eyes.",
    Override("Dr Hart", "consultant agreed, patient consented", AT),
)


def test_overridden_flags_are_not_open() -> None:
    assert open_counts([OPEN, DONE]) == {Severity.BLOCK: 1, Severity.WARN: 0, Severity.INFO: 0}
    assert DONE.as_json()["overridden"] == {
        "by": "Dr Hart",
        "reason": "consultant agreed, patient consented",
    }
    assert OPEN.as_json()["overridden"] is None


def test_the_dashboard_counts_only_open_flags(ctx: Any) -> None:
    with ctx.db.read() as session:
        board = dashboard(session, dt.date(2026, 11, 22), flags=[OPEN, DONE])
    assert board.counts[Severity.BLOCK] == 1 and board.top_flags == [OPEN]


def test_the_flags_view_shows_who_when_and_why(qtbot: QtBot, ctx: Any, tmp_path: Path) -> None:
    view = FlagsView(ctx)
    qtbot.addWidget(view)
    view.resize(1024, 768)
    view.show()
    view.set_flags([OPEN, DONE])
    loaded(qtbot, view)
    assert view.summary.text() == "2 of 2 flag(s) shown · 1 open block(s)"
    assert view.model.index(1, 0).data() == "BLOCK (overridden)"
    view.table.selectRow(1)
    text = view.detail.text()
    assert "Overridden by Dr Hart on 2026-11-22" in text
    assert "consultant agreed, patient consented" in text
    save_shot(view, "flags_overridden", tmp_path)

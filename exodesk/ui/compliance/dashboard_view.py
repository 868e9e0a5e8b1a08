"""Dashboard: flag counts and the top items, lots expiring soon, products missing documents,
stock by location. Every item opens its detail (Enter or double-click)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import Severity
from exodesk.models.vocabulary import phrase, rule_title, short_label
from exodesk.services.compliance.dashboard import Dashboard, dashboard
from exodesk.services.compliance.rules import Flag
from exodesk.ui.common import severity
from exodesk.ui.common.jobs import BackgroundRunner
from exodesk.ui.compliance.flag_feed import FlagFeed
from exodesk.ui.compliance.flags_view import target_of
from exodesk.ui.shell.changes import FLAG_INPUTS
from exodesk.ui.shell.context import AppContext

TARGET = Qt.ItemDataRole.UserRole + 2


def _expiry_words(expiry: dt.date, today: dt.date) -> str:
    days = (expiry - today).days
    if days < 0:
        return f"EXPIRED {-days} day(s) ago ({expiry.isoformat()})"
    if days == 0:
        return f"expires today ({expiry.isoformat()})"
    return f"expires in {days} day(s) ({expiry.isoformat()})"


def _list() -> QListWidget:
    widget = QListWidget()
    widget.setAlternatingRowColors(True)
    widget.setWordWrap(True)
    return widget


def _box(title: str, *widgets: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    for widget in widgets:
        layout.addWidget(widget)
    return box


class DashboardView(QWidget):
    """Built from the flags of `feed` (the window's, shared with the Flags view; a feed of its
    own when none is given) and the stock on hand."""

    title = "Dashboard"
    shows = FLAG_INPUTS

    def __init__(self, ctx: AppContext, feed: FlagFeed | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.data: Dashboard | None = None
        self._runner = BackgroundRunner(self)
        self._own_feed = feed is None
        self.feed = FlagFeed(ctx, self) if feed is None else feed
        self._wanted = False
        self.feed.ready.connect(self._flags_ready)
        self.feed.failed.connect(self._flags_failed)

        self.tiles: dict[Severity, QLabel] = {}
        tiles = QHBoxLayout()
        for sev in Severity:
            tile = QLabel()
            tile.setTextFormat(Qt.TextFormat.RichText)
            tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
            tile.setMinimumHeight(56)
            colour = severity.BACKGROUND[sev].name()
            tile.setStyleSheet(
                f"background:{colour}; color:#1a1a1a; border-radius:6px; padding:6px;"
            )
            self.tiles[sev] = tile
            tiles.addWidget(tile)
        tile_row = QWidget()
        tile_row.setLayout(tiles)
        self.top_flags = _list()
        self.expiring = _list()
        self.missing = _list()
        self.locations = _list()
        self.updated = QLabel()

        grid = QGridLayout()
        grid.addWidget(_box("Compliance", tile_row, self.top_flags), 0, 0, 2, 1)
        grid.addWidget(_box("Lots expiring in the next 60 days", self.expiring), 0, 1)
        grid.addWidget(_box("Products missing documents", self.missing), 1, 1)
        grid.addWidget(_box("Stock by location", self.locations), 2, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(0, 2)
        grid.setRowStretch(1, 2)
        grid.setRowStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(grid, 1)
        layout.addWidget(self.updated)

        for widget in (self.top_flags, self.expiring, self.missing, self.locations):
            widget.itemActivated.connect(self._open)

    def reload(self) -> None:
        """Rebuild from the feed's next flags (now, if they are up to date)."""
        self._wanted = True
        self.updated.setText("Loading…")
        if self._own_feed or (self.feed.flags is None and not self.feed.computing):
            self.feed.recompute()
        elif not self.feed.computing and self.feed.flags is not None:
            self._build(self.feed.flags)

    def _flags_ready(self, flags: list[Flag]) -> None:
        if self._wanted:
            self._build(flags)

    def _flags_failed(self, message: str) -> None:
        if self._wanted:
            self._wanted = False
            self.updated.setText(f"Error: could not load the dashboard: {message}")

    def _build(self, flags: list[Flag]) -> None:
        self._wanted = False
        db, today = self.ctx.db, self.ctx.today()

        def work() -> Dashboard:
            with db.read() as session:
                return dashboard(session, today, flags=flags)

        self._runner.start("dashboard", work, self._show)

    def focus_search(self) -> None:
        self.top_flags.setFocus()

    def select(self, key: object) -> None:
        """Nothing to select on the dashboard."""

    def _show(self, result: Any) -> None:
        if isinstance(result, Exception):
            self.updated.setText(f"Error: could not load the dashboard: {result}")
            return
        data: Dashboard = result
        self.data = data
        for sev, tile in self.tiles.items():
            tile.setText(
                f"<span style='font-size:20pt; font-weight:bold'>{data.counts[sev]}</span><br>"
                f"{short_label(sev)}"
            )
            tile.setToolTip(f"{data.counts[sev]} {phrase(sev)} flag(s)")
        self._fill(
            self.top_flags,
            [
                (
                    f"{short_label(f.severity)}  {f.product}"
                    + (f" · lot {f.lot}" if f.lot else "")
                    + (f" · {f.treatment}" if f.treatment else "")
                    + f"\n{rule_title(f.rule)}",
                    target_of(f),
                    f.severity,
                )
                for f in data.top_flags
            ],
            "No flags: everything is in order.",
        )
        self._fill(
            self.expiring,
            [
                (
                    f"{r.product} · lot {r.lot} — {_expiry_words(r.expiry, data.today)} — "
                    f"{r.on_hand} on hand",
                    ("lot", (r.product, r.lot)),
                    Severity.WARN if r.expiry < data.today else Severity.INFO,
                )
                for r in data.expiring
            ],
            "No lot in stock expires in the next 60 days.",
        )
        self._fill(
            self.missing,
            [
                (f"{m.product}: no {', no '.join(m.missing)}", ("product", m.product), None)
                for m in data.missing_documents
            ],
            "Every product has the documents its class needs.",
        )
        self._fill(
            self.locations,
            [
                (
                    f"{s.location}: {s.lots} lot(s), {s.vials} vial(s)",
                    ("location", s.location),
                    None,
                )
                for s in data.by_location
            ],
            "Nothing in stock.",
        )
        self.updated.setText(f"As of {data.today.isoformat()}.")

    def _fill(
        self,
        widget: QListWidget,
        items: list[tuple[str, tuple[str, object], Severity | None]],
        empty: str,
    ) -> None:
        widget.clear()
        if not items:
            placeholder = QListWidgetItem(empty)
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            widget.addItem(placeholder)
            return
        for text, target, sev in items:
            item = QListWidgetItem(text)
            item.setData(TARGET, target)
            if sev is not None:
                item.setIcon(severity.icon(sev))
            widget.addItem(item)

    def _open(self, item: QListWidgetItem) -> None:
        target = item.data(TARGET)
        if target:
            kind, key = target
            self.ctx.bus.open_requested.emit(kind, key)

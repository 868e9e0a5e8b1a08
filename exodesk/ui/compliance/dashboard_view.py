"""Dashboard, the clinic's to-do list: flag counts (each tile opens the Flags view filtered to
its severity), every open block, what waits for someone (lots in quarantine to release,
certificates to check, products running low), lots expiring soon, products missing documents,
stock by location. Every item opens its detail (Enter or double-click)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import LotStatus, Severity
from exodesk.models.vocabulary import (
    OPEN_VIALS_HEADING,
    PRINT_LABEL_ACTION,
    VIAL_DISCARD,
    VIAL_STATE,
    VIAL_USE,
    label,
    phrase,
    rule_title,
    short_label,
)
from exodesk.services.compliance.dashboard import Dashboard, dashboard
from exodesk.services.compliance.dashboard_stock import DashboardStock
from exodesk.services.compliance.flag_list import FlagList
from exodesk.services.compliance.rules import Flag
from exodesk.services.compliance.touched import Touched, joined
from exodesk.services.stock.vials import VialRow
from exodesk.ui.common import severity
from exodesk.ui.common.jobs import BackgroundRunner
from exodesk.ui.compliance.flag_feed import FlagFeed
from exodesk.ui.compliance.flags_view import FlagQuery, target_of
from exodesk.ui.labels.print_label import print_vial_label
from exodesk.ui.shell.changes import FLAG_INPUTS
from exodesk.ui.shell.context import AppContext
from exodesk.ui.stock.stock_view import StockQuery
from exodesk.ui.treatments.treatment_dialog import TreatmentDialog
from exodesk.ui.treatments.vial_choice import (
    STATE_SEVERITY,
    DiscardVialDialog,
    clinic_now,
    vial_details,
    vial_label,
    vial_text,
)

TARGET = Qt.ItemDataRole.UserRole + 2
VIAL_TICK_MS = 60_000  # the open vials' time left is redrawn each minute, from the clock


class Tile(QLabel):
    """A count that opens what it counts: click it, or Tab to it and press Enter or Space."""

    clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)


def _when_checked(day: dt.date | None, today: dt.date) -> str:
    if day is None:
        return "never checked"
    return f"last checked {day.isoformat()} ({(today - day).days} days ago)"


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


# How many more rows a list leaves out, what they are, and what shows them all
More = tuple[int, str, tuple[str, object]]


def _add_more(widget: QListWidget, more: More | None, row: int | None = None) -> None:
    """A last item, "… and 1,234 more lots expiring: see them all in Stock", that opens
    them, when the list leaves some out (a Dashboard list holds LISTED_AT_MOST rows)."""
    if more is None or more[0] <= 0:
        return
    count, what, target = more
    item = QListWidgetItem(f"… and {count:,} more {what}")
    font = item.font()
    font.setItalic(True)
    item.setFont(font)
    item.setData(TARGET, target)
    if row is None:
        widget.addItem(item)
    else:
        widget.insertItem(row, item)


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
        # The lots on hand as last counted, and the lots touched since (None: count them
        # all again); one build at a time, the flags of one asked for meanwhile kept for next
        self._stock: DashboardStock | None = None
        self._since: Touched | None = None
        self._building = False
        self._next: list[Flag] | None = None
        self.feed.ready.connect(self._flags_ready)
        self.feed.failed.connect(self._flags_failed)

        self.tiles: dict[Severity, Tile] = {}
        tiles = QHBoxLayout()
        tiles.setContentsMargins(0, 0, 0, 0)
        for sev in Severity:
            tile = Tile()
            tile.clicked.connect(lambda s=sev: self.ctx.bus.open_requested.emit("flags", s))
            tile.setTextFormat(Qt.TextFormat.RichText)
            tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
            tile.setMinimumHeight(56)
            colour = severity.BACKGROUND[sev].name()
            tile.setStyleSheet(
                f"QLabel {{ background:{colour}; color:#1a1a1a; border-radius:6px; "
                "padding:6px; } QLabel:focus { border: 2px solid #1a1a1a; }"
            )
            self.tiles[sev] = tile
            tiles.addWidget(tile)
        tile_row = QWidget()
        tile_row.setLayout(tiles)
        self.top_flags = _list()
        self.show_all_button = QPushButton("Show &all flags…")
        self.show_all_button.setToolTip("Every flag in the Flags view, to filter and sort")
        self.show_all_button.clicked.connect(
            lambda: self.ctx.bus.open_requested.emit("flags", FlagQuery())
        )
        self.todo = _list()  # what waits for someone: release, check, reorder (open vials)
        self.expiring = _list()
        self.missing = _list()
        self.locations = _list()
        self.updated = QLabel()

        grid = QGridLayout()
        compliance = _box("Compliance: open blocks first", tile_row, self.top_flags)
        compliance_layout = compliance.layout()
        assert compliance_layout is not None
        compliance_layout.addWidget(self.show_all_button)
        grid.addWidget(compliance, 0, 0, 2, 1)
        grid.addWidget(_box("To do", self.todo), 0, 1)
        grid.addWidget(_box("Lots expiring in the next 60 days", self.expiring), 1, 1)
        grid.addWidget(_box("Products missing documents", self.missing), 2, 0)
        grid.addWidget(_box("Stock by location", self.locations), 2, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(0, 2)
        grid.setRowStretch(1, 2)
        grid.setRowStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(grid, 1)
        layout.addWidget(self.updated)

        for widget in (self.top_flags, self.todo, self.expiring, self.missing, self.locations):
            widget.itemActivated.connect(self._open)

        self.vial_items: dict[str, tuple[VialRow, QListWidgetItem]] = {}
        self.vial_menu: QMenu | None = None
        self.child: QWidget | None = None  # the dialog an open vial's item opened
        self.vial_timer = QTimer(self)
        self.vial_timer.setInterval(VIAL_TICK_MS)
        self.vial_timer.timeout.connect(self.tick)
        self.vial_timer.start()

    def reload(self) -> None:
        """Rebuild from the feed's next flags (now, if they are up to date)."""
        self._wanted = True
        self.updated.setText("Loading…")
        if self._own_feed or (self.feed.flags is None and not self.feed.computing):
            self.feed.recompute()
        elif not self.feed.computing and self.feed.flags is not None:
            self._build(self.feed.flags)

    def _flags_ready(self, flags: list[Flag]) -> None:
        self._since = joined(self._since, self.feed.touched)
        if self._wanted:
            self._build(flags)

    def _flags_failed(self, message: str) -> None:
        if self._wanted:
            self._wanted = False
            self.updated.setText(f"Error: could not load the dashboard: {message}")

    def _build(self, flags: list[Flag]) -> None:
        self._wanted = False
        if self._building:
            self._next = flags
            return
        db, today = self.ctx.db, self.ctx.today()
        known, since = self._stock, self._since
        self._stock, self._since = None, Touched()  # the worker has it until it is back
        listed = self.feed.listed
        if listed is None or listed.flags is not flags:
            listed = FlagList(flags)

        def work() -> tuple[DashboardStock, Dashboard]:
            with db.read() as session:
                if known is None or since is None or known.today != today:
                    stock = DashboardStock.read(session, today)
                else:
                    stock = known
                    stock.read_again(session, since.lot_ids)
                return stock, dashboard(session, today, flags=listed, stock=stock)

        self._building = True
        self._runner.start("dashboard", work, self._show)

    def focus_search(self) -> None:
        self.top_flags.setFocus()

    def select(self, key: object) -> None:
        """Nothing to select on the dashboard."""

    def _show(self, result: Any) -> None:
        self._building = False
        if isinstance(result, Exception):
            self._since = None  # count every lot again next time
            self.updated.setText(f"Error: could not load the dashboard: {result}")
        else:
            self._stock, data = result
            self._show_data(data)
        if self._next is not None:
            flags, self._next = self._next, None
            self._build(flags)

    def _show_data(self, data: Dashboard) -> None:
        self.data = data
        for sev, tile in self.tiles.items():
            tile.setText(
                f"<span style='font-size:20pt; font-weight:bold'>{data.counts[sev]}</span><br>"
                f"{short_label(sev)}"
            )
            tile.setToolTip(f"{data.counts[sev]} {phrase(sev)} flag(s)")
        listed_blocks = sum(f.severity is Severity.BLOCK for f in data.top_flags)
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
            more=(
                data.counts[Severity.BLOCK] - listed_blocks,
                "open blocks: see them all in Flags",
                ("flags", Severity.BLOCK),
            ),
        )
        shown = len(data.top_flags)
        self.show_all_button.setText(
            f"Show &all {data.open_total} open flags…"
            if data.open_total > shown
            else "Show them in the Flags view…"
        )
        self._fill_todo(data)
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
            more=(
                data.expiring_total - len(data.expiring),
                "lots expiring: see them all in Stock",
                ("stock", StockQuery(expiring=True)),
            ),
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

    def _fill_todo(self, data: Dashboard) -> None:
        """One list in sections: a heading line per kind of work, then its items."""
        sections: list[
            tuple[str, list[tuple[str, tuple[str, object], Severity | None]], More | None]
        ] = [
            (
                "Waiting for release (in quarantine)",
                [
                    (
                        f"{r.product} · lot {r.lot} — {r.on_hand} on hand"
                        + (f" · {r.location}" if r.location else ""),
                        ("lot", (r.product, r.lot)),
                        Severity.INFO,
                    )
                    for r in data.quarantined
                ],
                (
                    data.quarantined_total - len(data.quarantined),
                    "lots waiting for release: see them all in Stock",
                    ("stock", StockQuery(status=LotStatus.QUARANTINE)),
                ),
            ),
            (
                "Certificates to check with the issuer",
                [
                    (
                        f"{label(c.kind)} {c.number}"
                        + (f" ({', '.join(c.products)})" if c.products else "")
                        + f" — {_when_checked(c.verified_on, data.today)}",
                        ("document", (c.kind.value, c.number)),
                        Severity.WARN if c.verified_on is None else Severity.INFO,
                    )
                    for c in data.certificates_to_check
                ],
                None,
            ),
            (
                "Running low (at or below the reorder level)",
                [
                    (
                        f"{r.product} — {r.usable} usable vial(s), reorder at {r.reorder_level}",
                        ("product", r.product),
                        Severity.WARN,
                    )
                    for r in data.running_low
                ],
                None,
            ),
        ]
        self.todo.clear()
        self.vial_items = {}
        for heading, items, more in sections:
            total = len(items) + (more[0] if more is not None else 0)
            head = QListWidgetItem(f"{heading}: {f'{total:,}' if total else 'none'}")
            font = head.font()
            font.setBold(True)
            head.setFont(font)
            head.setFlags(Qt.ItemFlag.NoItemFlags | Qt.ItemFlag.ItemIsEnabled)
            self.todo.addItem(head)
            for text, target, sev in items:
                item = QListWidgetItem(text)
                item.setData(TARGET, target)
                if sev is not None:
                    item.setIcon(severity.icon(sev))
                self.todo.addItem(item)
            _add_more(self.todo, more)
        self._fill_vials(data.open_vials)

    # -- open vials --------------------------------------------------------------------

    def _fill_vials(self, vials: list[VialRow]) -> None:
        """A section of its own at the top: the vial to use (or discard) first, first."""
        head = QListWidgetItem(f"{OPEN_VIALS_HEADING}: {len(vials) or 'none'}")
        font = head.font()
        font.setBold(True)
        head.setFont(font)
        head.setFlags(Qt.ItemFlag.NoItemFlags | Qt.ItemFlag.ItemIsEnabled)
        self.todo.insertItem(0, head)
        for row_number, vial in enumerate(vials, start=1):
            item = QListWidgetItem()
            item.setData(TARGET, ("vial", vial.ref))
            item.setToolTip(
                f"{vial_details(vial)}.\nEnter or double-click: use it in a treatment, "
                "discard it, print its label"
            )
            self.todo.insertItem(row_number, item)
            self.vial_items[vial.ref] = (vial, item)
        self.tick()

    def tick(self) -> None:
        """Redraw each open vial's time left from the clock (no database read)."""
        now = clinic_now(self.ctx)
        for vial, item in self.vial_items.values():
            state = vial.state(now)
            sev = STATE_SEVERITY.get(state)
            prefix = f"{VIAL_STATE[state]} · " if sev is not None else ""
            item.setText(prefix + vial_text(vial, now))
            item.setIcon(severity.icon(sev) if sev is not None else severity.icon(Severity.INFO))
            if sev is not None:
                item.setBackground(QBrush(severity.BACKGROUND[sev]))
                item.setForeground(QBrush(severity.TEXT_ON_BACKGROUND))
            else:
                item.setData(Qt.ItemDataRole.BackgroundRole, None)
                item.setData(Qt.ItemDataRole.ForegroundRole, None)

    def vial_actions(self, ref: str) -> list[tuple[str, object]]:
        vial, _item = self.vial_items[ref]
        return [
            (VIAL_USE, lambda: self.use_vial(vial)),
            (VIAL_DISCARD, lambda: self.discard_vial(vial)),
            (PRINT_LABEL_ACTION, lambda: print_vial_label(self, vial_label(vial))),
        ]

    def offer_vial(self, ref: str) -> QMenu:
        """What can be done with an open vial, as a menu by its item."""
        menu = QMenu(self)
        for text, call in self.vial_actions(ref):
            menu.addAction(text).triggered.connect(call)
        _vial, item = self.vial_items[ref]
        rect = self.todo.visualItemRect(item)
        self.vial_menu = menu
        menu.popup(self.todo.viewport().mapToGlobal(rect.bottomLeft()))
        return menu

    def use_vial(self, vial: VialRow) -> TreatmentDialog:
        dialog = TreatmentDialog(self.ctx, self, vial.product, vial=vial.ref)
        self.child = dialog
        dialog.open()
        return dialog

    def discard_vial(self, vial: VialRow) -> DiscardVialDialog:
        dialog = DiscardVialDialog(self.ctx, vial, self)
        self.child = dialog
        dialog.open()
        return dialog

    def _fill(
        self,
        widget: QListWidget,
        items: list[tuple[str, tuple[str, object], Severity | None]],
        empty: str,
        more: More | None = None,
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
        _add_more(widget, more)

    def _open(self, item: QListWidgetItem) -> None:
        target = item.data(TARGET)
        if target:
            kind, key = target
            if kind == "vial":
                self.offer_vial(key)
                return
            self.ctx.bus.open_requested.emit(kind, key)

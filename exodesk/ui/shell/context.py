"""What every view and dialog is given: the database, the clock, the user, and the bus that
announces changes and navigation. Views never reach into the main window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from exodesk.db import Database
from exodesk.models.enums import Role
from exodesk.services.accounts.users import Permission, allowed
from exodesk.settings import document_store as default_document_store
from exodesk.ui.shell.changes import Changes


class DataBus(QObject):
    """`changed(Changes)` once after each write, saying which kinds of record changed (the
    operation runner announces it); `busy(text)` while a slow write runs ("" when it is
    over); `open_requested(kind, key)` asks the window to show a
    record: kind is "product" (key: name), "lot" (key: (product, lot)), "treatment" (key:
    ref) or "document" (key: (kind, number)). `user_changed` when someone else signs in
    (at the lock screen): ctx.user and ctx.role have changed."""

    changed = Signal(object)
    busy = Signal(str)
    open_requested = Signal(str, object)
    user_changed = Signal()


@dataclass
class AppContext:
    db: Database
    user: str
    today: Callable[[], dt.date] = dt.date.today
    bus: DataBus = field(default_factory=DataBus)
    document_store: Path = field(default_factory=default_document_store)
    role: Role | None = None  # the signed-in account's role; None: no accounts, all allowed

    def announce_change(self, changes: Changes = Changes.ALL) -> None:
        """Say once that `changes` changed (the operation runner does, after each write)."""
        if changes:
            self.bus.changed.emit(changes)

    def may(self, permission: Permission) -> bool:
        """Whether the signed-in user's role allows `permission` (the services check too)."""
        return allowed(self.role, permission)

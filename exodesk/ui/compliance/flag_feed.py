"""The compliance flags of the whole clinic, computed once per change off the UI thread and
handed to everyone who shows them (Flags view, Dashboard, the window's status bar)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from exodesk.services.compliance import rules
from exodesk.ui.common.jobs import BackgroundRunner
from exodesk.ui.shell.context import AppContext


class FlagFeed(QObject):
    """`ready(flags)` each time the flags are computed, `failed(message)` when they could
    not be; `flags` is the latest list (None before the first)."""

    ready = Signal(object)
    failed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.flags: list[rules.Flag] | None = None
        self.computing = False
        self._runner = BackgroundRunner(self)

    def recompute(self) -> None:
        db, today = self.ctx.db, self.ctx.today()

        def work() -> list[rules.Flag]:
            with db.read() as session:
                return rules.check(session, today)

        self.computing = True
        self._runner.start("flags", work, self._done)

    def _done(self, result: Any) -> None:
        self.computing = False
        if isinstance(result, Exception):
            self.failed.emit(str(result))
            return
        self.flags = result
        self.ready.emit(result)

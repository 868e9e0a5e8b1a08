"""The compliance flags of the whole clinic, computed once per change off the UI thread and
handed to everyone who shows them (Flags view, Dashboard, the window's status bar)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QObject, Signal

from exodesk.services.compliance import rules
from exodesk.services.compliance.flag_list import FlagList
from exodesk.services.compliance.touched import Touched, joined
from exodesk.ui.common.jobs import BackgroundRunner
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import take_touched


class FlagFeed(QObject):
    """`ready(flags)` each time the flags are computed, `failed(message)` when they could
    not be; `flags` is the latest list (None before the first). After a write made through
    the operation runner, only the flags of what it touched are worked out again
    (`rules.recheck`); otherwise, and whenever that is not known, the full check."""

    ready = Signal(object)
    failed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.flags: list[rules.Flag] | None = None
        self.listed: FlagList | None = None  # `flags`, counted and ready to search
        # What the latest flags were worked out again for (None: the whole clinic)
        self.touched: Touched | None = None
        self.computing = False
        self._runner = BackgroundRunner(self)
        self._flags_day: dt.date | None = None  # the day `flags` were worked out for
        # What the window's writes touched since `flags` (None: something not known)
        self._since: Touched | None = Touched()

    def recompute(self) -> None:
        db, today = self.ctx.db, self.ctx.today()
        touches = take_touched(db)
        if not touches:
            self._since = None  # asked without a write of ours (a refresh): check in full
        for touched in touches:
            self._since = joined(self._since, touched)
        previous, since = self.listed, self._since
        if previous is None or today != self._flags_day:
            since = None

        def work() -> tuple[dt.date, FlagList, Touched | None]:
            with db.read() as session:
                if previous is None or since is None:
                    return today, FlagList(rules.check(session, today)), since
                change = rules.recheck_change(session, today, previous.flags, since)
            return today, FlagList.after(previous, change), since

        self.computing = True
        self._runner.start("flags", work, self._done)

    def _done(self, result: Any) -> None:
        self.computing = False
        if isinstance(result, Exception):
            self._since = None  # the next one checks in full
            self.failed.emit(str(result))
            return
        self._flags_day, listed, self.touched = result
        self._since = Touched()
        self.flags, self.listed = listed.flags, listed
        self.ready.emit(listed.flags)

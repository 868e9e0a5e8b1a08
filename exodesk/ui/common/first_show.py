"""A view that reads nothing when it is built: shown for the first time, it loads on the next
turn of the event loop, unless something reloaded it meanwhile (a window showing a view
reloads it itself at once)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer


class LoadOnFirstShow:
    def __init__(self, reload: Callable[[], None]) -> None:
        self._reload = reload
        self.requested = False  # a load was asked for (shown or reloaded): set by the view
        self.pending = False  # shown: the first load starts on the next turn

    def shown(self) -> None:
        """Call from the view's showEvent."""
        if not self.requested and not self.pending:
            self.pending = True
            QTimer.singleShot(0, self._first_load)

    def _first_load(self) -> None:
        self.pending = False
        if not self.requested:
            self._reload()

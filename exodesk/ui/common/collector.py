"""Python's cyclic garbage collector, run on the UI thread only.

The collector runs on whichever thread happens to allocate when a threshold is crossed. With
queries on worker threads, that is often a worker: a window, dialog or model caught in a
reference cycle is then deleted there, off the thread that owns it, and the program crashes.
So automatic collection is turned off while the window runs, and a timer on the UI thread
collects instead, generation by generation, by the same thresholds Python itself uses."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 200


class UiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def collect_due(self) -> None:
        """Collect each generation whose threshold is crossed, as the automatic one would."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

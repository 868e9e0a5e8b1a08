"""Python's cyclic garbage collector, run on the UI thread only.

The collector runs on whichever thread happens to allocate when a threshold is crossed. With
queries on worker threads, that is often a worker: a window, dialog or model caught in a
reference cycle is then deleted there, off the thread that owns it, and the program crashes.
So automatic collection is turned off while the window runs, and a timer on the UI thread
collects instead, generation by generation, by the same rules Python itself uses: the
thresholds, and a full collection only once the objects that became long-lived since the
last one are a quarter of those it kept (a clinic group's flags and stock rows are hundreds
of thousands of objects, and walking them all takes a fifth of a second)."""

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
        self._long_lived = len(gc.get_objects(generation=2))  # kept by the last full one
        self._pending = 0  # moved into the oldest generation since (at most)
        gc.disable()
        self._timer.start()

    def collect_due(self) -> None:
        """Collect the oldest generation that is due, as the automatic collector would."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if thresholds[2] and counts[2] > thresholds[2] and self._pending > self._long_lived // 4:
            gc.collect(2)
            self._long_lived, self._pending = len(gc.get_objects(generation=2)), 0
            return
        for generation in (1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                if generation == 1:  # what survives goes to the oldest generation
                    self._pending += len(gc.get_objects(generation=0))
                    self._pending += len(gc.get_objects(generation=1))
                gc.collect(generation)
                return

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

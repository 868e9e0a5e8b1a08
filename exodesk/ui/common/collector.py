"""Python's cyclic garbage collector, run on the UI thread only.

The collector runs on whichever thread happens to allocate when a threshold is crossed. With
queries on worker threads, that is often a worker: a window, dialog or model caught in a
reference cycle is then deleted there, off the thread that owns it, and the program crashes.
So automatic collection is turned off while the window runs, and a timer on the UI thread
collects instead, generation by generation, by the same rules Python itself uses: the
thresholds, and a full collection only once the objects that became long-lived since the
last one are a quarter of those it kept (a clinic group's flags and stock rows are hundreds
of thousands of objects, and walking them all takes a fifth of a second).

In the window (`freeze_survivors`) no collection walks a clinic group's data more than once
(each walk of it is 100-160 ms on the UI thread, in the middle of a search):
- what a full collection keeps is frozen (`gc.freeze`), so the next one walks only what
  became long-lived since;
- when a worker has just built more than BULK objects (the flags, the stock rows: data, not
  windows), they are frozen as they are instead of being walked, young or old.
A frozen object freed by its reference count goes as ever (data has no cycles); one that
later ends in a cycle of garbage waits for `walk_everything`, which the window calls when it
locks after being left idle."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 200
BULK = 50_000  # young objects at once: a worker's data, frozen rather than walked


class UiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, *, freeze_survivors: bool = False) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._was_enabled = gc.isenabled()
        self._freeze = freeze_survivors
        self._long_lived = self._kept()  # kept by the last full one
        self._pending = 0  # moved into the oldest generation since (at most)
        gc.disable()
        self._timer.start()

    def _kept(self) -> int:
        return len(gc.get_objects(generation=2)) + (gc.get_freeze_count() if self._freeze else 0)

    def _full(self) -> None:
        gc.collect(2)
        if self._freeze:
            gc.freeze()  # walked once: not again by the next full collection
        self._long_lived, self._pending = self._kept(), 0

    def walk_everything(self) -> None:
        """A full collection of every object, frozen ones too (when nobody is waiting)."""
        gc.unfreeze()
        self._full()

    def collect_due(self) -> None:
        """Collect the oldest generation that is due, as the automatic collector would."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if thresholds[2] and counts[2] > thresholds[2] and self._pending > self._long_lived // 4:
            if self._freeze and self._pending > BULK:
                gc.freeze()  # a worker's data, grown old a little at a time: not walked
                self._long_lived, self._pending = self._kept(), 0
                return
            self._full()
            return
        for generation in (1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                young = len(gc.get_objects(generation=0))
                if generation == 1 or self._freeze:
                    young += len(gc.get_objects(generation=1))
                if self._freeze and young > BULK:
                    gc.freeze()
                    self._long_lived += young
                    return
                if generation == 1:  # what survives goes to the oldest generation
                    self._pending += young
                gc.collect(generation)
                return

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

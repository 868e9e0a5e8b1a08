"""Run a slow query off the UI thread and hand its result back on the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot


class _Relay(QObject):
    finished = Signal(object)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.work = work
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.work()
        except Exception as exc:  # handed to the UI thread, which shows it
            result = exc
        self.relay.finished.emit(result)


class BackgroundRunner(QObject):
    """Starts jobs on the global thread pool; `done` callbacks run on this object's (the UI)
    thread. Results of a job superseded by a newer one (same key) are dropped."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._latest: dict[str, int] = {}
        self._pending: dict[int, tuple[_Relay, Callable[[Any], None]]] = {}
        self._serial = 0

    def start(self, key: str, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self._serial += 1
        serial = self._serial
        self._latest[key] = serial
        relay = _Relay()
        relay.finished.connect(
            lambda result, s=serial, k=key: self._finish(s, k, result),
            Qt.ConnectionType.QueuedConnection,
        )
        self._pending[serial] = (relay, done)
        relay.moveToThread(self.thread())
        QThreadPool.globalInstance().start(_Job(work, relay))

    @Slot()
    def _finish(self, serial: int, key: str, result: Any) -> None:
        if not shiboken6.isValid(self):
            return  # the runner's widget was closed while the job ran: nobody to tell
        _, done = self._pending.pop(serial)
        if self._latest.get(key) == serial:
            done(result)

    @property
    def busy(self) -> bool:
        return bool(self._pending)


def wait_for_background_jobs() -> None:
    QThreadPool.globalInstance().waitForDone()

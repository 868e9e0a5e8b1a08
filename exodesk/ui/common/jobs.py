"""Run a slow query off the UI thread and hand its result back on the UI thread."""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal


class _Relay(QObject):
    """Carries each job's result to the UI thread. One for the whole program, never
    deleted: a worker never emits on an object the UI thread may be deleting (a view
    closed while its query runs), which crashed the process."""

    finished = Signal(object, object)  # the job's number, its result


_relay: _Relay | None = None
_numbers = itertools.count(1)
_runners: dict[int, weakref.ref[BackgroundRunner]] = {}  # job number -> who started it


def _the_relay() -> _Relay:
    global _relay
    if _relay is None:  # made on the UI thread, by the first job started
        _relay = _Relay()
        _relay.finished.connect(_deliver, Qt.ConnectionType.QueuedConnection)
    return _relay


def _deliver(number: int, result: Any) -> None:
    ref = _runners.pop(number, None)
    runner = ref() if ref is not None else None
    if runner is not None and shiboken6.isValid(runner):
        runner._finish(number, result)
    # else: the runner's widget was closed while the job ran: nobody to tell


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], number: int, relay: _Relay) -> None:
        super().__init__()
        self.work = work
        self.number = number
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.work()
        except Exception as exc:  # handed to the UI thread, which shows it
            result = exc
        self.relay.finished.emit(self.number, result)


class BackgroundRunner(QObject):
    """Starts jobs on the global thread pool; `done` callbacks run on this object's (the UI)
    thread. Results of a job superseded by a newer one (same key) are dropped."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._latest: dict[str, int] = {}
        self._pending: dict[int, tuple[str, Callable[[Any], None]]] = {}

    def start(self, key: str, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        relay = _the_relay()
        number = next(_numbers)
        self._latest[key] = number
        self._pending[number] = (key, done)
        _runners[number] = weakref.ref(self)
        QThreadPool.globalInstance().start(_Job(work, number, relay))

    def _finish(self, number: int, result: Any) -> None:
        key, done = self._pending.pop(number)
        if self._latest.get(key) == number:
            done(result)

    @property
    def busy(self) -> bool:
        return bool(self._pending)


def wait_for_background_jobs() -> None:
    QThreadPool.globalInstance().waitForDone()

"""The one way the window writes. A widget gathers its input and hands one service call,
`(session) -> result`, and the `Changes` it makes to `run_write` (or `run_slow_write` for
imports, count closes and other long ones, which run on a worker thread while the window
stays live). The call runs in one `db.write()` transaction; an expected refusal
(`ExoDeskError`) is shown on the caller's error line and nothing is written; on success the
caller's `on_success` runs and the `Changes` are announced once on the bus. Anything
unexpected still reaches the GUI's error hook."""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QWidget

from exodesk.db import Database, explain_database_error
from exodesk.services.compliance.touched import Touched, TouchWatch
from exodesk.services.errors import ExoDeskError
from exodesk.ui.common.error_line import ErrorLine
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext

if TYPE_CHECKING:
    from exodesk.services.session import Session

T = TypeVar("T")
Call = Callable[["Session"], T]
OnFailure = Callable[[ExoDeskError], None]


def refusal(exc: Exception) -> ExoDeskError | None:
    """`exc` as the typed refusal the window shows, or None when it is not an expected one
    (a bug: it goes to the error hook)."""
    if isinstance(exc, ExoDeskError):
        return exc
    database_said = explain_database_error(exc)
    if database_said is not None:
        return ExoDeskError(database_said)
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return ExoDeskError(f"{exc.strerror or exc}{where}; nothing was written")
    return None


def _refused(
    refused: ExoDeskError, error_line: ErrorLine | None, on_failure: OnFailure | None
) -> None:
    if error_line is not None:
        error_line.show_problems(refused.problems)
    if on_failure is not None:
        on_failure(refused)


def _succeeded(
    ctx: WriteTarget,
    result: T,
    changes: Changes,
    error_line: ErrorLine | None,
    on_success: Callable[[T], None] | None,
) -> None:
    if error_line is not None:
        error_line.clear()
    if on_success is not None:
        on_success(result)
    ctx.announce_change(changes)


class WriteTarget(Protocol):
    """Where a write goes and who hears of it: the window's AppContext, or `BeforeTheWindow`
    at start-up (the first admin, signing in) when no view exists yet to tell."""

    @property
    def db(self) -> Database: ...

    def announce_change(self, changes: Changes) -> None: ...


@dataclass(frozen=True)
class BeforeTheWindow:
    db: Database

    def announce_change(self, changes: Changes) -> None:
        """Nothing is shown yet: no view to reload."""


def write_or_refuse(target: WriteTarget, call: Call[T], changes: Changes) -> T:
    """Run `call` in one transaction on the UI thread and announce `changes`; an expected
    failure is raised as the `ExoDeskError` the window shows (nothing written), for callers
    that decide by its type (the sign-in throttle)."""
    result = _written(target, call)
    target.announce_change(changes)
    return result


def _written(target: WriteTarget, call: Call[T]) -> T:
    """`call`'s result, run in one `db.write()`; an expected failure raised as the refusal the
    window shows (a bug is raised as it is). What the write touched is kept for the flags
    (`take_touched`) once it is committed."""
    try:
        with target.db.write() as session:
            watch = TouchWatch(session)
            try:
                result = call(session)
            finally:
                touched = watch.stop()
    except Exception as exc:
        refused = refusal(exc)
        if refused is None or refused is exc:
            raise
        raise refused from exc
    if touched.anything:
        with _touched_lock:
            _, found = _touched.setdefault(id(target.db), (weakref.ref(target.db), []))
            found.append(touched)
    return result


# What each database's committed writes touched, since the flags last took it (by the
# database's identity: a Database compares by value and cannot be a dictionary key).
_touched: dict[int, tuple[weakref.ref[Database], list[Touched]]] = {}
_touched_lock = threading.Lock()


def take_touched(db: Database) -> list[Touched]:
    """What the window's writes to `db` touched since the last call (oldest first)."""
    with _touched_lock:
        for key, (ref, _) in list(_touched.items()):
            if ref() is None:
                del _touched[key]
        ref_found = _touched.pop(id(db), None)
    if ref_found is None or ref_found[0]() is not db:
        return []
    return ref_found[1]


def run_write(
    ctx: WriteTarget,
    call: Call[T],
    changes: Changes,
    *,
    error_line: ErrorLine | None = None,
    on_success: Callable[[T], None] | None = None,
    on_failure: OnFailure | None = None,
) -> bool:
    """Run `call` in one transaction on the UI thread; True when it was written."""
    try:
        result = _written(ctx, call)
    except ExoDeskError as refused:
        _refused(refused, error_line, on_failure)
        return False
    _succeeded(ctx, result, changes, error_line, on_success)
    return True


class _Relay(QObject):
    finished = Signal(object, object)  # result, exception


class _Worker(QRunnable):
    def __init__(self, ctx: AppContext, call: Call[Any], relay: _Relay) -> None:
        super().__init__()
        self.ctx, self.call, self.relay = ctx, call, relay

    def run(self) -> None:
        try:
            result = _written(self.ctx, self.call)
        except Exception as exc:  # handed to the UI thread, which shows it
            self.relay.finished.emit(None, exc)
            return
        self.relay.finished.emit(result, None)


_running: set[_Relay] = set()


def slow_write_running() -> bool:
    return bool(_running)


def run_slow_write(
    ctx: AppContext,
    call: Call[T],
    changes: Changes,
    *,
    error_line: ErrorLine | None = None,
    on_success: Callable[[T], None] | None = None,
    on_failure: OnFailure | None = None,
    busy: Sequence[QWidget | QAction] = (),
    busy_text: str = "Working…",
) -> None:
    """Run `call` in one transaction on a worker thread; the window stays live, says it is
    busy (`bus.busy`, a wait cursor) and disables `busy` until the result is back. `call`
    must not touch widgets: gather every input before."""
    # Owned by the application, deleted on the UI thread once done: the worker's last
    # reference to it must not delete it on the worker thread (a crash).
    relay = _Relay(QCoreApplication.instance())
    _running.add(relay)
    enabled = [(item, item.isEnabled()) for item in busy]
    for item in busy:
        item.setEnabled(False)
    QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
    ctx.bus.busy.emit(busy_text)

    def finished(result: Any, exc: Exception | None) -> None:
        _running.discard(relay)
        relay.deleteLater()
        QGuiApplication.restoreOverrideCursor()
        for item, was in enabled:
            item.setEnabled(was)
        ctx.bus.busy.emit("")
        if exc is None:
            _succeeded(ctx, result, changes, error_line, on_success)
            return
        if not isinstance(exc, ExoDeskError):  # a bug: the worker's _written let it through
            sys.excepthook(type(exc), exc, exc.__traceback__)
            return
        _refused(exc, error_line, on_failure)

    relay.finished.connect(finished, Qt.ConnectionType.QueuedConnection)
    QThreadPool.globalInstance().start(_Worker(ctx, call, relay))

"""Waiting for a view that queries the database off the UI thread (Treatments, Audit):
its search waits for typing to pause, then the rows and the count come from a worker."""

from __future__ import annotations

from typing import Protocol

from pytestqt.qtbot import QtBot


class Loads(Protocol):
    @property
    def busy(self) -> bool: ...


def loaded(qtbot: QtBot, view: Loads, timeout: int = 30_000) -> None:
    """Let the event loop run until the view's rows and count are in."""
    qtbot.waitUntil(lambda: not view.busy, timeout=timeout)

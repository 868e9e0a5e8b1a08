"""Garbage is collected on the UI thread, by Python's own thresholds, never automatically
on whichever thread allocates."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from exodesk.ui.common.collector import UiThreadCollector


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


@pytest.fixture
def low_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(5, 10, 10)
    yield
    gc.set_threshold(*before)


def test_automatic_collection_is_off_and_the_timer_collects(
    qtbot: QtBot, low_thresholds: None
) -> None:
    collector = UiThreadCollector()
    try:
        assert not gc.isenabled()
        node = _Node()
        gone = weakref.ref(node)
        del node
        _ = [_Node() for _ in range(20)]  # past the first threshold
        del _
        qtbot.waitUntil(lambda: gone() is None, timeout=5_000)
    finally:
        collector.stop()

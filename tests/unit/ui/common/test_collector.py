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


def test_a_full_collection_waits_until_a_quarter_more_objects_are_long_lived(
    monkeypatch: pytest.MonkeyPatch, low_thresholds: None
) -> None:
    """As Python's own collector: a large heap (a clinic group's flags) is walked in full
    only once the objects that became long-lived since the last full walk are a quarter of
    those it kept, not every tenth younger collection."""
    kept = [_Node() for _ in range(40_000)]  # long-lived, as the flags are
    collector = UiThreadCollector()
    collector._timer.stop()  # driven by hand here, as the timer would
    done: list[int] = []
    real = gc.collect

    def collect(generation: int = 2) -> int:
        done.append(generation)
        return real(generation)

    def run(rounds: int, keep: list[object], each: int) -> None:
        for _ in range(rounds):
            keep.extend(_Node() for _ in range(each))
            collector.collect_due()

    monkeypatch.setattr(gc, "collect", collect)
    try:
        collector._pending = 1 + collector._long_lived  # due: a first full walk
        survivors: list[object] = []
        run(400, survivors, 6)
        assert 2 in done
        assert collector._long_lived >= len(kept)
        done.clear()
        run(400, survivors, 6)  # a few survivors each time: younger collections only
        assert 1 in done and 2 not in done
        # half as many again as the last full walk kept: one more full walk
        run(400, survivors, collector._long_lived // 2 // 400 + 1)
        assert 2 in done
    finally:
        collector.stop()

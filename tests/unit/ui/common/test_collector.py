"""Garbage is collected on the UI thread, by Python's own thresholds, never automatically
on whichever thread allocates."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from exodesk.ui.common import collector as collector_module
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


@pytest.fixture
def unfrozen_after() -> Iterator[None]:
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("low_thresholds", "unfrozen_after")
def test_in_the_window_what_a_full_collection_keeps_is_not_walked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The window's collector freezes the survivors of each full collection: the next one
    walks only what became long-lived since. A cycle of frozen objects that later turns to
    garbage is freed by the walk of everything (when the window locks)."""
    collector = UiThreadCollector(freeze_survivors=True)
    collector._timer.stop()
    try:
        kept = [_Node() for _ in range(1_000)]
        collector._pending = 1 + collector._long_lived  # due: a full walk
        monkeypatch.setattr(gc, "get_count", lambda: (0, 0, 11))  # past the oldest threshold
        collector.collect_due()
        monkeypatch.undo()
        assert gc.get_objects(generation=2) == []  # every survivor frozen
        assert gc.get_freeze_count() >= len(kept)
        gone = weakref.ref(kept[0])
        del kept  # garbage now, in cycles, among the frozen
        gc.collect()
        assert gone() is not None  # an ordinary collection leaves the frozen alone
        collector.walk_everything()
        assert gone() is None
        assert gc.get_objects(generation=2) == []
    finally:
        collector.stop()


@pytest.mark.usefixtures("low_thresholds")
def test_elsewhere_nothing_is_frozen(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    frozen = gc.get_freeze_count()
    collector = UiThreadCollector()
    collector._timer.stop()
    try:
        collector._pending = 1 + collector._long_lived
        monkeypatch.setattr(gc, "get_count", lambda: (0, 0, 11))  # a full walk is due
        collector.collect_due()
        assert gc.get_freeze_count() == frozen
    finally:
        collector.stop()


@pytest.mark.usefixtures("low_thresholds", "unfrozen_after")
def test_in_the_window_a_workers_bulk_of_new_objects_is_frozen_not_walked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker that has just built a clinic group's flags leaves hundreds of thousands of
    young objects: walking them is 100-160 ms on the UI thread. The window's collector
    freezes them instead; a handful of young objects are collected as ever."""
    monkeypatch.setattr(collector_module, "BULK", 500)
    collector = UiThreadCollector(freeze_survivors=True)
    collector._timer.stop()
    walked: list[int] = []
    real = gc.collect

    def collect(generation: int = 2) -> int:
        walked.append(generation)
        return real(generation)

    try:
        gc.collect()
        monkeypatch.setattr(gc, "collect", collect)
        frozen = gc.get_freeze_count()
        few = [_Node() for _ in range(20)]
        collector.collect_due()
        assert walked and few
        assert gc.get_freeze_count() == frozen
        walked.clear()
        frozen = gc.get_freeze_count()
        bulk = [_Node() for _ in range(2_000)]  # a worker's data
        collector.collect_due()
        assert walked == []
        assert gc.get_freeze_count() >= frozen + len(bulk)
        assert gc.get_objects(generation=0) == []
    finally:
        collector.stop()


@pytest.mark.usefixtures("low_thresholds", "unfrozen_after")
def test_in_the_window_a_bulk_grown_old_a_little_at_a_time_is_frozen_not_walked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(collector_module, "BULK", 500)
    collector = UiThreadCollector(freeze_survivors=True)
    collector._timer.stop()
    try:
        gc.collect()
        frozen = gc.get_freeze_count()
        old = [_Node() for _ in range(2_000)]
        gc.collect(1)  # grown old: in the oldest generation, not frozen yet
        assert len(gc.get_objects(generation=2)) >= len(old)
        walked: list[int] = []
        monkeypatch.setattr(gc, "collect", lambda generation=2: walked.append(generation) or 0)
        monkeypatch.setattr(gc, "get_count", lambda: (0, 0, 11))  # a full walk is due
        collector._pending = len(old)  # moved into the oldest generation since the last walk
        collector._long_lived = 0
        collector.collect_due()
        assert walked == []
        assert gc.get_freeze_count() >= frozen + len(old)
    finally:
        collector.stop()

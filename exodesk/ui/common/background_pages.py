"""A table whose rows come from the database a page at a time with every query off the UI
thread: the first page (then the count, if the page was full) when the view loads, the next
page when the table scrolls to its end. One load at a time: a load asked for while one runs
is served when it ends, with the newest question (two cores are not split between stale
queries), and the results of a superseded question are dropped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QModelIndex, Qt, Signal

from exodesk.ui.common.jobs import BackgroundRunner
from exodesk.ui.common.table_models import Index, PagedRowTableModel, _display

T = TypeVar("T")
Shown = tuple[str, ...]  # a row's cells as the table shows them
DISPLAY = Qt.ItemDataRole.DisplayRole
SEARCH_DELAY_MS = 250  # a search starts when typing pauses this long (or on Enter)


class Pages(Protocol[T]):
    """One question to the database (a filter, a search). Both methods run on a worker
    thread and open their own session."""

    def page(self, after: T | None, limit: int) -> Sequence[T]:
        """Up to `limit` rows in the list's order, after the row `after` (None: from the top)."""
        ...

    def count(self) -> int:
        """How many rows the question selects."""
        ...


class BackgroundPagedModel(PagedRowTableModel[T]):
    """`load(pages)` shows a new question's rows; `loading` says when queries run, `counted`
    gives the total once known (until then `total` is the rows loaded), `failed` a message.
    Each row's cells are put in words on the worker too, once: painting only looks them up."""

    loading = Signal(bool)
    counted = Signal(int)
    failed = Signal(str)

    def __init__(self, rows: Sequence[T] = ()) -> None:
        super().__init__(rows)
        self._runner = BackgroundRunner(self)
        self._pages: Pages[T] | None = None  # the question the rows answer
        self._wanted: Pages[T] | None = None  # a question waiting for the running load
        self._running = False  # a first page or a count runs
        self._paging = False  # a further page runs
        self._counted: int | None = None
        self._complete = True  # every row of the question is loaded
        self._shown: list[Shown] = []  # the first rows' cells in words (all rows once loaded)

    # -- loading -----------------------------------------------------------------------

    def load(self, pages: Pages[T]) -> None:
        self._wanted = pages
        if not self._running:
            self._start()

    @property
    def busy(self) -> bool:
        """Whether rows or the count are still coming (the first page or the count)."""
        return self._running or self._wanted is not None

    @property
    def question(self) -> Pages[T] | None:
        """The question the rows answer (None before the first rows come)."""
        return self._pages

    @property
    def answered(self) -> bool:
        """Whether the rows answer a question yet (False until the first load's rows come)."""
        return self._pages is not None

    @property
    def counting(self) -> bool:
        return self._pages is not None and self._counted is None

    def _start(self) -> None:
        pages, self._wanted = self._wanted, None
        if pages is None:
            return
        self._running = True
        self.loading.emit(True)
        limit = self.PAGE_SIZE
        self._runner.start(
            "first", lambda: self._read(pages, None, limit), lambda r: self._first(pages, r, limit)
        )

    def _read(self, pages: Pages[T], after: T | None, limit: int) -> tuple[list[T], list[Shown]]:
        """A page and its cells in words (on the worker thread: plain Python, no Qt)."""
        rows = list(pages.page(after, limit))
        columns = self.columns
        return rows, [tuple(_display(c.value(r)) for c in columns) for r in rows]

    def set_rows(self, rows: Sequence[T], shown: Sequence[Shown] = ()) -> None:
        self._shown = list(shown)
        super().set_rows(rows)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if role == DISPLAY and index.isValid():
            row, shown = index.row(), self._shown
            if 0 <= row < len(shown):
                return shown[row][index.column()]
        return super().data(index, role)

    def _superseded(self) -> bool:
        self._running = False
        if self._wanted is not None:
            self._start()
            return True
        return False

    def _first(self, pages: Pages[T], result: Any, limit: int) -> None:
        if self._superseded():
            return
        if isinstance(result, Exception):
            self.loading.emit(False)
            self.failed.emit(str(result))
            return
        rows, shown = result
        self._fetch = None
        self._pages = pages
        self._complete = len(rows) < limit
        self._counted = len(rows) if self._complete else None
        self._total = len(rows)
        self.set_rows(rows, shown)
        if self._counted is not None:
            self.loading.emit(False)
            self.counted.emit(self._counted)
            return
        self._running = True
        self._runner.start("count", pages.count, lambda r: self._count_done(pages, r))

    def _count_done(self, pages: Pages[T], result: Any) -> None:
        if self._superseded():
            return
        self.loading.emit(False)
        if pages is not self._pages:
            return
        if isinstance(result, Exception):
            self.failed.emit(str(result))
            return
        self._counted = max(int(result), len(self._rows))
        self.counted.emit(self._counted)

    # -- further pages -------------------------------------------------------------------

    @property
    def total(self) -> int:
        if self._pages is None:
            return self._total
        return self._counted if self._counted is not None else len(self._rows)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if self._pages is None:
            return super().canFetchMore(parent)
        return not parent.isValid() and not self._complete

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        """The next page, queried off the UI thread (the table asks as it scrolls)."""
        pages = self._pages
        if pages is None:
            super().fetchMore(parent)
            return
        if parent.isValid() or self._complete or self._paging or not self._rows:
            return
        last, limit = self._rows[-1], self.PAGE_SIZE
        self._paging = True
        self._runner.start(
            "page",
            lambda: self._read(pages, last, limit),
            lambda r: self._page_done(pages, last, limit, r),
        )

    def fetch_now(self) -> bool:
        """The next page, queried now on this thread (to find a row); False once all loaded."""
        if self._pages is None:
            if not self.canFetchMore():
                return False
            super().fetchMore()
            return True
        if self._complete or not self._rows:
            return False
        last = self._rows[-1]
        self._add_page(last, self._read(self._pages, last, self.PAGE_SIZE), self.PAGE_SIZE)
        return True

    def _page_done(self, pages: Pages[T], last: T, limit: int, result: Any) -> None:
        self._paging = False
        if pages is not self._pages:
            return
        if isinstance(result, Exception):
            self.failed.emit(str(result))
            return
        self._add_page(last, result, limit)

    def _add_page(self, last: T, page: tuple[list[T], list[Shown]], limit: int) -> None:
        rows, shown = page
        if not self._rows or self._rows[-1] is not last:
            return  # loaded already (found a row meanwhile) or the rows were replaced
        if len(rows) < limit:
            self._complete = True
            if self._counted is None or self._counted < len(self._rows) + len(rows):
                self._counted = len(self._rows) + len(rows)
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            if len(self._shown) == first:
                self._shown.extend(shown)
            self.endInsertRows()

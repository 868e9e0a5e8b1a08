"""Longest single UI event while opening the Stock view and scrolling it end to end.

    .venv/bin/python benchmarks/bench_stock_view.py --db /tmp/huge.sqlite
    .venv/bin/python benchmarks/bench_stock_view.py --lots 100000 --treatments 100000

Every event the application delivers is timed (QApplication.notify, outermost events only).
The view is opened the way the window opens it, then scrolled to the last lot by pressing
Ctrl+End as a user would, until every page is loaded. Sorting and filtering happen in SQL on
a worker thread; the figure that matters is the longest event on the UI thread.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

HERE = Path(__file__).resolve().parent


class TimedApplication(QApplication):
    def __init__(self, argv: list[str]) -> None:
        super().__init__(argv)
        self.depth = 0
        self.durations: list[float] = []
        self.slowest: tuple[float, str] = (0.0, "")

    def notify(self, receiver: QObject, event: QEvent) -> bool:
        self.depth += 1
        start = time.perf_counter()
        try:
            return super().notify(receiver, event)
        finally:
            self.depth -= 1
            if self.depth == 0:
                took = time.perf_counter() - start
                self.durations.append(took)
                if took > self.slowest[0]:
                    self.slowest = (took, f"{event.type().name} to {type(receiver).__name__}")


def build_database(lots: int, treatments: int, folder: Path) -> Path:
    data = folder / "stock.json"
    db = folder / "stock.sqlite"
    subprocess.run(
        [
            sys.executable,
            str(HERE / "generate.py"),
            "--lots",
            str(lots),
            "--treatments",
            str(treatments),
            "--out",
            str(data),
        ],
        check=True,
    )
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "exodesk", "import", str(data), "--db", str(db)], check=True
    )
    print(f"imported in {time.perf_counter() - started:.1f} s")
    return db


def measure(db_path: Path) -> dict[str, Any]:
    app = TimedApplication(sys.argv[:1])
    from exodesk.app import freeze_startup_objects
    from exodesk.db import open_database
    from exodesk.ui.shell.context import AppContext
    from exodesk.ui.stock.stock_view import StockView

    db = open_database(str(db_path))
    ctx = AppContext(db=db, user="bench", today=dt.date.today)
    view = StockView(ctx)
    view.resize(1280, 800)
    view.show()
    freeze_startup_objects()  # as the application does once its window is up
    opened = time.perf_counter()
    reload_took = 0.0

    def open_view() -> None:  # a click on "Stock" in the navigation: one event
        nonlocal reload_took
        start = time.perf_counter()
        view.reload()
        reload_took = time.perf_counter() - start

    loop = QEventLoop()
    view.model.total_changed.connect(lambda _total: loop.quit())
    QTimer.singleShot(0, open_view)
    loop.exec()
    first_rows = time.perf_counter() - opened
    total = view.model.total
    view.table.setFocus()
    presses = 0
    while view.model.rowCount() < total:
        QTest.keyClick(view.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        presses += 1
    QCoreApplication.processEvents()
    scrolled = time.perf_counter() - opened
    durations = sorted(app.durations)
    print("slowest 5 events (ms):", [round(d * 1000, 1) for d in durations[-5:]])
    result = {
        "lots shown": total,
        "rows loaded": view.model.rowCount(),
        "Ctrl+End presses": presses,
        "events timed": len(durations),
        "opening call (ms)": reload_took * 1000,
        "first rows after (s)": first_rows,
        "end to end (s)": scrolled,
        "longest event (ms)": max(max(durations), reload_took) * 1000,
        "slowest event": app.slowest[1],
        "p99 event (ms)": durations[int(len(durations) * 0.99)] * 1000,
        "median event (ms)": statistics.median(durations) * 1000,
    }
    view.close()
    db.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing ExoDesk database to open")
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--treatments", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or build_database(args.lots, args.treatments, Path(folder))
        result = measure(db)
    width = max(len(k) for k in result)
    for key, value in result.items():
        shown = (
            f"{value:,.1f}"
            if isinstance(value, float)
            else f"{value:,}"
            if isinstance(value, int)
            else value
        )
        print(f"{key.ljust(width)}  {shown}")
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of Qt objects (not what is measured)


if __name__ == "__main__":
    sys.exit(main())

"""The window's longest event per view, on a large generated clinic (issue 15, item 5).

    .venv/bin/python benchmarks/bench_views.py --db /tmp/compare/exodesk.sqlite
    .venv/bin/python benchmarks/bench_views.py --lots 10000 --treatments 100000
    # options: --today YYYY-MM-DD  --views Products,Documents  --settle-cap SECONDS

Builds the main window offscreen (QT_QPA_PLATFORM=offscreen) the way the application does,
then opens each view (Products, Documents, Treatments, Flags, Audit, Dashboard, Stock) by
clicking it in the navigation, waits until its background work is done, and types a search
into its search field one key every 150 ms, as a person would. Two figures per step:

- longest event: the longest outermost event the application delivered on the UI thread
  (QApplication.notify, as bench_stock_view.py does);
- longest stall: the largest gap between ticks of a 10 ms QTimer, minus the 10 ms, which also
  catches work done outside any single event.

It also reports how long the first window took to build and show, and how long until it was
idle (flags computed, Dashboard filled). The user's settings are left alone (QSettings go to a
temporary folder). Nothing here is asserted: it prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QThreadPool, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QLineEdit, QWidget  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_stock_view import TimedApplication  # noqa: E402

VIEWS = ("Products", "Documents", "Treatments", "Flags", "Audit", "Dashboard", "Stock")
# What is typed into each view's search field (generated data: benchmarks/generate.py)
SEARCHES = {
    "Products": ("search", "Exosome 04"),
    "Documents": ("search", "CoA B0001"),
    "Treatments": ("search", "P-00012"),
    "Flags": ("search", "B0001"),
    "Audit": ("key", "B00012"),
    "Stock": ("search", "B0001"),
}
TICK_MS = 10
KEY_MS = 150


class Stalls:
    """A 10 ms timer; the largest gap between two of its ticks since the last reset."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.reset()
        self.timer.start()

    def reset(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last - TICK_MS / 1000)
        self.last = now


class Phase:
    """One step: its longest event, its longest stall and how long until it was idle."""

    def __init__(self, app: TimedApplication, stalls: Stalls) -> None:
        self.app, self.stalls = app, stalls
        app.durations.clear()
        app.slowest = (0.0, "")
        stalls.reset()
        self.started = time.perf_counter()

    def result(self) -> dict[str, Any]:
        self.stalls._tick()  # a stall still under way when the step ended counts too
        return {
            "idle after (s)": time.perf_counter() - self.started,
            "longest event (ms)": self.app.slowest[0] * 1000,
            "slowest event": self.app.slowest[1],
            "longest stall (ms)": max(self.stalls.worst, 0.0) * 1000,
        }


def run_for(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def settle(done: Callable[[], bool] = lambda: True, cap: float = 600.0) -> None:
    """Run the event loop until no background job has run for 300 ms and `done()` holds."""
    pool = QThreadPool.globalInstance()
    quiet_since: float | None = None
    deadline = time.perf_counter() + cap
    while time.perf_counter() < deadline:
        run_for(50)
        if pool.activeThreadCount() == 0 and done():
            quiet_since = quiet_since or time.perf_counter()
            if time.perf_counter() - quiet_since >= 0.3:
                return
        else:
            quiet_since = None
    print(f"  (still busy after {cap:.0f} s: figures cover the first {cap:.0f} s)")


def type_search(field: QLineEdit, text: str) -> None:
    """Type `text` into `field` one key every KEY_MS, each key its own event."""
    field.setFocus()
    for i, char in enumerate(text):
        QTimer.singleShot(i * KEY_MS, lambda c=char: QTest.keyClicks(field, c))
    run_for(len(text) * KEY_MS)


def build_database(lots: int, treatments: int, today: dt.date, folder: Path) -> Path:
    data, db = folder / "clinic.json", folder / "clinic.sqlite"
    subprocess.run(
        [
            sys.executable,
            str(HERE / "generate.py"),
            "--lots",
            str(lots),
            "--treatments",
            str(treatments),
            "--today",
            today.isoformat(),
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


def measure(db_path: Path, today: dt.date, views: list[str], cap: float, folder: Path) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "cfg"))
    app = TimedApplication(sys.argv[:1])
    started = time.perf_counter()
    from exodesk.app import freeze_startup_objects, set_up_application
    from exodesk.db import open_database
    from exodesk.ui.shell.context import AppContext
    from exodesk.ui.shell.main_window import MainWindow

    set_up_application(app)  # as the application: its names, and garbage collected on the UI thread
    imported = time.perf_counter()
    db = open_database(str(db_path))
    opened = time.perf_counter()
    ctx = AppContext(db=db, user="bench", today=lambda: today, document_store=folder / "docs")
    stalls = Stalls()
    phase = Phase(app, stalls)
    window = MainWindow(ctx)
    built = time.perf_counter()
    window.resize(1280, 800)
    window.show()
    freeze_startup_objects()
    run_for(0)  # the first paint
    shown = time.perf_counter()
    settle(lambda: bool(window.flags) and window.dashboard.data is not None, cap)
    first = phase.result()
    print(f"database: {db_path} ({db_path.stat().st_size / 1e6:.0f} MB), today {today}")
    print(f"imports {imported - started:.2f} s, open_database {opened - imported:.2f} s")
    print(
        f"first window: built in {built - opened:.2f} s, shown after {shown - opened:.2f} s, "
        f"idle (flags, Dashboard) after {first['idle after (s)']:.2f} s; longest event "
        f"{first['longest event (ms)']:.0f} ms ({first['slowest event']}), longest stall "
        f"{first['longest stall (ms)']:.0f} ms"
    )
    print()
    print("| view | step | longest event | longest stall | idle after | slowest event |")
    print("|---|---|---|---|---|---|")
    for name in views:
        view: QWidget = window.views[name]
        phase = Phase(app, stalls)
        QTimer.singleShot(0, lambda n=name: window.show_view(n))  # a click in the navigation
        run_for(20)
        settle(cap=cap)
        _row(name, "open", phase.result())
        found = SEARCHES.get(name)
        field = getattr(view, found[0], None) if found else None
        if found and isinstance(field, QLineEdit):
            phase = Phase(app, stalls)
            type_search(field, found[1])
            settle(cap=cap)
            _row(name, f"search “{found[1]}”", phase.result())
            phase = Phase(app, stalls)
            QTimer.singleShot(0, field.clear)
            run_for(20)
            settle(cap=cap)
            _row(name, "clear search", phase.result())
    record_one_treatment(window, ctx, app, stalls, today, cap)
    sys.stdout.flush()
    db.close()


def record_one_treatment(
    window: Any, ctx: Any, app: Any, stalls: Stalls, today: dt.date, cap: float
) -> None:
    """Record one treatment as the treatment dialog does (one `run_write`, the Changes
    announced), then time until the flags, status bar and Dashboard are current again."""
    from sqlalchemy import select

    from exodesk.models import Product, Treatment
    from exodesk.services.treatments.recording import (
        TreatmentDraft,
        findings_for,
        lots_for_treatment,
        record_treatment,
    )
    from exodesk.ui.shell.changes import Changes
    from exodesk.ui.shell.operations import run_write

    with ctx.db.read() as session:
        practitioner = session.scalars(select(Treatment.practitioner).limit(1)).first()
        chosen = None
        for product in session.scalars(select(Product).order_by(Product.name)):
            lots = lots_for_treatment(session, product.name, today)
            if lots and product.intended_routes:
                chosen = (product.name, lots[0].lot, product.intended_routes[0])
                break
    if chosen is None or practitioner is None:
        print("record one treatment: no usable lot in this database; step skipped")
        return
    name, lot, route = chosen
    draft = TreatmentDraft(today, name, lot, "P-BENCH-1", practitioner, route, None, 1)
    with ctx.db.read() as session:  # what the dialog shows as the form is filled in
        findings_for(session, draft, today)
    window.show_view("Dashboard")  # the Dashboard on screen: it must be current too
    settle(lambda: window.dashboard.data is not None, cap)
    flags_before, board_before = window.flags, window.dashboard.data
    times: dict[str, float] = {}
    window.flag_feed.ready.connect(  # after the window's own slot: the status bar is set
        lambda _flags: times.setdefault("flags", time.perf_counter())
    )
    phase = Phase(app, stalls)

    def record() -> None:
        times["start"] = time.perf_counter()
        run_write(
            ctx,
            lambda session: record_treatment(
                session,
                draft,
                today=today,
                user=ctx.user,
                override_reason="benchmark treatment recorded to time the flags",
            ),
            Changes.TREATMENTS,
        )
        times["written"] = time.perf_counter()

    QTimer.singleShot(0, record)
    deadline = time.perf_counter() + cap
    while time.perf_counter() < deadline and window.dashboard.data is board_before:
        run_for(5)
    times.setdefault("dashboard", time.perf_counter())
    settle(cap=cap)
    result = phase.result()
    flags_ms = (times.get("flags", times["dashboard"]) - times["start"]) * 1000
    board_ms = (times["dashboard"] - times["start"]) * 1000
    write_ms = (times.get("written", times["start"]) - times["start"]) * 1000
    changed = "" if window.flags is not flags_before else " (flags not recomputed!)"
    print()
    print(
        f"record one treatment ({name}, lot {lot}): written in {write_ms:,.0f} ms (on the UI "
        f"thread, as the dialog does); flags and status bar current after {flags_ms:,.0f} ms, "
        f"Dashboard after {board_ms:,.0f} ms{changed}, from the click; longest event "
        f"{result['longest event (ms)']:,.0f} ms ({result['slowest event']})"
    )


def _row(view: str, step: str, r: dict[str, Any]) -> None:
    print(
        f"| {view} | {step} | {r['longest event (ms)']:,.0f} ms | {r['longest stall (ms)']:,.0f} ms"
        f" | {r['idle after (s)']:.2f} s | {r['slowest event']} |",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, help="an existing ExoDesk database to open")
    parser.add_argument("--lots", type=int, default=10_000)
    parser.add_argument("--treatments", type=int, default=100_000)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--views", default=",".join(VIEWS), help="comma-separated, in order")
    parser.add_argument("--settle-cap", type=float, default=600.0, help="seconds per step, at most")
    args = parser.parse_args()
    views = [v.strip() for v in args.views.split(",") if v.strip()]
    unknown = [v for v in views if v not in VIEWS]
    if unknown:
        parser.error(f"unknown view(s): {', '.join(unknown)}; choose from {', '.join(VIEWS)}")
    with tempfile.TemporaryDirectory(prefix="exodesk-views-") as folder:
        db = args.db or build_database(args.lots, args.treatments, args.today, Path(folder))
        measure(db, args.today, views, args.settle_cap, Path(folder))
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of Qt objects (not what is measured)


if __name__ == "__main__":
    sys.exit(main())

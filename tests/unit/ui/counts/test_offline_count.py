"""Counting offline from a sheet file alone: every entry is saved at once, atomically, so a
process killed mid-count loses nothing that was entered, and the file always parses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from counting_helpers import (
    CELVIA_GTIN,
    HAIREXO_GTIN,
    answer,
    click_yes,
    gs1,
    row_of,
    run_cli,
    scan,
    type_count,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.services.counts import counts
from exodesk.services.counts.sheet import parse_sheet
from exodesk.ui.counts.found_lot_dialog import FoundLotDialog
from exodesk.ui.counts.offline_count import OfflineCountWindow, open_offline_count
from exodesk.ui.shell.context import AppContext

REPO = Path(__file__).resolve().parents[4]
DRIVER = Path(__file__).with_name("offline_driver.py")
HEADER = "product,lot,expiry,location,expected,counted"


def sheet_of_a_count(demo_db: Path, folder: Path, location: str = "Fridge A") -> tuple[int, Path]:
    count_id = int(run_cli("count", "start", "--location", location, "--db", str(demo_db)))
    sheet = folder / "sheet.csv"
    run_cli("count", "sheet", str(count_id), str(sheet), "--db", str(demo_db))
    return count_id, sheet


def open_window(qtbot: QtBot, path: Path) -> OfflineCountWindow:
    window = open_offline_count(path)
    assert isinstance(window, OfflineCountWindow)
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    qtbot.waitExposed(window)
    return window


def counted_on_disk(path: Path) -> dict[str, int | None]:
    return {r.lot: r.counted for r in parse_sheet(path.read_text(encoding="utf-8"))}


def temp_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


@pytest.mark.slow
def test_a_count_killed_mid_way_keeps_every_entry(
    qtbot: QtBot, ctx: AppContext, demo_db: Path, tmp_path: Path
) -> None:
    count_id, sheet = sheet_of_a_count(demo_db, tmp_path)
    # What the sheet holds after each entry the driver makes (it prints "entered N" then).
    entries = [("CV-3012B", 1), ("CV-3012B", 2), ("CV-3012B", 3), ("HX-0912", 1)]
    entries += [("PLX-3512", 1), ("PLX-3381", 6), ("VC-1212", 19)]
    states = [counted_on_disk(sheet)]
    for lot, number in entries:
        states.append({**states[-1], lot: number})
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    err_path = tmp_path / "driver-stderr.txt"
    lines: list[str] = []
    with (
        err_path.open("w", encoding="utf-8") as err_file,
        subprocess.Popen(
            [sys.executable, str(DRIVER), str(sheet)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err_file,
            text=True,
        ) as child,
    ):
        # Only against a hang: SIGTERM, so it cannot pass for the driver's own SIGKILL.
        guard = threading.Timer(300, child.terminate)
        guard.start()
        try:
            assert child.stdout is not None
            for line in child.stdout:  # each line comes once its entry is saved
                lines.append(line.strip())
                # Read while the child goes on entering: the file is never half-written,
                # and holds at least every entry made so far.
                assert counted_on_disk(sheet) in states[len(lines) :], lines
        except BaseException:
            child.kill()  # a check above failed: stop it, then say why
            raise
        finally:
            guard.cancel()
    err = err_path.read_text(encoding="utf-8")
    assert child.returncode == -signal.SIGKILL, f"rc {child.returncode}\n{lines}\n{err}"
    assert lines == [f"entered {n}" for n in range(1, 8)], err
    assert temp_files(tmp_path) == []

    # Reopened with the real window: every entered count is there, the half-typed one not.
    window = open_window(qtbot, sheet)
    widget = window.counting
    seen = {r.lot: r.counted for r in widget.rows()}
    assert seen == {
        "CV-3012B": 3,
        "CV-5907A": None,
        "CV-6233B": None,
        "HX-0912": 1,
        "PLX-3381": 6,
        "PLX-3456": None,
        "PLX-3512": 1,
        "RGX-EV-0077": None,
        "VC-1212": 19,
    }
    assert widget.progress.text() == "5 of 9 lots counted · 3 differ from expected"
    assert window.windowTitle().startswith("sheet.csv")

    # Back at the clinic: the file enters into its count.
    out = run_cli("count", "enter", str(count_id), str(sheet), "--db", str(demo_db))
    assert f"Entered 5 counted lot(s) from sheet.csv into count {count_id}." in out
    with ctx.db.read() as session:
        lines = {x.lot: x.counted for x in counts.count_lines(session, count_id)}
    assert lines == seen


def test_the_file_parses_after_every_single_entry(
    qtbot: QtBot, demo_db: Path, tmp_path: Path
) -> None:
    _, sheet = sheet_of_a_count(demo_db, tmp_path)
    window = open_window(qtbot, sheet)
    widget = window.counting
    want: dict[str, int | None] = dict.fromkeys(counted_on_disk(sheet))
    steps = [
        ("scan", gs1(CELVIA_GTIN, "261227", "CV-3012B"), "CV-3012B", 1),
        ("scan", gs1(CELVIA_GTIN, "261227", "CV-3012B"), "CV-3012B", 2),
        ("scan", "hx-0912", "HX-0912", 1),  # typed by hand, any case
        ("type", "25", "HX-0912", 25),
        ("type", "0", "RGX-EV-0077", 0),
        ("scan", gs1(HAIREXO_GTIN, "271031", "HX-0912"), "HX-0912", 26),
    ]
    for how, text, lot, number in steps:
        if how == "scan":
            scan(qtbot, widget, text)
        else:
            type_count(qtbot, widget, lot, text)
        assert widget.error_label.isHidden(), widget.error_label.text()
        want[lot] = number
        assert counted_on_disk(sheet) == want
        assert temp_files(tmp_path) == []
    assert window.statusBar().currentMessage() == "Saved to sheet.csv."

    # Clearing a count: an empty cell is "not counted".
    type_count(qtbot, widget, "RGX-EV-0077", "0")  # same number: nothing to write
    index = next(i for i, r in enumerate(widget.rows()) if r.lot == "RGX-EV-0077")
    widget.model.setData(widget.model.index(index, 5), "")
    want["RGX-EV-0077"] = None
    assert counted_on_disk(sheet) == want

    # If the file cannot be saved, the entry is refused, said plainly, and not shown as made.
    sheet.unlink()
    sheet.mkdir()  # the rename over it now fails
    scan(qtbot, widget, "PLX-3512")
    assert widget.error_label.text().startswith("Error: could not save the sheet file")
    assert "this count was NOT saved" in widget.error_label.text()
    assert row_of(widget, "PLX-3512").counted is None
    assert temp_files(tmp_path) == []


def test_a_lot_code_on_two_products_asks_which(qtbot: QtBot, tmp_path: Path) -> None:
    sheet = tmp_path / "shared.csv"
    sheet.write_text(
        f"{HEADER}\n"
        "Celvia MSC-Exo Lyo 50,A-100,2027-05-31,Fridge B,4,\n"
        "Hairexo Scalp Booster,A-100,2027-08-31,Fridge B,2,\n"
        "PlaceLux Exo Lyo,PLX-1,2027-01-31,Fridge B,1,\n",
        encoding="utf-8",
    )
    window = open_window(qtbot, sheet)
    widget = window.counting

    def pick_hairexo(dialog: QInputDialog) -> None:
        assert isinstance(dialog, QInputDialog)
        items = dialog.comboBoxItems()
        assert items == [
            "Celvia MSC-Exo Lyo 50 — lot A-100, expires 2027-05-31, Fridge B",
            "Hairexo Scalp Booster — lot A-100, expires 2027-08-31, Fridge B",
        ]
        dialog.setTextValue(items[1])
        dialog.accept()

    script = answer(pick_hairexo)
    scan(qtbot, widget, "A-100")
    script.done()
    script = answer(pick_hairexo)
    scan(qtbot, widget, gs1(HAIREXO_GTIN, "270831", "A-100"))  # no GTIN offline: ask too
    script.done()
    assert [r.counted for r in parse_sheet(sheet.read_text(encoding="utf-8"))] == [None, 2, None]

    def cancel(dialog: QInputDialog) -> None:
        dialog.reject()

    script = answer(cancel)
    scan(qtbot, widget, "A-100")
    script.done()
    assert widget.feedback.text() == "Nothing counted: no product picked."
    assert [r.counted for r in parse_sheet(sheet.read_text(encoding="utf-8"))] == [None, 2, None]


def test_a_scanned_lot_not_on_the_sheet_is_added_as_found(
    qtbot: QtBot, ctx: AppContext, demo_db: Path, tmp_path: Path
) -> None:
    count_id, sheet = sheet_of_a_count(demo_db, tmp_path)
    window = open_window(qtbot, sheet)
    widget = window.counting

    def describe(dialog: FoundLotDialog) -> None:
        assert isinstance(dialog, FoundLotDialog)
        assert dialog.product.currentText() == ""  # a sheet has no GTINs: say which
        assert dialog.lot.currentText() == "CV-1170A"
        assert dialog.expiry.date().toString("yyyy-MM-dd") == "2026-11-02"
        assert dialog.location.currentText() == "Fridge A"
        dialog.ok_button.click()
        assert dialog.error.text() == "Error: product: say which product this lot is"
        qtbot.keyClicks(dialog.product.lineEdit(), "Celvia MSC-Exo Lyo 50")
        dialog.counted.setValue(2)
        save_shot(dialog, "offline-found-lot-dialog", tmp_path)
        qtbot.keyClick(dialog.counted, Qt.Key.Key_Return)

    script = answer(click_yes, describe)
    scan(qtbot, widget, gs1(CELVIA_GTIN, "261102", "CV-1170A"))
    script.done()
    rows = parse_sheet(sheet.read_text(encoding="utf-8"))
    assert rows[-1].product == "Celvia MSC-Exo Lyo 50"
    assert (rows[-1].lot, str(rows[-1].expiry), rows[-1].location) == (
        "CV-1170A",
        "2026-11-02",
        "Fridge A",
    )
    assert (rows[-1].expected, rows[-1].counted) == (None, 2)
    assert widget.progress.text() == "1 of 10 lots counted · 1 differs from expected"
    type_count(qtbot, widget, "CV-6233B", "20")
    QApplication.processEvents()
    save_shot(window, "offline-count-window", tmp_path)

    out = run_cli("count", "enter", str(count_id), str(sheet), "--db", str(demo_db))
    assert "Entered 2 counted lot(s)" in out
    with ctx.db.read() as session:
        found = [x for x in counts.count_lines(session, count_id) if x.lot == "CV-1170A"]
    assert [(x.expected, x.counted) for x in found] == [(None, 2)]


def test_a_file_that_is_not_a_sheet_is_refused_with_its_problems(
    qtbot: QtBot, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("product,lot,expiry\nX,Y,2027-01-01\n", encoding="utf-8")
    messages: list[str] = []

    def read(box: QMessageBox) -> None:
        assert isinstance(box, QMessageBox)
        messages.append(f"{box.windowTitle()}\n{box.text()}\n{box.informativeText()}")
        box.accept()

    script = answer(read, read)
    assert open_offline_count(bad) is None
    assert open_offline_count(tmp_path / "missing.csv") is None
    script.done()
    assert "bad.csv cannot be opened as a count sheet" in messages[0]
    assert "row 1, column location: missing" in messages[0]
    assert "row 1, column counted: missing" in messages[0]
    assert "cannot read the file (No such file or directory)" in messages[1]


@pytest.mark.slow
def test_the_count_sheet_command_starts(demo_db: Path, tmp_path: Path) -> None:
    _, sheet = sheet_of_a_count(demo_db, tmp_path)
    before = sheet.read_bytes()
    # The window closes itself once shown (what the bundle's smoke test does): no waiting
    # for a guessed time, and a start that fails or never shows the window is caught.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EXODESK_QUIT_AFTER": "0"}
    child = subprocess.run(
        [sys.executable, "-m", "exodesk", "count-sheet", str(sheet)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # only against a hang
    )
    assert child.returncode == 0, (child.stdout, child.stderr)
    assert "window shown" in child.stdout, (child.stdout, child.stderr)
    assert sheet.read_bytes() == before

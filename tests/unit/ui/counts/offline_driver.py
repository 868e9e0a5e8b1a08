"""Run by test_offline_count.py in a child process (not a test itself): opens the offline
counting window on the sheet file given, enters counts through the real widget with key
clicks, then kills itself with SIGKILL in the middle of typing the next count, before any
clean shutdown. It prints "entered N" after each entry is made.

    python tests/unit/ui/counts/offline_driver.py SHEET.csv
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

CELVIA_GTIN = "08809531000129"
HAIREXO_GTIN = "08809533002176"


def main(argv: list[str]) -> int:
    path = Path(argv[1])
    app = QApplication(argv[:1])
    from exodesk.ui.counts.count_table import COUNTED_COLUMN
    from exodesk.ui.counts.counting import CountingWidget
    from exodesk.ui.counts.offline_count import OfflineCountWindow, open_offline_count

    window = open_offline_count(path)
    if not isinstance(window, OfflineCountWindow):
        print("could not open the sheet", file=sys.stderr)
        return 2
    window.show()
    widget: CountingWidget = window.counting
    entered = 0

    def done() -> None:
        nonlocal entered
        app.processEvents()
        if widget.error_label.text():
            print(widget.error_label.text(), file=sys.stderr)
        entered += 1
        print(f"entered {entered}", flush=True)

    def scan(code: str) -> None:
        QTest.keyClicks(widget.scan_edit, code)
        QTest.keyClick(widget.scan_edit, Qt.Key.Key_Return)
        done()

    def type_count(lot: str, number: str, *, press_enter: bool = True) -> None:
        row = next(i for i, r in enumerate(widget.rows()) if r.lot == lot)
        widget.table.selectRow(row)
        QTest.keyClick(widget.table, number[0])
        editor = widget.table.indexWidget(widget.model.index(row, COUNTED_COLUMN))
        assert isinstance(editor, QWidget)
        QTest.keyClicks(editor, number[1:])
        if press_enter:
            QTest.keyClick(editor, Qt.Key.Key_Return)
            done()

    for _ in range(3):  # three boxes of CV-3012B, scanned
        scan("]d201" + CELVIA_GTIN + "17261227" + "10CV-3012B")
    scan("]d201" + HAIREXO_GTIN + "17271031" + "10HX-0912")  # one box of HX-0912
    scan("PLX-3512")  # a lot code typed by hand
    type_count("PLX-3381", "6")
    type_count("VC-1212", "19")
    type_count("CV-5907A", "12", press_enter=False)  # halfway: not entered yet
    app.processEvents()
    os.kill(os.getpid(), signal.SIGKILL)
    return 1  # never reached


if __name__ == "__main__":
    sys.exit(main(sys.argv))
